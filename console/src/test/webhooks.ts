// Webhooks for the unit tests, and a WebhooksPort that answers like the server.
import type { WebhooksPort } from '../lib/webhooksApi';
import type { CreatedWebhook, NewWebhook, Webhook, WebhookDelivery } from '../lib/types';

export function delivery(over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    eventId: 'evt_1',
    type: 'message.created',
    status: 'delivered',
    attempts: 1,
    lastStatusCode: 200,
    lastError: null,
    nextAttemptAt: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    deliveredAt: '2026-01-01T10:00:01.000Z',
    ...over,
  };
}

export function webhook(over: Partial<Webhook> = {}): Webhook {
  return {
    webhookId: 'wh_1',
    url: 'https://example.com/hook',
    events: ['*'],
    description: null,
    createdAt: '2026-01-01T09:00:00.000Z',
    lastDelivery: null,
    ...over,
  };
}

type Call = [method: string, ...args: unknown[]];

export class FakeWebhooksApi implements WebhooksPort {
  webhooks: Webhook[] = [];
  deliveriesOf: Record<string, WebhookDelivery[]> = {};
  calls: Call[] = [];
  /** The next call fails with this (then it is cleared). */
  failNext: Error | null = null;
  #seq = 0;

  #call(...call: Call): void {
    this.calls.push(call);
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
  }

  async list(): Promise<Webhook[]> {
    this.#call('list');
    return structuredClone(this.webhooks);
  }

  async create(body: NewWebhook): Promise<CreatedWebhook> {
    this.#call('create', structuredClone(body));
    this.#seq += 1;
    const created = webhook({ webhookId: `wh_new${this.#seq}`, url: body.url, events: body.events, description: body.description ?? null });
    this.webhooks.push(created);
    return { webhook: structuredClone(created), secret: `whsec_secret${this.#seq}` };
  }

  async remove(webhookId: string): Promise<void> {
    this.#call('remove', webhookId);
    this.webhooks = this.webhooks.filter((w) => w.webhookId !== webhookId);
  }

  async deliveries(webhookId: string): Promise<WebhookDelivery[]> {
    this.#call('deliveries', webhookId);
    return structuredClone(this.deliveriesOf[webhookId] ?? []);
  }

  async redeliver(webhookId: string, eventId: string): Promise<WebhookDelivery> {
    this.#call('redeliver', webhookId, eventId);
    const queued = delivery({ eventId, status: 'pending', attempts: 0, lastStatusCode: null, lastError: null, deliveredAt: null });
    const known = this.deliveriesOf[webhookId]?.find((d) => d.eventId === eventId);
    return { ...queued, type: known?.type ?? queued.type, nextAttemptAt: '2026-01-01T11:00:00.000Z' };
  }
}
