// The open conversation: who the visitor is, its controls, the messages and
// the reply box.
import type { ConsoleController } from '../controller';
import { conversationEmail, conversationName, safeHttpUrl } from '../lib/format';
import { describeWhen } from '../lib/snooze';
import type { Conversation } from '../lib/types';
import { agentName, isTyping, knownLabels, timeline, type State } from '../state';
import { ConversationActions } from './ConversationActions';
import { LabelEditor } from './LabelEditor';
import { MessageLog } from './MessageLog';
import { ReplyBox } from './ReplyBox';
import { useNow } from './useNow';

export interface ConversationViewProps {
  controller: ConsoleController;
  state: State;
  conversation: Conversation | null;
  onBack: () => void;
}

function StatusBadge({ c }: { c: Conversation }) {
  if (c.status === 'open') return null;
  const text = c.status === 'snoozed' && c.snoozedUntil ? `snoozed until ${describeWhen(c.snoozedUntil)}` : c.status;
  return <span class={`badge muted status-${c.status}`}>{text}</span>;
}

export function ConversationView(p: ConversationViewProps) {
  const now = useNow(1000);
  const c = p.conversation;
  const ctl = p.controller;
  if (!c) {
    return (
      <section class="pane pane-chat empty-chat" aria-label="Conversation">
        <p class="empty">Pick a conversation to read and reply.</p>
      </section>
    );
  }
  const id = c.conversationId;
  const thread = p.state.threads[id];
  const name = conversationName(c);
  const email = conversationEmail(c);
  const presence = c.sessionId ? p.state.online[c.sessionId] : undefined;
  const typing = isTyping(p.state, c, now);

  return (
    <section class="pane pane-chat" aria-labelledby="chat-title" data-conversation-id={id}>
      <div class="chat-head">
        <button type="button" class="ghost back" onClick={p.onBack} aria-label="Back to conversations">
          ←
        </button>
        <div class="chat-who">
          <h2 id="chat-title">
            <span class="chat-name">{name}</span>
            {c.userId && <span class="badge">logged in</span>}
            <StatusBadge c={c} />
          </h2>
          <p class="chat-meta">
            {email && <span>{email}</span>}
            {presence ? <span class="on-text">online</span> : <span>offline</span>}
            {presence?.url && <span class="url">{safeHttpUrl(presence.url) ?? presence.url}</span>}
          </p>
        </div>
        <ConversationActions
          state={p.state}
          conversation={c}
          onAssign={(agentId) => ctl.desk.assign(id, agentId)}
          onStatus={(status, until) => ctl.desk.setStatus(id, status, until)}
        />
        <LabelEditor
          labels={c.labels}
          known={knownLabels(p.state)}
          onChange={(labels) => ctl.desk.setLabels(id, labels)}
        />
      </div>
      <MessageLog
        key={c.conversationId}
        thread={thread}
        items={timeline(p.state, id)}
        seenUpTo={c.visitorLastReadId}
        noteAuthor={(agentId) => (agentId ? agentName(p.state, agentId) : 'Agent')}
        ownIds={ctl.ownIds}
        now={now}
        onLoadOlder={() => ctl.loadOlder(id)}
        onRetry={(clientMessageId) => ctl.retry(id, clientMessageId)}
      />
      <p class="typing" aria-live="polite">
        {typing ? `${name} is typing…` : ''}
      </p>
      <ReplyBox
        key={c.conversationId}
        tenantId={ctl.auth.tenantId}
        conversationId={id}
        mode={p.state.composeMode}
        onMode={(mode) => ctl.setComposeMode(mode)}
        notesSupported={p.state.notesSupport !== 'unsupported'}
        canned={p.state.canned}
        fillCanned={(response) => ctl.desk.fillCanned(id, response)}
        onCannedWanted={() => ctl.desk.refreshCanned()}
        onNote={(text, attachments) => ctl.desk.addNote(id, text, attachments)}
        onSend={(text, attachments) => ctl.send(id, text, attachments)}
        onUpload={(file, progress, signal) => ctl.upload(id, file, progress, signal)}
        onTyping={(t) => ctl.typing(id, t)}
      />
    </section>
  );
}
