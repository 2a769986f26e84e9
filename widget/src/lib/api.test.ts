import { describe, expect, it, vi } from 'vitest';
import { ChatAPI, ChatError, buildUrl, isRetryable, parseRetryAfter } from './api';

const SERVER = 'https://chat.example.com';
const fields = { sessionId: '0b6f3f1e-2d4c-4e55-9a77-1c2b3d4e5f60', fingerprint: 'abcdEFGH_1234-xyz' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function client(responses: Array<Response | Error>, sleep = vi.fn(async () => undefined)) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init! });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  });
  const api = new ChatAPI({ serverUrl: SERVER, apiKey: 'pk_test', fetch: fetch as typeof globalThis.fetch, sleep });
  return { api, calls, sleep };
}

async function caught(promise: Promise<unknown>): Promise<ChatError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ChatError);
    return error as ChatError;
  }
  throw new Error('expected a rejection');
}

describe('ChatAPI requests', () => {
  it('posts the session with the public key and JSON body', async () => {
    const session = { ...fields, conversationId: 'c1', token: 'jwt', expiresAt: '2030-01-01T00:00:00Z' };
    const { api, calls } = client([json(200, session)]);
    await expect(api.createSession(fields)).resolves.toEqual(session);
    const [call] = calls;
    expect(call!.url).toBe(`${SERVER}/webchat/session`);
    expect(call!.init.method).toBe('POST');
    const headers = call!.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer pk_test');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(call!.init.body as string)).toEqual(fields);
    expect(call!.init.credentials).toBe('omit');
  });

  it('sends a message with its clientMessageId', async () => {
    const { api, calls } = client([json(201, { message: { messageId: 'm1' }, session: {} })]);
    await api.sendMessage({ ...fields, text: 'hi', clientMessageId: 'cid-1' });
    expect(calls[0]!.url).toBe(`${SERVER}/webchat/message`);
    expect(JSON.parse(calls[0]!.init.body as string)).toMatchObject({ text: 'hi', clientMessageId: 'cid-1' });
  });

  it('reads the widget config, leaves a contact and asks for the transcript (contract §9)', async () => {
    const config = { tenantId: 'demo', widget: {}, offlineMode: 'form', availability: { status: 'away' } };
    const { api, calls } = client([
      json(200, config),
      json(200, { conversation: { visitor: { email: 'ada@example.com' } } }),
      json(202, { queued: true }),
      new Response(null, { status: 202 }),
      json(422, { error: { code: 'invalid_request', message: 'email: none known' } }),
    ]);
    await expect(api.getConfig()).resolves.toEqual(config);
    expect(calls[0]!.url).toBe(`${SERVER}/webchat/config`);
    expect(calls[0]!.init.method).toBe('GET');
    await api.leaveContact({ ...fields, email: 'ada@example.com' });
    expect(calls[1]!.url).toBe(`${SERVER}/webchat/contact`);
    expect(JSON.parse(calls[1]!.init.body as string)).toEqual({ ...fields, email: 'ada@example.com' });
    await api.requestTranscript(fields);
    await expect(api.requestTranscript(fields)).resolves.toBeUndefined(); // no body
    expect(calls[2]!.url).toBe(`${SERVER}/webchat/transcript`);
    const refused = await caught(api.requestTranscript(fields));
    expect([refused.status, refused.code]).toEqual([422, 'invalid_request']);
  });

  it('reads history with the visitor token and the query', async () => {
    const { api, calls } = client([json(200, { messages: [], nextBefore: null })]);
    await api.getMessages({ sessionId: fields.sessionId, before: '01J0', limit: 50 }, 'visitor-jwt');
    const url = new URL(calls[0]!.url);
    expect(url.pathname).toBe('/api/chat/messages');
    expect(url.searchParams.get('sessionId')).toBe(fields.sessionId);
    expect(url.searchParams.get('before')).toBe('01J0');
    expect(url.searchParams.get('limit')).toBe('50');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers['X-Session-Token']).toBe('visitor-jwt');
    expect(headers.Authorization).toBe('Bearer pk_test');
    expect(calls[0]!.init.method).toBe('GET');
    expect(calls[0]!.init.body).toBeUndefined();
  });
});

describe('ChatAPI errors', () => {
  it('surfaces the contract error code and message', async () => {
    const { api } = client([json(403, { error: { code: 'session_mismatch', message: 'bound elsewhere' } })]);
    const error = await caught(api.createSession(fields));
    expect(error.code).toBe('session_mismatch');
    expect(error.message).toBe('bound elsewhere');
    expect(error.status).toBe(403);
  });

  it('falls back to a code from the status when the body is not JSON', async () => {
    const { api } = client([new Response('<html>Bad gateway</html>', { status: 503 })]);
    const error = await caught(api.createSession(fields));
    expect(error.code).toBe('unavailable');
    expect(isRetryable(error)).toBe(true);
  });

  it('reports a failed fetch as network_error', async () => {
    const { api } = client([new TypeError('Failed to fetch')]);
    const error = await caught(api.createSession(fields));
    expect(error.code).toBe('network_error');
    expect(isRetryable(error)).toBe(true);
  });

  it('does not call client errors retryable', () => {
    expect(isRetryable(new ChatError('invalid_request', 'x', 422))).toBe(false);
    expect(isRetryable(new ChatError('forbidden_origin', 'x', 403))).toBe(false);
  });
});

describe('Retry-After', () => {
  it('waits the announced seconds on 429, then retries', async () => {
    const limited = json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '3' });
    const { api, calls, sleep } = client([limited, json(201, { message: { messageId: 'm1' }, session: {} })]);
    await api.sendMessage({ ...fields, text: 'hi', clientMessageId: 'cid' });
    expect(sleep).toHaveBeenCalledWith(3000);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.init.body).toBe(calls[0]!.init.body); // same clientMessageId on the retry
  });

  it('gives up after the allowed retries with rate_limited and the wait', async () => {
    const limited = () => json(429, { error: { code: 'rate_limited', message: 'no' } }, { 'Retry-After': '2' });
    const { api, calls } = client([limited(), limited(), limited()]);
    const error = await caught(api.createSession(fields));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfter).toBe(2);
    expect(calls).toHaveLength(3);
  });

  it('does not sleep through a long Retry-After', async () => {
    const limited = json(429, { error: { code: 'rate_limited', message: 'no' } }, { 'Retry-After': '600' });
    const { api, sleep } = client([limited]);
    const error = await caught(api.createSession(fields));
    expect(error.retryAfter).toBe(600);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('parses seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('buildUrl', () => {
  it('joins origin, path and the defined query values', () => {
    expect(buildUrl('https://a.test/', '/x', { a: 1, b: undefined, c: '' })).toBe('https://a.test/x?a=1');
    expect(buildUrl('https://a.test', '/api/chat/messages')).toBe('https://a.test/api/chat/messages');
  });
});
