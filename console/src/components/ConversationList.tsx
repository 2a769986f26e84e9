// The conversations pane: the queue (Mine / Unassigned / All), the status
// tabs, the label filter and search, then one row per conversation.
import type { ConsoleController } from '../controller';
import type { QueueView } from '../lib/api';
import { conversationEmail, conversationName, duration, preview, shortTime } from '../lib/format';
import { describeWhen } from '../lib/snooze';
import { CONVERSATION_STATUSES, type Conversation, type ConversationStatus } from '../lib/types';
import { agentName, isTyping, knownLabels, type State } from '../state';
import { useNow } from './useNow';

export interface ConversationListProps {
  controller: ConsoleController;
  state: State;
  items: Conversation[];
  onOpen: (conversationId: string) => void;
}

const VIEWS: Array<[QueueView, string]> = [
  ['mine', 'Mine'],
  ['unassigned', 'Unassigned'],
  ['all', 'All'],
];

const STATUS_LABEL: Record<ConversationStatus, string> = {
  open: 'Open',
  pending: 'Pending',
  snoozed: 'Snoozed',
  closed: 'Closed',
};

function isOnline(state: State, c: Conversation): boolean {
  if (c.sessionId && state.online[c.sessionId]) return true;
  return c.userId !== null && Object.values(state.online).some((u) => u.userId === c.userId);
}

function emptyText(state: State): string {
  const { view, status, label, search } = state.filter;
  if (search || label) return 'No conversation matches.';
  const queue = view === 'mine' ? ' assigned to you' : view === 'unassigned' ? ' unassigned' : '';
  return `No ${status} conversations${queue}.`;
}

export function ConversationList({ controller, state, items, onOpen }: ConversationListProps) {
  const now = useNow(30000);
  const { view, status, label, search } = state.filter;
  const loading = state.listLoading;
  const labels = knownLabels(state);
  return (
    <section class="pane pane-list" aria-labelledby="conversations-title">
      <div class="pane-head">
        <h2 id="conversations-title">Conversations</h2>
        <div class="segmented" role="group" aria-label="Queue">
          {VIEWS.map(([v, text]) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => controller.setFilter({ view: v })}>
              {text}
            </button>
          ))}
        </div>
        <div class="segmented status-tabs" role="group" aria-label="Show status">
          {CONVERSATION_STATUSES.map((s) => (
            <button key={s} type="button" aria-pressed={status === s} onClick={() => controller.setFilter({ status: s })}>
              {STATUS_LABEL[s]}
            </button>
          ))}
        </div>
        <div class="list-filters">
          <select
            aria-label="Label filter"
            value={label ?? ''}
            onChange={(e) => controller.setFilter({ label: e.currentTarget.value || null })}
          >
            <option value="">All labels</option>
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <input
            type="search"
            class="search"
            placeholder="Search name, e-mail or text"
            aria-label="Search conversations"
            value={search}
            onInput={(e) => controller.setFilter({ search: e.currentTarget.value })}
          />
        </div>
      </div>
      <ul class="conv-list" aria-busy={loading}>
        {items.map((c) => (
          <Row key={c.conversationId} state={state} c={c} now={now} onOpen={onOpen} />
        ))}
      </ul>
      {items.length === 0 && !loading && <p class="empty">{emptyText(state)}</p>}
      {state.listNextBefore && (
        <button type="button" class="ghost more" onClick={() => void controller.loadList(true)} disabled={loading}>
          Load more
        </button>
      )}
    </section>
  );
}

function Row({ state, c, now, onOpen }: { state: State; c: Conversation; now: number; onOpen: (id: string) => void }) {
  const unread = state.unread[c.conversationId] ?? 0;
  const email = conversationEmail(c);
  const last = c.lastMessage;
  const active = state.activeId === c.conversationId;
  const assignee = c.assigneeId === null ? null : c.assigneeId === state.me.agentId ? 'you' : agentName(state, c.assigneeId);
  return (
    <li>
      <button
        type="button"
        class={`conv${active ? ' active' : ''}${unread ? ' has-unread' : ''}`}
        aria-current={active ? 'true' : undefined}
        data-conversation-id={c.conversationId}
        onClick={() => onOpen(c.conversationId)}
      >
        <span class="conv-top">
          <span class={`dot${isOnline(state, c) ? ' on' : ''}`} aria-hidden="true" />
          <span class="conv-name">{conversationName(c)}</span>
          {c.userId && <span class="badge">logged in</span>}
          <time class="conv-time" dateTime={c.lastActivityAt} title={`${duration(c.lastActivityAt, now)} ago`}>
            {shortTime(c.lastActivityAt, now)}
          </time>
        </span>
        {email && <span class="conv-email">{email}</span>}
        <span class="conv-bottom">
          <span class="conv-preview">
            {isTyping(state, c, now)
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
        {(assignee || c.labels.length > 0 || c.status === 'snoozed') && (
          <span class="conv-tags">
            {assignee && <span class="assignee" data-testid="assignee">→ {assignee}</span>}
            {c.status === 'snoozed' && c.snoozedUntil && <span class="tag">until {describeWhen(c.snoozedUntil)}</span>}
            {c.labels.map((l) => (
              <span key={l} class="tag label-tag">
                {l}
              </span>
            ))}
          </span>
        )}
      </button>
    </li>
  );
}
