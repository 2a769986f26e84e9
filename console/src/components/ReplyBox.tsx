// The reply box: Enter sends, Shift+Enter adds a line; the draft is kept per
// conversation (sessionStorage) and "typing" is signalled while writing.
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_TEXT_LENGTH as MAX_LEN } from '../../../shared/types';
import { loadDraft, saveDraft } from '../lib/storage';

/** How often "still typing" is repeated, and how long a pause means "stopped". */
const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 2500;

export function ReplyBox(props: {
  tenantId: string;
  conversationId: string;
  onSend: (text: string) => void;
  onTyping: (isTyping: boolean) => void;
}) {
  const [text, setText] = useState(() => loadDraft(props.tenantId, props.conversationId));
  const lastTypingSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onTypingRef = useRef(props.onTyping);
  onTypingRef.current = props.onTyping;

  const stopTyping = () => {
    clearTimeout(idle.current);
    if (lastTypingSent.current !== 0) {
      lastTypingSent.current = 0;
      onTypingRef.current(false);
    }
  };

  useEffect(() => stopTyping, []);

  const input = (value: string) => {
    setText(value);
    saveDraft(props.tenantId, props.conversationId, value);
    if (value.trim() === '') {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - lastTypingSent.current > TYPING_REPEAT_MS) {
      lastTypingSent.current = now;
      props.onTyping(true);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const submit = () => {
    const t = text.trim();
    if (t === '' || t.length > MAX_LEN) return;
    props.onSend(t);
    stopTyping();
    setText('');
    saveDraft(props.tenantId, props.conversationId, '');
  };

  const tooLong = text.trim().length > MAX_LEN;
  return (
    <form
      class="reply"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        id="reply"
        rows={2}
        placeholder="Write a reply — Enter to send, Shift+Enter for a new line"
        aria-label="Reply"
        value={text}
        onInput={(e) => input(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="primary" disabled={text.trim() === '' || tooLong}>
        Send
      </button>
      {tooLong && (
        <p class="error" role="alert">
          A message is at most {MAX_LEN} characters.
        </p>
      )}
    </form>
  );
}
