import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { safeHttpUrl, shortTime, visitorEmail, visitorName } from '../lib/format';
import { loadDraft, saveDraft } from '../lib/storage';
import type { Conversation, ConversationStatus } from '../lib/types';
import { isTyping, type State, type Thread, type ThreadMessage } from '../state';
import { useNow } from './useNow';

export interface ConversationViewProps {
  state: State;
  conversation: Conversation | null;
  tenantId: string;
  ownIds: Set<string>;
  onBack: () => void;
  onSend: (conversationId: string, text: string) => void;
  onRetry: (conversationId: string, clientMessageId: string) => void;
  onTyping: (conversationId: string, isTyping: boolean) => void;
  onLoadOlder: (conversationId: string) => Promise<void>;
  onStatus: (conversationId: string, status: ConversationStatus) => Promise<void>;
}

const MAX_LEN = 4000;

export function ConversationView(p: ConversationViewProps) {
  const now = useNow(1000);
  const c = p.conversation;
  const [busy, setBusy] = useState(false);
  if (!c) {
    return (
      <section class="pane pane-chat empty-chat" aria-label="Conversation">
        <p class="empty">Pick a conversation to read and reply.</p>
      </section>
    );
  }
  const thread = p.state.threads[c.conversationId];
  const name = visitorName(c.userInfo, c.sessionId, c.userId);
  const email = visitorEmail(c.userInfo);
  const presence = c.sessionId ? p.state.online[c.sessionId] : undefined;
  const typing = isTyping(p.state, c, now);
  const closed = c.status === 'closed';

  const toggle = async () => {
    setBusy(true);
    await p.onStatus(c.conversationId, closed ? 'open' : 'closed');
    setBusy(false);
  };

  return (
    <section class="pane pane-chat" aria-labelledby="chat-title" data-conversation-id={c.conversationId}>
      <div class="chat-head">
        <button type="button" class="ghost back" onClick={p.onBack} aria-label="Back to conversations">
          ←
        </button>
        <div class="chat-who">
          <h2 id="chat-title">
            <span class="chat-name">{name}</span>
            {c.userId && <span class="badge">logged in</span>}
            {closed && <span class="badge muted">closed</span>}
          </h2>
          <p class="chat-meta">
            {email && <span>{email}</span>}
            {presence ? <span class="on-text">online</span> : <span>offline</span>}
            {presence?.url && <span class="url">{safeHttpUrl(presence.url) ?? presence.url}</span>}
          </p>
        </div>
        <button type="button" class="ghost" onClick={toggle} disabled={busy}>
          {closed ? 'Reopen' : 'Close'}
        </button>
      </div>
      <MessageLog
        key={c.conversationId}
        thread={thread}
        ownIds={p.ownIds}
        now={now}
        onLoadOlder={() => p.onLoadOlder(c.conversationId)}
        onRetry={(id) => p.onRetry(c.conversationId, id)}
      />
      <p class="typing" aria-live="polite">
        {typing ? `${name} is typing…` : ''}
      </p>
      <ReplyBox
        key={c.conversationId}
        tenantId={p.tenantId}
        conversationId={c.conversationId}
        onSend={(text) => p.onSend(c.conversationId, text)}
        onTyping={(t) => p.onTyping(c.conversationId, t)}
      />
    </section>
  );
}

function MessageLog(props: {
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

function Bubble({ m, own, now, onRetry }: { m: ThreadMessage; own: boolean; now: number; onRetry: (id: string) => void }) {
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

/** How often "still typing" is repeated, and how long a pause means "stopped". */
const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 2500;

function ReplyBox(props: {
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
