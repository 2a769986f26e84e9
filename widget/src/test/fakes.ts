// Test doubles shared by the widget's unit tests.

import type { Attachment, ChatMessage, UploadRequest } from '../lib/api';
import type { KeyValueStorage } from '../lib/session';
import type { HandshakeAuth, SocketLike, SocketOptions } from '../lib/ws';

/** A stand-in for a socket.io-client Socket: records emits, lets the test play the server. */
export class FakeSocket implements SocketLike {
  connected = false;
  active = true;
  connectCalls = 0;
  disconnectCalls = 0;
  handshakes: HandshakeAuth[] = [];
  emitted: Array<{ event: string; payload: any; ack?: (reply: unknown) => void }> = [];
  private readonly handlers = new Map<string, Array<(...args: any[]) => void>>();

  constructor(readonly options: SocketOptions) {}

  on(event: string, listener: (...args: any[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, payload?: unknown, ack?: (reply: unknown) => void): this {
    this.emitted.push({ event, payload, ack });
    return this;
  }

  connect(): this {
    this.active = true;
    this.connectCalls += 1;
    return this;
  }

  disconnect(): this {
    this.disconnectCalls += 1;
    this.active = false;
    this.connected = false;
    return this;
  }

  // The server's side.
  accept(): void {
    this.options.auth((auth) => this.handshakes.push(auth));
    this.connected = true;
    this.fire('connect');
  }

  drop(): void {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }

  refuse(code: string): void {
    this.active = false;
    this.options.auth((auth) => this.handshakes.push(auth));
    const error = Object.assign(new Error(code), { data: { error: { code, message: code } } });
    this.fire('connect_error', error);
  }

  fire(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }

  sent(event: string) {
    return this.emitted.filter((e) => e.event === event);
  }
}

export function memoryStorage(): KeyValueStorage {
  const data = new Map<string, string>();
  return {
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

let counter = 0;

/** A stored message with a fresh, increasing messageId. */
export function message(overrides: Partial<ChatMessage> = {}): ChatMessage {
  counter += 1;
  return {
    messageId: `01JAAAAAAAAAAAAAAAAAAA${String(counter).padStart(4, '0')}`,
    tenantId: 'demo',
    conversationId: 'conv',
    sessionId: null,
    userId: null,
    sender: 'agent',
    senderName: 'Ann',
    text: 'hello',
    clientMessageId: null,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A stand-in for the XMLHttpRequest of an upload: records the request, lets the test answer. */
export class FakeUpload {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  aborted = false;
  status = 0;
  responseText = '';
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(body: FormData): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }
  getResponseHeader(): string | null {
    return null;
  }

  // The server's side.
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }

  /** A factory for `ChatAPIOptions.uploadRequest` and the list of requests it made. */
  static factory(): { made: FakeUpload[]; make: () => UploadRequest } {
    const made: FakeUpload[] = [];
    return { made, make: () => { const request = new FakeUpload(); made.push(request); return request as unknown as UploadRequest; } };
  }
}

export function attachment(overrides: Partial<Attachment> = {}): Attachment {
  return {
    attachmentId: 'att1',
    name: 'shot.png',
    size: 2048,
    contentType: 'image/png',
    url: '/attachments/att1/shot.png?e=1&s=x',
    ...overrides,
  };
}
