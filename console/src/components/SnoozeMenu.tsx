// "Snooze…": a small disclosure with the presets (1 hour, tomorrow 9:00 in
// the agent's time zone) and a custom date and time. Escape closes it and
// gives focus back to its button.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useDismiss } from './useDismiss';
import { parseLocalDateTime, snoozeUntil, toLocalDateTime } from '../lib/snooze';

export interface SnoozeMenuProps {
  disabled: boolean;
  onSnooze: (until: Date) => void;
}

export function SnoozeMenu({ disabled, onSnooze }: SnoozeMenuProps) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState('');
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);
  useDismiss(root, open, () => setOpen(false));

  useEffect(() => {
    if (open) first.current?.focus();
  }, [open]);

  const close = (): void => {
    setOpen(false);
    setError(null);
    button.current?.focus();
  };
  const choose = (until: Date): void => {
    setOpen(false);
    onSnooze(until);
  };
  const chooseCustom = (e: Event): void => {
    e.preventDefault();
    const until = parseLocalDateTime(custom);
    if (!until || until.getTime() <= Date.now()) {
      setError('Pick a time in the future.');
      return;
    }
    choose(until);
  };

  const tomorrow = snoozeUntil('tomorrow');
  return (
    <div class="menu-wrap" ref={root}>
      <button
        ref={button}
        type="button"
        class="ghost"
        aria-expanded={open}
        aria-controls="snooze-menu"
        disabled={disabled}
        onClick={() => (open ? close() : setOpen(true))}
      >
        Snooze…
      </button>
      {open && (
        <div
          id="snooze-menu"
          class="menu"
          role="group"
          aria-label="Snooze until"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
            }
          }}
        >
          <button ref={first} type="button" class="ghost" onClick={() => choose(snoozeUntil('hour'))}>
            1 hour
          </button>
          <button type="button" class="ghost" onClick={() => choose(tomorrow)} title={tomorrow.toString()}>
            Tomorrow 9:00{' '}
            <span class="muted">({tomorrow.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' })})</span>
          </button>
          <form class="menu-custom" onSubmit={chooseCustom}>
            <label>
              Until
              <input
                type="datetime-local"
                value={custom}
                min={toLocalDateTime(new Date())}
                onInput={(e) => setCustom(e.currentTarget.value)}
              />
            </label>
            <button type="submit" class="small" disabled={custom === ''}>
              Snooze
            </button>
            {error && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
          </form>
        </div>
      )}
    </div>
  );
}
