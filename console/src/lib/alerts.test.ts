import { describe, expect, it, vi } from 'vitest';
import { Alerter, notificationText, type Alert, type NotificationApi } from './alerts';
import { DEFAULT_ALERT_PREFS, loadAlertPrefs, saveAlertPrefs } from './storage';

function fakeNotifications(permission: NotificationPermission) {
  const shown: Array<{ title: string; options?: NotificationOptions }> = [];
  class Fake {
    static permission = permission;
    static requestPermission = vi.fn(async () => {
      Fake.permission = 'granted';
      return 'granted' as const;
    });
    onclick: ((ev: Event) => unknown) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, options });
    }
    close(): void {}
  }
  return { api: Fake as unknown as NotificationApi, shown, Fake };
}

const alert: Alert = { kind: 'new_conversation', conversationId: 'c1', visitorName: 'Maria', text: 'Hello\nthere' };

describe('Alerter', () => {
  it('plays the chime and shows a notification, as the agent chose', () => {
    const { api, shown } = fakeNotifications('granted');
    const chime = vi.fn();
    let prefs = { ...DEFAULT_ALERT_PREFS };
    const alerter = new Alerter({ prefs: () => prefs, onOpen: vi.fn(), notifications: api, chime });
    alerter.alert(alert);
    expect(chime).toHaveBeenCalledTimes(1);
    expect(shown).toEqual([{ title: 'New conversation: Maria', options: { body: 'Hello there', tag: 'webchat:c1' } }]);
    prefs = { ...prefs, sound: false, desktop: false };
    alerter.alert(alert);
    expect(chime).toHaveBeenCalledTimes(1);
    expect(shown).toHaveLength(1);
  });

  it('shows nothing without the permission, and asks for it only while undecided', async () => {
    const { api, shown, Fake } = fakeNotifications('default');
    const alerter = new Alerter({ prefs: () => DEFAULT_ALERT_PREFS, onOpen: vi.fn(), notifications: api, chime: vi.fn() });
    alerter.alert(alert);
    expect(shown).toHaveLength(0);
    expect(await alerter.requestPermission()).toBe('granted');
    expect(await alerter.requestPermission()).toBe('granted');
    expect(Fake.requestPermission).toHaveBeenCalledTimes(1);
  });

  it('opens the conversation when the notification is clicked', () => {
    const { api } = fakeNotifications('granted');
    const onOpen = vi.fn();
    let last: { onclick: (() => void) | null } | null = null;
    const Spy = class extends (api as unknown as new (t: string, o?: NotificationOptions) => { onclick: null }) {
      constructor(t: string, o?: NotificationOptions) {
        super(t, o);
        last = this as never;
      }
    };
    Object.assign(Spy, { permission: 'granted' });
    new Alerter({ prefs: () => DEFAULT_ALERT_PREFS, onOpen, notifications: Spy as never, chime: vi.fn() }).alert(alert);
    (last as { onclick: (() => void) | null } | null)?.onclick?.();
    expect(onOpen).toHaveBeenCalledWith('c1');
  });

  it('words a message in a known conversation', () => {
    expect(notificationText({ ...alert, kind: 'message' }).title).toBe('Maria wrote');
  });

  it('remembers the choices in localStorage', () => {
    saveAlertPrefs({ ...DEFAULT_ALERT_PREFS, sound: false, permissionAsked: true });
    expect(loadAlertPrefs()).toEqual({ sound: false, desktop: true, title: true, permissionAsked: true });
    localStorage.clear();
    expect(loadAlertPrefs()).toEqual(DEFAULT_ALERT_PREFS);
  });
});
