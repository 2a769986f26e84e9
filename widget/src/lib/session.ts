// The session manager: who this visitor is, shared by every tab of the site.
//
// The anonymous identity (`chat_session_id`, `chat_fingerprint`) lives in
// localStorage, so every tab of one origin speaks for the same session. The
// logged-in identity (userId, userInfo, userHash) comes from the host page on
// every load and is kept in memory only: the host page, not the widget, knows
// who is logged in. The visitor token is kept in memory too; a fresh page gets
// a new one from `POST /webchat/session` or the socket's `session` event.

export const SESSION_ID_KEY = 'chat_session_id';
export const FINGERPRINT_KEY = 'chat_fingerprint';
/** `{sessionId, state}`: whether this session's visitor left an e-mail or declined to. */
export const CONTACT_KEY = 'chat_contact';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
const FINGERPRINT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export type UserInfo = Record<string, string>;

export interface Identity {
  userId: string;
  userInfo?: UserInfo;
  userHash?: string;
}

/** What the server returns for a session, over HTTP or the socket's `session` event. */
export interface ServerSession {
  sessionId: string;
  conversationId: string;
  token: string;
  expiresAt: string;
}

/** The fields every visitor request carries to name its session and user. */
export interface VisitorFields {
  sessionId: string;
  fingerprint: string;
  userId?: string;
  userInfo?: UserInfo;
  userHash?: string;
}

/** The subset of the Web Storage API the manager needs (tests pass a Map-backed fake). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type SessionChange = 'identity' | 'reset' | 'token' | 'contact';

/** The visitor left an e-mail in this session, or said no to being asked. */
export type ContactState = 'given' | 'declined';

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

export function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT_PATTERN.test(value);
}

export function newSessionId(): string {
  return crypto.randomUUID();
}

/**
 * A random, opaque fingerprint. It is deliberately not derived from the
 * browser (no canvas or font probing): it only ties a sessionId to the
 * storage that created it, so a leaked sessionId alone cannot speak for it.
 */
export function newFingerprint(length = 32): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const byte of bytes) out += FINGERPRINT_ALPHABET[byte & 63];
  return out;
}

