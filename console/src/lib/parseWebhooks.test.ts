import { describe, expect, it } from 'vitest';
import { parseCreated, parseDeliveries, parseDelivery, parseRedelivered, parseWebhooks } from './parseWebhooks';

const DELIVERY = {
  eventId: 'evt_1',
  type: 'message.created',
  status: 'failed',
  attempts: 6,
  lastStatusCode: 500,
  lastError: 'HTTP 500',
  nextAttemptAt: null,
  createdAt: '2026-01-01T10:00:00Z',
  deliveredAt: null,
};

describe('parseWebhooks', () => {
  it('reads the list with its last deliveries, in the server order', () => {
    const list = parseWebhooks({
      webhooks: [
        { webhookId: 'wh_1', url: 'https://a.example/h', events: ['*'], description: null, createdAt: '2026-01-01T09:00:00Z', lastDelivery: null },
        { webhookId: 'wh_2', url: 'https://b.example/h', events: ['note.created', 7, ''], description: '  CRM  ', createdAt: '2026-01-02T09:00:00Z', lastDelivery: DELIVERY },
      ],
    });
    expect(list.map((w) => w.webhookId)).toEqual(['wh_1', 'wh_2']);
    expect(list[0]!.lastDelivery).toBeNull();
    expect(list[1]).toMatchObject({ events: ['note.created'], description: 'CRM' });
    expect(list[1]!.lastDelivery).toEqual({ ...DELIVERY, createdAt: '2026-01-01T10:00:00Z' });
  });

  it('drops a webhook without an id or a URL, and tolerates a missing body', () => {
    expect(parseWebhooks({ webhooks: [{ url: 'https://x' }, { webhookId: 'w', url: '' }, null, 'x'] })).toEqual([]);
    expect(parseWebhooks(null)).toEqual([]);
    expect(parseWebhooks({ webhooks: 'nope' })).toEqual([]);
  });

  it('keeps server text as it is (the page renders text, never HTML)', () => {
    const [w] = parseWebhooks({ webhooks: [{ webhookId: 'w', url: 'https://x.example/<img src=x onerror=alert(1)>', description: '<b>hi</b>', events: ['*'] }] });
    expect(w!.url).toBe('https://x.example/<img src=x onerror=alert(1)>');
    expect(w!.description).toBe('<b>hi</b>');
  });
});

describe('parseDelivery', () => {
  it('needs an event id, a type and a known status', () => {
    expect(parseDelivery({ ...DELIVERY, status: 'lost' })).toBeNull();
    expect(parseDelivery({ ...DELIVERY, eventId: '' })).toBeNull();
    expect(parseDelivery({ ...DELIVERY, type: undefined })).toBeNull();
  });

  it('reads odd numbers and times defensively', () => {
    const d = parseDelivery({ ...DELIVERY, attempts: -2, lastStatusCode: 'x', lastError: '', nextAttemptAt: 'soon' })!;
    expect(d).toMatchObject({ attempts: 0, lastStatusCode: null, lastError: null, nextAttemptAt: null });
  });

  it('reads the deliveries list and a redelivery answer', () => {
    expect(parseDeliveries({ deliveries: [DELIVERY, { bad: true }] })).toHaveLength(1);
    expect(parseRedelivered({ delivery: { ...DELIVERY, status: 'pending' } })!.status).toBe('pending');
    expect(parseRedelivered({})).toBeNull();
  });
});

describe('parseCreated', () => {
  it('needs the webhook and the secret', () => {
    const webhook = { webhookId: 'wh_9', url: 'https://a.example/h', events: ['*'], description: null, createdAt: '2026-01-01T09:00:00Z' };
    expect(parseCreated({ webhook, secret: 'whsec_abc' })).toEqual({
      webhook: { ...webhook, lastDelivery: null },
      secret: 'whsec_abc',
    });
    expect(parseCreated({ webhook })).toBeNull();
    expect(parseCreated({ secret: 'whsec_abc' })).toBeNull();
  });
});
