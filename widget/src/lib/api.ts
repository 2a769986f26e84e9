// ChatAPI: the widget's HTTP client (contract §4), used for the session,
// history, and as the fallback for sending when the socket is down.

import type { Attachment, Conversation, Message as ChatMessage, WidgetConfig } from '../../../shared/types';
import type { ServerSession, VisitorFields } from './session';

/** A message as the server sends it, over HTTP and the socket alike (one type for widget and console). */
export type { Attachment, Message as ChatMessage, Sender } from '../../../shared/types';

export interface HistoryPage {
  messages: ChatMessage[];
  nextBefore: string | null;
}

export interface HistoryQuery {
  sessionId?: string;
  userId?: string;
  before?: string;
  limit?: number;
}

export interface SendBody extends VisitorFields {
  text: string;
  clientMessageId?: string;
  /** Ids of files uploaded first (`uploadAttachment`), at most 10. */
  attachments?: string[];
}

/** The slice of XMLHttpRequest an upload uses (tests pass a fake). */
export type UploadRequest = Pick<
  XMLHttpRequest,
  'open' | 'setRequestHeader' | 'send' | 'abort' | 'status' | 'responseText' | 'upload' | 'onload' | 'onerror' | 'onabort' | 'getResponseHeader'
>;

/** An error named by the contract's `code` (§3), or one of the client's own. */
export class ChatError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds to wait before trying again, from `Retry-After`. */
  readonly retryAfter: number | null;

  constructor(code: string, message: string, status = 0, retryAfter: number | null = null) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

// Codes the client makes itself, for failures that never reached the server.
export const NETWORK_ERROR = 'network_error';
export const TIMEOUT = 'timeout';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  422: 'invalid_request',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Whether trying the same request again later may succeed. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ChatError)) return true;
  return [NETWORK_ERROR, TIMEOUT, 'rate_limited', 'unavailable'].includes(error.code) || error.status >= 500;
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Join the server's origin and a path; a pure function so it is easy to test. */
export function buildUrl(
  serverUrl: string,
  path: string,
  query: Record<string, string | number | undefined> = {},
): string {
  const url = new URL(path, serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** The error a non-2xx answer stands for, from its status and `{error: {code, message}}` body. */
export function errorFromBody(status: number, text: string, retryAfterHeader: string | null = null): ChatError {
  let code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'http_error');
  let message = `HTTP ${status}`;
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (error && typeof error.code === 'string') code = error.code;
    if (error && typeof error.message === 'string') message = error.message;
  } catch {
    // Not JSON (a proxy's error page): keep the code the status implies.
  }
  return new ChatError(code, message, status, parseRetryAfter(retryAfterHeader));
}

export async function errorFromResponse(response: Response): Promise<ChatError> {
  const text = await response.text().catch(() => '');
  return errorFromBody(response.status, text, response.headers.get('Retry-After'));
}

/**
 * The absolute address of an attachment's signed `url`, or null unless it is
 * a file of this server (`<origin>/attachments/…`): nothing else is ever put
 * in an `href` or `src`.
 */
export function attachmentHref(serverUrl: string, url: string): string | null {
  try {
    const origin = new URL(serverUrl).origin;
    const href = new URL(url, origin).href;
    return href.startsWith(`${origin}/attachments/`) ? href : null;
  } catch {
    return null;
  }
}

