// The open conversation's messages, oldest first; older pages load when the
// agent scrolls to the top, and the view stays where the reader is.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { shortTime } from '../lib/format';
import type { Thread, ThreadMessage } from '../state';

export function MessageLog(props: {
  thread: Thread | undefined;
  ownIds: Set<string>;
  now: number;
  onLoadOlder: () => Promise<void>;
  onRetry: (clientMessageId: string) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const messages = props.thread?.messages ?? [];
  const hasOlder = props.thread?.nextBefore != null;

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
  }, [messages]);

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

  return (
    <div class="log" ref={ref} onScroll={onScroll} role="log" aria-live="polite" aria-label="Messages" tabIndex={0}>
      {hasOlder && (
        <button type="button" class="ghost small older" onClick={() => void older()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Load older messages'}
        </button>
      )}
      {props.thread && !props.thread.loaded && messages.length === 0 && <p class="empty">Loading…</p>}
      {props.thread?.loaded && messages.length === 0 && <p class="empty">No messages yet.</p>}
      {!props.thread && <p class="empty">Loading…</p>}
      {messages.map((m) => (
        <Bubble key={m.clientMessageId ? `c:${m.clientMessageId}` : m.messageId} m={m} own={m.clientMessageId !== null && props.ownIds.has(m.clientMessageId)} now={props.now} onRetry={props.onRetry} />
      ))}
    </div>
  );
}

export function Bubble({ m, own, now, onRetry }: { m: ThreadMessage; own: boolean; now: number; onRetry: (id: string) => void }) {
  const who = m.sender === 'agent' ? (own ? 'You' : (m.senderName ?? 'Agent')) : m.sender === 'system' ? 'System' : (m.senderName ?? 'Visitor');
  return (
    <div class={`msg msg-${m.sender}${own ? ' own' : ''}`} data-message-id={m.messageId} data-delivery={m.delivery}>
      <div class="msg-meta">
        <span class="msg-who">{who}</span>
        <time dateTime={m.createdAt}>{shortTime(m.createdAt, now)}</time>
      </div>
      <div class="msg-text">{m.text}</div>
      {own && (
        <div class="msg-state">
          {m.delivery === 'sending' && 'Sending…'}
          {m.delivery === 'sent' && 'Sent'}
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
    </div>
  );
}
