// The Agents section's controller: the tenant's agents, "Add agent" (with a
// generated initial password shown once), a row's edits (rename, role,
// capacity: saved together, only what changed), Disable after a
// confirmation, Enable. A plain class like webhooks/manager.ts: the page
// renders `state` and calls these methods; the state survives going back
// to the desk.
import { ApiError } from '../lib/api';
import { isUnauthorized } from '../controller/ports';
import type { TeamPort } from '../lib/teamApi';
import type { AgentChange, TeamAgent } from '../lib/types';
import {
  agentServerError,
  bodyFromAgent,
  EMPTY_AGENT,
  generatePassword,
  rowChange,
  rowEditOf,
  rowServerError,
  validateAgent,
  validateRow,
  AGENT_FIELDS,
  GENERATED_LENGTH,
  type AgentDraft,
  type AgentErrors,
  type AgentField,
  type RowEdit,
  type RowField,
} from './agentDraft';
import { agentLabel } from './present';
import { explain, Model, without, type FocusRequest } from './model';

/** A row's controls the page may move the focus to. */
export type RowControl = RowField | 'rename' | 'save' | 'disable' | 'enable' | 'cancelDisable';
export type AgentsFocus = AgentField | 'generate' | 'added' | { agentId: string; control: RowControl };
export type RowErrors = Partial<Record<RowField | 'row', string>>;

export interface AgentsState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  agents: TeamAgent[];
  draft: AgentDraft;
  errors: AgentErrors;
  formError: string | null;
  creating: boolean;
  /** The agent just added; `password` only when it was generated (shown once, until dismissed). */
  added: { agentId: string; email: string; name: string; password: string | null } | null;
  /** Rows with edits not saved yet, by agentId. */
  edits: Record<string, RowEdit>;
  /** The row whose name field is open. */
  renaming: string | null;
  rowErrors: Record<string, RowErrors>;
  /** Rows with a PATCH in flight. */
  busy: string[];
  /** The row whose Disable waits for a confirmation. */
  confirming: string | null;
  announcement: string;
  focus: FocusRequest<AgentsFocus> | null;
}

const INITIAL: AgentsState = {
  phase: 'loading',
  loadError: null,
  agents: [],
  draft: EMPTY_AGENT,
  errors: {},
  formError: null,
  creating: false,
  added: null,
  edits: {},
  renaming: null,
  rowErrors: {},
  busy: [],
  confirming: null,
  announcement: '',
  focus: null,
};

/** Where the focus goes after a row's change: the control of the first field that changed. */
function controlOf(change: AgentChange): RowControl {
  if ('name' in change) return 'rename';
  if ('role' in change) return 'role';
  if ('capacity' in change) return 'capacity';
  return change.disabled ? 'enable' : 'disable';
}

export class AgentsManager extends Model<AgentsState, AgentsFocus> {
  readonly #api: TeamPort;
  #loading = false;

  constructor(api: TeamPort) {
    super(INITIAL);
    this.#api = api;
  }

  agent(agentId: string): TeamAgent | undefined {
    return this.state.agents.find((a) => a.agentId === agentId);
  }

