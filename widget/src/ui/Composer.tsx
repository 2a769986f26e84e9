import type { Ref } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { MAX_TEXT_LENGTH, type Upload } from '../chat';
import type { Strings } from '../i18n';
import { filesOf, UploadTray } from './Attachments';

// What the server accepts (contract §11); the server decides from the bytes,
// this only narrows the file picker.
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.pdf';

interface ComposerProps {
  strings: Strings;
  inputRef: Ref<HTMLTextAreaElement>;
  uploads: Upload[];
  /** Returns false when the text was refused (kept in the box then). */
  onSend: (text: string) => boolean;
  onTyping: () => void;
  onAttach: (files: File[]) => void;
  onRemoveUpload: (key: string) => void;
}

function autosize(element: HTMLTextAreaElement): void {
  element.style.height = 'auto';
  element.style.height = `${element.scrollHeight}px`;
}

export function Composer({ strings, inputRef, uploads, onSend, onTyping, onAttach, onRemoveUpload }: ComposerProps) {
  const [text, setText] = useState('');
  const picker = useRef<HTMLInputElement>(null);
  const uploading = uploads.some((u) => u.state === 'uploading');
  const canSend = (!!text.trim() || uploads.some((u) => u.state === 'done')) && !uploading;

  const submit = (element: HTMLTextAreaElement | null): void => {
    if (!canSend || !onSend(text)) return;
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
      <UploadTray
        uploads={uploads}
        strings={strings}
        onRemove={(key) => {
          onRemoveUpload(key);
          // The chip and its button are gone: focus goes back to the text.
          (inputRef as { current: HTMLTextAreaElement | null }).current?.focus();
        }}
      />
      <div class="wc-row">
        <button type="button" class="wc-attach" aria-label={strings.attach} title={strings.attach} onClick={() => picker.current?.click()}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z" />
          </svg>
        </button>
        <input
          ref={picker}
          type="file"
          hidden
          multiple
          accept={ACCEPT}
          onChange={(event) => {
            const element = event.currentTarget;
            onAttach([...(element.files ?? [])]);
            element.value = ''; // the same file may be picked again
          }}
        />
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
          onPaste={(event) => {
            const files = filesOf(event.clipboardData);
            if (files.length === 0) return; // text pastes as text
            event.preventDefault();
            onAttach(files);
          }}
          onKeyDown={(event) => {
            // Enter sends, Shift+Enter is a new line; never while an IME is composing.
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              submit(event.currentTarget);
            }
          }}
        />
        <button type="submit" class="wc-send" aria-label={strings.send} disabled={!canSend}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
          </svg>
        </button>
      </div>
    </form>
  );
}
