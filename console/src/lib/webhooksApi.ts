// The webhooks page's HTTP calls (admins only: an agent's token is 403).
// Endpoint builders are pure functions; every call goes through api.ts's
// `request`, so failures are ApiErrors with the server's code and message.
import { ApiError, request } from './api';
import { parseCreated, parseDeliveries, parseRedelivered, parseWebhooks } from './parseWebhooks';
import type { CreatedWebhook, NewWebhook, Webhook, WebhookDelivery } from './types';

export const DELIVERIES_LIMIT = 50;

export function webhookUrl(webhookId: string): string {
  return `/api/webhooks/${encodeURIComponent(webhookId)}`;
}

export function deliveriesUrl(webhookId: string, limit = DELIVERIES_LIMIT): string {
  return `${webhookUrl(webhookId)}/deliveries?limit=${limit}`;
}

export function redeliverUrl(webhookId: string, eventId: string): string {
  return `${webhookUrl(webhookId)}/deliveries/${encodeURIComponent(eventId)}/redeliver`;
}

/** The calls the page makes (WebhooksApi below; a fake in tests). */
export interface WebhooksPort {
  list(): Promise<Webhook[]>;
  create(body: NewWebhook): Promise<CreatedWebhook>;
  remove(webhookId: string): Promise<void>;
  deliveries(webhookId: string): Promise<WebhookDelivery[]>;
  redeliver(webhookId: string, eventId: string): Promise<WebhookDelivery>;
}

export class WebhooksApi implements WebhooksPort {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  private call(method: string, url: string, body?: unknown): Promise<unknown> {
    return request(method, url, { token: this.token, body, onUnauthorized: this.onUnauthorized });
  }

  async list(): Promise<Webhook[]> {
    return parseWebhooks(await this.call('GET', '/api/webhooks'));
  }

  async create(body: NewWebhook): Promise<CreatedWebhook> {
    const created = parseCreated(await this.call('POST', '/api/webhooks', body));
    if (!created) throw new ApiError(201, 'invalid_response', 'The server sent no webhook or no secret.');
    return created;
  }

  async remove(webhookId: string): Promise<void> {
    await this.call('DELETE', webhookUrl(webhookId));
  }

  async deliveries(webhookId: string): Promise<WebhookDelivery[]> {
    return parseDeliveries(await this.call('GET', deliveriesUrl(webhookId)));
  }

  async redeliver(webhookId: string, eventId: string): Promise<WebhookDelivery> {
    const delivery = parseRedelivered(await this.call('POST', redeliverUrl(webhookId, eventId)));
    if (!delivery) throw new ApiError(202, 'invalid_response', 'The server sent no delivery.');
    return delivery;
  }
}
