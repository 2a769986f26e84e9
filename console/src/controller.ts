// The signed-in console's controller, like the widget's chat.ts: a plain
// class that owns the state (through the pure reducer), the HTTP client and
// the socket. The views only render `state` and call these methods; the unit
// tests drive it with a fake Api and a fake socket.
import { Api, ApiError, type ConversationPage, type HistoryPage } from './lib/api';
import { tokenClaims, type Claims } from './lib/jwt';
import { loadActive, saveActive, type Auth, type DraftKind } from './lib/storage';
import { newerId } from '../../shared/ordering';
import { fillTemplate } from './lib/canned';
import { conversationEmail } from './lib/format';
import type {
  Agent,
  CannedResponse,
  Conversation,
  ConversationPatch,
  ConversationStatus,
  Message,
  Note,
} from './lib/types';
import { uuid } from './lib/uuid';
import { ConsoleSocket, type SocketHandlers } from './lib/ws';
import {
  conversationForSession,
  initialState,
  lastStoredMessageId,
  pendingId,
  reducer,
  type Action,
  type Filter,
  type State,
} from './state';

/** How often Online now is re-read in full (one HGETALL on the server). */
const PRESENCE_REFRESH_MS = 20000;
/** A pause in the search box this long sends the query. */
const SEARCH_DEBOUNCE_MS = 250;
/** Unknown conversations seen in a burst of messages are fetched once. */
const UNKNOWN_REFRESH_MS = 300;

/** The HTTP calls the controller makes (lib/api.ts's Api; a fake in tests). */
export interface ConsoleApi {
  conversations(filter: Filter, before: string | null): Promise<ConversationPage>;
  history(conversationId: string, before: string | null): Promise<HistoryPage>;
  patch(conversationId: string, patch: ConversationPatch): Promise<Conversation | null>;
  reply(conversationId: string, text: string, clientMessageId: string): Promise<Message>;
  agents(): Promise<Agent[]>;
  notes(conversationId: string): Promise<Note[]>;
  addNote(conversationId: string, text: string): Promise<Note>;
  cannedResponses(): Promise<CannedResponse[]>;
  markRead(conversationId: string, upTo: string): Promise<void>;
}

/** The socket calls the controller makes (lib/ws.ts's ConsoleSocket; a fake in tests). */
export interface AgentSocket {
  readonly connected: boolean;
  requestOnlineUsers(): void;
  join(conversationId: string): void;
  leave(conversationId: string): void;
  send(conversationId: string, text: string, clientMessageId: string): Promise<Message>;
  typing(conversationId: string, sessionId: string | null, isTyping: boolean): void;
  sync(conversationId: string, sessionId: string | null, after: string): Promise<Message[]>;
  read(conversationId: string, upTo: string): Promise<void>;
  close(): void;
}

export interface ControllerOptions {
  auth: Auth;
  /** The token is no longer good: the app goes back to the sign-in form. */
  onExpired: () => void;
  api?: ConsoleApi;
  openSocket?: (token: string, handlers: SocketHandlers) => AgentSocket;
  newId?: () => string;
  /** Whether the console's tab is shown (the Page Visibility API; a stub in tests). */
  isPageVisible?: () => boolean;
}

function documentVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** What a failed call tells the agent. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404 || err.status === 405) return 'The server does not support this yet.';
    if (err.status === 0) return 'The server could not be reached.';
    return err.message;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

function isUnsupported(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405);
}

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

export class ConsoleController {
  state: State = initialState;
  readonly auth: Auth;
  readonly claims: Claims;
  /** clientMessageIds of the messages this tab sent: shown as "You" with a delivery state. */
  readonly ownIds = new Set<string>();
  readonly #api: ConsoleApi;
  readonly #openSocket: (token: string, handlers: SocketHandlers) => AgentSocket;
  readonly #newId: () => string;
  readonly #onExpired: () => void;
  readonly #listeners = new Set<(state: State) => void>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #socket: AgentSocket | null = null;
  #expired = false;
  #listSeq = 0;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #unknownTimer: ReturnType<typeof setTimeout> | undefined;
  #typingTimer: ReturnType<typeof setInterval> | undefined;
  #restorePending: string | null = null;
  readonly #isPageVisible: () => boolean;
  /** The read mark last sent per conversation, so each is sent once. */
  readonly #readSent = new Map<string, string>();
  #readSupported = true;
  readonly #onVisibility = (): void => this.pageVisibilityChanged();

