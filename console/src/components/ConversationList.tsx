import { conversationEmail, conversationName, duration, preview, shortTime } from '../lib/format';
import type { Conversation, ConversationStatus } from '../lib/types';
import { isTyping, type State } from '../state';
import { useNow } from './useNow';

export interface ConversationListProps {
  state: State;
  items: Conversation[];
  onStatus: (s: ConversationStatus) => void;
  onSearch: (q: string) => void;
  onOpen: (conversationId: string) => void;
  onMore: (() => void) | null;
}

function isOnline(state: State, c: Conversation): boolean {
  if (c.sessionId && state.online[c.sessionId]) return true;
  return c.userId !== null && Object.values(state.online).some((u) => u.userId === c.userId);
}

export function ConversationList(p: ConversationListProps) {
  const now = useNow(30000);
  const { status, search } = p.state.filter;
  const loading = p.state.listLoading;
  return (
    <section class="pane pane-list" aria-labelledby="conversations-title">
      <div class="pane-head">
        <h2 id="conversations-title">Conversations</h2>
        <div class="segmented" role="group" aria-label="Status">
          {(['open', 'closed'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={status === s} onClick={() => p.onStatus(s)}>
              {s === 'open' ? 'Open' : 'Closed'}
            </button>
          ))}
        </div>
        <input
          type="search"
          class="search"
          placeholder="Search name, e-mail or text"
          aria-label="Search conversations"
          value={search}
          onInput={(e) => p.onSearch(e.currentTarget.value)}
        />
      </div>
      <ul class="conv-list" aria-busy={loading}>
        {p.items.map((c) => {
          const unread = p.state.unread[c.conversationId] ?? 0;
          const name = conversationName(c);
          const email = conversationEmail(c);
          const last = c.lastMessage;
          const typing = isTyping(p.state, c, now);
          const active = p.state.activeId === c.conversationId;
          return (
            <li key={c.conversationId}>
              <button
                type="button"
                class={`conv${active ? ' active' : ''}${unread ? ' has-unread' : ''}`}
                aria-current={active ? 'true' : undefined}
                data-conversation-id={c.conversationId}
                onClick={() => p.onOpen(c.conversationId)}
              >
                <span class="conv-top">
                  <span class={`dot${isOnline(p.state, c) ? ' on' : ''}`} aria-hidden="true" />
                  <span class="conv-name">{name}</span>
                  {c.userId && <span class="badge">logged in</span>}
                  <time class="conv-time" dateTime={c.lastActivityAt} title={`${duration(c.lastActivityAt, now)} ago`}>
                    {shortTime(c.lastActivityAt, now)}
                  </time>
                </span>
                {email && <span class="conv-email">{email}</span>}
                <span class="conv-bottom">
                  <span class="conv-preview">
                    {typing
                      ? 'typing…'
                      : last
                        ? `${last.sender === 'agent' ? `${last.senderName ?? 'Agent'}: ` : ''}${preview(last.text)}`
                        : 'No messages yet'}
                  </span>
                  {unread > 0 && (
                    <span class="unread" aria-label={`${unread} unread`} data-testid="unread">
                      {unread}
                    </span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {p.items.length === 0 && !loading && (
        <p class="empty">{search ? 'No conversation matches.' : `No ${status} conversations.`}</p>
      )}
      {p.onMore && (
        <button type="button" class="ghost more" onClick={p.onMore} disabled={loading}>
          Load more
        </button>
      )}
    </section>
  );
}
