// Put one widget on the page: a host element with a shadow root (so the host
// page's CSS cannot restyle the chat and ours cannot leak out), the clients
// from lib/, the controller, and the Preact UI inside the shadow root.

import { h, render } from 'preact';
import { ChatController, type WebChatEvents } from './chat';
import { ChatAPI } from './lib/api';
import type { Listener } from './lib/emitter';
import { watchPageUrl } from './lib/navigation';
import { SessionManager, type Identity, type UserInfo } from './lib/session';
import { ChatWebSocket } from './lib/ws';
import type { LookOptions } from './looks';
import { App } from './ui/App';
import css from './ui/styles.css?inline';

/**
 * The locale, greeting, colour and position set here win over the tenant's
 * settings (`GET /webchat/config`), which win over the widget's defaults.
 */
export interface WidgetOptions extends LookOptions {
  /** The tenant's public key (`pk_…`). Required. */
  apiKey: string;
  /** The chat server's origin; the script tag's own origin by default. */
  serverUrl?: string;
  /** "en", "fr"…; the tenant's locale, else the browser's language, by default. */
  locale?: string;
  /** Header text; a translated "Chat with us" by default. */
  title?: string;
  /** First bubble of every conversation (not stored); "" hides it. */
  greeting?: string;
  /** First bubble instead of `greeting` while nobody is online or outside hours. */
  offlineGreeting?: string;
  /** Accent colour, any CSS colour. */
  color?: string;
  /** Corner of the launcher and panel. */
  position?: 'left' | 'right';
  /** Hide the launcher bubble, for pages that open the chat from their own button. */
  hideLauncher?: boolean;
  /** Open the panel at start. */
  open?: boolean;
  /** A logged-in user (with `userHash` when the tenant verifies identities). */
  userId?: string;
  userInfo?: UserInfo;
  userHash?: string;
  /** Where the host element goes; `document.body` by default. */
  container?: HTMLElement;
}

export interface WebChatInstance {
  open(): void;
  close(): void;
  toggle(): void;
  identify(identity: Identity): void;
  reset(): void;
  on<K extends keyof WebChatEvents>(event: K, listener: Listener<WebChatEvents[K]>): () => void;
  off<K extends keyof WebChatEvents>(event: K, listener: Listener<WebChatEvents[K]>): void;
  destroy(): void;
}

export { textColorFor } from './looks';

// A constructed stylesheet needs no inline <style> (friendlier to strict
// CSP); older browsers get a <style> element inside the shadow root.
function applyStyles(shadow: ShadowRoot): void {
  if ('adoptedStyleSheets' in shadow && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    (shadow as ShadowRoot).appendChild(style);
  }
}

export function mount(options: WidgetOptions): WebChatInstance {
  if (!options.apiKey) throw new Error('webchat: the apiKey option is required');
  const serverUrl = (options.serverUrl || window.location.origin).replace(/\/+$/, '');
  const session = new SessionManager();
  if (options.userId) {
    session.identify({ userId: options.userId, userInfo: options.userInfo, userHash: options.userHash });
  }
  const api = new ChatAPI({ serverUrl, apiKey: options.apiKey });
  const ws = new ChatWebSocket({ serverUrl, apiKey: options.apiKey, session, api, pageUrl: window.location.href });
  const controller = new ChatController({ session, api, ws });
  const { locale, title, greeting, offlineGreeting, color, position } = options;

  const host = document.createElement('div');
  host.setAttribute('data-webchat', '');
  (options.container ?? document.body).appendChild(host);
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);
  const mountPoint = document.createElement('div');
  shadow.appendChild(mountPoint);
  render(
    h(App, {
      controller,
      options: { locale, title, greeting, offlineGreeting, color, position },
      hideLauncher: options.hideLauncher === true,
    }),
    mountPoint,
  );

  const stopWatchingUrl = watchPageUrl(window, (url) => ws.setPageUrl(url));
  const stopWatchingTabs = session.watchOtherTabs(window);
  controller.start();
  if (options.open) controller.open();

  return {
    open: () => controller.open(),
    close: () => controller.close(),
    toggle: () => controller.toggle(),
    identify: (identity) => controller.identify(identity),
    reset: () => controller.reset(),
    on: (event, listener) => controller.on(event, listener),
    off: (event, listener) => controller.off(event, listener),
    destroy: () => {
      stopWatchingUrl();
      stopWatchingTabs();
      controller.destroy();
      render(null, mountPoint);
      host.remove();
    },
  };
}
