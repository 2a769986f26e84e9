// The settings page's controller: loads the tenant settings, holds the form
// as the admin edits it, checks it, sends a PATCH with only what changed and
// puts each refusal next to the field it names. A plain class like the
// console's controller; the page renders `state` and calls these methods.
import { ApiError } from '../lib/api';
import { describeError, isUnauthorized } from '../controller/ports';
import { formFromSettings, isEmptyPatch, patchFromForm, type SettingsForm } from './form';
import type { SettingsPatch, TenantSettings } from './model';
import { serverFieldError } from './serverErrors';
import { browserTimeZone } from './timezones';
import { fieldOrder, firstError, validateForm, type FieldErrors } from './validate';

/** The two calls the page makes (lib/api.ts's Api; a fake in tests). */
export interface SettingsApi {
  settings(): Promise<TenantSettings>;
  updateSettings(patch: SettingsPatch): Promise<TenantSettings>;
}

export interface SettingsState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  /** The settings as the server last sent them. */
  saved: TenantSettings | null;
  form: SettingsForm | null;
  errors: FieldErrors;
  /** A problem tied to no field of the page: refused role, network, a field not shown here. */
  formError: string | null;
  saving: boolean;
  /** When the last save succeeded; cleared by the next edit. */
  savedAt: Date | null;
  /** Where the page should move the focus after a refused save (seq changes each time). */
  focus: { field: string; seq: number } | null;
}

const INITIAL: SettingsState = {
  phase: 'loading',
  loadError: null,
  saved: null,
  form: null,
  errors: {},
  formError: null,
  saving: false,
  savedAt: null,
  focus: null,
};

const ADMINS_ONLY = 'Only admins can change settings.';

/** Whether the form differs from what the server has. */
export function isDirty(state: SettingsState): boolean {
  return state.saved !== null && state.form !== null && !isEmptyPatch(patchFromForm(state.saved, state.form));
}

/** An error about `path`, one of its parts ("businessHours.weekly.mon.0") or the whole it belongs to. */
function related(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

export class SettingsEditor {
  state: SettingsState = INITIAL;
  readonly #api: SettingsApi;
  readonly #timezone: string;
  readonly #listeners = new Set<(state: SettingsState) => void>();
  #focusSeq = 0;
  #loadSeq = 0;

  /** `canEdit`: the agent token's role is admin (the server checks it again). */
  constructor(
    api: SettingsApi,
    readonly canEdit: boolean,
    timezone: string = browserTimeZone(),
  ) {
    this.#api = api;
    this.#timezone = timezone;
  }

  subscribe(listener: (state: SettingsState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Read the settings again, unless the admin has unsaved changes. */
  async load(): Promise<void> {
    if (isDirty(this.state) || this.state.saving) return;
    const seq = ++this.#loadSeq;
    if (this.state.phase !== 'ready') this.#set({ phase: 'loading', loadError: null });
    try {
      const settings = await this.#api.settings();
      if (seq !== this.#loadSeq || isDirty(this.state)) return;
      this.#set({ ...this.#fresh(settings), phase: 'ready', loadError: null, savedAt: this.state.savedAt });
    } catch (err) {
      if (seq !== this.#loadSeq || this.state.phase === 'ready') return;
      const loadError = isUnauthorized(err) ? 'Your session has ended.' : `Could not load the settings: ${describeError(err)}`;
      this.#set({ phase: 'failed', loadError });
    }
  }

  /** The form after an edit; `touched` is the field path edited, whose errors it clears. */
  edit(form: SettingsForm, touched: string): void {
    if (!this.canEdit) return;
    const errors: FieldErrors = {};
    for (const [path, text] of Object.entries(this.state.errors)) if (!related(path, touched)) errors[path] = text;
    this.#set({ form, errors, savedAt: null, formError: null });
  }

  /** Back to what the server has. */
  discard(): void {
    if (this.state.saved) this.#set({ ...this.#fresh(this.state.saved), savedAt: null });
  }

  /** Check, then PATCH what changed. True when saved (or nothing to save). */
  async save(): Promise<boolean> {
    const { form, saved } = this.state;
    if (!form || !saved || this.state.saving) return false;
    if (!this.canEdit) {
      this.#set({ formError: ADMINS_ONLY });
      return false;
    }
    const errors = validateForm(form);
    const first = firstError(form, errors);
    if (first !== null) {
      this.#set({ errors, formError: null, focus: this.#focusOn(first) });
      return false;
    }
    const patch = patchFromForm(saved, form);
    if (isEmptyPatch(patch)) {
      this.#set({ errors: {}, formError: null, savedAt: new Date() });
      return true;
    }
    this.#set({ saving: true, errors: {}, formError: null });
    try {
      const next = await this.#api.updateSettings(patch);
      this.#set({ ...this.#fresh(next), saving: false, savedAt: new Date() });
      return true;
    } catch (err) {
      this.#set({ saving: false, ...this.#refusal(err, form) });
      return false;
    }
  }

  // ---- internals ------------------------------------------------------------

  #fresh(settings: TenantSettings): Pick<SettingsState, 'saved' | 'form' | 'errors' | 'formError'> {
    return { saved: settings, form: formFromSettings(settings, this.#timezone), errors: {}, formError: null };
  }

  #refusal(err: unknown, form: SettingsForm): Partial<SettingsState> {
    if (err instanceof ApiError && err.status === 422) {
      const { field, text } = serverFieldError(err.message, fieldOrder(form));
      if (field !== null) return { errors: { [field]: text }, focus: this.#focusOn(field) };
      return { formError: `The server refused the change: ${text}` };
    }
    if (err instanceof ApiError && err.status === 403) return { formError: `${ADMINS_ONLY} Nothing was saved.` };
    if (isUnauthorized(err)) return { formError: 'Your session has ended. Nothing was saved.' };
    return { formError: `Nothing was saved: ${describeError(err)}` };
  }

  #focusOn(field: string): SettingsState['focus'] {
    this.#focusSeq += 1;
    return { field, seq: this.#focusSeq };
  }

  #set(change: Partial<SettingsState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.#listeners) listener(this.state);
  }
}
