import { useState } from 'preact/hooks';
import type { EmailPrompt as PromptState } from '../chat';
import type { Strings } from '../i18n';
import { EmailField } from './ContactForm';

interface EmailPromptProps {
  state: PromptState;
  strings: Strings;
  saving: boolean;
  error: string | null;
  email: string | null;
  onSubmit: (email: string) => Promise<boolean>;
  onDismiss: () => void;
}

/** In the conversation, Intercom-style: "Get notified by e-mail", then a thank-you. */
export function EmailPrompt({ state, strings, saving, error, email, onSubmit, onDismiss }: EmailPromptProps) {
  const [value, setValue] = useState('');
  if (state === 'thanks') {
    return (
      <p class="wc-prompt wc-thanks" role="status">
        {strings.promptThanks(email ?? '')}
      </p>
    );
  }
  if (state !== 'asking') return null;
  return (
    <section class="wc-prompt" aria-labelledby="wc-prompt-title">
      <h3 id="wc-prompt-title">{strings.promptTitle}</h3>
      <p id="wc-prompt-text" class="wc-prompt-text">{strings.promptText}</p>
      <form
        class="wc-prompt-form"
        noValidate
        aria-describedby="wc-prompt-text"
        onSubmit={(event) => {
          event.preventDefault();
          void onSubmit(value);
        }}
      >
        <EmailField
          id="wc-prompt-email"
          label={strings.emailLabel}
          strings={strings}
          error={error}
          value={value}
          onInput={setValue}
          quietLabel
        />
        <button type="submit" class="wc-button" disabled={saving}>
          {strings.promptSubmit}
        </button>
      </form>
      <button type="button" class="wc-link" onClick={onDismiss}>
        {strings.promptDismiss}
      </button>
    </section>
  );
}
