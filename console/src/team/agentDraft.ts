// The agents' forms: "Add agent" (what it holds, the server's rules checked
// before sending, the POST body), a row's pending edits (name, role,
// capacity → the PATCH of what changed), a 422 put next to the field it
// names, and the random initial password of "Generate".
import { serverFieldError } from '../settings/serverErrors';
import type { AgentChange, AgentRole, NewAgent, TeamAgent } from '../lib/types';

export interface AgentDraft {
  email: string;
  name: string;
  role: AgentRole;
  password: string;
  /** The password came from Generate: shown in clear, and once more after adding. */
  generated: boolean;
}

export type AgentField = 'email' | 'name' | 'role' | 'password';
export type AgentErrors = Partial<Record<AgentField, string>>;

export const AGENT_FIELDS: readonly AgentField[] = ['email', 'name', 'role', 'password'];
export const EMPTY_AGENT: AgentDraft = { email: '', name: '', role: 'agent', password: '', generated: false };

/** The server's limits (admin_schemas.py). */
export const NAME_MAX = 200;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const CAPACITY_MAX = 1000;
const EMAIL = /^[^@\s]{1,64}@[^@\s]{1,255}$/;

export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name.';
  if (trimmed.length > NAME_MAX) return `At most ${NAME_MAX} characters.`;
  return null;
}

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `At least ${PASSWORD_MIN} characters (or Generate one).`;
  if (password.length > PASSWORD_MAX) return `At most ${PASSWORD_MAX} characters.`;
  return null;
}

export function validateAgent(draft: AgentDraft): AgentErrors {
  const errors: AgentErrors = {};
  const email = draft.email.trim();
  if (email === '') errors.email = 'Enter the e-mail address the agent signs in with.';
  else if (email.length > 320 || !EMAIL.test(email)) errors.email = 'Enter an e-mail address such as ann@example.com.';
  const name = nameProblem(draft.name);
  if (name) errors.name = name;
  const password = passwordProblem(draft.password);
  if (password) errors.password = password;
  return errors;
}

export function bodyFromAgent(draft: AgentDraft): NewAgent {
  return { email: draft.email.trim(), name: draft.name.trim(), role: draft.role, password: draft.password };
}

/** A refusal from the server: the field it names ("email: …"), or none. */
export function agentServerError(message: string): { field: AgentField | null; text: string } {
  const { field, text } = serverFieldError(message, AGENT_FIELDS);
  return { field: field as AgentField | null, text };
}

/** A row's edits, as typed (capacity is the input's text; '' = the tenant's default). */
export interface RowEdit {
  name: string;
  role: AgentRole;
  capacity: string;
}

export type RowField = 'name' | 'role' | 'capacity';
export const ROW_FIELDS: readonly RowField[] = ['name', 'role', 'capacity'];

export function rowEditOf(agent: TeamAgent): RowEdit {
  return { name: agent.name, role: agent.role, capacity: String(agent.capacity) };
}

export function capacityProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t) || Number(t) > CAPACITY_MAX) return `A whole number from 0 to ${CAPACITY_MAX}.`;
  return null;
}

export function validateRow(edit: RowEdit): Partial<Record<RowField, string>> {
  const errors: Partial<Record<RowField, string>> = {};
  const name = nameProblem(edit.name);
  if (name) errors.name = name;
  const capacity = capacityProblem(edit.capacity);
  if (capacity) errors.capacity = capacity;
  return errors;
}

/** Only what differs from the agent; `{}` when nothing does. An emptied capacity is `null` (the default). */
export function rowChange(agent: TeamAgent, edit: RowEdit): AgentChange {
  const change: AgentChange = {};
  const name = edit.name.trim();
  if (name !== agent.name) change.name = name;
  if (edit.role !== agent.role) change.role = edit.role;
  const capacity = edit.capacity.trim();
  if (capacity === '') change.capacity = null;
  else if (Number(capacity) !== agent.capacity) change.capacity = Number(capacity);
  return change;
}

export function rowServerError(message: string): { field: RowField | null; text: string } {
  const { field, text } = serverFieldError(message, ROW_FIELDS);
  return { field: field as RowField | null, text };
}

/** Letters and digits that cannot be mistaken for one another when read out or copied by hand (no 0 O o 1 l I). */
export const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
export const GENERATED_LENGTH = 16;

/** A random password from the browser's CSPRNG, without modulo bias (values past the last whole alphabet are drawn again). */
export function generatePassword(length = GENERATED_LENGTH, random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    for (const byte of random(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += PASSWORD_ALPHABET[byte % n];
    }
  }
  return out;
}
