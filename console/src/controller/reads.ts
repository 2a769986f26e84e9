// The agents' read mark (CONTRACT §8): when the open conversation is on
// screen in a shown tab and holds something newer than the mark, tell the
// server, over the socket (`read`) or HTTP when the socket is down. Each mark
// is sent once; a failed one is tried again with the next message.
import { newerId } from '../../../shared/ordering';
import { lastStoredMessageId } from '../state';
import { isUnsupported, type AgentSocket, type ConsoleApi, type Store } from './ports';

export class ReadMarker {
  readonly #sent = new Map<string, string>();
  #supported = true;

  constructor(
    private readonly api: ConsoleApi,
    private readonly store: Store,
    private readonly socket: () => AgentSocket | null,
  ) {}

  markOpenConversation(): void {
    const state = this.store.state;
    const id = state.activeId;
    if (id === null || !this.#supported || !state.pageVisible) return;
    const thread = state.threads[id];
    const upTo = thread?.loaded ? lastStoredMessageId(thread) : null;
    if (upTo === null) return;
    const mark = newerId(state.conversations[id]?.agentLastReadId ?? null, this.#sent.get(id) ?? null);
    // unreadCount counts the visitor's messages: only one of them past the mark needs a new mark.
    const unreadFromVisitor = thread!.messages.some(
      (m) => m.sender === 'visitor' && m.delivery === 'sent' && (mark === null || m.messageId > mark),
    );
    if (!unreadFromVisitor) return;
    this.#sent.set(id, upTo);
    void this.#send(id, upTo);
  }

  async #send(conversationId: string, upTo: string): Promise<void> {
    try {
      const sock = this.socket();
      if (sock?.connected) {
        try {
          await sock.read(conversationId, upTo);
        } catch {
          await this.api.markRead(conversationId, upTo); // a lost ack, or a server without the event
        }
      } else {
        await this.api.markRead(conversationId, upTo);
      }
      this.store.dispatch({
        type: 'messages_read',
        read: { conversationId, reader: 'agent', agentId: this.store.state.me.agentId, upTo, readAt: null },
      });
    } catch (err) {
      if (isUnsupported(err)) this.#supported = false;
      else this.#sent.delete(conversationId);
    }
  }
}
