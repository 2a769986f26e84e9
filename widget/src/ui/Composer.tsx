import type { Ref } from 'preact';
import { useState } from 'preact/hooks';
import { MAX_TEXT_LENGTH } from '../chat';
import type { Strings } from '../i18n';

interface ComposerProps {
  strings: Strings;
  inputRef: Ref<HTMLTextAreaElement>;
  /** Returns false when the text was refused (kept in the box then). */
  onSend: (text: string) => boolean;
  onTyping: () => void;
}

function autosize(element: HTMLTextAreaElement): void {
  element.style.height = 'auto';
  element.style.height = `${element.scrollHeight}px`;
}

export function Composer({ strings, inputRef, onSend, onTyping }: ComposerProps) {
  const [text, setText] = useState('');

  const submit = (element: HTMLTextAreaElement | null): void => {
    if (!text.trim() || !onSend(text)) return;
    setText('');
    if (element) {
      element.value = '';
      autosize(element);
    }
  };

  return (
    <form
      class="wc-composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit((event.currentTarget as HTMLFormElement).querySelector('textarea'));
      }}
    >
      <label class="wc-sr-only" for="wc-input">
        {strings.inputLabel}
      </label>
      <textarea
        id="wc-input"
        ref={inputRef}
        rows={1}
        maxLength={MAX_TEXT_LENGTH}
        placeholder={strings.placeholder}
        value={text}
        onInput={(event) => {
          const element = event.currentTarget;
          setText(element.value);
          autosize(element);
          if (element.value) onTyping();
        }}
        onKeyDown={(event) => {
          // Enter sends, Shift+Enter is a new line; never while an IME is composing.
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit(event.currentTarget);
          }
        }}
      />
      <button type="submit" class="wc-send" aria-label={strings.send} disabled={!text.trim()}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
        </svg>
      </button>
    </form>
  );
}
