// The Agents section: the table of the tenant's agents, the box of the agent
// just added (with a generated password, shown once) and "Add agent".
import type { AgentsManager } from '../../team/agents';
import { agentLabel } from '../../team/present';
import { AddAgentForm } from './AddAgentForm';
import { AgentRow } from './AgentRow';
import { OnceBox } from './OnceBox';
import { agentsFocusId } from './ids';
import { useFocus, useModel } from './useModel';

export function AgentsSection({ manager, myId }: { manager: AgentsManager; myId: string | null }) {
  const state = useModel(manager);
  useFocus(state.focus, agentsFocusId);
  const added = state.added;

  return (
    <section class="team-section" aria-labelledby="team-agents-title">
      <h3 id="team-agents-title" tabIndex={-1}>
        Agents {state.phase === 'ready' && <span class="count">({state.agents.length})</span>}
      </h3>
      <p class="wh-status" role="status" aria-live="polite" data-testid="team-agents-status">
        {state.announcement}
      </p>
      {added && (
        <OnceBox
          id="team-added"
          title={`Agent added: ${agentLabel(added)}`}
          label={`Initial password of ${added.email}`}
          value={added.password}
          warning={
            added.password === null ? (
              <>
                They sign in with <strong>{added.email}</strong> and the password you chose.
              </>
            ) : (
              <>
                <strong>Hand this password over now: it is not shown again.</strong> They sign in with {added.email} and can then
                change it.
              </>
            )
          }
          dismiss={added.password === null ? 'Close' : 'I have handed it over, hide the password'}
          onDismiss={() => manager.dismissAdded()}
          testId="team-added"
        />
      )}

      {state.phase === 'loading' && <p role="status">Loading the agents…</p>}
      {state.phase === 'failed' && (
        <div class="settings-failed">
          <p class="error" role="alert" data-testid="team-agents-error">
            {state.loadError}
          </p>
          <button type="button" onClick={() => void manager.load()}>
            Try again
          </button>
        </div>
      )}
      {state.phase === 'ready' && (
        <div class="wh-table-scroll">
          <table class="wh-table team-table" data-testid="team-agents">
            <caption>
              The tenant's agents. Capacity: how many open conversations automatic assignment gives them (empty: the tenant's
              default).
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Capacity</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.agents.map((a) => (
                <AgentRow key={a.agentId} agent={a} state={state} manager={manager} isMe={a.agentId === myId} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.phase === 'ready' && <AddAgentForm state={state} manager={manager} />}
    </section>
  );
}
