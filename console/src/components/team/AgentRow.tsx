// One agent of the table: name (Rename opens a field), e-mail, role,
// capacity, status and Disable / Enable. Edits to the name, role and
// capacity are saved together (Save, or Enter in a field; Escape discards);
// Disable asks first, in a row of its own under the agent's.
import type { TeamAgent } from '../../lib/types';
import { CAPACITY_MAX, rowEditOf, type RowField } from '../../team/agentDraft';
import type { AgentsManager, AgentsState } from '../../team/agents';
import { agentLabel } from '../../team/present';
import { errorId, rowControlId } from './ids';

export interface AgentRowProps {
  agent: TeamAgent;
  state: AgentsState;
  manager: AgentsManager;
  isMe: boolean;
}

const COLUMNS = 6;

export function AgentRow({ agent, state, manager, isMe }: AgentRowProps) {
  const id = agent.agentId;
  const label = agentLabel(agent);
  const edit = state.edits[id] ?? rowEditOf(agent);
  const errors = state.rowErrors[id] ?? {};
  const renaming = state.renaming === id;
  const busy = state.busy.includes(id);
  const changed = manager.changed(id);
  const confirming = state.confirming === id;
  const questionId = `team-disable-question-${id}`;
  const control = (c: Parameters<typeof rowControlId>[1]): string => rowControlId(id, c);

  const fieldAttrs = (field: RowField) => ({
    id: control(field),
    'aria-invalid': errors[field] ? ('true' as const) : undefined,
    'aria-describedby': errors[field] ? errorId(control(field)) : undefined,
  });
  const fieldError = (field: RowField) =>
    errors[field] ? (
      <p id={errorId(control(field))} class="field-error">
        {errors[field]}
      </p>
    ) : null;
  const keys = (e: KeyboardEvent): void => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void manager.saveRow(id);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      manager.discardRow(id);
    }
  };
  const value = (e: Event): string => (e.currentTarget as HTMLInputElement).value;

  return (
    <>
      <tr data-agent-id={id} class={agent.disabled ? 'team-disabled' : undefined}>
        <td class="team-name-cell">
          {renaming ? (
            <>
              <input
                type="text"
                class="team-name-input"
                aria-label={`New name for ${label}`}
                value={edit.name}
                onInput={(e) => manager.editRow(id, { name: value(e) }, 'name')}
                onKeyDown={keys}
                {...fieldAttrs('name')}
              />
              {fieldError('name')}
            </>
          ) : (
            <span class="team-name">
              <span class="team-name-text">{agent.name}</span>
              {isMe && <span class="badge muted">you</span>}{' '}
              <button type="button" class="small ghost" id={control('rename')} aria-label={`Rename ${label}`} onClick={() => manager.startRename(id)}>
                Rename
              </button>
            </span>
          )}
        </td>
        <td class="team-email">{agent.email ?? ''}</td>
        <td>
          <select aria-label={`Role of ${label}`} value={edit.role} onChange={(e) => manager.editRow(id, { role: value(e) === 'admin' ? 'admin' : 'agent' }, 'role')} {...fieldAttrs('role')}>
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
          {fieldError('role')}
        </td>
        <td>
          <input
            type="number"
            class="team-capacity"
            inputMode="numeric"
            min={0}
            max={CAPACITY_MAX}
            step={1}
            aria-label={`Capacity of ${label}`}
            value={edit.capacity}
            onInput={(e) => manager.editRow(id, { capacity: value(e) }, 'capacity')}
            onKeyDown={keys}
            {...fieldAttrs('capacity')}
          />
          {fieldError('capacity')}
        </td>
        <td>
          <span class={`badge team-status ${agent.disabled ? 'team-status-disabled' : ''}`}>{agent.disabled ? 'Disabled' : 'Active'}</span>
        </td>
        <td>
          <div class="team-actions">
          {(changed || renaming) && (
            <>
              <button type="button" class="small primary" id={control('save')} aria-label={`Save changes to ${label}`} aria-disabled={busy ? 'true' : undefined} onClick={() => void manager.saveRow(id)}>
                {busy ? 'Saving…' : 'Save'}
              </button>
              <button type="button" class="small" aria-label={`Discard changes to ${label}`} onClick={() => manager.discardRow(id)}>
                Discard
              </button>
            </>
          )}
          {agent.disabled ? (
            <button type="button" class="small" id={control('enable')} aria-label={`Enable ${label}`} aria-disabled={busy ? 'true' : undefined} onClick={() => void manager.enable(id)}>
              Enable
            </button>
          ) : (
            !confirming && (
              <button type="button" class="small" id={control('disable')} aria-label={`Disable ${label}`} onClick={() => manager.askDisable(id)}>
                Disable
              </button>
            )
          )}
          </div>
        </td>
      </tr>
      {confirming && (
        <tr class="team-confirm-row">
          <td colSpan={COLUMNS}>
            <div class="wh-confirm" role="group" aria-labelledby={questionId} onKeyDown={(e) => e.key === 'Escape' && manager.cancelDisable()}>
              <p id={questionId}>
                Disable {label}?{' '}
                {isMe
                  ? 'That is you: you are signed out at once and cannot sign in until another admin enables you.'
                  : 'Their sessions end at once and their consoles are disconnected within seconds; they cannot sign in until enabled again.'}
              </p>
              <button type="button" class="danger" aria-describedby={questionId} onClick={() => void manager.confirmDisable(id)}>
                {busy ? 'Disabling…' : 'Yes, disable'}
              </button>
              <button type="button" id={control('cancelDisable')} aria-describedby={questionId} onClick={() => manager.cancelDisable()}>
                Cancel
              </button>
            </div>
          </td>
        </tr>
      )}
      {errors.row && (
        <tr class="team-error-row">
          <td colSpan={COLUMNS}>
            <p class="error" role="alert" data-testid="team-row-error">
              {errors.row}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
