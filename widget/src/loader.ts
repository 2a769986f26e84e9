// widget.js: the few lines a host page loads. It records its own URL and
// data-* attributes, puts a `window.WebChat` stub that queues calls, and
// loads the chat app (content-hashed, cached for a year) from the same server.
// Kept dependency-free and tiny: this file is served with a short max-age.

declare const __APP_PATH__: string; // "static/widget/widget-<hash>.js", set at build time

interface QueueStub {
  _q: Array<[string, unknown[]]>;
  _script: { src: string; base: string; dataset: Record<string, string> };
  [method: string]: unknown;
}

(function () {
  const w = window as unknown as { WebChat?: unknown };
  if (w.WebChat) return; // loaded twice: keep the first
  const script = document.currentScript as HTMLScriptElement | null;
  const src = script ? script.src : '';
  if (!src) return;
  const base = new URL('.', src).href;
  const stub: QueueStub = { _q: [], _script: { src, base, dataset: { ...script!.dataset } as Record<string, string> } };
  for (const method of ['init', 'open', 'close', 'toggle', 'identify', 'reset', 'on', 'off', 'destroy']) {
    stub[method] = (...args: unknown[]) => {
      stub._q.push([method, args]);
    };
  }
  w.WebChat = stub;
  const app = document.createElement('script');
  app.src = new URL(__APP_PATH__, base).href;
  app.async = true;
  if (script!.nonce) app.nonce = script!.nonce; // for host pages with a nonce-based CSP
  document.head.appendChild(app);
})();
