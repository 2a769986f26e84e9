import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ViewMessage } from '../chat';
import type { Strings } from '../i18n';
import { isCoveredBy } from '../../../shared/ordering';
import { linkify } from '../linkify';
import { AttachmentList } from './Attachments';

// How close to an edge (px) counts as "at" it.
const EDGE = 48;

interface MessageListProps {
  messages: ViewMessage[];
  greeting: string;
  open: boolean;
  hasOlder: boolean;
  loading: boolean;
  /** An agent has read up to here: the visitor's last message up to it shows "Seen". */
  seenUpTo: string | null;
  strings: Strings;
  onLoadOlder: () => void;
  onRetry: (key: string) => void;
  /** After the messages, inside the scrolling log (the e-mail prompt). */
  children?: ComponentChildren;
  /** Changes when `children` appear or change, to keep them in view. */
  childrenKey?: string;
}

/** Text with http(s) links made clickable; every piece is a text node, never HTML. */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, index) =>
        segment.kind === 'link' ? (
          <a key={index} href={segment.href} target="_blank" rel="noopener noreferrer nofollow">
            {segment.text}
          </a>
        ) : (
          segment.text
        ),
      )}
    </>
  );
}

function senderLabel(message: ViewMessage, strings: Strings): string {
  if (message.sender === 'visitor') return strings.you;
  if (message.sender === 'system') return strings.system;
  return message.senderName || strings.agent;
}

function Message({ message, showName, seen, strings, onRetry }: {
  message: ViewMessage;
  showName: boolean;
  seen: boolean;
  strings: Strings;
  onRetry: (key: string) => void;
}) {
  const label = senderLabel(message, strings);
  return (
    <li class={`wc-msg wc-${message.sender} wc-${message.state}`} data-message-id={message.messageId ?? undefined}>
      {showName ? <span class="wc-name" aria-hidden="true">{label}</span> : null}
      {message.text ? (
        <div class="wc-bubble">
          <span class="wc-sr-only">{label}: </span>
          <span class="wc-text">
            <MessageText text={message.text} />
          </span>
        </div>
      ) : (
        <span class="wc-sr-only">{label}: </span>
      )}
      <AttachmentList attachments={message.attachments} strings={strings} />
      {message.state === 'sending' ? <span class="wc-status">{strings.sending}</span> : null}
      {seen ? <span class="wc-status wc-seen">{strings.seen}</span> : null}
      {message.state === 'failed' ? (
        <span class="wc-status" role="alert">
          {strings.failed}
          <button type="button" class="wc-retry" onClick={() => onRetry(message.key)}>
            {strings.retry}
          </button>
        </span>
      ) : null}
    </li>
  );
}

function lastStoredVisitorMessage(messages: ViewMessage[]): ViewMessage | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.sender === 'visitor' && m.messageId) return m;
  }
  return null;
}

export function MessageList(props: MessageListProps) {
  const { messages, strings } = props;
  const lastOwn = lastStoredVisitorMessage(messages);
  const seenKey = lastOwn && isCoveredBy(lastOwn.messageId!, props.seenUpTo) ? lastOwn.key : null;
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const previous = useRef({ firstKey: '', lastKey: '', height: 0 });

  // Keep the view where the reader expects it: pinned to the bottom for new
  // messages, still on the same message when older ones load above it.
  useLayoutEffect(() => {
    const element = log.current;
    if (!element || !props.open) return;
    const firstKey = messages[0]?.key ?? '';
    const last = messages[messages.length - 1];
    const before = previous.current;
    const prepended = before.firstKey !== '' && firstKey !== before.firstKey && last?.key === before.lastKey;
    if (prepended) {
      element.scrollTop += element.scrollHeight - before.height;
    } else if (atBottom.current || (last && last.key !== before.lastKey && last.sender === 'visitor')) {
      element.scrollTop = element.scrollHeight;
      atBottom.current = true;
    }
    previous.current = { firstKey, lastKey: last?.key ?? '', height: element.scrollHeight };
  }, [messages, props.open, props.childrenKey]);

  const onScroll = (): void => {
    const element = log.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < EDGE;
    if (element.scrollTop < EDGE && props.hasOlder && !props.loading) props.onLoadOlder();
  };

  return (
    <div class="wc-log" ref={log} onScroll={onScroll} tabIndex={0} aria-label={strings.conversationLabel}>
      {props.hasOlder ? (
        <button type="button" class="wc-older" onClick={props.onLoadOlder} disabled={props.loading}>
          {props.loading ? strings.loadingOlder : strings.loadOlder}
        </button>
      ) : null}
      <ul>
        {props.hasOlder || !props.greeting ? null : (
          <li class="wc-msg wc-agent wc-greeting">
            <div class="wc-bubble">
              <span class="wc-text">{props.greeting}</span>
            </div>
          </li>
        )}
        {messages.map((message, index) => (
          <Message
            key={message.key}
            message={message}
            showName={message.sender !== 'visitor' && messages[index - 1]?.sender !== message.sender}
            seen={message.key === seenKey}
            strings={strings}
            onRetry={props.onRetry}
          />
        ))}
      </ul>
      {props.children}
    </div>
  );
}
