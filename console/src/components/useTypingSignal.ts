import { useEffect, useRef } from 'preact/hooks';

/** How often "still typing" is repeated, and how long a pause means "stopped". */
const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 2500;

/**
 * Turns keystrokes into `typing` signals: "typing" at most every 3 s while
 * the agent writes, "stopped" after a 2.5 s pause, on send, or on leaving.
 */
export function useTypingSignal(onTyping: (isTyping: boolean) => void): { keystroke: (empty: boolean) => void; stop: () => void } {
  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const callback = useRef(onTyping);
  callback.current = onTyping;

  const stop = (): void => {
    clearTimeout(idle.current);
    if (lastSent.current !== 0) {
      lastSent.current = 0;
      callback.current(false);
    }
  };

  useEffect(() => stop, []);

  const keystroke = (empty: boolean): void => {
    if (empty) {
      stop();
      return;
    }
    const now = Date.now();
    if (now - lastSent.current > TYPING_REPEAT_MS) {
      lastSent.current = now;
      callback.current(true);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stop, TYPING_IDLE_MS);
  };

  return { keystroke, stop };
}
