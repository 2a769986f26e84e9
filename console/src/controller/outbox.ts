// The agent's replies to the visitor: shown at once ("Sending…"), sent over
// the socket with an ack, or over HTTP while the socket is down, and marked
// Sent or "Not sent · Retry". Every attempt carries the same clientMessageId,
// so the server stores the message once however often it is retried.
import type { Attachment } from '../lib/types';
import { pendingId } from '../state';
import { describeError, isUnauthorized, type AgentSocket, type ConsoleApi, type Store } from './ports';

export interface OutboxOptions {
  newId: () => string;
  tenantId: string;
  senderName: string;
  /** clientMessageIds of this tab's messages, shown as "You" with their delivery state. */
  ownIds: Set<string>;
}

export class Outbox {
  constructor(
    private readonly api: ConsoleApi,
    private readonly store: Store,
    private readonly socket: () => AgentSocket | null,
    private readonly options: OutboxOptions,
  ) {}

  send(conversationId: string, text: string, attachments: Attachment[] = []): void {
    const c = this.store.state.conversations[conversationId];
    const clientMessageId = this.options.newId();
    this.options.ownIds.add(clientMessageId);
    this.store.dispatch({
      type: 'message_pending',
      message: {
        messageId: pendingId(clientMessageId),
        tenantId: this.options.tenantId,
        conversationId,
        sessionId: c?.sessionId ?? null,
        userId: c?.userId ?? null,
        sender: 'agent',
        senderName: this.options.senderName,
        text,
        clientMessageId,
        createdAt: new Date().toISOString(),
        attachments,
      },
    });
    void this.#deliver(conversationId, text, clientMessageId, attachments);
  }

  retry(conversationId: string, clientMessageId: string): void {
    const thread = this.store.state.threads[conversationId];
    const m = thread?.messages.find((x) => x.clientMessageId === clientMessageId);
    if (!m) return;
    this.store.dispatch({ type: 'message_retry', conversationId, clientMessageId });
    void this.#deliver(conversationId, m.text, clientMessageId, m.attachments ?? []);
  }

  async #deliver(conversationId: string, text: string, clientMessageId: string, attachments: Attachment[]): Promise<void> {
    const sock = this.socket();
    const ids = attachments.map((a) => a.attachmentId);
    try {
      const m = sock?.connected
        ? await sock.send(conversationId, text, clientMessageId, ids)
        : await this.api.reply(conversationId, text, clientMessageId, ids);
      this.store.dispatch({ type: 'message_acked', conversationId, clientMessageId, message: m });
    } catch (err) {
      this.store.dispatch({ type: 'message_failed', conversationId, clientMessageId });
      if (!isUnauthorized(err)) this.store.notice(`Message not sent: ${describeError(err)}`);
    }
  }
}