  async load(announce = false): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    const first = this.state.phase !== 'ready';
    if (first) this.set({ phase: 'loading', loadError: null });
    try {
      const agents = await this.#api.agents();
      const known = (id: string): boolean => agents.some((a) => a.agentId === id);
      const edits = Object.fromEntries(Object.entries(this.state.edits).filter(([id]) => known(id)));
      this.set({ phase: 'ready', loadError: null, agents, edits, ...(announce ? { announcement: 'Agents refreshed.' } : {}) });
    } catch (err) {
      const text = isUnauthorized(err) ? 'Signed out.' : explain(err);
      if (first) this.set({ phase: 'failed', loadError: text });
      else this.set({ announcement: `Agents not refreshed: ${text}` });
    } finally {
      this.#loading = false;
    }
  }

  // ---- Add agent ----------------------------------------------------------

  edit(draft: AgentDraft, field: AgentField): void {
    this.set({ draft, errors: without(this.state.errors, field), formError: null });
  }

  /** A random 16-character password, shown in the field so it can be handed over. */
  generate(): void {
    const draft = { ...this.state.draft, password: generatePassword(), generated: true };
    this.set({
      draft,
      errors: without(this.state.errors, 'password'),
      announcement: `A ${GENERATED_LENGTH}-character password was generated and is shown in the field; it is shown once more after adding.`,
    });
  }

  async create(): Promise<void> {
    if (this.state.creating) return;
    const errors = validateAgent(this.state.draft);
    const first = AGENT_FIELDS.find((f) => errors[f]);
    if (first) return this.set({ errors, formError: null }, first);
    const draft = this.state.draft;
    this.set({ creating: true, errors: {}, formError: null });
    try {
      const agent = await this.#api.addAgent(bodyFromAgent(draft));
      this.set(
        {
          creating: false,
          draft: EMPTY_AGENT,
          agents: [...this.state.agents.filter((a) => a.agentId !== agent.agentId), agent],
          added: { agentId: agent.agentId, email: agent.email ?? draft.email.trim(), name: agent.name, password: draft.generated ? draft.password : null },
          announcement: `Agent added: ${agentLabel(agent)}.`,
        },
        'added',
      );
    } catch (err) {
      const refused =
        err instanceof ApiError && err.status === 422
          ? agentServerError(err.message)
          : err instanceof ApiError && err.status === 409
            ? { field: 'email' as const, text: err.message }
            : { field: null, text: explain(err) };
      if (refused.field) this.set({ creating: false, errors: { [refused.field]: refused.text } }, refused.field);
      else this.set({ creating: false, formError: isUnauthorized(err) ? null : `Not added: ${refused.text}` });
    }
  }

  dismissAdded(): void {
    this.set({ added: null }, 'email');
  }

  // ---- a row's edits ------------------------------------------------------

  startRename(agentId: string): void {
    const agent = this.agent(agentId);
    if (!agent) return;
    const edit = this.state.edits[agentId] ?? rowEditOf(agent);
    this.set({ renaming: agentId, edits: { ...this.state.edits, [agentId]: edit } }, { agentId, control: 'name' });
  }

  editRow(agentId: string, change: Partial<RowEdit>, field: RowField): void {
    const agent = this.agent(agentId);
    if (!agent) return;
    const edit = { ...(this.state.edits[agentId] ?? rowEditOf(agent)), ...change };
    const errors = without(without(this.state.rowErrors[agentId] ?? {}, field), 'row');
    this.set({ edits: { ...this.state.edits, [agentId]: edit }, rowErrors: { ...this.state.rowErrors, [agentId]: errors } });
  }

  /** Whether the row has edits that differ from the agent. */
  changed(agentId: string): boolean {
    const agent = this.agent(agentId);
    const edit = this.state.edits[agentId];
    return !!agent && !!edit && Object.keys(rowChange(agent, edit)).length > 0;
  }

  discardRow(agentId: string): void {
    const focus: RowControl = this.state.renaming === agentId ? 'rename' : 'role';
    this.set(
      { edits: without(this.state.edits, agentId), renaming: this.state.renaming === agentId ? null : this.state.renaming, rowErrors: without(this.state.rowErrors, agentId) },
      { agentId, control: focus },
    );
  }

  async saveRow(agentId: string): Promise<void> {
    const agent = this.agent(agentId);
    const edit = this.state.edits[agentId];
    if (!agent || !edit || this.state.busy.includes(agentId)) return;
    const errors = validateRow(edit);
    const first = (['name', 'role', 'capacity'] as const).find((f) => errors[f]);
    if (first) return this.set({ rowErrors: { ...this.state.rowErrors, [agentId]: errors } }, { agentId, control: first });
    const change = rowChange(agent, edit);
    if (Object.keys(change).length === 0) return this.discardRow(agentId);
    await this.#patch(agentId, change, 'Saved');
  }

  // ---- Disable / Enable ---------------------------------------------------

  askDisable(agentId: string): void {
    this.set({ confirming: agentId, rowErrors: without(this.state.rowErrors, agentId) }, { agentId, control: 'cancelDisable' });
  }

  cancelDisable(): void {
    const id = this.state.confirming;
    this.set({ confirming: null }, id ? { agentId: id, control: 'disable' } : undefined);
  }

  confirmDisable(agentId: string): Promise<void> {
    return this.#patch(agentId, { disabled: true }, 'Disabled');
  }

  enable(agentId: string): Promise<void> {
    return this.#patch(agentId, { disabled: false }, 'Enabled');
  }

  async #patch(agentId: string, change: AgentChange, verb: 'Saved' | 'Disabled' | 'Enabled'): Promise<void> {
    if (this.state.busy.includes(agentId)) return;
    this.set({ busy: [...this.state.busy, agentId], rowErrors: without(this.state.rowErrors, agentId) });
    const done = (): Partial<AgentsState> => ({
      busy: this.state.busy.filter((id) => id !== agentId),
      confirming: this.state.confirming === agentId ? null : this.state.confirming,
    });
    const editing = 'name' in change || 'role' in change || 'capacity' in change;
    try {
      const agent = await this.#api.changeAgent(agentId, change);
      const tail =
        verb === 'Disabled' ? ': their sessions end at once and their consoles are disconnected within seconds' : '';
      this.set(
        {
          ...done(),
          agents: this.state.agents.map((a) => (a.agentId === agentId ? agent : a)),
          ...(editing ? { edits: without(this.state.edits, agentId), renaming: this.state.renaming === agentId ? null : this.state.renaming } : {}),
          announcement: `${verb} ${agentLabel(agent)}${tail}.`,
        },
        { agentId, control: controlOf(change) },
      );
    } catch (err) {
      const refused = err instanceof ApiError && err.status === 422 ? rowServerError(err.message) : { field: null, text: explain(err) };
      const conflict = err instanceof ApiError && err.status === 409;
      const errors: RowErrors = refused.field ? { [refused.field]: refused.text } : { row: conflict ? err.message : `Not changed: ${refused.text}` };
      // A change the server cannot make (the last admin) is taken back; others stay to be fixed.
      const reset = conflict && editing
        ? { edits: without(this.state.edits, agentId), renaming: this.state.renaming === agentId ? null : this.state.renaming }
        : {};
      const control: RowControl = refused.field ?? (editing ? (conflict ? controlOf(change) : 'save') : change.disabled ? 'disable' : 'enable');
      if (refused.field === 'name') this.set({ renaming: agentId });
      this.set({ ...done(), ...reset, rowErrors: { ...this.state.rowErrors, [agentId]: errors } }, isUnauthorized(err) ? undefined : { agentId, control });
    }
  }
}