export interface ChatAPIOptions {
  serverUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** How many times a 429 is retried after waiting `Retry-After`. */
  rateLimitRetries?: number;
  /** Longer waits than this are not slept through: the caller gets the error. */
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Makes the request of an upload (XMLHttpRequest: fetch reports no upload progress). */
  uploadRequest?: () => UploadRequest;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ChatAPI {
  readonly #serverUrl: string;
  readonly #apiKey: string;
  readonly #fetchImpl: typeof fetch;
  readonly #rateLimitRetries: number;
  readonly #maxRetryAfterSeconds: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #uploadRequest: () => UploadRequest;

  constructor(options: ChatAPIOptions) {
    this.#serverUrl = options.serverUrl;
    this.#apiKey = options.apiKey;
    // Bound: calling an unbound `fetch` as a method throws "Illegal invocation".
    this.#fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#rateLimitRetries = options.rateLimitRetries ?? 2;
    this.#maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 30;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#uploadRequest = options.uploadRequest ?? (() => new XMLHttpRequest());
  }

  /** The absolute, checked address of an attachment (see `attachmentHref`). */
  attachmentHref(url: string): string | null {
    return attachmentHref(this.#serverUrl, url);
  }

  /**
   * Upload one file into the visitor's conversation (contract §11). `onProgress`
   * hears the fraction sent, 0 to 1. `signal` aborts (then a `ChatError('aborted')`).
   */
  uploadAttachment(file: Blob, name: string, token: string, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Attachment> {
    return new Promise((resolve, reject) => {
      const request = this.#uploadRequest();
      request.open('POST', buildUrl(this.#serverUrl, '/webchat/attachments'));
      request.setRequestHeader('Authorization', `Bearer ${this.#apiKey}`);
      request.setRequestHeader('X-Session-Token', token);
      request.setRequestHeader('Accept', 'application/json');
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status === 201 || request.status === 200) {
          try {
            resolve((JSON.parse(request.responseText) as { attachment: Attachment }).attachment);
          } catch {
            reject(new ChatError('unavailable', 'unreadable upload answer', request.status));
          }
          return;
        }
        reject(errorFromBody(request.status, request.responseText, request.getResponseHeader('Retry-After')));
      };
      request.onerror = () => reject(new ChatError(NETWORK_ERROR, 'network error'));
      request.onabort = () => reject(new ChatError('aborted', 'upload cancelled'));
      signal?.addEventListener('abort', () => request.abort());
      const form = new FormData();
      form.append('file', file, name);
      request.send(form);
    });
  }

  /** Create or refresh the session; returns the visitor token. */
  createSession(fields: VisitorFields): Promise<ServerSession> {
    return this.#request<ServerSession>('POST', '/webchat/session', { body: fields });
  }

  /** Send a message over HTTP. Safe to repeat with the same `clientMessageId`. */
  sendMessage(body: SendBody): Promise<{ message: ChatMessage; session: ServerSession }> {
    return this.#request('POST', '/webchat/message', { body });
  }

  /** The visitor has seen the conversation up to `upTo` (contract §8), when the socket is down. */
  markRead(body: VisitorFields & { upTo: string }): Promise<{ ok: boolean }> {
    return this.#request('POST', '/webchat/read', { body });
  }

  /** The tenant's looks, offline mode and current availability (contract §9). */
  getConfig(): Promise<WidgetConfig> {
    return this.#request<WidgetConfig>('GET', '/webchat/config', {});
  }

  /** The visitor leaves an e-mail (and a name) to be answered by e-mail; a malformed one is 422. */
  leaveContact(body: VisitorFields & { email: string; name?: string }): Promise<{ conversation: Pick<Conversation, 'conversationId' | 'visitor'> }> {
    return this.#request('POST', '/webchat/contact', { body });
  }

  /** E-mail the whole conversation to the visitor: 202, or 422 when no e-mail is known. */
  requestTranscript(body: VisitorFields): Promise<unknown> {
    return this.#request('POST', '/webchat/transcript', { body });
  }

  /** One page of history, oldest first; `nextBefore` names the next older page. */
  getMessages(query: HistoryQuery, token: string): Promise<HistoryPage> {
    return this.#request<HistoryPage>('GET', '/api/chat/messages', {
      query: { ...query },
      headers: { 'X-Session-Token': token },
    });
  }

  async #request<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined>; headers?: Record<string, string> },
  ): Promise<T> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.#apiKey}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const url = buildUrl(this.#serverUrl, path, options.query);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetchImpl(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          // The widget runs on other sites: never send their cookies to us.
          credentials: 'omit',
          mode: 'cors',
        });
      } catch (cause) {
        throw new ChatError(NETWORK_ERROR, cause instanceof Error ? cause.message : 'network error');
      }
      if (response.ok) {
        const text = await response.text(); // a 202 or 204 may have no body
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const error = await errorFromResponse(response);
      const wait = error.retryAfter ?? 1;
      if (error.status === 429 && attempt < this.#rateLimitRetries && wait <= this.#maxRetryAfterSeconds) {
        await this.#sleep(wait * 1000);
        continue;
      }
      throw error;
    }
  }
}