  constructor(options: ControllerOptions) {
    this.auth = options.auth;
    this.claims = tokenClaims(options.auth.token);
    this.#onExpired = options.onExpired;
    this.#api = options.api ?? new Api(options.auth.token, () => this.#expire());
    this.#openSocket = options.openSocket ?? ((token, handlers) => new ConsoleSocket(token, handlers));
    this.#newId = options.newId ?? uuid;
    this.#isPageVisible = options.isPageVisible ?? documentVisible;
    this.state = {
      ...initialState,
      me: { agentId: this.claims.sub, name: this.myName, role: this.claims.role },
      pageVisible: this.#isPageVisible(),
    };
  }

  get myName(): string {
    return this.claims.name ?? this.auth.email;
  }

  subscribe(listener: (state: State) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.#restorePending = loadActive(this.auth.tenantId);
    this.#scheduleExpiry();
    this.#socket = this.#openSocket(this.auth.token, this.#handlers());
    const presence = setInterval(() => {
      if (this.#socket?.connected) this.#socket.requestOnlineUsers();
    }, PRESENCE_REFRESH_MS);
    this.#timers.add(presence);
    void this.loadList(false);
    void this.loadStaff();
    void this.loadCanned();
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onVisibility);
  }

  destroy(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    clearTimeout(this.#searchTimer);
    clearTimeout(this.#unknownTimer);
    clearInterval(this.#typingTimer);
    this.#socket?.close();
    this.#socket = null;
    this.#listeners.clear();
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  // ---- the list -------------------------------------------------------------

  setFilter(filter: Partial<Filter>): void {
    this.#dispatch({ type: 'filter_changed', filter });
    clearTimeout(this.#searchTimer);
    const delay = filter.search ? SEARCH_DEBOUNCE_MS : 0;
    this.#searchTimer = setTimeout(() => void this.loadList(false), delay);
  }

  async loadList(append: boolean): Promise<void> {
    const filter = this.state.filter;
    // Only the latest request may fill the list (filters change while one is in flight).
    const seq = ++this.#listSeq;
    this.#dispatch({ type: 'list_loading', loading: true });
    try {
      const page = await this.#api.conversations(filter, append ? this.state.listNextBefore : null);
      if (seq !== this.#listSeq) return;
      this.#dispatch({
        type: 'conversations_loaded',
        conversations: page.conversations,
        nextBefore: page.nextBefore,
        append,
        query: filter.search || null,
      });
      this.#restoreActive();
    } catch (err) {
      if (!isUnauthorized(err)) this.#notice(`Could not load conversations: ${describeError(err)}`);
    } finally {
      if (seq === this.#listSeq) this.#dispatch({ type: 'list_loading', loading: false });
    }
  }

  // ---- one conversation ---------------------------------------------------

  open(conversationId: string): void {
    const prev = this.state.activeId;
    if (prev && prev !== conversationId) this.#socket?.leave(prev);
    this.#restorePending = null;
    this.#dispatch({ type: 'open_conversation', conversationId });
    saveActive(this.auth.tenantId, conversationId);
    if (prev !== conversationId) this.#socket?.join(conversationId);
    if (!this.state.threads[conversationId]?.loaded) void this.#loadHistory(conversationId, false);
    if (!(conversationId in this.state.notes)) void this.#loadNotes(conversationId);
    this.#markActiveRead();
  }

  loadOlder(conversationId: string): Promise<void> {
    return this.#loadHistory(conversationId, true);
  }

  /** Open the conversation of a visitor from Online now, if they have written. */
  openVisitor(sessionId: string, userId: string | null): boolean {
    const c = conversationForSession(this.state, sessionId, userId);
    if (c) this.open(c.conversationId);
    else this.#notice('This visitor has not written yet.');
    return c !== null;
  }

  send(conversationId: string, text: string): void {
    const c = this.state.conversations[conversationId];
    const clientMessageId = this.#newId();
    this.ownIds.add(clientMessageId);
    this.#dispatch({
      type: 'message_pending',
      message: {
        messageId: pendingId(clientMessageId),
        tenantId: this.auth.tenantId,
        conversationId,
        sessionId: c?.sessionId ?? null,
        userId: c?.userId ?? null,
        sender: 'agent',
        senderName: this.myName,
        text,
        clientMessageId,
        createdAt: new Date().toISOString(),
      },
    });
    void this.#deliver(conversationId, text, clientMessageId);
  }

  retry(conversationId: string, clientMessageId: string): void {
    const m = this.state.threads[conversationId]?.messages.find((x) => x.clientMessageId === clientMessageId);
    if (!m) return;
    this.#dispatch({ type: 'message_retry', conversationId, clientMessageId });
    void this.#deliver(conversationId, m.text, clientMessageId);
  }

  /** PATCH the conversation; the server's answer (or the patch itself) is applied. */
  async update(conversationId: string, patch: ConversationPatch): Promise<boolean> {
    try {
      const updated = await this.#api.patch(conversationId, patch);
      const known = this.state.conversations[conversationId];
      const next = updated ?? (known ? { ...known, ...patch } : null);
      if (next) this.#dispatch({ type: 'conversation_updated', conversation: next });
      return true;
    } catch (err) {
      if (!isUnauthorized(err)) {
        this.#notice(`Could not ${describePatch(patch)} the conversation: ${describeError(err)}`);
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
    const me = this.state.me.agentId;
    if (me === null) {
      this.#notice('Could not assign the conversation: the token does not name this agent.');
      return Promise.resolve(false);
    }
    return this.assign(conversationId, me);
  }

  /** An internal note: staff only, never sent to the visitor. False (and a notice) if it was not stored. */
  async addNote(conversationId: string, text: string): Promise<boolean> {
    try {
      const note = await this.#api.addNote(conversationId, text);
      this.#dispatch({ type: 'note_added', note });
      return true;
    } catch (err) {
      if (isUnsupported(err)) this.#dispatch({ type: 'notes_unsupported' });
      if (!isUnauthorized(err)) this.#notice(`Could not add the note: ${describeError(err)}`);
      return false;
    }
  }

  /** A canned response's text with the conversation's visitor and this agent filled in. */
  fillCanned(conversationId: string, response: CannedResponse): string {
    const c = this.state.conversations[conversationId];
    const name = c ? (c.visitor.name ?? c.visitor.userInfo.name ?? null) : null;
    return fillTemplate(response.text, {
      'visitor.name': name,
      'visitor.email': c ? conversationEmail(c) : null,
      'agent.name': this.myName,
    });
  }

  async loadCanned(): Promise<void> {
    try {
      this.#dispatch({ type: 'canned_loaded', responses: await this.#api.cannedResponses() });
    } catch (err) {
      if (isUnsupported(err)) this.#dispatch({ type: 'canned_unsupported' });
    }
  }

  /** The tenant's agents, for the assignment control; a server without the route leaves it empty. */
  async loadStaff(): Promise<void> {
    try {
      this.#dispatch({ type: 'staff_loaded', agents: await this.#api.agents() });
    } catch (err) {
      if (isUnsupported(err)) this.#dispatch({ type: 'staff_unsupported' });
    }
  }

  typing(conversationId: string, isTyping: boolean): void {
    const c = this.state.conversations[conversationId];
    this.#socket?.typing(conversationId, c?.sessionId ?? null, isTyping);
  }

  setComposeMode(mode: DraftKind): void {
    if (mode === 'note' && this.state.notesSupport === 'unsupported') return;
    this.#dispatch({ type: 'compose_mode', mode });
  }

  /** The tab was shown or hidden: what is open and now shown gets marked read. */
  pageVisibilityChanged(): void {
    this.#dispatch({ type: 'page_visibility', visible: this.#isPageVisible() });
    this.#markActiveRead();
  }

  dismissNotice(): void {
    this.#dispatch({ type: 'notice', notice: null });
  }

  // ---- internals ----------------------------------------------------------

  #dispatch(action: Action): void {
    const next = reducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    this.#watchTyping();
    for (const listener of this.#listeners) listener(next);
  }

  #notice(text: string): void {
    this.#dispatch({ type: 'notice', notice: text });
  }

  #expire(): void {
    if (this.#expired) return;
    this.#expired = true;
    this.#onExpired();
  }

  // The token's own end of life, whichever of expiresAt / exp says so.
  #scheduleExpiry(): void {
    const at = Date.parse(this.auth.expiresAt);
    const end = !Number.isNaN(at) ? at : this.claims.exp !== null ? this.claims.exp * 1000 : NaN;
    if (Number.isNaN(end)) return;
    const timer = setTimeout(() => this.#expire(), Math.max(0, Math.min(end - Date.now(), 2 ** 31 - 1)));
    this.#timers.add(timer);
  }

  // Typing indicators fade out on their own if the "stopped" event is lost.
  #watchTyping(): void {
    const active = Object.keys(this.state.typing).length > 0;
    if (active && this.#typingTimer === undefined) {
      this.#typingTimer = setInterval(() => this.#dispatch({ type: 'typing_expired', now: Date.now() }), 1000);
    } else if (!active && this.#typingTimer !== undefined) {
      clearInterval(this.#typingTimer);
      this.#typingTimer = undefined;
    }
  }

  // Reopen the conversation this tab had open (e.g. after an expired token).
  #restoreActive(): void {
    const id = this.#restorePending;
    if (id !== null && this.state.conversations[id]) this.open(id);
  }

  async #loadHistory(conversationId: string, older: boolean): Promise<void> {
    if (!this.state.conversations[conversationId]) return;
    const before = older ? (this.state.threads[conversationId]?.nextBefore ?? null) : null;
    if (older && before === null) return;
    try {
      const page = await this.#api.history(conversationId, before);
      this.#dispatch({ type: 'history_loaded', conversationId, messages: page.messages, nextBefore: page.nextBefore, older });
      if (conversationId === this.state.activeId) this.#markActiveRead();
    } catch (err) {
      if (!isUnauthorized(err)) this.#notice(`Could not load messages: ${describeError(err)}`);
    }
  }

  /**
   * Tell the server the agent has read the open conversation, when the tab is
   * shown and something newer than the agents' read mark is on screen.
   */
  #markActiveRead(): void {
    const id = this.state.activeId;
    if (id === null || !this.#readSupported || !this.state.pageVisible) return;
    const thread = this.state.threads[id];
    const upTo = thread?.loaded ? lastStoredMessageId(thread) : null;
    if (upTo === null) return;
    const mark = newerId(this.state.conversations[id]?.agentLastReadId ?? null, this.#readSent.get(id) ?? null);
    if (mark !== null && upTo <= mark) return;
    this.#readSent.set(id, upTo);
    void this.#sendRead(id, upTo);
  }

  async #sendRead(conversationId: string, upTo: string): Promise<void> {
    try {
      const sock = this.#socket;
      if (sock?.connected) {
        try {
          await sock.read(conversationId, upTo);
        } catch {
          await this.#api.markRead(conversationId, upTo); // an older server or a lost ack
        }
      } else {
        await this.#api.markRead(conversationId, upTo);
      }
      this.#dispatch({
        type: 'messages_read',
        read: { conversationId, reader: 'agent', agentId: this.state.me.agentId, upTo, readAt: null },
      });
    } catch (err) {
      if (isUnsupported(err)) this.#readSupported = false;
      else this.#readSent.delete(conversationId); // try again with the next message
    }
  }

