// The signed-in console's controller, like the widget's chat.ts: a plain
// class that owns the state (through the pure reducer), the HTTP client and
// the socket. The views only render `state` and call these methods (and the
// help-desk ones on `desk`); the unit tests drive it with a fake Api and a
// fake socket. Its parts: controller/desk.ts (status, assignment, labels,
// notes, canned responses), controller/reads.ts (the read mark),
// controller/alertRules.ts (what alerts the agent).
import { Alerter, type AlertSink } from './lib/alerts';
import { Api } from './lib/api';
import { tokenClaims, type Claims } from './lib/jwt';
import {
  loadActive,
  loadAlertPrefs,
  saveActive,
  saveAlertPrefs,
  type AlertPrefs,
  type Auth,
  type DraftKind,
} from './lib/storage';
import type { Attachment } from './lib/types';
import { uuid } from './lib/uuid';
import { ConsoleSocket, type SocketHandlers } from './lib/ws';
import { alertFor } from './controller/alertRules';
import { Desk } from './controller/desk';
import { Outbox } from './controller/outbox';
import { describeError, isUnauthorized, type AgentSocket, type ConsoleApi, type Store } from './controller/ports';
import { ReadMarker } from './controller/reads';
import {
  conversationForSession,
  initialState,
  lastStoredMessageId,
  reducer,
  type Action,
  type Filter,
  type State,
} from './state';

export type { AgentSocket, ConsoleApi } from './controller/ports';
export { describeError } from './controller/ports';

/** How often Online now is re-read in full (one HGETALL on the server). */
const PRESENCE_REFRESH_MS = 20000;
/** A pause in the search box this long sends the query. */
const SEARCH_DEBOUNCE_MS = 250;
/** Unknown conversations seen in a burst of messages are fetched once. */
const UNKNOWN_REFRESH_MS = 300;

export interface ControllerOptions {
  auth: Auth;
  /** The token is no longer good: the app goes back to the sign-in form (with the server's reason, if any). */
  onExpired: (reason?: string) => void;
  api?: ConsoleApi;
  openSocket?: (token: string, handlers: SocketHandlers) => AgentSocket;
  newId?: () => string;
  /** Whether the console's tab is shown (the Page Visibility API; a stub in tests). */
  isPageVisible?: () => boolean;
  /** Sound and desktop notifications (lib/alerts.ts's Alerter; a fake in tests). */
  alerts?: AlertSink & { requestPermission(): Promise<NotificationPermission | 'unsupported'>; readonly permission: NotificationPermission | 'unsupported' };
}

function documentVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

export class ConsoleController {
  state: State = initialState;
  readonly auth: Auth;
  readonly claims: Claims;
  /** clientMessageIds of the messages this tab sent: shown as "You" with a delivery state. */
  readonly ownIds = new Set<string>();
  readonly #api: ConsoleApi;
  readonly #openSocket: (token: string, handlers: SocketHandlers) => AgentSocket;
  readonly #onExpired: (reason?: string) => void;
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
  readonly #onVisibility = (): void => this.pageVisibilityChanged();
  readonly #store: Store;
  readonly #reads: ReadMarker;
  readonly #outbox: Outbox;
  readonly #alerts: NonNullable<ControllerOptions['alerts']>;
  /** Status, snooze, assignment, labels, notes, canned responses, staff. */
  readonly desk: Desk;

