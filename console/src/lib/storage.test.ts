// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { clearAuth, clearDrafts, isExpired, lastLogin, loadActive, loadAuth, loadDraft, saveActive, saveAuth, saveDraft } from './storage';

describe('storage', () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
  });

  it('keeps the token in sessionStorage only, and forgets it when expired', () => {
    const auth = { token: 't', expiresAt: '2099-01-01T00:00:00Z', tenantId: 'demo', email: 'a@b.c' };
    saveAuth(auth);
    expect(loadAuth()).toEqual(auth);
    // Only the last tenant and e-mail outlive the tab: never the token.
    expect(localStorage.length).toBe(1);
    expect(localStorage.getItem(localStorage.key(0) ?? '')).not.toContain('"t"');
    expect(loadAuth(Date.parse('2100-01-01T00:00:00Z'))).toBeNull();
    expect(isExpired(auth, Date.parse('2099-01-01T00:00:00Z'))).toBe(true);
    clearAuth();
    expect(loadAuth()).toBeNull();
    expect(lastLogin()).toEqual({ tenantId: 'demo', email: 'a@b.c' });
    sessionStorage.clear(); // a new tab
    expect(lastLogin()).toEqual({ tenantId: 'demo', email: 'a@b.c' });
  });

  it('keeps drafts across an expired token, and clears them on sign-out', () => {
    saveDraft('demo', 'c1', 'half a reply');
    saveActive('demo', 'c1');
    clearAuth();
    expect(loadDraft('demo', 'c1')).toBe('half a reply');
    expect(loadDraft('other', 'c1')).toBe('');
    expect(loadActive('demo')).toBe('c1');
    expect(loadActive('other')).toBeNull();
    saveDraft('demo', 'c1', '');
    expect(sessionStorage.length).toBe(1); // only the open conversation remains
    saveDraft('demo', 'c2', 'x');
    clearDrafts();
    expect(loadDraft('demo', 'c2')).toBe('');
    expect(loadActive('demo')).toBeNull();
  });

  it('ignores garbage', () => {
    sessionStorage.setItem('webchat.console.auth', '{nope');
    expect(loadAuth()).toBeNull();
  });
});
