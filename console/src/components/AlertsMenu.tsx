// "Alerts": the agent's choice of sound, desktop notifications and the
// unread count in the tab title, each remembered in localStorage.
import { useRef, useState } from 'preact/hooks';
import { useDismiss } from './useDismiss';
import type { AlertPrefs } from '../lib/storage';

export interface AlertsMenuProps {
  prefs: AlertPrefs;
  permission: NotificationPermission | 'unsupported';
  onChange: (change: Partial<AlertPrefs>) => void;
}

function permissionNote(permission: AlertsMenuProps['permission']): string | null {
  if (permission === 'denied') return 'Blocked by the browser: allow notifications for this site in its settings.';
  if (permission === 'unsupported') return 'This browser shows no desktop notifications.';
  if (permission === 'default') return 'The browser will ask for permission.';
  return null;
}

export function AlertsMenu({ prefs, permission, onChange }: AlertsMenuProps) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);
  useDismiss(root, open, () => setOpen(false));
  const note = prefs.desktop ? permissionNote(permission) : null;
  return (
    <div
      class="menu-wrap"
      ref={root}
      onKeyDown={(e) => {
        if (open && e.key === 'Escape') {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        class="ghost"
        aria-expanded={open}
        aria-controls="alerts-menu"
        onClick={() => setOpen(!open)}
      >
        Alerts
      </button>
      {open && (
        <fieldset id="alerts-menu" class="menu alerts-menu">
          <legend class="sr-only">Alerts while this tab is hidden</legend>
          <p class="muted menu-note">While this tab is hidden, for a new conversation or a message in one assigned to you:</p>
          <label>
            <input type="checkbox" checked={prefs.sound} onChange={(e) => onChange({ sound: e.currentTarget.checked })} />
            Sound
          </label>
          <label>
            <input type="checkbox" checked={prefs.desktop} onChange={(e) => onChange({ desktop: e.currentTarget.checked })} />
            Desktop notification
          </label>
          {note && <p class="muted menu-note">{note}</p>}
          <label>
            <input type="checkbox" checked={prefs.title} onChange={(e) => onChange({ title: e.currentTarget.checked })} />
            Unread count in the tab title
          </label>
        </fieldset>
      )}
    </div>
  );
}
