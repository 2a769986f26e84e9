// "Change password" for the signed-in agent (any role): the three fields,
// the checks made before sending, and what a refusal means (a wrong
// current password is a field error, never the end of the session).
import { ApiError } from '../lib/api';
import { isWrongPassword, type PasswordPort } from '../lib/teamApi';
import { serverFieldError } from '../settings/serverErrors';
import { PASSWORD_MAX, PASSWORD_MIN } from './agentDraft';
import { explain } from './model';

export interface PasswordDraft {
  current: string;
  next: string;
  confirm: string;
}

export type PasswordField = keyof PasswordDraft;
export type PasswordErrors = Partial<Record<PasswordField, string>>;

export const PASSWORD_FIELDS: readonly PasswordField[] = ['current', 'next', 'confirm'];
export const EMPTY_PASSWORD: PasswordDraft = { current: '', next: '', confirm: '' };

export function validatePassword(draft: PasswordDraft): PasswordErrors {
  const errors: PasswordErrors = {};
  if (draft.current === '') errors.current = 'Enter your current password.';
  if (draft.next.length < PASSWORD_MIN) errors.next = `At least ${PASSWORD_MIN} characters.`;
  else if (draft.next.length > PASSWORD_MAX) errors.next = `At most ${PASSWORD_MAX} characters.`;
  else if (draft.next === draft.current) errors.next = 'Choose a password other than the current one.';
  if (!errors.next && draft.confirm !== draft.next) errors.confirm = 'The two new passwords differ.';
  return errors;
}

export type PasswordOutcome = { ok: true } | { ok: false; field: PasswordField | null; text: string };

const SERVER_FIELDS: Record<string, PasswordField> = { currentPassword: 'current', newPassword: 'next' };

/** Send the change; a refusal comes back as the field it concerns (or none) and its text. */
export async function changePassword(api: PasswordPort, draft: PasswordDraft): Promise<PasswordOutcome> {
  try {
    await api.changePassword(draft.current, draft.next);
    return { ok: true };
  } catch (err) {
    if (isWrongPassword(err)) return { ok: false, field: 'current', text: 'That is not your current password.' };
    if (err instanceof ApiError && err.status === 422) {
      const { field, text } = serverFieldError(err.message, Object.keys(SERVER_FIELDS));
      if (field) return { ok: false, field: SERVER_FIELDS[field] ?? null, text };
    }
    if (err instanceof ApiError && err.status === 401) return { ok: false, field: null, text: 'Your session has ended: nothing was changed.' };
    return { ok: false, field: null, text: `Not changed: ${explain(err)}` };
  }
}