  async #loadNotes(conversationId: string): Promise<void> {
    if (this.state.notesSupport === 'unsupported') return;
    try {
      const notes = await this.#api.notes(conversationId);
      this.#dispatch({ type: 'notes_loaded', conversationId, notes });
    } catch (err) {
      if (isUnsupported(err)) this.#dispatch({ type: 'notes_unsupported' });
      else if (!isUnauthorized(err)) this.#notice(`Could not load the notes: ${describeError(err)}`);
    }
  }

  async #deliver(conversationId: string, text: string, clientMessageId: string): Promise<void> {
    const sock = this.#socket;
    try {
      const m =
        sock && sock.connected
          ? await sock.send(conversationId, text, clientMessageId)
          : await this.#api.reply(conversationId, text, clientMessageId);
      this.#dispatch({ type: 'message_acked', conversationId, clientMessageId, message: m });
    } catch (err) {
      this.#dispatch({ type: 'message_failed', conversationId, clientMessageId });
      if (!isUnauthorized(err)) this.#notice(`Message not sent: ${describeError(err)}`);
    }
  }

  /** After a reconnect: what each loaded thread missed, by `sync`, else a fresh page. */
  async #syncThreads(): Promise<void> {
    for (const [id, thread] of Object.entries(this.state.threads)) {
      if (!thread.loaded) continue;
      const after = lastStoredMessageId(thread);
      const c = this.state.conversations[id];
      try {
        const sock = this.#socket;
        if (!sock || after === null) throw new Error('no sync');
        const missed = await sock.sync(id, c?.sessionId ?? null, after);
        for (const m of missed) this.#dispatch({ type: 'message_received', message: m });
      } catch {
        void this.#loadHistory(id, false);
      }
    }
  }

  #refreshSoon(): void {
    clearTimeout(this.#unknownTimer);
    this.#unknownTimer = setTimeout(() => void this.loadList(false), UNKNOWN_REFRESH_MS);
  }

  #handlers(): SocketHandlers {
    return {
      status: (link) => this.#dispatch({ type: 'link', link }),
      connected: (first) => {
        this.#socket?.requestOnlineUsers();
        const active = this.state.activeId;
        if (active) this.#socket?.join(active);
        if (!first) {
          void this.loadList(false);
          void this.#syncThreads();
        }
      },
      authFailed: () => this.#expire(),
      message: (m) => {
        const known = this.state.conversations[m.conversationId];
        this.#dispatch({ type: 'message_received', message: m });
        // A new conversation, or one reopened by the visitor: fetch its details.
        if (!known || (known.status === 'closed' && m.sender === 'visitor')) this.#refreshSoon();
        this.#restoreActive();
        if (m.conversationId === this.state.activeId) this.#markActiveRead();
      },
      onlineList: (users) => this.#dispatch({ type: 'presence_list', users }),
      userOnline: (user) => this.#dispatch({ type: 'user_online', user }),
      userOffline: (sessionId) => this.#dispatch({ type: 'user_offline', sessionId }),
      typing: (t) => this.#dispatch({ type: 'typing', ...t, now: Date.now() }),
      agentsList: (agents) => this.#dispatch({ type: 'agents_list', agents }),
      agentOnline: (agent) => this.#dispatch({ type: 'agent_online', agent }),
      agentOffline: (agentId) => this.#dispatch({ type: 'agent_offline', agentId }),
      conversationStatus: (conversationId, status) => this.#dispatch({ type: 'status_changed', conversationId, status }),
      conversationUpdated: (conversation) => this.#dispatch({ type: 'conversation_updated', conversation }),
      noteCreated: (note) => this.#dispatch({ type: 'note_added', note }),
      messagesRead: (read) => this.#dispatch({ type: 'messages_read', read }),
    };
  }
}
