// What the console keeps lives in sessionStorage: it belongs to this tab only
// and goes away when the tab closes. Drafts survive an expired token so an
// agent signs in again and finds the reply they were writing. Only the last
// tenant and e-mail (no secret) are kept in localStorage, to prefill the form.

const AUTH_KEY = 'webchat.console.auth';
const LAST_KEY = 'webchat.console.last';
const DRAFT_PREFIX = 'webchat.console.draft:';
const ACTIVE_KEY = 'webchat.console.active';
const ALERTS_KEY = 'webchat.console.alerts';

export interface Auth {
  token: string;
  expiresAt: string;
  tenantId: string;
  email: string;
}

function store(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled by the browser
  }
}

function lasting(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function get(key: string, from: () => Storage | null = store): string | null {
  try {
    return from()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function set(key: string, value: string | null, to: () => Storage | null = store): void {
  try {
    const s = to();
    if (!s) return;
    if (value === null) s.removeItem(key);
    else s.setItem(key, value);
  } catch {
    // quota or privacy mode: the console still works, it just forgets
  }
}

export function isExpired(auth: Auth, now = Date.now()): boolean {
  const t = Date.parse(auth.expiresAt);
  return Number.isNaN(t) ? false : t <= now;
}

export function loadAuth(now = Date.now()): Auth | null {
  const raw = get(AUTH_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Auth>;
    if (typeof v.token !== 'string' || v.token === '' || typeof v.tenantId !== 'string') return null;
    const auth: Auth = {
      token: v.token,
      expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : '',
      tenantId: v.tenantId,
      email: typeof v.email === 'string' ? v.email : '',
    };
    return isExpired(auth, now) ? null : auth;
  } catch {
    return null;
  }
}

export function saveAuth(auth: Auth): void {
  set(AUTH_KEY, JSON.stringify(auth));
  set(LAST_KEY, JSON.stringify({ tenantId: auth.tenantId, email: auth.email }), lasting);
}

export function clearAuth(): void {
  set(AUTH_KEY, null);
}

/** Tenant and e-mail of the last sign-in in this browser, to prefill the form. */
export function lastLogin(): { tenantId: string; email: string } {
  try {
    const v = JSON.parse(get(LAST_KEY, lasting) ?? '{}') as { tenantId?: unknown; email?: unknown };
    return {
      tenantId: typeof v.tenantId === 'string' ? v.tenantId : '',
      email: typeof v.email === 'string' ? v.email : '',
    };
  } catch {
    return { tenantId: '', email: '' };
  }
}

/** A reply and an internal note are two drafts, so a note never turns into a reply by a mode switch. */
export type DraftKind = 'reply' | 'note';

function draftKey(tenantId: string, conversationId: string, kind: DraftKind): string {
  return `${DRAFT_PREFIX}${tenantId}:${conversationId}${kind === 'note' ? ':note' : ''}`;
}

export function loadDraft(tenantId: string, conversationId: string, kind: DraftKind = 'reply'): string {
  return get(draftKey(tenantId, conversationId, kind)) ?? '';
}

export function saveDraft(tenantId: string, conversationId: string, text: string, kind: DraftKind = 'reply'): void {
  set(draftKey(tenantId, conversationId, kind), text === '' ? null : text);
}

export function loadActive(tenantId: string): string | null {
  const raw = get(ACTIVE_KEY);
  if (!raw) return null;
  const [t, id] = [raw.slice(0, raw.indexOf(':')), raw.slice(raw.indexOf(':') + 1)];
  return t === tenantId && id ? id : null;
}

export function saveActive(tenantId: string, conversationId: string | null): void {
  set(ACTIVE_KEY, conversationId === null ? null : `${tenantId}:${conversationId}`);
}

/** On an explicit sign-out the tab forgets drafts too (a shared computer). */
export function clearDrafts(): void {
  const s = store();
  if (!s) return;
  try {
    const keys: string[] = [];
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i);
      if (k?.startsWith(DRAFT_PREFIX)) keys.push(k);
    }
    for (const k of keys) s.removeItem(k);
    s.removeItem(ACTIVE_KEY);
  } catch {
    // nothing to do
  }
}

/** Which alerts the agent wants; kept in localStorage, for every tab and the next visit. */
export interface AlertPrefs {
  sound: boolean;
  desktop: boolean;
  title: boolean;
  /** Whether the browser's notification permission was asked already (it is asked once). */
  permissionAsked: boolean;
}

export const DEFAULT_ALERT_PREFS: AlertPrefs = { sound: true, desktop: true, title: true, permissionAsked: false };

export function loadAlertPrefs(): AlertPrefs {
  try {
    const v = JSON.parse(get(ALERTS_KEY, lasting) ?? '{}') as Partial<Record<keyof AlertPrefs, unknown>>;
    const flag = (k: keyof AlertPrefs): boolean => (typeof v[k] === 'boolean' ? (v[k] as boolean) : DEFAULT_ALERT_PREFS[k]);
    return { sound: flag('sound'), desktop: flag('desktop'), title: flag('title'), permissionAsked: flag('permissionAsked') };
  } catch {
    return { ...DEFAULT_ALERT_PREFS };
  }
}

export function saveAlertPrefs(prefs: AlertPrefs): void {
  set(ALERTS_KEY, JSON.stringify(prefs), lasting);
}
