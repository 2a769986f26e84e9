import { useEffect, useState } from 'preact/hooks';

/** The current time, refreshed every `everyMs`, for "time on site" and similar labels. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
