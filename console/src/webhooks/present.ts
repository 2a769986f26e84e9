// How the webhooks page words a webhook and its deliveries. Plain strings,
// rendered as text nodes.
import type { Webhook, WebhookDelivery } from '../lib/types';

export interface Badge {
  /** For the badge's class: delivered, pending, failed, or none. */
  tone: WebhookDelivery['status'] | 'none';
  text: string;
}

/** "Delivered · 200", "Pending · 2 attempts", "Failed · 500", "Failed · no response". */
export function deliveryBadge(d: WebhookDelivery | null): Badge {
  if (!d) return { tone: 'none', text: 'No deliveries yet' };
  const code = d.lastStatusCode === null ? null : String(d.lastStatusCode);
  switch (d.status) {
    case 'delivered':
      return { tone: 'delivered', text: code ? `Delivered · ${code}` : 'Delivered' };
    case 'pending':
      if (d.attempts === 0) return { tone: 'pending', text: 'Pending' };
      return { tone: 'pending', text: `Pending · ${code ?? 'no response'} · ${attempts(d.attempts)}` };
    case 'failed':
      return { tone: 'failed', text: `Failed · ${code ?? 'no response'}` };
  }
}

export function attempts(n: number): string {
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

/** "All events" for `["*"]`, else the types joined. */
export function eventsText(events: readonly string[]): string {
  if (events.includes('*')) return 'All events';
  return events.length ? events.join(', ') : 'No events';
}

/** A local date and time, or '' for a missing or unreadable one. */
export function when(iso: string | null): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  return t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The last column of the deliveries table: when it arrived, or when the next try is. */
export function timing(d: WebhookDelivery): string {
  if (d.status === 'delivered' && d.deliveredAt) return `Delivered ${when(d.deliveredAt)}`;
  if (d.nextAttemptAt) return `Next attempt ${when(d.nextAttemptAt)}`;
  if (d.status === 'failed') return 'No more attempts';
  return '';
}

/** The webhook's line in announcements: its description, else its URL. */
export function webhookName(w: Pick<Webhook, 'url' | 'description'>): string {
  return w.description ?? w.url;
}
