// Which page the signed-in console shows: the desk, or the settings at
// #settings (so the page survives a reload and the browser's Back returns).
import { useEffect, useState } from 'preact/hooks';

export type View = 'desk' | 'settings';

function fromLocation(): View {
  return location.hash === '#settings' ? 'settings' : 'desk';
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
    history.pushState(null, '', next === 'settings' ? '#settings' : location.pathname + location.search);
    setView(next);
  };
  return [view, go];
}
