// Element ids of the webhooks page, so the manager's focus targets and the
// browser tests find the same elements. Webhook ids go in as they are
// (found with getElementById, never put in a CSS selector).
import type { DraftField } from '../../webhooks/draft';

export function draftFieldId(field: DraftField): string {
  return field === 'events' ? 'wh-events-all' : `wh-${field}`;
}

export function draftErrorId(field: DraftField): string {
  return `wh-${field}-error`;
}

export function eventId(event: string): string {
  return `wh-event-${event.replace(/\./g, '-')}`;
}

/** The item's Delete button, and the Cancel button of its confirmation. */
export function deleteId(webhookId: string): string {
  return `wh-delete-${webhookId}`;
}

export function confirmId(webhookId: string): string {
  return `wh-cancel-delete-${webhookId}`;
}

export function deliveriesId(webhookId: string): string {
  return `wh-deliveries-${webhookId}`;
}
