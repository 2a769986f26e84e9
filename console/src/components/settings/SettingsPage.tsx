// The settings page (CONTRACT §9): widget appearance with a live preview,
// business hours, offline mode, assignment, rate limits, retention and the
// largest attachment. Admins save; agents read it with
// every input disabled and a note saying why. The page renders the editor's
// state (settings/editor.ts) and calls its methods.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isDirty, type SettingsEditor, type SettingsState } from '../../settings/editor';
import { AssignmentSection, OfflineSection } from './ModeSections';
import { HoursSection } from './HoursSection';
import { RateLimitsSection, RetentionSection } from './LimitsSections';
import { WidgetPreview } from './WidgetPreview';
import { WidgetSection } from './WidgetSection';
import { focusField } from './fields';
import './settings.css';

function useEditorState(editor: SettingsEditor): SettingsState {
  const [state, setState] = useState(editor.state);
  useEffect(() => {
    setState(editor.state);
    return editor.subscribe(setState);
  }, [editor]);
  return state;
}

function clock(at: Date): string {
  return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function saveStatus(state: SettingsState, dirty: boolean): string {
  if (state.saving) return 'Saving…';
  if (state.savedAt) return `Settings saved at ${clock(state.savedAt)}.`;
  return dirty ? 'Unsaved changes.' : '';
}

export interface SettingsPageProps {
  editor: SettingsEditor;
  onBack: () => void;
}

export function SettingsPage({ editor, onBack }: SettingsPageProps) {
  const state = useEditorState(editor);
  const heading = useRef<HTMLHeadingElement>(null);
  const dirty = isDirty(state);

  useEffect(() => {
    heading.current?.focus();
    void editor.load();
  }, [editor]);

  // A refused save moves the focus to the first field it names.
  useEffect(() => {
    if (state.focus) focusField(state.focus.field);
  }, [state.focus?.seq]);

  // Unsaved changes are not lost to a closed tab without a warning.
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const errorCount = Object.keys(state.errors).length;
  const saved = state.savedAt !== null && !state.saving;
  const { form, errors } = state;
  const edit = (next: NonNullable<SettingsState['form']>, path: string) => editor.edit(next, path);

  return (
    <main class="settings" aria-labelledby="settings-title">
      <div class="settings-head">
        <button type="button" class="ghost" onClick={onBack}>
          ← Conversations
        </button>
        <h2 id="settings-title" ref={heading} tabIndex={-1}>
          Settings{state.saved?.name ? <span class="muted"> · {state.saved.name}</span> : null}
        </h2>
      </div>

      {!editor.canEdit && (
        <p class="notice readonly-note" data-testid="readonly-note">
          You are signed in as an agent: you can read these settings, and only an admin can change them.
        </p>
      )}

      {state.phase === 'loading' && <p role="status">Loading the settings…</p>}
      {state.phase === 'failed' && (
        <div class="settings-failed">
          <p class="error" role="alert">
            {state.loadError}
          </p>
          <button type="button" onClick={() => void editor.load()}>
            Try again
          </button>
        </div>
      )}

      {state.phase === 'ready' && form && (
        <form
          class="settings-form"
          noValidate
          aria-labelledby="settings-title"
          onSubmit={(e) => {
            e.preventDefault();
            void editor.save();
          }}
        >
          <div class="settings-grid">
            <fieldset class="settings-fields" disabled={!editor.canEdit}>
              <legend class="sr-only">Tenant settings</legend>
              <WidgetSection form={form} errors={errors} onEdit={edit} />
              <HoursSection form={form} errors={errors} onEdit={edit} />
              <OfflineSection form={form} errors={errors} onEdit={edit} />
              <AssignmentSection form={form} errors={errors} onEdit={edit} />
              <RateLimitsSection form={form} errors={errors} onEdit={edit} />
              <RetentionSection form={form} errors={errors} onEdit={edit} />
            </fieldset>
            <WidgetPreview form={form} />
          </div>

          <div class="save-bar">
            {editor.canEdit && (
              <>
                <button type="submit" class="primary" disabled={state.saving || !dirty}>
                  {state.saving ? 'Saving…' : 'Save settings'}
                </button>
                <button type="button" disabled={state.saving || !dirty} onClick={() => editor.discard()}>
                  Discard changes
                </button>
              </>
            )}
            <p class="save-status" role="status" data-testid="save-status" data-state={saved ? 'saved' : undefined}>
              {saveStatus(state, dirty)}
            </p>
            {errorCount > 0 && (
              <p class="error" role="alert">
                Not saved: {errorCount === 1 ? 'one field needs' : `${errorCount} fields need`} a change (marked in red).
              </p>
            )}
            {state.formError && (
              <p class="error" role="alert" data-testid="form-error">
                {state.formError}
              </p>
            )}
          </div>
        </form>
      )}
    </main>
  );
}
