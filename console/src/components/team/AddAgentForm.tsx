// "Add agent": e-mail, name, role and an initial password (typed, or made
// by Generate and then shown in the field). Checked before sending; a
// refusal (a taken e-mail is 409) shows next to the field it concerns.
import type { AgentDraft, AgentField } from '../../team/agentDraft';
import { PASSWORD_MIN } from '../../team/agentDraft';
import type { AgentsManager, AgentsState } from '../../team/agents';
import { agentFieldId, errorId } from './ids';

function FieldError({ field, state }: { field: AgentField; state: AgentsState }) {
  const text = state.errors[field];
  if (!text) return null;
  return (
    <p id={errorId(agentFieldId(field))} class="field-error">
      {text}
    </p>
  );
}

function attrs(field: AgentField, state: AgentsState, hint?: string) {
  const described = [hint, state.errors[field] ? errorId(agentFieldId(field)) : null].filter(Boolean).join(' ');
  return {
    id: agentFieldId(field),
    'aria-invalid': state.errors[field] ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

export function AddAgentForm({ state, manager }: { state: AgentsState; manager: AgentsManager }) {
  const { draft } = state;
  const edit = (change: Partial<AgentDraft>, field: AgentField): void => manager.edit({ ...draft, ...change }, field);
  const value = (e: Event): string => (e.currentTarget as HTMLInputElement).value;

  return (
    <section class="settings-section team-add" aria-labelledby="team-add-title">
      <h3 id="team-add-title">Add agent</h3>
      <form
        class="team-form team-add-form"
        noValidate
        aria-labelledby="team-add-title"
        onSubmit={(e) => {
          e.preventDefault();
          void manager.create();
        }}
      >
        <div class="field">
          <label for={agentFieldId('email')}>E-mail</label>
          <input type="email" autoComplete="off" spellcheck={false} value={draft.email} onInput={(e) => edit({ email: value(e) }, 'email')} {...attrs('email', state, 'team-email-hint')} />
          <p id="team-email-hint" class="hint">
            What they sign in with; one agent per address in this tenant.
          </p>
          <FieldError field="email" state={state} />
        </div>
        <div class="field">
          <label for={agentFieldId('name')}>Name</label>
          <input type="text" autoComplete="off" value={draft.name} onInput={(e) => edit({ name: value(e) }, 'name')} {...attrs('name', state)} />
          <FieldError field="name" state={state} />
        </div>
        <div class="field">
          <label for={agentFieldId('role')}>Role</label>
          <select value={draft.role} onChange={(e) => edit({ role: value(e) === 'admin' ? 'admin' : 'agent' }, 'role')} {...attrs('role', state, 'team-role-hint')}>
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
          <p id="team-role-hint" class="hint">
            Admins also manage settings, webhooks, the team and API keys.
          </p>
          <FieldError field="role" state={state} />
        </div>
        <div class="field">
          <label for={agentFieldId('password')}>Initial password</label>
          <div class="team-password-row">
            <input
              type={draft.generated ? 'text' : 'password'}
              autoComplete="new-password"
              spellcheck={false}
              value={draft.password}
              onInput={(e) => edit({ password: value(e), generated: false }, 'password')}
              {...attrs('password', state, 'team-password-hint')}
            />
            <button type="button" id="team-generate" onClick={() => manager.generate()}>
              Generate
            </button>
          </div>
          <p id="team-password-hint" class="hint">
            At least {PASSWORD_MIN} characters. Hand it over yourself; they can change it with Change password at the top.
          </p>
          <FieldError field="password" state={state} />
        </div>
        <div class="wh-actions">
          {/* Never disabled: the focus stays on it while the request runs (create() ignores a second press). */}
          <button type="submit" class="primary" aria-disabled={state.creating ? 'true' : undefined}>
            {state.creating ? 'Adding…' : 'Add agent'}
          </button>
          {state.formError && (
            <p class="error" role="alert" data-testid="team-add-error">
              {state.formError}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
