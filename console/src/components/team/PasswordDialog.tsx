// "Change password" for the signed-in agent, as a modal dialog opened from
// the top bar: the focus goes in (to the first field), Tab stays inside,
// Escape or Cancel closes it, and the focus returns to the opener. A wrong
// current password is shown at its field; it never signs the agent out.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PasswordPort } from '../../lib/teamApi';
import { PASSWORD_MIN } from '../../team/agentDraft';
import {
  changePassword,
  EMPTY_PASSWORD,
  PASSWORD_FIELDS,
  validatePassword,
  type PasswordErrors,
  type PasswordField,
} from '../../team/password';

const LABELS: Record<PasswordField, string> = { current: 'Current password', next: 'New password', confirm: 'Repeat the new password' };
const AUTOCOMPLETE: Record<PasswordField, string> = { current: 'current-password', next: 'new-password', confirm: 'new-password' };

function fieldId(field: PasswordField): string {
  return `password-${field}`;
}

const FOCUSABLE = 'button, input, select, textarea, [href], [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab go round the dialog's controls. */
function trapTab(e: KeyboardEvent, root: HTMLElement | null): void {
  if (e.key !== 'Tab' || !root) return;
  const items = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hasAttribute('disabled'));
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  if (e.shiftKey && (active === first || !root.contains(active))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !root.contains(active))) {
    e.preventDefault();
    first.focus();
  }
}

export function PasswordDialog({ api, onClose }: { api: PasswordPort; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState(EMPTY_PASSWORD);
  const [errors, setErrors] = useState<PasswordErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    // Back to the opener (the top bar's button when the click did not focus it, as in Safari).
    const active = document.activeElement as HTMLElement | null;
    const before = active && active !== document.body ? active : document.getElementById('open-password');
    document.getElementById(fieldId('current'))?.focus();
    return () => before?.focus?.();
  }, []);
  useEffect(() => {
    if (done) document.getElementById('password-done')?.focus();
  }, [done]);

  const focus = (field: PasswordField): void => {
    setTimeout(() => document.getElementById(fieldId(field))?.focus(), 0);
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const found = validatePassword(draft);
    const first = PASSWORD_FIELDS.find((f) => found[f]);
    setErrors(found);
    setFormError(null);
    if (first) return focus(first);
    setBusy(true);
    const outcome = await changePassword(api, draft);
    setBusy(false);
    if (outcome.ok) {
      setDraft(EMPTY_PASSWORD);
      setDone(true);
    } else if (outcome.field) {
      setErrors({ [outcome.field]: outcome.text });
      focus(outcome.field);
    } else {
      setFormError(outcome.text);
    }
  };

  return (
    <div class="overlay">
      <div
        ref={dialog}
        class="dialog password-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="password-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
          trapTab(e, dialog.current);
        }}
      >
        <h2 id="password-title">Change password</h2>
        {done ? (
          <>
            <p role="status">Your password has been changed. Use the new one the next time you sign in.</p>
            <button type="button" id="password-done" class="primary" onClick={onClose}>
              Close
            </button>
          </>
        ) : (
          <form class="team-form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="password-title">
            {PASSWORD_FIELDS.map((field) => (
              <div class="field" key={field}>
                <label for={fieldId(field)}>{LABELS[field]}</label>
                <input
                  id={fieldId(field)}
                  type="password"
                  autoComplete={AUTOCOMPLETE[field]}
                  value={draft[field]}
                  aria-invalid={errors[field] ? 'true' : undefined}
                  aria-describedby={[field === 'next' ? 'password-next-hint' : '', errors[field] ? `${fieldId(field)}-error` : ''].filter(Boolean).join(' ') || undefined}
                  onInput={(e) => {
                    setDraft({ ...draft, [field]: (e.currentTarget as HTMLInputElement).value });
                    setErrors(({ [field]: _gone, ...rest }) => rest);
                  }}
                />
                {field === 'next' && (
                  <p id="password-next-hint" class="hint">
                    At least {PASSWORD_MIN} characters.
                  </p>
                )}
                {errors[field] && (
                  <p id={`${fieldId(field)}-error`} class="field-error">
                    {errors[field]}
                  </p>
                )}
              </div>
            ))}
            {formError && (
              <p class="error" role="alert">
                {formError}
              </p>
            )}
            <div class="wh-actions password-actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
                {busy ? 'Changing…' : 'Change password'}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
