// Where the agent writes, in one of two modes that look different: a Reply
// goes to the visitor; a Note stays with the agents (yellow, "Internal note",
// its own draft, no typing signal), so a note cannot be sent by mistake.
// Enter sends, Shift+Enter adds a line; `/shortcut` offers canned responses.
// Either may carry files (attach button, drop on the box, paste); the files
// waiting go with whatever is sent next, shown inside the box's mode colours.
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_TEXT_LENGTH } from '../../../shared/types';
import { ACCEPT, filesOf, type Attachment } from '../lib/attachments';
import { insertCanned, matchCanned, slashQueryAt, type SlashQuery } from '../lib/canned';
import { loadDraft, saveDraft, type DraftKind } from '../lib/storage';
import type { CannedResponse } from '../lib/types';
import { PendingUploads } from './Attachments';
import { CANNED_LIST_ID, CannedSuggestions, cannedOptionId } from './CannedSuggestions';
import { useUploads, type Uploader } from './useUploads';
import { useTypingSignal } from './useTypingSignal';

export interface ReplyBoxProps {
  tenantId: string;
  conversationId: string;
  mode: DraftKind;
  onMode: (mode: DraftKind) => void;
  notesSupported: boolean;
  canned: CannedResponse[];
  fillCanned: (response: CannedResponse) => string;
  /** A `/shortcut` was started: the list of canned responses may need a refresh. */
  onCannedWanted: () => void;
  onSend: (text: string, attachments: Attachment[]) => void;
  /** Uploads a file for the next reply or note. */
  onUpload: Uploader;
  onNote: (text: string, attachments: Attachment[]) => Promise<boolean>;
  onTyping: (isTyping: boolean) => void;
}

export function ReplyBox(p: ReplyBoxProps) {
  const [drafts, setDrafts] = useState(() => ({
    reply: loadDraft(p.tenantId, p.conversationId, 'reply'),
    note: loadDraft(p.tenantId, p.conversationId, 'note'),
  }));
  const [slash, setSlash] = useState<SlashQuery | null>(null);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const caretAfter = useRef<number | null>(null);
  const typing = useTypingSignal(p.onTyping);
  const files = useUploads(p.onUpload);
  const picker = useRef<HTMLInputElement>(null);
  const [dropping, setDropping] = useState(false);
  const note = p.mode === 'note';
  const text = drafts[p.mode];

  useEffect(() => {
    if (caretAfter.current === null || !box.current) return;
    box.current.setSelectionRange(caretAfter.current, caretAfter.current);
    caretAfter.current = null;
  }, [text]);
  // Leaving reply mode is leaving the visitor's side: stop "typing" there.
  useEffect(() => {
    if (note) typing.stop();
  }, [note]);

  const matches = slash ? matchCanned(p.canned, slash.query) : [];
  const suggesting = matches.length > 0;

  const write = (value: string, caret: number): void => {
    setDrafts((d) => ({ ...d, [p.mode]: value }));
    saveDraft(p.tenantId, p.conversationId, value, p.mode);
    const q = slashQueryAt(value, caret);
    if (q && !slash) p.onCannedWanted();
    setSlash(q);
    if (q?.query !== slash?.query) setActive(0);
    if (!note) typing.keystroke(value.trim() === '');
  };

  const choose = (response: CannedResponse): void => {
    if (!slash) return;
    const next = insertCanned(text, slash, p.fillCanned(response));
    caretAfter.current = next.caret;
    write(next.text, next.caret);
    setSlash(null);
  };

  const submit = async (): Promise<void> => {
    const t = text.trim();
    const withFiles = files.ready.length > 0;
    if ((t === '' && !withFiles) || t.length > MAX_TEXT_LENGTH || busy || files.busy) return;
    if (note) {
      setBusy(true);
      const stored = await p.onNote(t, files.ready);
      setBusy(false);
      if (!stored) return; // the draft and the files stay; the banner says why
      files.clear();
    } else {
      p.onSend(t, files.ready);
      files.clear();
      typing.stop();
    }
    setDrafts((d) => ({ ...d, [p.mode]: '' }));
    saveDraft(p.tenantId, p.conversationId, '', p.mode);
    setSlash(null);
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    if (suggesting) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((a) => (a + step + matches.length) % matches.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const chosen = matches[Math.min(active, matches.length - 1)];
        if (chosen) choose(chosen);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setSlash(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  const tooLong = text.trim().length > MAX_TEXT_LENGTH;
  const attach = (list: File[]): void => {
    if (list.length) files.add(list);
  };
  const empty = text.trim() === '' && files.ready.length === 0;
  return (
    <form
      class={`reply${note ? ' note-mode' : ''}${dropping ? ' dropping' : ''}`}
      data-mode={p.mode}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={(e) => {
        setDropping(false);
        const dropped = filesOf(e.dataTransfer);
        if (dropped.length === 0) return;
        e.preventDefault();
        attach(dropped);
        box.current?.focus();
      }}
    >
      <div class="mode-switch" role="group" aria-label="Write a">
        <button type="button" aria-pressed={!note} onClick={() => p.onMode('reply')}>
          Reply
        </button>
        <button
          type="button"
          aria-pressed={note}
          onClick={() => p.onMode('note')}
          disabled={!p.notesSupported}
          title={p.notesSupported ? 'Only agents see notes' : 'Notes are not supported by this server yet'}
        >
          Note
        </button>
        <span class="mode-hint" aria-live="polite">
          {note ? 'Internal note: only agents see it, never the visitor.' : 'The visitor sees this reply.'}
        </span>
      </div>
      <PendingUploads
        uploads={files.uploads}
        onRemove={(key) => {
          files.remove(key);
          box.current?.focus();
        }}
      />
      {suggesting && <CannedSuggestions matches={matches} active={active} onChoose={choose} />}
      <textarea
        ref={box}
        id="reply"
        rows={2}
        placeholder={
          note
            ? 'Internal note — Enter to add, Shift+Enter for a new line'
            : 'Write a reply — Enter to send, Shift+Enter for a new line, / for canned responses'
        }
        aria-label={note ? 'Internal note' : 'Reply'}
        aria-controls={suggesting ? CANNED_LIST_ID : undefined}
        aria-activedescendant={suggesting ? cannedOptionId(active) : undefined}
        value={text}
        onInput={(e) => write(e.currentTarget.value, e.currentTarget.selectionStart ?? e.currentTarget.value.length)}
        onKeyDown={onKeyDown}
        onBlur={() => setSlash(null)}
        onPaste={(e) => {
          const pasted = filesOf(e.clipboardData);
          if (pasted.length === 0) return; // text pastes as text
          e.preventDefault();
          attach(pasted);
        }}
      />
      <button type="button" class="ghost attach" onClick={() => picker.current?.click()} title="Attach files (images, PDF, text)">
        Attach
      </button>
      <input
        ref={picker}
        type="file"
        hidden
        multiple
        accept={ACCEPT}
        onChange={(e) => {
          const input = e.currentTarget;
          attach([...(input.files ?? [])]);
          input.value = ''; // the same file may be picked again
        }}
      />
      <button type="submit" class={note ? 'note-button' : 'primary'} disabled={empty || tooLong || busy || files.busy}>
        {note ? 'Add note' : 'Send'}
      </button>
      {tooLong && (
        <p class="error" role="alert">
          A message is at most {MAX_TEXT_LENGTH} characters.
        </p>
      )}
    </form>
  );
}
