// A controller wired to fakes, as the unit tests use it: a fake `fetch` that
// plays the HTTP API and a FakeSocket that plays the socket server.

import { act } from 'preact/test-utils';
import { vi } from 'vitest';
import type { WidgetConfig } from '../../../shared/types';
import { ChatController } from '../chat';
import { ChatAPI, type ChatMessage, type UploadRequest } from '../lib/api';
import { SessionManager, type KeyValueStorage } from '../lib/session';
import { ChatWebSocket } from '../lib/ws';
import { FakeSocket, memoryStorage, message } from './fakes';

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function widgetConfig(overrides: Partial<WidgetConfig> = {}): WidgetConfig {
  return {
    tenantId: 'demo',
    widget: {
      color: '#2563eb',
      position: 'right',
      greeting: 'Hi! How can we help?',
      offlineGreeting: "We're away right now.",
      locale: 'en',
    },
    offlineMode: 'chat',
    availability: { status: 'online', agentsOnline: 1, nextOpenAt: null },
    ...overrides,
  };
}

export interface HarnessOptions {
  /** What `GET /webchat/config` answers; a 404 when null. */
  config?: WidgetConfig | null;
  /** Answers for other paths (`/webchat/contact`, `/webchat/transcript`…). */
  routes?: Record<string, (body: any) => Response>;
  storage?: KeyValueStorage;
  /** Plays `POST /webchat/attachments` (see `FakeUpload`). */
  uploadRequest?: () => UploadRequest;
}

export function setup(
  history: ChatMessage[] = [],
  nextBefore: string | null = null,
  visible = { shown: true },
  options: HarnessOptions = {},
) {
  const session = new SessionManager(options.storage ?? memoryStorage());
  const requests: Array<{ url: URL; init: RequestInit }> = [];
  const config = options.config === undefined ? widgetConfig() : options.config;
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    requests.push({ url, init: init! });
    const route = options.routes?.[url.pathname];
    if (route) return route(init?.body ? JSON.parse(String(init.body)) : undefined);
    if (url.pathname === '/webchat/config' && config) return json(200, config);
    if (url.pathname === '/webchat/session') {
      return json(200, { sessionId: session.sessionId, conversationId: 'c', token: 'jwt', expiresAt: '2999-01-01T00:00:00Z' });
    }
    if (url.pathname === '/api/chat/messages') {
      return url.searchParams.get('before')
        ? json(200, { messages: [message({ text: 'older' })].map((m) => ({ ...m, messageId: '00' + m.messageId })), nextBefore: null })
        : json(200, { messages: history, nextBefore });
    }
    return json(404, { error: { code: 'not_found', message: 'no' } });
  });
  const api = new ChatAPI({ serverUrl: 'https://chat.test', apiKey: 'pk_x', fetch: fetch as typeof globalThis.fetch, uploadRequest: options.uploadRequest });
  const sockets: FakeSocket[] = [];
  const ws = new ChatWebSocket({
    serverUrl: 'https://chat.test',
    apiKey: 'pk_x',
    session,
    api,
    socketFactory: (_url, socketOptions) => {
      const socket = new FakeSocket(socketOptions);
      sockets.push(socket);
      return socket;
    },
  });
  const controller = new ChatController({ session, api, ws, isVisible: () => visible.shown });
  controller.start();
  sockets[0]!.accept();
  const sentTo = (path: string) => requests.filter((r) => r.url.pathname === path);
  return { controller, session, sockets, requests, sentTo, socket: () => sockets[sockets.length - 1]! };
}

/** Let pending promises (fake fetches) settle, inside act() for Preact. */
export const flush = () => act(async () => void (await new Promise((resolve) => setTimeout(resolve, 0))));
