import type { Ref } from 'preact';
import { useState } from 'preact/hooks';
import { MAX_TEXT_LENGTH } from '../chat';
import { errorText, type Strings } from '../i18n';

/** What to say about a refused e-mail: the controller's `contactError`. */
export function contactErrorText(strings: Strings, code: string): string {
  if (code === 'email_required') return strings.emailRequired;
  if (code === 'email_invalid') return strings.emailInvalid;
  return errorText(strings, code);
}

interface EmailFieldProps {
  id: string;
  label: string;
  strings: Strings;
  error: string | null;
  inputRef?: Ref<HTMLInputElement>;
  value: string;
  onInput: (value: string) => void;
  /** The label is read by screen readers only (the prompt's heading says it already). */
  quietLabel?: boolean;
}

/** A labelled, required e-mail input whose error is tied to it (aria-invalid, aria-describedby). */
export function EmailField({ id, label, strings, error, inputRef, value, onInput, quietLabel }: EmailFieldProps) {
  const errorId = `${id}-error`;
  return (
    <>
      <label for={id} class={quietLabel ? 'wc-sr-only' : 'wc-label'}>
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        class="wc-field"
        type="email"
        inputMode="email"
        autoComplete="email"
        required
        aria-required="true"
        aria-invalid={error ? 'true' : 'false'}
        aria-describedby={error ? errorId : undefined}
        maxLength={254}
        value={value}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      {error ? (
        <p id={errorId} class="wc-field-error" role="alert">
          {contactErrorText(strings, error)}
        </p>
      ) : null}
    </>
  );
}

interface ContactFormProps {
  strings: Strings;
  saving: boolean;
  error: string | null;
  emailRef: Ref<HTMLInputElement>;
  onSubmit: (email: string, text: string) => Promise<boolean>;
}

/** offlineMode "form": while nobody answers live, an e-mail (required) and a message. */
export function ContactForm({ strings, saving, error, emailRef, onSubmit }: ContactFormProps) {
  const [email, setEmail] = useState('');
  const [text, setText] = useState('');
  return (
    <form
      class="wc-contact"
      noValidate
      aria-labelledby="wc-contact-title"
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit(email, text);
      }}
    >
      <p id="wc-contact-title" class="wc-contact-title">
        {strings.formTitle}
      </p>
      <EmailField
        id="wc-contact-email"
        label={strings.emailLabel}
        strings={strings}
        error={error}
        inputRef={emailRef}
        value={email}
        onInput={setEmail}
      />
      <label for="wc-contact-message" class="wc-label">
        {strings.messageLabel}
      </label>
      <textarea
        id="wc-contact-message"
        class="wc-field"
        rows={3}
        maxLength={MAX_TEXT_LENGTH}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <button type="submit" class="wc-button" disabled={saving}>
        {strings.formSubmit}
      </button>
    </form>
  );
}
