// The help-desk operations on conversations (CONTRACT §8): status, snooze,
// assignment, labels, internal notes, canned responses and the staff list.
// Each one goes to the server first and applies its answer; a failure leaves
// the state as it was and says why in the banner.
import { fillTemplate } from '../lib/canned';
import { conversationEmail } from '../lib/format';
import type { Attachment, CannedResponse, ConversationPatch, ConversationStatus } from '../lib/types';
import { describeError, isUnauthorized, isUnsupported, type ConsoleApi, type Store } from './ports';

const STATUS_VERB: Record<ConversationStatus, string> = {
  open: 'reopen',
  pending: 'mark pending',
  snoozed: 'snooze',
  closed: 'close',
};

/** What a change does, for "Could not … the conversation". */
function describePatch(patch: ConversationPatch): string {
  if (patch.status) return STATUS_VERB[patch.status];
  if (patch.assigneeId !== undefined) return patch.assigneeId === null ? 'unassign' : 'assign';
  if (patch.labels) return 'label';
  return 'change';
}

/** Canned responses have no live event: a list older than this is read again when `/` is typed. */
const CANNED_STALE_MS = 60_000;

export class Desk {
  #cannedLoadedAt = 0;

  constructor(
    private readonly api: ConsoleApi,
    private readonly store: Store,
  ) {}

  /** PATCH the conversation; the server's answer (or the patch itself) is applied. */
  async update(conversationId: string, patch: ConversationPatch): Promise<boolean> {
    try {
      const updated = await this.api.patch(conversationId, patch);
      const known = this.store.state.conversations[conversationId];
      const next = updated ?? (known ? { ...known, ...patch } : null);
      if (next) this.store.dispatch({ type: 'conversation_updated', conversation: next });
      return true;
    } catch (err) {
      if (!isUnauthorized(err)) {
        this.store.notice(`Could not ${describePatch(patch)} the conversation: ${describeError(err)}`);
      }
      return false;
    }
  }

  setStatus(conversationId: string, status: ConversationStatus, snoozedUntil?: Date): Promise<boolean> {
    const patch: ConversationPatch =
      status === 'snoozed' && snoozedUntil ? { status, snoozedUntil: snoozedUntil.toISOString() } : { status };
    return this.update(conversationId, patch);
  }

  assign(conversationId: string, agentId: string | null): Promise<boolean> {
    return this.update(conversationId, { assigneeId: agentId });
  }

  assignToMe(conversationId: string): Promise<boolean> {
    const me = this.store.state.me.agentId;
    if (me === null) {
      this.store.notice('Could not assign the conversation: the token does not name this agent.');
      return Promise.resolve(false);
    }
    return this.assign(conversationId, me);
  }

  setLabels(conversationId: string, labels: string[]): Promise<boolean> {
    return this.update(conversationId, { labels });
  }

  /** An internal note: staff only, never sent to the visitor. False (and a notice) if it was not stored. */
  async addNote(conversationId: string, text: string, attachments: Attachment[] = []): Promise<boolean> {
    try {
      const note = await this.api.addNote(
        conversationId,
        text,
        attachments.map((a) => a.attachmentId),
      );
      this.store.dispatch({ type: 'note_added', note });
      return true;
    } catch (err) {
      if (isUnsupported(err)) this.store.dispatch({ type: 'notes_unsupported' });
      if (!isUnauthorized(err)) this.store.notice(`Could not add the note: ${describeError(err)}`);
      return false;
    }
  }

  async loadNotes(conversationId: string): Promise<void> {
    if (this.store.state.notesSupport === 'unsupported') return;
    try {
      const notes = await this.api.notes(conversationId);
      this.store.dispatch({ type: 'notes_loaded', conversationId, notes });
    } catch (err) {
      if (isUnsupported(err)) this.store.dispatch({ type: 'notes_unsupported' });
      else if (!isUnauthorized(err)) this.store.notice(`Could not load the notes: ${describeError(err)}`);
    }
  }

  /** A canned response's text with the conversation's visitor and this agent filled in. */
  fillCanned(conversationId: string, response: CannedResponse): string {
    const state = this.store.state;
    const c = state.conversations[conversationId];
    return fillTemplate(response.text, {
      'visitor.name': c ? (c.visitor.name ?? c.visitor.userInfo.name ?? null) : null,
      'visitor.email': c ? conversationEmail(c) : null,
      'agent.name': state.me.name,
    });
  }

  /** Read the canned responses again if the list is stale (an admin may have added one). */
  refreshCanned(now = Date.now()): void {
    if (this.store.state.cannedSupport === 'unsupported' || now - this.#cannedLoadedAt < CANNED_STALE_MS) return;
    void this.loadCanned();
  }

  async loadCanned(): Promise<void> {
    this.#cannedLoadedAt = Date.now();
    try {
      this.store.dispatch({ type: 'canned_loaded', responses: await this.api.cannedResponses() });
    } catch (err) {
      if (isUnsupported(err)) this.store.dispatch({ type: 'canned_unsupported' });
    }
  }

  /** The tenant's agents, for the assignment control; a server without the route leaves it empty. */
  async loadStaff(): Promise<void> {
    try {
      this.store.dispatch({ type: 'staff_loaded', agents: await this.api.agents() });
    } catch (err) {
      if (isUnsupported(err)) this.store.dispatch({ type: 'staff_unsupported' });
    }
  }
}
