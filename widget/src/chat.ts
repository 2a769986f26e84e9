// The chat's state, between the three lib/ clients and the UI: the message
// list (history, live messages and the visitor's optimistic ones), unread
// count, typing indicator, connection status, and (contract §9) the tenant's
// config and availability, the e-mail the visitor may leave and the
// transcript. The UI only renders this state and calls these methods.

import { compareIds, isCoveredBy, newerId } from '../../shared/ordering';
import type { Availability, OfflineMode, WidgetConfig } from '../../shared/types';
import { EmailPromptClock, isEmail, showsContactForm, showsLauncher, type EmailPrompt } from './availability';
import { ChatAPI, ChatError, type Attachment, type ChatMessage, type Sender } from './lib/api';
import { Emitter } from './lib/emitter';
import type { Identity, SessionManager } from './lib/session';
import type { ChatWebSocket, ConnectionStatus } from './lib/ws';

export const MAX_TEXT_LENGTH = 4000;
/** The server takes at most this many attachments on one message (contract §11). */
export const MAX_ATTACHMENTS = 10;
const HISTORY_PAGE_SIZE = 50;
// An agent whose "stopped typing" event was lost should not type forever.
const TYPING_EXPIRY_MS = 8000;
// The launcher waits this long for the config before showing with defaults.
const CONFIG_WAIT_MS = 3000;

export type { EmailPrompt };
/** `no_email`: 422; `unavailable`: 503, the server sends no e-mail; `rate_limited`: 429. */
export type TranscriptState = 'idle' | 'sending' | 'sent' | 'no_email' | 'unavailable' | 'rate_limited' | 'failed';

export type DeliveryState = 'sending' | 'sent' | 'failed';

/** A file on a message; `href` is null unless the url is one of this server's files. */
export interface ViewAttachment {
  attachmentId: string;
  name: string;
  size: number;
  contentType: string;
  href: string | null;
  /** Shown as a thumbnail (the server serves these types inline). */
  image: boolean;
}

