// "Add a webhook": the endpoint URL, an optional description and the events
// (All events by default, else the ticked ones). Checked before sending; a
// refusal shows next to the field it names.
import { WEBHOOK_EVENTS } from '../../lib/types';
import { EVENT_HINTS, toggleEvent, type DraftField, type WebhookDraft } from '../../webhooks/draft';
import type { WebhooksManager, WebhooksState } from '../../webhooks/manager';
import { draftErrorId, draftFieldId, eventId } from './ids';

function FieldError({ field, state }: { field: DraftField; state: WebhooksState }) {
  const text = state.errors[field];
  if (!text) return null;
  return (
    <p id={draftErrorId(field)} class="field-error">
      {text}
    </p>
  );
}

function attrs(field: DraftField, state: WebhooksState, hint?: string) {
  const described = [hint, state.errors[field] ? draftErrorId(field) : null].filter(Boolean).join(' ');
  return {
    'aria-invalid': state.errors[field] ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

export interface WebhookFormProps {
  state: WebhooksState;
  manager: WebhooksManager;
}

export function WebhookForm({ state, manager }: WebhookFormProps) {
  const { draft } = state;
  const edit = (next: WebhookDraft, field: DraftField): void => manager.edit(next, field);
  const value = (e: Event): string => (e.currentTarget as HTMLInputElement).value;

  return (
    <section class="settings-section wh-form-section" aria-labelledby="wh-form-title">
      <h3 id="wh-form-title">Add a webhook</h3>
      <form
        class="wh-form"
        noValidate
        aria-labelledby="wh-form-title"
        onSubmit={(e) => {
          e.preventDefault();
          void manager.create();
        }}
      >
        <div class="wh-fields">
          <div class="field">
            <label for={draftFieldId('url')}>Endpoint URL</label>
            <input
              id={draftFieldId('url')}
              type="url"
              inputMode="url"
              autoComplete="off"
              spellcheck={false}
              placeholder="https://example.com/webchat-events"
              value={draft.url}
              onInput={(e) => edit({ ...draft, url: value(e) }, 'url')}
              {...attrs('url', state, 'wh-url-hint')}
            />
            <p id="wh-url-hint" class="hint">
              Your server's address: each event is POSTed there as JSON.
            </p>
            <FieldError field="url" state={state} />
          </div>
          <div class="field">
            <label for={draftFieldId('description')}>Description (optional)</label>
            <input
              id={draftFieldId('description')}
              type="text"
              autoComplete="off"
              value={draft.description}
              onInput={(e) => edit({ ...draft, description: value(e) }, 'description')}
              {...attrs('description', state)}
            />
            <FieldError field="description" state={state} />
          </div>
          <fieldset class="choices wh-events" {...attrs('events', state)}>
            <legend>Events</legend>
            <label>
              <input
                id={draftFieldId('events')}
                type="checkbox"
                checked={draft.allEvents}
                onChange={(e) => edit({ ...draft, allEvents: (e.currentTarget as HTMLInputElement).checked }, 'events')}
              />
              All events
            </label>
            <div class="wh-event-list">
              {WEBHOOK_EVENTS.map((ev) => (
                <label key={ev} class={draft.allEvents ? 'muted' : undefined}>
                  <input
                    id={eventId(ev)}
                    type="checkbox"
                    value={ev}
                    checked={draft.allEvents || draft.events.includes(ev)}
                    disabled={draft.allEvents}
                    onChange={(e) => edit(toggleEvent(draft, ev, (e.currentTarget as HTMLInputElement).checked), 'events')}
                  />
                  <span class="wh-event-text">
                    <code>{ev}</code> <span class="hint">{EVENT_HINTS[ev]}</span>
                  </span>
                </label>
              ))}
            </div>
            <FieldError field="events" state={state} />
          </fieldset>
        </div>
        <div class="wh-actions">
          {/* Never disabled: the focus stays on it while the request runs (create() ignores a second press). */}
          <button type="submit" class="primary" aria-disabled={state.creating ? 'true' : undefined}>
            {state.creating ? 'Adding…' : 'Add webhook'}
          </button>
          {state.formError && (
            <p class="error" role="alert" data-testid="webhook-form-error">
              {state.formError}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
