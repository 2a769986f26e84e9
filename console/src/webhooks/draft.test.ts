import { describe, expect, it } from 'vitest';
import { bodyFromDraft, draftServerError, EMPTY_DRAFT, toggleEvent, validateDraft } from './draft';
import { deliveryBadge, eventsText, timing } from './present';
import { delivery } from '../test/webhooks';

describe('the webhook draft', () => {
  it('needs a whole http(s) URL and at least one event', () => {
    expect(validateDraft(EMPTY_DRAFT).url).toMatch(/Enter the address/);
    expect(validateDraft({ ...EMPTY_DRAFT, url: 'example.com/hook' }).url).toMatch(/https:\/\//);
    expect(validateDraft({ ...EMPTY_DRAFT, url: 'javascript:alert(1)' }).url).toBeDefined();
    expect(validateDraft({ ...EMPTY_DRAFT, url: 'https://example.com/h', allEvents: false }).events).toMatch(/at least one/);
    expect(validateDraft({ ...EMPTY_DRAFT, url: ' https://example.com/h ' })).toEqual({});
  });

  it('becomes a POST body: ["*"] for all, else the ticked events in the list order', () => {
    expect(bodyFromDraft({ ...EMPTY_DRAFT, url: ' https://a.example/h ' })).toEqual({ url: 'https://a.example/h', events: ['*'] });
    let draft = { ...EMPTY_DRAFT, url: 'https://a.example/h', description: ' CRM ', allEvents: false };
    draft = toggleEvent(toggleEvent(toggleEvent(draft, 'note.created', true), 'message.created', true), 'note.created', false);
    draft = toggleEvent(draft, 'messages.read', true);
    expect(bodyFromDraft(draft)).toEqual({ url: 'https://a.example/h', events: ['message.created', 'messages.read'], description: 'CRM' });
  });

  it('puts a 422 next to the field it names', () => {
    expect(draftServerError('url: must use https')).toEqual({ field: 'url', text: 'Must use https.' });
    expect(draftServerError('events.0: unknown event type')).toEqual({ field: 'events', text: 'Unknown event type.' });
    expect(draftServerError('too many webhooks')).toEqual({ field: null, text: 'too many webhooks.' });
  });
});

describe('delivery wording', () => {
  it('names the status with the status code', () => {
    expect(deliveryBadge(null)).toEqual({ tone: 'none', text: 'No deliveries yet' });
    expect(deliveryBadge(delivery()).text).toBe('Delivered · 200');
    expect(deliveryBadge(delivery({ status: 'failed', lastStatusCode: 503 }))).toEqual({ tone: 'failed', text: 'Failed · 503' });
    expect(deliveryBadge(delivery({ status: 'failed', lastStatusCode: null })).text).toBe('Failed · no response');
    expect(deliveryBadge(delivery({ status: 'pending', attempts: 0, lastStatusCode: null })).text).toBe('Pending');
    expect(deliveryBadge(delivery({ status: 'pending', attempts: 2, lastStatusCode: 500 })).text).toBe('Pending · 500 · 2 attempts');
  });

  it('says which events and when', () => {
    expect(eventsText(['*'])).toBe('All events');
    expect(eventsText(['note.created', 'messages.read'])).toBe('note.created, messages.read');
    expect(timing(delivery())).toMatch(/^Delivered /);
    expect(timing(delivery({ status: 'pending', deliveredAt: null, nextAttemptAt: '2026-01-01T11:00:00Z' }))).toMatch(/^Next attempt /);
    expect(timing(delivery({ status: 'failed', deliveredAt: null }))).toBe('No more attempts');
  });
});
