import { describe, expect, it } from 'vitest';
import {
  CONTACT_KEY,
  FINGERPRINT_KEY,
  SESSION_ID_KEY,
  SessionManager,
  isFingerprint,
  isSessionId,
  newFingerprint,
  type KeyValueStorage,
  type SessionChange,
} from './session';

function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

const future = () => new Date(Date.now() + 3600_000).toISOString();

describe('SessionManager', () => {
  it('creates a UUID session id and a fingerprint of the allowed form, and stores them', () => {
    const storage = memoryStorage();
    const session = new SessionManager(storage);
    expect(isSessionId(session.sessionId)).toBe(true);
    expect(session.fingerprint).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(storage.data.get(SESSION_ID_KEY)).toBe(session.sessionId);
    expect(storage.data.get(FINGERPRINT_KEY)).toBe(session.fingerprint);
  });

  it('is shared by every tab using the same storage', () => {
    const storage = memoryStorage();
    const first = new SessionManager(storage);
    const second = new SessionManager(storage);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('keeps an existing valid session', () => {
    const sessionId = '0b6f3f1e-2d4c-4e55-9a77-1c2b3d4e5f60';
    const storage = memoryStorage({ [SESSION_ID_KEY]: sessionId, [FINGERPRINT_KEY]: 'abcdEFGH_1234-xyz' });
    expect(new SessionManager(storage).sessionId).toBe(sessionId);
  });

  it('replaces both values when either is malformed', () => {
    const storage = memoryStorage({ [SESSION_ID_KEY]: 'not-a-uuid', [FINGERPRINT_KEY]: 'abcdEFGH_1234-xyz' });
    const session = new SessionManager(storage);
    expect(isSessionId(session.sessionId)).toBe(true);
    expect(session.fingerprint).not.toBe('abcdEFGH_1234-xyz');
  });

  it('follows another tab that changed the stored session', () => {
    const storage = memoryStorage();
    const session = new SessionManager(storage);
    const otherTab = new SessionManager(storage);
    otherTab.reset();
    expect(session.sessionId).toBe(otherTab.sessionId);
  });

  it('puts the logged-in identity on every request', () => {
    const session = new SessionManager(memoryStorage());
    expect(session.fields()).toEqual({ sessionId: session.sessionId, fingerprint: session.fingerprint });
    session.identify({ userId: 'u1', userInfo: { name: 'Ada' }, userHash: 'ab12' });
    expect(session.fields()).toMatchObject({ userId: 'u1', userInfo: { name: 'Ada' }, userHash: 'ab12' });
  });

  it('keeps the session when an anonymous visitor logs in, starts a new one when the user changes', () => {
    const session = new SessionManager(memoryStorage());
    const anonymous = session.sessionId;
    session.identify({ userId: 'u1' });
    expect(session.sessionId).toBe(anonymous);
    session.identify({ userId: 'u2' });
    expect(session.sessionId).not.toBe(anonymous);
  });

  it('does not restart the conversation when the same user is identified again', () => {
    const session = new SessionManager(memoryStorage());
    const changes: SessionChange[] = [];
    session.identify({ userId: 'u1' });
    session.setServerSession({ sessionId: session.sessionId, conversationId: 'c', token: 't', expiresAt: future() });
    session.subscribe((change) => changes.push(change));
    session.identify({ userId: 'u1', userInfo: { name: 'Ada' } });
    expect(changes).toEqual([]);
    expect(session.token).toBe('t');
    expect(session.fields().userInfo).toEqual({ name: 'Ada' });
  });

  it('reset starts a fresh anonymous session and forgets identity and token', () => {
    const storage = memoryStorage();
    const session = new SessionManager(storage);
    const before = { id: session.sessionId, fp: session.fingerprint };
    session.identify({ userId: 'u1', userHash: 'h' });
    session.setServerSession({ sessionId: session.sessionId, conversationId: 'c1', token: 'jwt', expiresAt: future() });
    const changes: SessionChange[] = [];
    session.subscribe((change) => changes.push(change));
    session.reset();
    expect(session.sessionId).not.toBe(before.id);
    expect(session.fingerprint).not.toBe(before.fp);
    expect(session.user).toBeNull();
    expect(session.token).toBeNull();
    expect(session.fields()).toEqual({ sessionId: session.sessionId, fingerprint: session.fingerprint });
    expect(storage.data.get(SESSION_ID_KEY)).toBe(session.sessionId);
    expect(changes).toEqual(['reset']);
  });

  it('ignores a token for another session and drops an expired one', () => {
    const session = new SessionManager(memoryStorage());
    session.setServerSession({ sessionId: crypto.randomUUID(), conversationId: 'c', token: 'other', expiresAt: future() });
    expect(session.token).toBeNull();
    session.setServerSession({
      sessionId: session.sessionId,
      conversationId: 'c',
      token: 'old',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(session.token).toBeNull();
    session.setServerSession({ sessionId: session.sessionId, conversationId: 'c', token: 'fresh', expiresAt: future() });
    expect(session.token).toBe('fresh');
    expect(session.conversationId).toBe('c');
  });

  it('hears another tab reset the session through the storage event', () => {
    const storage = memoryStorage();
    const session = new SessionManager(storage);
    const target = new EventTarget();
    const stop = session.watchOtherTabs(target as unknown as Window);
    session.identify({ userId: 'u1' });
    const changes: SessionChange[] = [];
    session.subscribe((change) => changes.push(change));
    new SessionManager(storage).reset();
    target.dispatchEvent(new StorageEvent('storage', { key: SESSION_ID_KEY }));
    expect(changes).toEqual(['reset']);
    expect(session.user).toBeNull();
    stop();
    target.dispatchEvent(new StorageEvent('storage', { key: SESSION_ID_KEY }));
    expect(changes).toEqual(['reset']);
  });

  it('still works when localStorage throws', () => {
    const original = Object.getOwnPropertyDescriptor(window, 'localStorage')!;
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    try {
      const session = new SessionManager();
      expect(isSessionId(session.sessionId)).toBe(true);
      expect(session.sessionId).toBe(session.sessionId);
    } finally {
      Object.defineProperty(window, 'localStorage', original);
    }
  });
});

describe('the visitor’s answer about an e-mail', () => {
  it('is kept per session, shared by tabs, and forgotten with the session', () => {
    const storage = memoryStorage();
    const session = new SessionManager(storage);
    expect(session.contact).toBeNull();
    session.setContact('declined');
    expect(new SessionManager(storage).contact).toBe('declined');
    expect(storage.data.get(CONTACT_KEY)).not.toContain('@'); // never the address
    session.reset();
    expect(session.contact).toBeNull();
    storage.data.set(CONTACT_KEY, '{not json');
    expect(session.contact).toBeNull();
  });

  it('says an e-mail is known when one was left, or the user has one', () => {
    const session = new SessionManager(memoryStorage());
    expect(session.emailKnown).toBe(false);
    session.identify({ userId: 'u1', userInfo: { email: 'ada@example.com' } });
    expect(session.emailKnown).toBe(true);
    session.reset();
    session.setContact('given');
    expect(session.emailKnown).toBe(true);
  });

  it('follows an answer given in another tab', () => {
    const session = new SessionManager(memoryStorage());
    const target = new EventTarget();
    const changes: SessionChange[] = [];
    session.subscribe((change) => changes.push(change));
    session.watchOtherTabs(target as unknown as Window);
    target.dispatchEvent(new StorageEvent('storage', { key: CONTACT_KEY }));
    expect(changes).toEqual(['contact']);
  });
});

describe('newFingerprint', () => {
  it('makes distinct fingerprints of the contract form', () => {
    const values = new Set(Array.from({ length: 50 }, () => newFingerprint()));
    expect(values.size).toBe(50);
    for (const value of values) expect(isFingerprint(value)).toBe(true);
  });
});
