// The signing secret of the webhook just added. The server shows it this one
// time, so the box stays until the admin dismisses it; Copy puts it on the
// clipboard (or selects it, for copying by hand, where that is refused).
import { useRef, useState } from 'preact/hooks';

export interface SecretBoxProps {
  secret: { webhookId: string; url: string; secret: string };
  onDismiss: () => void;
}

async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field?.focus();
    field?.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

export function SecretBox({ secret, onDismiss }: SecretBoxProps) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  return (
    <section class="wh-secret" aria-labelledby="wh-secret-title" aria-describedby="wh-secret-warning" data-testid="webhook-secret">
      <h3 id="wh-secret-title" tabIndex={-1}>
        Signing secret
      </h3>
      <p class="wh-secret-for">
        For <span class="wh-url-text">{secret.url}</span>
      </p>
      <p id="wh-secret-warning" class="wh-secret-warning">
        <strong>Copy it now: it is not shown again.</strong> Your server needs it to check that each request comes from
        webchat.
      </p>
      <div class="wh-secret-row">
        <label for="wh-secret-value" class="sr-only">
          Signing secret
        </label>
        <input id="wh-secret-value" ref={field} class="wh-secret-value" type="text" readOnly value={secret.secret} spellcheck={false} />
        <button
          type="button"
          class="primary"
          onClick={() => void copyText(secret.secret, field.current).then((ok) => setCopied(ok ? 'yes' : 'no'))}
        >
          Copy
        </button>
      </div>
      <p class="wh-copy-status" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Could not copy: the secret is selected, copy it with Ctrl+C (⌘C).' : ''}
      </p>
      <button type="button" onClick={onDismiss}>
        I have copied it, hide the secret
      </button>
    </section>
  );
}