  constructor(options: ControllerOptions) {
    this.auth = options.auth;
    this.claims = tokenClaims(options.auth.token);
    this.#onExpired = options.onExpired;
    this.#api = options.api ?? new Api(options.auth.token, (reason) => this.#expire(reason));
    this.#openSocket = options.openSocket ?? ((token, handlers) => new ConsoleSocket(token, handlers));
    this.#isPageVisible = options.isPageVisible ?? documentVisible;
    this.#alerts =
      options.alerts ?? new Alerter({ prefs: () => this.state.alertPrefs, onOpen: (id) => this.open(id) });
    this.state = {
      ...initialState,
      me: { agentId: this.claims.sub, name: this.myName, role: this.claims.role },
      pageVisible: this.#isPageVisible(),
      alertPrefs: loadAlertPrefs(),
      notificationPermission: this.#alerts.permission,
    };
    const controller = this;
    this.#store = {
      get state() {
        return controller.state;
      },
      dispatch: (action) => this.#dispatch(action),
      notice: (text) => this.#notice(text),
    };
    this.desk = new Desk(this.#api, this.#store);
    this.#reads = new ReadMarker(this.#api, this.#store, () => this.#socket);
    this.#outbox = new Outbox(this.#api, this.#store, () => this.#socket, {
      newId: options.newId ?? uuid,
      tenantId: this.auth.tenantId,
      senderName: this.myName,
      ownIds: this.ownIds,
    });
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
    void this.desk.loadStaff();
    void this.desk.loadCanned();
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
    if (!(conversationId in this.state.notes)) void this.desk.loadNotes(conversationId);
    this.#reads.markOpenConversation();
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

  /** Send a reply to the visitor: shown at once as "Sending…", stored once however often it is retried. */
  send(conversationId: string, text: string, attachments: Attachment[] = []): void {
    this.#outbox.send(conversationId, text, attachments);
  }

  /** Upload a file for the next reply (§11): `onProgress` hears the fraction sent. */
  upload(conversationId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Attachment> {
    return this.#api.upload(conversationId, file, onProgress, signal);
  }

  /** Send a failed reply again, with its original clientMessageId. */
  retry(conversationId: string, clientMessageId: string): void {
    this.#outbox.retry(conversationId, clientMessageId);
  }

  typing(conversationId: string, isTyping: boolean): void {
    const c = this.state.conversations[conversationId];
    this.#socket?.typing(conversationId, c?.sessionId ?? null, isTyping);
  }

  /** Sound, desktop notifications, title count: on or off, remembered in localStorage. */
  setAlertPrefs(change: Partial<AlertPrefs>): void {
    const prefs = { ...this.state.alertPrefs, ...change };
    saveAlertPrefs(prefs);
    this.#dispatch({ type: 'alert_prefs', prefs, permission: this.#alerts.permission });
    if (change.desktop) void this.askNotificationPermission(true);
  }

  /**
   * Ask for the notification permission, from a click or key press only.
   * Asked once: after the first answer (or `force` from the Alerts menu) it is not asked again.
   */
  async askNotificationPermission(force = false): Promise<void> {
    const prefs = this.state.alertPrefs;
    if (!prefs.desktop || (prefs.permissionAsked && !force) || this.#alerts.permission !== 'default') return;
    const asked = { ...prefs, permissionAsked: true };
    saveAlertPrefs(asked);
    this.#dispatch({ type: 'alert_prefs', prefs: asked, permission: this.#alerts.permission });
    const permission = await this.#alerts.requestPermission();
    this.#dispatch({ type: 'alert_prefs', prefs: this.state.alertPrefs, permission });
  }

  setComposeMode(mode: DraftKind): void {
    if (mode === 'note' && this.state.notesSupport === 'unsupported') return;
    this.#dispatch({ type: 'compose_mode', mode });
  }

  /** The tab was shown or hidden: what is open and now shown gets marked read. */
  pageVisibilityChanged(): void {
    this.#dispatch({ type: 'page_visibility', visible: this.#isPageVisible() });
    this.#reads.markOpenConversation();
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

  #expire(reason?: string): void {
    if (this.#expired) return;
    this.#expired = true;
    this.#onExpired(reason);
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
      if (conversationId === this.state.activeId) this.#reads.markOpenConversation();
    } catch (err) {
      if (!isUnauthorized(err)) this.#notice(`Could not load messages: ${describeError(err)}`);
    }
  }

  /**
   * After a reconnect, or when the server asks: the list again, and what each thread
   * missed, from its newest message or from `from` (where the server's gap began) if older.
   */
  #catchUp(from: string | null): void {
    void this.loadList(false);
    void this.#syncThreads(from);
  }

  /** What each loaded thread missed, by `sync`, else a fresh page. */
  async #syncThreads(from: string | null): Promise<void> {
    for (const [id, thread] of Object.entries(this.state.threads)) {
      if (!thread.loaded) continue;
      const newest = lastStoredMessageId(thread);
      const after = newest !== null && from !== null && from < newest ? from : newest;
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
        if (!first) this.#catchUp(null);
      },
      resync: (from) => {
        this.#socket?.requestOnlineUsers();
        this.#catchUp(from);
      },
      // The server refused the token (expired, or the agent disabled): at a reconnect or when closing the socket.
      authFailed: (reason) => this.#expire(reason),
      message: (m) => {
        const before = this.state;
        const known = before.conversations[m.conversationId];
        this.#dispatch({ type: 'message_received', message: m });
        const alert = alertFor(before, this.state, m);
        if (alert) this.#alerts.alert(alert);
        // A new conversation, or one reopened by the visitor: fetch its details.
        if (!known || (known.status === 'closed' && m.sender === 'visitor')) this.#refreshSoon();
        this.#restoreActive();
        if (m.conversationId === this.state.activeId) this.#reads.markOpenConversation();
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