/** localStorage can throw (Safari private mode, disabled storage): fall back to memory. */
function defaultStorage(): KeyValueStorage {
  try {
    const probe = '__chat_probe__';
    window.localStorage.setItem(probe, probe);
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}

export class SessionManager {
  readonly #storage: KeyValueStorage;
  #identity: Identity | null = null;
  #server: ServerSession | null = null;
  readonly #listeners = new Set<(change: SessionChange) => void>();
  readonly #onStorage = (event: StorageEvent): void => {
    if (event.key === CONTACT_KEY) {
      this.#emit('contact'); // another tab got the visitor's answer
      return;
    }
    if (event.key === SESSION_ID_KEY || event.key === FINGERPRINT_KEY || event.key === null) {
      // Another tab reset the session (a logout): follow it, and forget the
      // identity this tab was given, which belonged to the old session.
      if (this.#server && this.#server.sessionId !== this.sessionId) this.#server = null;
      this.#identity = null;
      this.#emit('reset');
    }
  };

  constructor(storage?: KeyValueStorage) {
    this.#storage = storage ?? defaultStorage();
    this.#ensure();
  }

  /** Listen to other tabs resetting the session. Returns a function that stops it. */
  watchOtherTabs(target: Pick<Window, 'addEventListener' | 'removeEventListener'> = window): () => void {
    target.addEventListener('storage', this.#onStorage as EventListener);
    return () => target.removeEventListener('storage', this.#onStorage as EventListener);
  }

  get sessionId(): string {
    return this.#ensure().sessionId;
  }

  get fingerprint(): string {
    return this.#ensure().fingerprint;
  }

  get user(): Identity | null {
    return this.#identity;
  }

  /** The visitor token, while it has not expired. */
  get token(): string | null {
    if (!this.#server || this.#server.sessionId !== this.sessionId) return null;
    const expires = Date.parse(this.#server.expiresAt);
    if (Number.isFinite(expires) && expires <= Date.now()) return null;
    return this.#server.token;
  }

  get conversationId(): string | null {
    return this.#server && this.#server.sessionId === this.sessionId ? this.#server.conversationId : null;
  }

  /**
   * Whether the visitor left an e-mail (or declined to) in this session. Kept in
   * storage, so every tab and reload knows not to ask again; a new session
   * (reset, another user) starts with no answer. Only the answer is stored,
   * never the address.
   */
  get contact(): ContactState | null {
    let stored: { sessionId?: unknown; state?: unknown } | null = null;
    try {
      stored = JSON.parse(this.#storage.getItem(CONTACT_KEY) ?? 'null');
    } catch {
      return null;
    }
    if (!stored || stored.sessionId !== this.sessionId) return null;
    return stored.state === 'given' || stored.state === 'declined' ? stored.state : null;
  }

  setContact(state: ContactState): void {
    this.#storage.setItem(CONTACT_KEY, JSON.stringify({ sessionId: this.sessionId, state }));
    this.#emit('contact');
  }

  /** The server has an e-mail for this visitor: a logged-in user's `userInfo.email`, or one they left. */
  get emailKnown(): boolean {
    return Boolean(this.#identity?.userInfo?.email) || this.contact === 'given';
  }

  /** The fields that name this visitor on every request. */
  fields(): VisitorFields {
    const fields: VisitorFields = { sessionId: this.sessionId, fingerprint: this.fingerprint };
    if (this.#identity) {
      fields.userId = this.#identity.userId;
      if (this.#identity.userInfo) fields.userInfo = this.#identity.userInfo;
      if (this.#identity.userHash) fields.userHash = this.#identity.userHash;
    }
    return fields;
  }

  setServerSession(session: ServerSession): void {
    if (session.sessionId !== this.sessionId) return; // an answer for a session we already left
    this.#server = session;
    this.#emit('token');
  }

  forgetToken(): void {
    this.#server = null;
  }

  /**
   * Tell the widget who is logged in. Switching from one user to another
   * starts a fresh session first, so the new user never sees the old one's
   * conversation; going from anonymous to logged in keeps the session (the
   * conversation then follows the user).
   */
  identify(identity: Identity): void {
    const previous = this.#identity;
    if (previous && previous.userId === identity.userId) {
      // The same user again (host pages call this on every load): only the
      // details change, and the next request carries them.
      this.#identity = { ...identity };
      return;
    }
    if (previous) this.#resetStorage();
    this.#identity = { ...identity };
    this.#server = null;
    this.#emit('identity');
  }

  /** Log out: a new anonymous session, no identity, no token. */
  reset(): void {
    this.#resetStorage();
    this.#identity = null;
    this.#server = null;
    this.#emit('reset');
  }

  subscribe(listener: (change: SessionChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: SessionChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  #resetStorage(): void {
    this.#storage.setItem(SESSION_ID_KEY, newSessionId());
    this.#storage.setItem(FINGERPRINT_KEY, newFingerprint());
    this.#storage.removeItem(CONTACT_KEY);
  }

  // Read storage on every access rather than caching: another tab may have
  // reset the session since, and the storage event can arrive late.
  #ensure(): { sessionId: string; fingerprint: string } {
    let sessionId = this.#storage.getItem(SESSION_ID_KEY);
    let fingerprint = this.#storage.getItem(FINGERPRINT_KEY);
    if (!isSessionId(sessionId) || !isFingerprint(fingerprint)) {
      // Both or neither: a session id without the fingerprint it was bound to
      // would be refused by the server (session_mismatch).
      sessionId = newSessionId();
      fingerprint = newFingerprint();
      this.#storage.setItem(SESSION_ID_KEY, sessionId);
      this.#storage.setItem(FINGERPRINT_KEY, fingerprint);
    }
    return { sessionId, fingerprint };
  }
}
