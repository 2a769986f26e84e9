// A value the server shows this one time (a new API key, a generated
// initial password): it stays until the admin dismisses it, with Copy (or
// the field selected, for copying by hand, where the browser refuses).
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { copyText } from '../../lib/clipboard';

export interface OnceBoxProps {
  /** The box's id; its title, field and warning ids derive from it. */
  id: string;
  title: string;
  /** The value's field label (read by screen readers). */
  label: string;
  value: string | null;
  warning: ComponentChildren;
  dismiss: string;
  onDismiss: () => void;
  testId: string;
  children?: ComponentChildren;
}

export function OnceBox({ id, title, label, value, warning, dismiss, onDismiss, testId, children }: OnceBoxProps) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <section class="wh-secret team-once" aria-labelledby={`${id}-title`} aria-describedby={`${id}-warning`} data-testid={testId}>
      <h3 id={`${id}-title`} tabIndex={-1}>
        {title}
      </h3>
      {children}
      <p id={`${id}-warning`} class="wh-secret-warning">
        {warning}
      </p>
      {value !== null && (
        <>
          <div class="wh-secret-row">
            <label for={`${id}-value`} class="sr-only">
              {label}
            </label>
            <input id={`${id}-value`} ref={field} class="wh-secret-value" type="text" readOnly value={value} spellcheck={false} autoComplete="off" />
            <button type="button" class="primary" onClick={() => void copyText(value, field.current).then((ok) => setCopied(ok ? 'yes' : 'no'))}>
              Copy
            </button>
          </div>
          <p class="wh-copy-status" role="status">
            {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Could not copy: it is selected, copy it with Ctrl+C (⌘C).' : ''}
          </p>
        </>
      )}
      <button type="button" onClick={onDismiss}>
        {dismiss}
      </button>
    </section>
  );
}
