// The "Add a webhook" form: what it holds, the checks made before anything
// is sent, the POST body it becomes, and a 422 ("url: …") put next to the
// field it names.
import { serverFieldError } from '../settings/serverErrors';
import { WEBHOOK_EVENTS, type NewWebhook } from '../lib/types';

export interface WebhookDraft {
  url: string;
  description: string;
  /** "All events" (`["*"]`); when false, `events` lists the chosen ones. */
  allEvents: boolean;
  events: string[];
}

export type DraftField = 'url' | 'description' | 'events';
export type DraftErrors = Partial<Record<DraftField, string>>;

export const DRAFT_FIELDS: readonly DraftField[] = ['url', 'description', 'events'];
export const EMPTY_DRAFT: WebhookDraft = { url: '', description: '', allEvents: true, events: [] };

/** What each event type is about, for the checkboxes' hints. */
export const EVENT_HINTS: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  'message.created': 'a visitor or an agent wrote',
  'conversation.created': 'a new conversation',
  'conversation.updated': 'status, assignee, labels or snooze changed',
  'note.created': 'an internal note was added',
  'contact.updated': 'a visitor gave their name or e-mail',
  'messages.read': 'a read mark moved',
};

export function validateDraft(draft: WebhookDraft): DraftErrors {
  const errors: DraftErrors = {};
  const url = draft.url.trim();
  if (url === '') {
    errors.url = 'Enter the address that should receive the events.';
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      errors.url = 'Enter a whole address starting with https:// (or http://).';
    }
  }
  if (!draft.allEvents && draft.events.length === 0) {
    errors.events = 'Choose at least one event, or All events.';
  }
  return errors;
}

/** The POST body: events in the list's order, the description left out when empty. */
export function bodyFromDraft(draft: WebhookDraft): NewWebhook {
  const events = draft.allEvents ? ['*'] : WEBHOOK_EVENTS.filter((e) => draft.events.includes(e));
  const description = draft.description.trim();
  return description ? { url: draft.url.trim(), events, description } : { url: draft.url.trim(), events };
}

/** The draft with one event type ticked or unticked. */
export function toggleEvent(draft: WebhookDraft, event: string, on: boolean): WebhookDraft {
  const events = draft.events.filter((e) => e !== event);
  return { ...draft, events: on ? [...events, event] : events };
}

/** A refusal from the server: the field it names ("events.0: …" is events), or none. */
export function draftServerError(message: string): { field: DraftField | null; text: string } {
  const { field, text } = serverFieldError(message, DRAFT_FIELDS);
  return { field: field as DraftField | null, text };
}