/** A file being attached in the composer, before the message is sent. */
export interface Upload {
  key: string;
  name: string;
  size: number;
  state: 'uploading' | 'done' | 'failed';
  /** 0 to 1. */
  progress: number;
  /** Why it failed: `payload_too_large`, `unsupported_media_type`, `too_many`, … */
  errorCode: string | null;
  /** The server's words (a 413 names the limit). */
  errorMessage: string | null;
  attachment: ViewAttachment | null;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export interface ViewMessage {
  /** Stable across the optimistic → stored transition, for the UI's keys. */
  key: string;
  messageId: string | null;
  clientMessageId: string | null;
  sender: Sender;
  senderName: string | null;
  text: string;
  createdAt: string;
  state: DeliveryState;
  errorCode: string | null;
  attachments: ViewAttachment[];
}

export interface ChatState {
  open: boolean;
  messages: ViewMessage[];
  unread: number;
  agentTyping: boolean;
  connection: ConnectionStatus;
  historyLoaded: boolean;
  loadingHistory: boolean;
  hasOlder: boolean;
  /** Files attached in the composer, not sent yet. */
  uploads: Upload[];
  /** An error code to show in the panel (fatal handshake refusals, history failures). */
  errorCode: string | null;
  /** The newest incoming message, for the ARIA live region. */
  latestIncoming: ViewMessage | null;
  /** How far an agent has read (`messages_read`): the visitor's messages up to it are "Seen". */
  seenUpTo: string | null;
  /** `GET /webchat/config`; null until it answers (and when it failed). */
  config: WidgetConfig | null;
  /** The config answered, failed or took too long: the UI may show. */
  configured: boolean;
  offlineMode: OfflineMode;
  /** null while unknown; then live from the `availability` event. */
  availability: Availability | null;
  /** The server has an e-mail for this visitor (logged in with one, or left in this session). */
  emailKnown: boolean;
  /** Asking an anonymous visitor, whom nobody answered for a minute, for an e-mail. */
  emailPrompt: EmailPrompt;
  /** The e-mail just left, to confirm it. */
  contactEmail: string | null;
  contactSaving: boolean;
  /** Why the e-mail was not taken: `email_required`, `email_invalid`, or an error code. */
  contactError: string | null;
  transcript: TranscriptState;
  /** Derived: the launcher shows (see `showsLauncher`). */
  launcher: boolean;
  /** Derived: the offline form replaces the composer (see `showsContactForm`). */
  contactForm: boolean;
}

/** Events a host page may listen to with `WebChat.on`. */
export interface WebChatEvents {
  ready: undefined;
  open: undefined;
  close: undefined;
  /** A message new to this tab, from anyone (agent, system, or the visitor in another tab). */
  message: ChatMessage;
  /** A message this tab sent, once the server stored it. */
  sent: ChatMessage;
  unread: number;
  connection: ConnectionStatus;
  /** The tenant's availability, when first known and when it changes (contract §9). */
  availability: Availability;
  error: { code: string; message: string };
}

export interface ChatControllerOptions {
  session: SessionManager;
  api: ChatAPI;
  ws: ChatWebSocket;
  newId?: () => string;
  /** Whether the visitor can see the page (shown and focused); a stub in tests. */
  isVisible?: () => boolean;
}

function pageInView(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'visible' && document.hasFocus();
}

function keyOf(message: { messageId: string | null; clientMessageId: string | null }): string {
  return message.clientMessageId ? `c:${message.clientMessageId}` : `m:${message.messageId}`;
}

function fromServer(message: ChatMessage, api: ChatAPI): ViewMessage {
  return {
    key: keyOf(message),
    messageId: message.messageId,
    clientMessageId: message.clientMessageId,
    sender: message.sender,
    senderName: message.senderName,
    text: message.text,
    createdAt: message.createdAt,
    state: 'sent',
    errorCode: null,
    attachments: (message.attachments ?? []).map((a) => viewAttachment(a, api)),
  };
}

function viewAttachment(attachment: Attachment, api: ChatAPI): ViewAttachment {
  const { attachmentId, name, size, contentType, url } = attachment;
  return { attachmentId, name, size, contentType, href: api.attachmentHref(url), image: IMAGE_TYPES.includes(contentType) };
}

// Stored messages in messageId order (time-sortable); the visitor's pending
// ones after them, in the order they were written.
function byDisplayOrder(a: ViewMessage, b: ViewMessage): number {
  if (a.messageId && b.messageId) return compareIds(a.messageId, b.messageId);
  if (a.messageId) return -1;
  if (b.messageId) return 1;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

export class ChatController extends Emitter<WebChatEvents> {
  readonly #session: SessionManager;
  readonly #api: ChatAPI;
  readonly #ws: ChatWebSocket;
  readonly #newId: () => string;
  readonly #entries = new Map<string, ViewMessage>();
  readonly #keyByMessageId = new Map<string, string>();
  #nextBefore: string | null = null;
  // Bumped when the conversation changes (identify, reset): answers to
  // requests made for the previous one are dropped.
  #epoch = 0;
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  #historyRequest: Promise<void> | null = null;
  readonly #stateListeners = new Set<(state: ChatState) => void>();
  readonly #cleanups: Array<() => void> = [];
  #restartQueued = false;
  readonly #isVisible: () => boolean;
  /** The read mark this visitor last sent (or another of their tabs did). */
  #readSent: string | null = null;
  readonly #promptClock = new EmailPromptClock(() => this.#update({}));
  #configTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by each `availability` event: a config answer older than it has stale availability. */
  #availabilitySeen = 0;
  #everOnline = false;
  readonly #uploadAborts = new Map<string, AbortController>();

  state: ChatState = {
    open: false,
    messages: [],
    unread: 0,
    agentTyping: false,
    connection: 'offline',
    historyLoaded: false,
    loadingHistory: false,
    hasOlder: false,
    uploads: [],
    errorCode: null,
    latestIncoming: null,
    seenUpTo: null,
    config: null,
    configured: false,
    offlineMode: 'chat',
    availability: null,
    emailKnown: false,
    emailPrompt: 'hidden',
    contactEmail: null,
    contactSaving: false,
    contactError: null,
    transcript: 'idle',
    launcher: false,
    contactForm: false,
  };

  constructor(options: ChatControllerOptions) {
    super();
    this.#session = options.session;
    this.#api = options.api;
    this.#ws = options.ws;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    this.#isVisible = options.isVisible ?? pageInView;
  }

  start(): void {
    const ws = this.#ws;
    this.#cleanups.push(
      ws.on('message', (message) => this.#receive(message)),
      ws.on('typing', ({ isTyping }) => this.#setAgentTyping(isTyping)),
      // Nothing to sync after: the newest page holds whatever was missed.
      ws.on('resync', () => {
        if (this.state.historyLoaded) void this.#loadHistory();
      }),
      ws.on('status', (connection) => {
        this.#update({ connection });
        this.emit('connection', connection);
        if (connection !== 'online') return;
        // History that failed to load while offline loads once we are back.
        if (this.state.open && !this.state.historyLoaded) void this.#loadHistory();
        // Availability changes pushed while we were disconnected were missed.
        if (this.#everOnline) void this.#loadConfig();
        this.#everOnline = true;
      }),
      ws.on('availability', (availability) => {
        this.#availabilitySeen += 1;
        this.#setAvailability(availability);
      }),
      ws.on('error', (error) => this.#onSocketError(error)),
      ws.on('read', ({ reader, upTo }) => {
        if (reader === 'visitor') {
          this.#readSent = newerId(this.#readSent, upTo); // another tab of this visitor
          return;
        }
        const seenUpTo = newerId(this.state.seenUpTo, upTo);
        if (seenUpTo !== this.state.seenUpTo) this.#update({ seenUpTo });
      }),
      this.#session.subscribe((change) => {
        if (change === 'contact') this.#update({});
        else if (change !== 'token') this.#queueRestart();
      }),
    );
    this.#configTimer = setTimeout(() => this.#update({ configured: true }), CONFIG_WAIT_MS);
    void this.#loadConfig();
    ws.connect();
    // Later, so listeners added right after mount() still hear it.
    queueMicrotask(() => this.emit('ready', undefined));
  }

  destroy(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#ws.disconnect();
    this.#ws.clear();
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    if (this.#configTimer) clearTimeout(this.#configTimer);
    this.#stateListeners.clear();
    this.#clearConversation();
    this.#promptClock.stop();
  }

  subscribe(listener: (state: ChatState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  open(): void {
    if (!this.state.open) {
      this.#update({ open: true, unread: 0 });
      this.emit('open', undefined);
      this.emit('unread', 0);
    }
    if (!this.state.historyLoaded) void this.#loadHistory();
    this.markRead();
  }

  /**
   * Tell the agents what the visitor has seen: called when the panel opens,
   * when a message arrives in it, and when the page is shown or focused again.
   * Only a new agent (or system) message on screen sends a mark.
   */
  markRead(): void {
    if (!this.state.open || !this.#isVisible()) return;
    let newest: string | null = null;
    for (const m of this.#entries.values()) {
      if (m.sender !== 'visitor' && m.messageId) newest = newerId(newest, m.messageId);
    }
    if (newest === null || isCoveredBy(newest, this.#readSent)) return;
    const upTo = newest;
    this.#readSent = upTo;
    this.#ws.markRead(upTo).catch(() => {
      if (this.#readSent === upTo) this.#readSent = null; // the next chance tries again
    });
  }

  close(): void {
    if (!this.state.open) return;
    this.#update({ open: false });
    this.emit('close', undefined);
  }

  toggle(): void {
    if (this.state.open) this.close();
    else this.open();
  }

  identify(identity: Identity): void {
    this.#session.identify(identity);
  }

  reset(): void {
    this.#session.reset();
  }

  /**
   * Send the text with the files attached so far. Returns false (and says why
   * in `errorCode`) when it cannot be sent: nothing to send, or a file still
   * uploading.
   */
  send(text: string): boolean {
    const trimmed = text.trim();
    const { uploads } = this.state;
    const attachments = uploads.flatMap((u) => (u.state === 'done' && u.attachment ? [u.attachment] : []));
    if (!trimmed && attachments.length === 0) return false;
    if (trimmed.length > MAX_TEXT_LENGTH) {
      this.#update({ errorCode: 'too_long' });
      return false;
    }
    if (uploads.some((u) => u.state === 'uploading')) {
      this.#update({ errorCode: 'still_uploading' });
      return false;
    }
    const clientMessageId = this.#newId();
    const entry: ViewMessage = {
      key: keyOf({ messageId: null, clientMessageId }),
      messageId: null,
      clientMessageId,
      sender: 'visitor',
      senderName: null,
      text: trimmed,
      createdAt: new Date().toISOString(),
      state: 'sending',
      errorCode: null,
      attachments,
    };
    this.#entries.set(entry.key, entry);
    this.#promptClock.wrote(clientMessageId);
    this.#update({ errorCode: null, uploads: [] });
    void this.#deliver(entry.key);
    return true;
  }

  /**
   * Upload files to send with the next message (the attach button, a drop, a
   * paste). Each shows in `uploads` with its progress, then done or failed.
   */
  attach(files: readonly File[]): void {
    const epoch = this.#epoch;
    for (const file of files) {
      const key = this.#newId();
      const upload: Upload = {
        key,
        name: file.name || 'file',
        size: file.size,
        state: 'uploading',
        progress: 0,
        errorCode: null,
        errorMessage: null,
        attachment: null,
      };
      const pending = this.state.uploads.filter((u) => u.state !== 'failed').length;
      if (pending >= MAX_ATTACHMENTS) {
        this.#update({ uploads: [...this.state.uploads, { ...upload, state: 'failed', errorCode: 'too_many' }] });
        continue;
      }
      this.#update({ uploads: [...this.state.uploads, upload] });
      const abort = new AbortController();
      this.#uploadAborts.set(key, abort);
      const progress = (fraction: number): void => {
        if (epoch === this.#epoch) this.#patchUpload(key, { progress: fraction });
      };
      this.#withToken((token) => this.#api.uploadAttachment(file, upload.name, token, progress, abort.signal))
        .then((attachment) => {
          if (epoch === this.#epoch) this.#patchUpload(key, { state: 'done', progress: 1, attachment: viewAttachment(attachment, this.#api) });
        })
        .catch((error: unknown) => {
          if (epoch !== this.#epoch) return;
          const code = error instanceof ChatError ? error.code : 'unavailable';
          const message = error instanceof ChatError && error.status === 413 ? error.message : null;
          this.#patchUpload(key, { state: 'failed', errorCode: code, errorMessage: message });
        })
        .finally(() => this.#uploadAborts.delete(key));
    }
  }

  /** Take a file out of the composer (cancelling its upload). */
  removeUpload(key: string): void {
    this.#uploadAborts.get(key)?.abort();
    this.#update({ uploads: this.state.uploads.filter((u) => u.key !== key) });
  }

  #patchUpload(key: string, patch: Partial<Upload>): void {
    const uploads = this.state.uploads.map((u) => (u.key === key ? { ...u, ...patch } : u));
    this.#update({ uploads, errorCode: this.state.errorCode === 'still_uploading' ? null : this.state.errorCode });
  }

  /**
   * Leave an e-mail to be answered by (the offline form, the inline prompt),
   * then send `text` if there is one. False when the e-mail was not taken
   * (`contactError` says why).
   */
  async leaveContact(email: string, text = ''): Promise<boolean> {
    const address = email.trim();
    const invalid = !address ? 'email_required' : isEmail(address) ? null : 'email_invalid';
    if (invalid || this.state.contactSaving) {
      if (invalid) this.#update({ contactError: invalid });
      return false;
    }
    const epoch = this.#epoch;
    this.#update({ contactSaving: true, contactError: null });
    try {
      await this.#api.leaveContact({ ...this.#session.fields(), email: address });
    } catch (error) {
      if (epoch !== this.#epoch) return false;
      const code = error instanceof ChatError ? error.code : 'unavailable';
      this.#update({ contactSaving: false, contactError: code === 'invalid_request' ? 'email_invalid' : code });
      return false;
    }
    if (epoch !== this.#epoch) return false;
    const thanks = this.state.emailPrompt === 'asking';
    this.#update({ contactSaving: false, contactEmail: address, emailPrompt: thanks ? 'thanks' : this.state.emailPrompt });
    this.#session.setContact('given');
    if (text.trim()) this.send(text);
    return true;
  }

  /** "No thanks": this session never asks again. */
  dismissEmailPrompt(): void {
    this.#session.setContact('declined');
    this.#update({ emailPrompt: 'hidden', contactError: null });
  }

  /** E-mail the conversation to the visitor (only offered once an e-mail is known). */
  async requestTranscript(): Promise<void> {
    if (this.state.transcript === 'sending') return;
    const epoch = this.#epoch;
    this.#update({ transcript: 'sending' });
    let transcript: TranscriptState = 'sent';
    try {
      await this.#api.requestTranscript(this.#session.fields());
    } catch (error) {
      const status = error instanceof ChatError ? error.status : 0;
      transcript = status === 422 ? 'no_email' : status === 503 ? 'unavailable' : status === 429 ? 'rate_limited' : 'failed';
    }
    if (epoch === this.#epoch) this.#update({ transcript });
  }

  /** Send a failed message again, with its original clientMessageId. */
  retry(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry || entry.state !== 'failed') return;
    this.#entries.set(key, { ...entry, state: 'sending', errorCode: null });
    this.#update({});
    void this.#deliver(key);
  }

  typing(): void {
    this.#ws.typing();
  }

  async loadOlder(): Promise<void> {
    if (!this.state.hasOlder || this.state.loadingHistory || !this.#nextBefore) return;
    await this.#loadHistory(this.#nextBefore);
  }

  async #deliver(key: string): Promise<void> {
    const epoch = this.#epoch;
    const entry = this.#entries.get(key)!;
    try {
      const ids = entry.attachments.map((a) => a.attachmentId);
      const message = await this.#ws.send(entry.text, entry.clientMessageId!, ids);
      if (epoch !== this.#epoch) return;
      this.#upsert(message); // already shown if the broadcast came first
      this.#update({});
      this.emit('sent', message);
    } catch (error) {
      if (epoch !== this.#epoch) return;
      const code = error instanceof ChatError ? error.code : 'unavailable';
      const current = this.#entries.get(key);
      if (current && current.state === 'sending') {
        this.#entries.set(key, { ...current, state: 'failed', errorCode: code });
      }
      this.#update({});
      this.emit('error', { code, message: error instanceof Error ? error.message : String(error) });
    }
  }

  async #loadConfig(): Promise<void> {
    const seen = this.#availabilitySeen;
    let config: WidgetConfig | null = null;
    try {
      config = await this.#api.getConfig();
    } catch {
      // Shown with the page's options and the defaults; a refused key or
      // origin also refuses the socket, which reports it.
    }
    if (this.#configTimer) clearTimeout(this.#configTimer);
    this.#configTimer = null;
    if (!config) {
      this.#update({ configured: true });
      return;
    }
    this.#update({ config, configured: true, offlineMode: config.offlineMode });
    if (seen === this.#availabilitySeen) this.#setAvailability(config.availability);
  }

  #setAvailability(availability: Availability): void {
    const previous = this.state.availability;
    this.#update({ availability });
    const same = previous?.status === availability.status && previous.nextOpenAt === availability.nextOpenAt;
    if (!same) this.emit('availability', availability);
    if (this.#historyDecidesLauncher()) void this.#loadHistory();
  }

  // In `hide` mode the launcher shows offline only for a conversation already
  // going, which only the history can tell.
  #historyDecidesLauncher(): boolean {
    return this.state.offlineMode === 'hide' && this.state.availability?.status === 'offline' && !this.state.historyLoaded;
  }

  #loadHistory(before?: string): Promise<void> {
    if (this.#historyRequest) return this.#historyRequest;
    const epoch = this.#epoch;
    this.#update({ loadingHistory: true });
    const request = this.#fetchPage(before, epoch)
      .catch((error: unknown) => {
        if (epoch !== this.#epoch) return;
        const code = error instanceof ChatError ? error.code : 'unavailable';
        this.#update({ errorCode: code === 'not_found' ? null : code });
        this.emit('error', { code, message: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        if (this.#historyRequest === request) this.#historyRequest = null;
        if (epoch === this.#epoch) this.#update({ loadingHistory: false });
      });
    this.#historyRequest = request;
    return request;
  }

  async #fetchPage(before: string | undefined, epoch: number): Promise<void> {
    const page = await this.#withToken((token) => {
      const user = this.#session.user;
      const query = user ? { userId: user.userId } : { sessionId: this.#session.sessionId };
      return this.#api.getMessages({ ...query, before, limit: HISTORY_PAGE_SIZE }, token);
    });
    if (epoch !== this.#epoch) return;
    this.#ws.note(page.messages);
    for (const message of page.messages) this.#upsert(message);
    // Older pages do not move nextBefore forward once we reached the start.
    if (before === undefined || before === this.#nextBefore) this.#nextBefore = page.nextBefore;
    this.#update({ historyLoaded: true, hasOlder: this.#nextBefore !== null, errorCode: null });
    this.markRead();
  }

  /** Run `call` with a visitor token, getting one first if needed and once more if it expired. */
  async #withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let token = this.#session.token;
      if (!token) {
        const session = await this.#api.createSession(this.#session.fields());
        this.#session.setServerSession(session);
        token = session.token;
      }
      try {
        return await call(token);
      } catch (error) {
        if (attempt === 0 && error instanceof ChatError && error.code === 'invalid_token') {
          this.#session.forgetToken();
          continue;
        }
        throw error;
      }
    }
  }

  #receive(message: ChatMessage): void {
    const isNew = this.#upsert(message);
    if (!isNew) return;
    const incoming = message.sender !== 'visitor';
    if (incoming && message.sender === 'agent') this.#setAgentTyping(false, false);
    const patch: Partial<ChatState> = {};
    if (incoming) {
      patch.latestIncoming = this.#entries.get(keyOf(message)) ?? null;
      if (!this.state.open) patch.unread = this.state.unread + 1;
    }
    this.#update(patch);
    this.emit('message', message);
    if (patch.unread !== undefined) this.emit('unread', patch.unread);
    if (incoming) this.markRead();
  }

  /** Adds or updates a stored message; true when it was not shown before. */
  #upsert(message: ChatMessage): boolean {
    const known = this.#keyByMessageId.get(message.messageId);
    const key = known ?? keyOf(message);
    const existing = this.#entries.get(key);
    this.#keyByMessageId.set(message.messageId, key);
    this.#entries.set(key, { ...fromServer(message, this.#api), key });
    return !existing;
  }

  #setAgentTyping(isTyping: boolean, notify = true): void {
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    this.#typingTimer = isTyping ? setTimeout(() => this.#setAgentTyping(false), TYPING_EXPIRY_MS) : null;
    if (this.state.agentTyping === isTyping) return;
    if (notify) this.#update({ agentTyping: isTyping });
    else this.state = { ...this.state, agentTyping: isTyping };
  }

  #onSocketError(error: ChatError): void {
    this.emit('error', { code: error.code, message: error.message });
    if (error.code === 'session_mismatch') {
      // Our sessionId is bound to another fingerprint: start a new session,
      // keeping the logged-in user if there is one.
      const user = this.#session.user;
      this.#session.reset();
      if (user) this.#session.identify(user);
      return;
    }
    if (['invalid_api_key', 'forbidden_origin', 'identity_verification_failed', 'forbidden'].includes(error.code)) {
      this.#update({ errorCode: error.code });
    }
  }

  // identify() and reset() can come back to back (and reset() then identify()
  // on a mismatch): restart once, after the last of them.
  #queueRestart(): void {
    this.#epoch += 1;
    this.#clearConversation();
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      this.#restartQueued = false;
      this.#ws.restart();
      if (this.state.open || this.#historyDecidesLauncher()) void this.#loadHistory();
    });
  }

  #clearConversation(): void {
    this.#entries.clear();
    this.#keyByMessageId.clear();
    this.#nextBefore = null;
    this.#historyRequest = null;
    this.#readSent = null;
    this.#promptClock.stop();
    for (const abort of this.#uploadAborts.values()) abort.abort();
    this.#uploadAborts.clear();
    this.#update({
      uploads: [],
      emailPrompt: 'hidden',
      contactEmail: null,
      contactSaving: false,
      contactError: null,
      transcript: 'idle',
      seenUpTo: null,
      messages: [],
      unread: 0,
      agentTyping: false,
      historyLoaded: false,
      loadingHistory: false,
      hasOlder: false,
      errorCode: null,
      latestIncoming: null,
    });
  }

  #update(patch: Partial<ChatState>): void {
    const messages = [...this.#entries.values()].sort(byDisplayOrder);
    const next: ChatState = { ...this.state, ...patch, messages, emailKnown: this.#session.emailKnown };
    // Never for a logged-in visitor, nor again in a session where it was answered.
    const answered = this.#session.user !== null || this.#session.contact !== null || next.emailKnown;
    next.emailPrompt = this.#promptClock.next(next.emailPrompt, answered, next.messages);
    next.launcher = showsLauncher({ ...next, hasConversation: messages.length > 0 });
    next.contactForm = showsContactForm(next.offlineMode, next.availability, next.emailKnown);
    this.state = next;
    for (const listener of this.#stateListeners) listener(this.state);
  }
}
