// The open conversation as the agent reads it: messages oldest first, with
// internal notes in their place (styled apart, marked "Internal note").
// Older pages load when the agent scrolls to the top, and the view stays
// where the reader is. Agent messages carry a receipt: Sent, or Seen once the
// visitor's read mark covers them.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isCoveredBy } from '../../../shared/ordering';
import { shortTime } from '../lib/format';
import type { Note } from '../lib/types';
import { AttachmentList } from './Attachments';
import type { Thread, ThreadMessage, TimelineItem } from '../state';

export interface MessageLogProps {
  thread: Thread | undefined;
  items: TimelineItem[];
  ownIds: Set<string>;
  /** The visitor's read mark (visitorLastReadId). */
  seenUpTo: string | null;
  now: number;
  noteAuthor: (agentId: string | null) => string;
  onLoadOlder: () => Promise<void>;
  onRetry: (clientMessageId: string) => void;
}

export function MessageLog(props: MessageLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const { thread, items } = props;
  const hasOlder = thread?.nextBefore != null;

  // Keep the reader's place: at the bottom for new messages, in place when
  // older ones are added above.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [items]);

  const older = async () => {
    const el = ref.current;
    if (loadingOlder || !hasOlder || !el) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    setLoadingOlder(true);
    try {
      await props.onLoadOlder();
    } finally {
      setLoadingOlder(false);
    }
  };

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    if (el.scrollTop < 40) void older();
  };

  const loading = !thread || (!thread.loaded && items.length === 0);
  return (
    <div class="log" ref={ref} onScroll={onScroll} role="log" aria-live="polite" aria-label="Messages" tabIndex={0}>
      {hasOlder && (
        <button type="button" class="ghost small older" onClick={() => void older()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Load older messages'}
        </button>
      )}
      {loading && <p class="empty">Loading…</p>}
      {thread?.loaded && items.length === 0 && <p class="empty">No messages yet.</p>}
      {items.map((item) =>
        item.kind === 'note' ? (
          <NoteCard key={`n:${item.note.noteId}`} note={item.note} author={props.noteAuthor(item.note.agentId)} now={props.now} />
        ) : (
          <Bubble
            key={item.message.clientMessageId ? `c:${item.message.clientMessageId}` : item.message.messageId}
            m={item.message}
            own={item.message.clientMessageId !== null && props.ownIds.has(item.message.clientMessageId)}
            seen={isCoveredBy(item.message.messageId, props.seenUpTo)}
            now={props.now}
            onRetry={props.onRetry}
          />
        ),
      )}
    </div>
  );
}

function NoteCard({ note, author, now }: { note: Note; author: string; now: number }) {
  return (
    <div class="note" data-note-id={note.noteId}>
      <div class="msg-meta">
        <span class="note-tag">Internal note</span>
        <span class="msg-who">{author}</span>
        <time dateTime={note.createdAt}>{shortTime(note.createdAt, now)}</time>
      </div>
      {note.text && <div class="msg-text">{note.text}</div>}
      <AttachmentList attachments={note.attachments} />
    </div>
  );
}

function Receipt({ seen }: { seen: boolean }) {
  return (
    <span class={`receipt${seen ? ' seen' : ''}`} data-receipt={seen ? 'seen' : 'sent'}>
      <span aria-hidden="true">{seen ? '✓✓ ' : '✓ '}</span>
      {seen ? 'Seen' : 'Sent'}
    </span>
  );
}

export interface BubbleProps {
  m: ThreadMessage;
  own: boolean;
  seen: boolean;
  now: number;
  onRetry: (id: string) => void;
}

export function Bubble({ m, own, seen, now, onRetry }: BubbleProps) {
  const who =
    m.sender === 'agent' ? (own ? 'You' : (m.senderName ?? 'Agent')) : m.sender === 'system' ? 'System' : (m.senderName ?? 'Visitor');
  const stored = m.delivery === 'sent';
  return (
    <div class={`msg msg-${m.sender}${own ? ' own' : ''}`} data-message-id={m.messageId} data-delivery={m.delivery}>
      <div class="msg-meta">
        <span class="msg-who">{who}</span>
        <time dateTime={m.createdAt}>{shortTime(m.createdAt, now)}</time>
      </div>
      {m.text && <div class="msg-text">{m.text}</div>}
      <AttachmentList attachments={m.attachments} />
      {own && (
        <div class="msg-state">
          {m.delivery === 'sending' && 'Sending…'}
          {stored && <Receipt seen={seen} />}
          {m.delivery === 'failed' && (
            <>
              <span class="failed">Not sent.</span>{' '}
              <button type="button" class="link-button" onClick={() => m.clientMessageId && onRetry(m.clientMessageId)}>
                Retry
              </button>
            </>
          )}
        </div>
      )}
      {!own && m.sender === 'agent' && stored && (
        <div class="msg-receipt">
          <Receipt seen={seen} />
        </div>
      )}
    </div>
  );
}
