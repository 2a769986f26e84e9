import { useState } from 'preact/hooks';
import { conversationEmail, conversationName, safeHttpUrl } from '../lib/format';
import type { Conversation, ConversationStatus } from '../lib/types';
import { isTyping, type State } from '../state';
import { MessageLog } from './MessageLog';
import { ReplyBox } from './ReplyBox';
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
  const name = conversationName(c);
  const email = conversationEmail(c);
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
