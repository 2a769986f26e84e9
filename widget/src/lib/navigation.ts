// Follow the page URL through client-side navigation (single-page apps), so
// the socket handshake can tell agents which page the visitor is on.
//
// Browsers fire no event for history.pushState/replaceState, so they are
// wrapped once (calling through to the originals) and announce themselves
// with a private event; popstate and hashchange cover the rest.

const NAVIGATE_EVENT = 'webchat:navigate';
const WRAPPED = Symbol.for('webchat.historyWrapped');

type WrappableHistory = History & { [WRAPPED]?: true };

function wrapHistory(win: Window): void {
  const history = win.history as WrappableHistory;
  if (history[WRAPPED]) return;
  history[WRAPPED] = true;
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      win.dispatchEvent(new Event(NAVIGATE_EVENT));
      return result;
    };
  }
}

/** Calls `onChange(url)` whenever the page URL changes; returns a function that stops it. */
export function watchPageUrl(win: Window, onChange: (url: string) => void): () => void {
  wrapHistory(win);
  let last = win.location.href;
  const check = (): void => {
    const current = win.location.href;
    if (current !== last) {
      last = current;
      onChange(current);
    }
  };
  const events = [NAVIGATE_EVENT, 'popstate', 'hashchange'];
  for (const event of events) win.addEventListener(event, check);
  return () => {
    for (const event of events) win.removeEventListener(event, check);
  };
}
