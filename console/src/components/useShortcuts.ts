import { useEffect, useRef } from 'preact/hooks';
import { isTextField, shortcutFor, type ShortcutAction } from '../lib/shortcuts';

/** Calls `run` for each shortcut pressed anywhere in the page; `run` returns false to let the key through. */
export function useShortcuts(run: (action: ShortcutAction) => boolean, enabled: boolean): void {
  // Both read at key time from refs set during render: a listener attached in an effect would
  // miss a key pressed between a dialog closing (DOM updated) and the effect running after paint.
  const latest = useRef(run);
  latest.current = run;
  const on = useRef(enabled);
  on.current = enabled;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!on.current || e.defaultPrevented || e.isComposing) return;
      const action = shortcutFor(e, isTextField(document.activeElement));
      if (action && latest.current(action)) e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/** Runs `once` on the first click or key press (what browsers need to allow audio and ask permissions). */
export function useFirstGesture(once: () => void): void {
  useEffect(() => {
    const handler = (): void => {
      document.removeEventListener('pointerdown', handler, true);
      document.removeEventListener('keydown', handler, true);
      once();
    };
    document.addEventListener('pointerdown', handler, true);
    document.addEventListener('keydown', handler, true);
    return () => {
      document.removeEventListener('pointerdown', handler, true);
      document.removeEventListener('keydown', handler, true);
    };
  }, []);
}
