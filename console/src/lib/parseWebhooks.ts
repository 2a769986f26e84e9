// The webhook shapes (GET/POST /api/webhooks, deliveries, redeliver) read
// like the rest of parse.ts: tolerant of missing optional fields, null when
// something the page needs is missing. Every string stays a string: the page
// renders them as text.
import { idLike, isObj, nonEmpty, str, time } from './parse';
import type { CreatedWebhook, Webhook, WebhookDelivery, WebhookDeliveryStatus } from './types';

const STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed'];

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

function statusCode(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599 ? v : null;
}

function listOf<T>(v: unknown, key: string, one: (x: unknown) => T | null): T[] {
  const list = isObj(v) ? v[key] : null;
  if (!Array.isArray(list)) return [];
  const out: T[] = [];
  for (const item of list) {
    const parsed = one(item);
    if (parsed) out.push(parsed);
  }
  return out;
}

export function parseDelivery(v: unknown): WebhookDelivery | null {
  if (!isObj(v)) return null;
  const eventId = idLike(v.eventId);
  const type = nonEmpty(v.type);
  const status = STATUSES.find((s) => s === v.status);
  if (eventId === null || type === null || !status) return null;
  return {
    eventId,
    type,
    status,
    attempts: count(v.attempts),
    lastStatusCode: statusCode(v.lastStatusCode),
    lastError: nonEmpty(v.lastError),
    nextAttemptAt: time(v.nextAttemptAt),
    createdAt: time(v.createdAt) ?? '',
    deliveredAt: time(v.deliveredAt),
  };
}

export function parseWebhook(v: unknown): Webhook | null {
  if (!isObj(v)) return null;
  const webhookId = idLike(v.webhookId);
  const url = nonEmpty(v.url);
  if (webhookId === null || url === null) return null;
  const events = Array.isArray(v.events) ? v.events.filter((e): e is string => typeof e === 'string' && e !== '') : [];
  const description = str(v.description)?.trim();
  return {
    webhookId,
    url,
    events,
    description: description ? description : null,
    createdAt: time(v.createdAt) ?? '',
    lastDelivery: parseDelivery(v.lastDelivery),
  };
}

/** `{"webhooks": [...]}`, oldest first as the server sends them. */
export function parseWebhooks(v: unknown): Webhook[] {
  return listOf(v, 'webhooks', parseWebhook);
}

/** `{"deliveries": [...]}`, newest first as the server sends them. */
export function parseDeliveries(v: unknown): WebhookDelivery[] {
  return listOf(v, 'deliveries', parseDelivery);
}

/** `201 {"webhook", "secret"}`; null when either is missing (the secret is the point of the answer). */
export function parseCreated(v: unknown): CreatedWebhook | null {
  if (!isObj(v)) return null;
  const webhook = parseWebhook(v.webhook);
  const secret = nonEmpty(v.secret);
  if (!webhook || secret === null) return null;
  return { webhook: { ...webhook, lastDelivery: null }, secret };
}

/** `202 {"delivery"}`. */
export function parseRedelivered(v: unknown): WebhookDelivery | null {
  return parseDelivery(isObj(v) ? v.delivery : null);
}
