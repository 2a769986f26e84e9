import type { TranscriptState } from '../chat';
import type { Strings } from '../i18n';

function statusText(state: TranscriptState, strings: Strings): string {
  if (state === 'sending') return strings.transcriptSending;
  if (state === 'sent') return strings.transcriptSent;
  if (state === 'no_email') return strings.transcriptNoEmail;
  if (state === 'unavailable') return strings.transcriptUnavailable;
  if (state === 'rate_limited') return strings.transcriptRateLimited;
  if (state === 'failed') return strings.transcriptFailed;
  return '';
}

/** At the foot of the panel once an e-mail is known: "Send me the transcript" and how it went. */
export function Transcript({ state, strings, onRequest }: { state: TranscriptState; strings: Strings; onRequest: () => void }) {
  const failed = state !== 'idle' && state !== 'sending' && state !== 'sent';
  return (
    <div class="wc-footer">
      <button type="button" class="wc-link" disabled={state === 'sending'} onClick={onRequest}>
        {strings.transcriptAction}
      </button>
      <span class={failed ? 'wc-footer-status wc-failed-text' : 'wc-footer-status'} role="status">
        {statusText(state, strings)}
      </span>
    </div>
  );
}
