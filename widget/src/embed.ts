// The chat app as the loader (widget.js) starts it: it replaces the loader's
// `window.WebChat` stub with the real API, replays the calls the host page
// queued meanwhile, and starts the widget from the script tag's data-*
// attributes unless the page calls `WebChat.init` itself.

import type { Identity } from './lib/session';
import { mount, type WebChatInstance, type WidgetOptions } from './mount';

interface ScriptInfo {
  src: string;
  /** The directory widget.js was loaded from: the server's URL. */
  base: string;
  dataset: Record<string, string>;
}

interface LoaderStub {
  _q?: Array<[string, unknown[]]>;
  _script?: ScriptInfo;
}

type Method = 'open' | 'close' | 'toggle' | 'identify' | 'reset' | 'on' | 'off' | 'destroy';

export interface WebChatGlobal {
  init(options?: Partial<WidgetOptions>): void;
  open(): void;
  close(): void;
  toggle(): void;
  identify(identity: Identity): void;
  reset(): void;
  on: WebChatInstance['on'];
  off: WebChatInstance['off'];
  destroy(): void;
  readonly version: string;
}

/** Options from `<script data-api-key="…" data-color="…">` (camel-cased by the browser). */
export function optionsFromScript(script: ScriptInfo): Partial<WidgetOptions> {
  const data = script.dataset;
  const options: Partial<WidgetOptions> = {
    serverUrl: data.serverUrl || script.base.replace(/\/+$/, ''),
  };
  if (data.apiKey) options.apiKey = data.apiKey;
  if (data.locale) options.locale = data.locale;
  if (data.title) options.title = data.title;
  if (data.greeting !== undefined) options.greeting = data.greeting;
  if (data.offlineGreeting !== undefined) options.offlineGreeting = data.offlineGreeting;
  if (data.color) options.color = data.color;
  if (data.position === 'left' || data.position === 'right') options.position = data.position;
  if (data.hideLauncher !== undefined) options.hideLauncher = data.hideLauncher !== 'false';
  if (data.open !== undefined) options.open = data.open !== 'false';
  return options;
}

export function createGlobal(defaults: Partial<WidgetOptions>): WebChatGlobal {
  let instance: WebChatInstance | null = null;
  // Calls made before init() are kept and replayed once the widget exists.
  const waiting: Array<(widget: WebChatInstance) => void> = [];
  let pendingIdentity: Identity | null = null;

  const whenReady = (call: (widget: WebChatInstance) => void): void => {
    if (instance) call(instance);
    else waiting.push(call);
  };

  return {
    version: __WIDGET_VERSION__,
    init(options = {}) {
      if (instance) {
        console.warn('[webchat] init() was already called; call destroy() first to start over');
        return;
      }
      const merged = { ...defaults, ...options } as WidgetOptions;
      if (pendingIdentity && !merged.userId) Object.assign(merged, pendingIdentity);
      pendingIdentity = null;
      instance = mount(merged);
      for (const call of waiting.splice(0)) call(instance);
    },
    open: () => whenReady((w) => w.open()),
    close: () => whenReady((w) => w.close()),
    toggle: () => whenReady((w) => w.toggle()),
    identify(identity) {
      // Before init, the identity rides along with init: no second connection.
      if (instance) instance.identify(identity);
      else pendingIdentity = identity;
    },
    reset() {
      if (instance) instance.reset();
      else pendingIdentity = null;
    },
    on(event, listener) {
      if (instance) return instance.on(event, listener);
      let off: (() => void) | null = null;
      let cancelled = false;
      waiting.push((w) => {
        if (!cancelled) off = w.on(event, listener);
      });
      return () => {
        cancelled = true;
        off?.();
      };
    },
    off: (event, listener) => whenReady((w) => w.off(event, listener)),
    destroy() {
      instance?.destroy();
      instance = null;
      waiting.length = 0;
    },
  };
}

function scriptOfThisBundle(): ScriptInfo | null {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script?.src) return null;
  return { src: script.src, base: new URL('/', script.src).href, dataset: { ...script.dataset } as Record<string, string> };
}

function start(): void {
  const target = window as unknown as { WebChat?: LoaderStub | WebChatGlobal };
  const existing = target.WebChat as LoaderStub | WebChatGlobal | undefined;
  if (existing && 'version' in existing) return; // the app is already running
  const stub = (existing ?? {}) as LoaderStub;
  // Loaded by widget.js, or (self-hosting the hashed file) straight from a script tag.
  const script = stub._script ?? scriptOfThisBundle();
  const defaults = script ? optionsFromScript(script) : {};
  const api = createGlobal(defaults);
  target.WebChat = api;
  const queue = stub._q ?? [];
  for (const [method, args] of queue) {
    (api[method as Method | 'init'] as (...a: unknown[]) => void)(...args);
  }
  // After the replay, so queued identify() and on() calls are in place first.
  if (defaults.apiKey && !queue.some(([method]) => method === 'init')) api.init();
}

start();
