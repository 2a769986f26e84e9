import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { deliveriesUrl, redeliverUrl, webhookUrl, WebhooksApi } from './webhooksApi';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** fetch answering `status` with `body` (JSON, or nothing for null), recording each request. */
function fakeFetch(status: number, body: unknown): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    seen.push({
      method: init.method ?? 'GET',
      url,
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return new Response(body === null ? null : JSON.stringify(body), { status });
  });
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const WEBHOOK = { webhookId: 'wh_1', url: 'https://a.example/h', events: ['*'], description: null, createdAt: '2026-01-01T09:00:00Z' };

describe('endpoint builders', () => {
  it('escapes the ids in the path', () => {
    expect(webhookUrl('a/b')).toBe('/api/webhooks/a%2Fb');
    expect(deliveriesUrl('wh_1')).toBe('/api/webhooks/wh_1/deliveries?limit=50');
    expect(redeliverUrl('wh_1', 'evt?1')).toBe('/api/webhooks/wh_1/deliveries/evt%3F1/redeliver');
  });
});

describe('WebhooksApi', () => {
  const api = new WebhooksApi('tok', () => undefined);

  it('lists with the bearer token', async () => {
    const seen = fakeFetch(200, { webhooks: [{ ...WEBHOOK, lastDelivery: null }] });
    const list = await api.list();
    expect(list).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/webhooks', headers: { Authorization: 'Bearer tok' } });
  });

  it('creates and answers the secret', async () => {
    const seen = fakeFetch(201, { webhook: WEBHOOK, secret: 'whsec_x' });
    const body = { url: 'https://a.example/h', events: ['note.created'], description: 'CRM' };
    const created = await api.create(body);
    expect(created.secret).toBe('whsec_x');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/webhooks', body });
  });

  it('refuses a creation answer without a secret', async () => {
    fakeFetch(201, { webhook: WEBHOOK });
    await expect(api.create({ url: 'https://a.example/h', events: ['*'] })).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('deletes with a 204 and no body', async () => {
    const seen = fakeFetch(204, null);
    await api.remove('wh_1');
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/api/webhooks/wh_1' });
  });

  it('reads deliveries and asks for a redelivery', async () => {
    const d = { eventId: 'evt_1', type: 'message.created', status: 'pending', attempts: 0, createdAt: '2026-01-01T10:00:00Z' };
    let seen = fakeFetch(200, { deliveries: [d] });
    expect((await api.deliveries('wh_1'))[0]!.eventId).toBe('evt_1');
    expect(seen[0]!.url).toBe('/api/webhooks/wh_1/deliveries?limit=50');
    seen = fakeFetch(202, { delivery: d });
    expect((await api.redeliver('wh_1', 'evt_1')).status).toBe('pending');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/webhooks/wh_1/deliveries/evt_1/redeliver' });
  });

  it('turns the error body into an ApiError with the server message', async () => {
    fakeFetch(422, { error: { code: 'invalid_request', message: 'url: must be https' } });
    const err = await api.create({ url: 'http://x', events: ['*'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'invalid_request', message: 'url: must be https' });
  });

  it('calls the expiry hook on a 401', async () => {
    const expired = vi.fn();
    fakeFetch(401, { error: { code: 'invalid_token', message: 'expired' } });
    await expect(new WebhooksApi('tok', expired).list()).rejects.toMatchObject({ status: 401 });
    expect(expired).toHaveBeenCalledOnce();
  });
});
