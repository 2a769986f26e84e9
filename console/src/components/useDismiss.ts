import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/** Closes a menu on a click outside `root` (Escape is handled by the menu itself). */
export function useDismiss(root: RefObject<HTMLElement>, open: boolean, close: () => void): void {
  useEffect(() => {
    if (!open) return undefined;
    const onPointer = (e: PointerEvent): void => {
      if (root.current && !root.current.contains(e.target as Node)) close();
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);
}
