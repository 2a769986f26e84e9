// Alerts for an agent whose console tab is hidden: a short chime made with
// WebAudio (no sound file to ship) and a desktop notification. Which of them
// play is the agent's choice (AlertPrefs, kept in localStorage); the
// notification permission is asked once, on a user gesture, as browsers want.
import { preview } from './format';
import type { AlertPrefs } from './storage';

/** Something the agent should hear about; the controller decides what qualifies. */
export interface Alert {
  kind: 'new_conversation' | 'message';
  conversationId: string;
  visitorName: string;
  text: string;
}

export interface AlertSink {
  alert(alert: Alert): void;
}

/** The browser's Notification constructor, as far as this module uses it. */
export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): { onclick: ((this: unknown, ev: Event) => unknown) | null; close(): void };
}

export interface AlerterOptions {
  prefs: () => AlertPrefs;
  /** Open the conversation when its notification is clicked. */
  onOpen: (conversationId: string) => void;
  notifications?: NotificationApi | null;
  chime?: () => void;
}

export function browserNotifications(): NotificationApi | null {
  return typeof Notification === 'undefined' ? null : (Notification as unknown as NotificationApi);
}

export function notificationText(alert: Alert): { title: string; body: string } {
  const title = alert.kind === 'new_conversation' ? `New conversation: ${alert.visitorName}` : `${alert.visitorName} wrote`;
  return { title, body: preview(alert.text, 140) };
}

let audio: AudioContext | null = null;

/** Two short sine tones, falling: noticeable, not alarming. */
export function playChime(): void {
  const Context = globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) return;
  try {
    audio ??= new Context();
    if (audio.state === 'suspended') void audio.resume();
    const start = audio.currentTime;
    for (const [frequency, offset] of [
      [880, 0],
      [660, 0.16],
    ] as const) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.32);
    }
  } catch {
    // no audio device, or the browser refused: the notification still shows
  }
}

/** Browsers start audio only after a user gesture: unlock it on the first one. */
export function unlockAudio(): void {
  const Context = globalThis.AudioContext;
  if (!Context) return;
  try {
    audio ??= new Context();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    // nothing to unlock
  }
}

export class Alerter implements AlertSink {
  readonly #options: AlerterOptions;
  readonly #notifications: NotificationApi | null;

  constructor(options: AlerterOptions) {
    this.#options = options;
    this.#notifications = options.notifications === undefined ? browserNotifications() : options.notifications;
  }

  get permission(): NotificationPermission | 'unsupported' {
    return this.#notifications?.permission ?? 'unsupported';
  }

  /** Ask for the notification permission; call from a click or key press only. */
  async requestPermission(): Promise<NotificationPermission | 'unsupported'> {
    const api = this.#notifications;
    if (!api) return 'unsupported';
    if (api.permission !== 'default') return api.permission;
    try {
      return await api.requestPermission();
    } catch {
      return api.permission;
    }
  }

  alert(alert: Alert): void {
    const prefs = this.#options.prefs();
    if (prefs.sound) (this.#options.chime ?? playChime)();
    const api = this.#notifications;
    if (!prefs.desktop || !api || api.permission !== 'granted') return;
    const { title, body } = notificationText(alert);
    try {
      const shown = new api(title, { body, tag: `webchat:${alert.conversationId}` });
      shown.onclick = () => {
        globalThis.focus?.();
        this.#options.onOpen(alert.conversationId);
        shown.close();
      };
    } catch {
      // e.g. Chrome on Android wants a service worker for notifications
    }
  }
}
