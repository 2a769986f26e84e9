// Which page the signed-in console shows: the desk, the settings at
// #settings, the webhooks at #webhooks or the team at #team (so the page
// survives a reload and the browser's Back returns).
import { useEffect, useState } from 'preact/hooks';

export type View = 'desk' | 'settings' | 'webhooks' | 'team';

const PAGES: readonly View[] = ['settings', 'webhooks', 'team'];

function fromLocation(): View {
  return PAGES.find((page) => location.hash === `#${page}`) ?? 'desk';
}

export function useView(): [View, (view: View) => void] {
  const [view, setView] = useState<View>(fromLocation);
  useEffect(() => {
    const follow = (): void => setView(fromLocation());
    window.addEventListener('hashchange', follow);
    window.addEventListener('popstate', follow);
    return () => {
      window.removeEventListener('hashchange', follow);
      window.removeEventListener('popstate', follow);
    };
  }, []);
  const go = (next: View): void => {
    if (next === fromLocation()) return setView(next);
    history.pushState(null, '', next === 'desk' ? location.pathname + location.search : `#${next}`);
    setView(next);
  };
  return [view, go];
}
