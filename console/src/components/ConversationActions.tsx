// The open conversation's controls: who it is assigned to (me, another
// agent, nobody) and its status (reopen, pending, snooze, close).
import { useState } from 'preact/hooks';
import type { Conversation, ConversationStatus } from '../lib/types';
import { agentName, assignableAgents, type State } from '../state';
import { SnoozeMenu } from './SnoozeMenu';

export interface ConversationActionsProps {
  state: State;
  conversation: Conversation;
  onAssign: (agentId: string | null) => Promise<boolean>;
  onStatus: (status: ConversationStatus, snoozedUntil?: Date) => Promise<boolean>;
}

const UNASSIGNED = '';

export function ConversationActions({ state, conversation: c, onAssign, onStatus }: ConversationActionsProps) {
  const [busy, setBusy] = useState(false);
  const run = async (change: () => Promise<boolean>): Promise<void> => {
    setBusy(true);
    try {
      await change();
    } finally {
      setBusy(false);
    }
  };

  const me = state.me.agentId;
  const choices = assignableAgents(state);
  // The current assignee stays a choice even when the staff list is unknown.
  if (c.assigneeId && !choices.some((a) => a.agentId === c.assigneeId)) {
    choices.push({ agentId: c.assigneeId, name: agentName(state, c.assigneeId), email: null, role: 'agent', disabled: false, capacity: null });
  }
  if (me && !choices.some((a) => a.agentId === me)) {
    choices.unshift({ agentId: me, name: state.me.name, email: null, role: 'agent', disabled: false, capacity: null });
  }

  return (
    <div class="chat-actions">
      <div class="assign">
        <label class="sr-only" for="assignee">
          Assignee
        </label>
        <select
          id="assignee"
          value={c.assigneeId ?? UNASSIGNED}
          disabled={busy}
          onChange={(e) => {
            const value = e.currentTarget.value;
            void run(() => onAssign(value === UNASSIGNED ? null : value));
          }}
        >
          <option value={UNASSIGNED}>Unassigned</option>
          {choices.map((a) => (
            <option key={a.agentId} value={a.agentId}>
              {a.agentId === me ? `${a.name} (me)` : a.name}
            </option>
          ))}
        </select>
        {me && c.assigneeId !== me && (
          <button type="button" class="ghost" disabled={busy} onClick={() => void run(() => onAssign(me))}>
            Assign to me
          </button>
        )}
      </div>
      <div class="status-actions" role="group" aria-label="Set status">
        {c.status !== 'open' && (
          <button type="button" class="ghost" disabled={busy} onClick={() => void run(() => onStatus('open'))}>
            Reopen
          </button>
        )}
        {c.status !== 'pending' && c.status !== 'closed' && (
          <button
            type="button"
            class="ghost"
            disabled={busy}
            title="Waiting on the visitor"
            onClick={() => void run(() => onStatus('pending'))}
          >
            Pending
          </button>
        )}
        {c.status !== 'closed' && (
          <SnoozeMenu disabled={busy} onSnooze={(until) => void run(() => onStatus('snoozed', until))} />
        )}
        {c.status !== 'closed' && (
          <button type="button" class="ghost" disabled={busy} onClick={() => void run(() => onStatus('closed'))}>
            Close
          </button>
        )}
      </div>
    </div>
  );
}
