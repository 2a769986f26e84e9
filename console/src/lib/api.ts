// The console's HTTP client: endpoint builders as pure functions (tested),
// one `request` that turns every failure into an ApiError with the contract's
// error code (§3), and a hook for 401 so an expired token ends the session.
import { isObj, parseAttachments, parseConversation, parseConversationPage, parseErrorBody, parseMessage, parseMessages } from './parse';
import { parseCannedResponses, parseNote, parseNotes, parseStaff } from './parseDesk';
import type { ConversationPage } from './parse';
export type { ConversationPage };
import type { Agent, Attachment, CannedResponse, Conversation, ConversationPatch, ConversationStatus, Message, Note } from './types';
import { parseSettings } from '../settings/parse';
import type { SettingsPatch, TenantSettings } from '../settings/model';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TIMEOUT_MS = 15000;
export const PAGE_SIZE = 50;

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Mine / Unassigned / All, as `?assigneeId=` (§8). */
export type QueueView = 'mine' | 'unassigned' | 'all';

const ASSIGNEE_PARAM: Record<QueueView, string | null> = { mine: 'me', unassigned: 'none', all: null };

export function conversationsUrl(opts: {
  status: ConversationStatus;
  view?: QueueView;
  label?: string | null;
  limit?: number;
  before?: string | null;
  q?: string | null;
}): string {
  return `/api/conversations${query({
    status: opts.status,
    assigneeId: ASSIGNEE_PARAM[opts.view ?? 'all'],
    label: opts.label,
    limit: opts.limit ?? PAGE_SIZE,
    before: opts.before,
    q: opts.q?.trim(),
  })}`;
}

export function messagesUrl(c: Pick<Conversation, 'conversationId'>, before: string | null, limit = PAGE_SIZE): string {
  return `/api/chat/messages${query({ conversationId: c.conversationId, limit, before })}`;
}

export function conversationUrl(conversationId: string): string {
  return `/api/conversations/${encodeURIComponent(conversationId)}`;
}

/** One JSON call; any failure is an ApiError (used by webhooksApi.ts too). */
export async function request(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; onUnauthorized?: (reason?: string) => void },
): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'omit',
      cache: 'no-store',
      signal: ctrl.signal,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  } finally {
    clearTimeout(timer);
  }
  let body: unknown = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const err = parseErrorBody(body);
    // The server's reason ("This agent has been disabled.") goes with the end of the session.
    if (res.status === 401 && opts.onUnauthorized) opts.onUnauthorized(err?.message);
    throw new ApiError(
      res.status,
      err?.code ?? (res.status === 404 ? 'not_found' : res.status === 405 ? 'not_supported' : 'http_error'),
      err?.message ?? `The server answered ${res.status}.`,
    );
  }
  return body;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  tenantId: string;
}

/** `tenantId` null: the server finds the tenant when the e-mail belongs to exactly one. */
export async function login(
  tenantId: string | null,
  email: string,
  password: string,
): Promise<LoginResult> {
  const payload = tenantId === null ? { email, password } : { tenantId, email, password };
  const body = await request('POST', '/api/agent/login', { body: payload });
  const v = body as { token?: unknown; expiresAt?: unknown; tenantId?: unknown } | null;
  if (!v || typeof v.token !== 'string' || v.token === '') {
    throw new ApiError(200, 'invalid_response', 'The server sent no token.');
  }
  const tenant = typeof v.tenantId === 'string' && v.tenantId !== '' ? v.tenantId : tenantId;
  if (tenant === null) throw new ApiError(200, 'invalid_response', 'The server named no tenant.');
  return {
    token: v.token,
    expiresAt: typeof v.expiresAt === 'string' ? v.expiresAt : '',
    tenantId: tenant,
  };
}

/** What the list asks the server for (the console's Filter). */
export interface ListFilter {
  view: QueueView;
  status: ConversationStatus;
  label: string | null;
  search: string;
}

export interface HistoryPage {
  messages: Message[];
  nextBefore: string | null;
}

export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (reason?: string) => void,
    private readonly makeUploadRequest?: () => UploadRequest,
  ) {}

  /** A file for the conversation (§11), to send with a reply; 413 too large, 415 wrong type. */
  upload(conversationId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Attachment> {
    const url = `${conversationUrl(conversationId)}/attachments`;
    return uploadFile(url, this.token, file, onProgress, signal, this.makeUploadRequest).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized();
      throw err;
    });
  }

  private call(method: string, url: string, body?: unknown): Promise<unknown> {
    return request(method, url, { token: this.token, body, onUnauthorized: this.onUnauthorized });
  }

  async conversations(filter: ListFilter, before: string | null): Promise<ConversationPage> {
    const url = conversationsUrl({ ...filter, before, q: filter.search });
    return parseConversationPage(await this.call('GET', url));
  }

  async history(conversationId: string, before: string | null): Promise<HistoryPage> {
    const body = (await this.call('GET', messagesUrl({ conversationId }, before))) as {
      messages?: unknown;
      nextBefore?: unknown;
    } | null;
    const nb = body?.nextBefore;
    return {
      messages: parseMessages(body?.messages),
      nextBefore: typeof nb === 'string' && nb !== '' ? nb : typeof nb === 'number' ? String(nb) : null,
    };
  }

  /** The conversation as the server has it after the change, or null if it did not say. */
  async patch(conversationId: string, patch: ConversationPatch): Promise<Conversation | null> {
    const body = await this.call('PATCH', conversationUrl(conversationId), patch);
    return parseConversation(isObj(body) ? (body.conversation ?? body) : null);
  }

  async agents(): Promise<Agent[]> {
    return parseStaff(await this.call('GET', '/api/agents'));
  }

  async notes(conversationId: string): Promise<Note[]> {
    return parseNotes(await this.call('GET', `${conversationUrl(conversationId)}/notes`));
  }

  async addNote(conversationId: string, text: string, attachments: string[] = []): Promise<Note> {
    const body = await this.call('POST', `${conversationUrl(conversationId)}/notes`, attachments.length ? { text, attachments } : { text });
    const note = parseNote(isObj(body) ? body.note : null);
    if (!note) throw new ApiError(201, 'invalid_response', 'The server sent no note.');
    return note;
  }

  async cannedResponses(q: string | null = null): Promise<CannedResponse[]> {
    return parseCannedResponses(await this.call('GET', `/api/canned-responses${query({ q })}`));
  }

  /** HTTP twin of the socket's `read`, for when the socket is down. */
  async markRead(conversationId: string, upTo: string): Promise<void> {
    await this.call('POST', `${conversationUrl(conversationId)}/read`, { upTo });
  }

  /** The tenant settings (§9): any staff member may read them. */
  async settings(): Promise<TenantSettings> {
    return settingsOf(await this.call('GET', '/api/settings'));
  }

  /** Admins only (else 403); a bad field is 422 naming it. Answers the settings as saved. */
  async updateSettings(patch: SettingsPatch): Promise<TenantSettings> {
    return settingsOf(await this.call('PATCH', '/api/settings', patch));
  }

  /** HTTP fallback for a reply while the socket is down; idempotent by clientMessageId. */
  async reply(conversationId: string, text: string, clientMessageId: string, attachments: string[] = []): Promise<Message> {
    const sent = attachments.length ? { text, clientMessageId, attachments } : { text, clientMessageId };
    const body = (await this.call('POST', `${conversationUrl(conversationId)}/messages`, sent)) as {
      message?: unknown;
    } | null;
    const m = parseMessage(body?.message);
    if (!m) throw new ApiError(201, 'invalid_response', 'The server sent no message.');
    return m;
  }
}

function settingsOf(body: unknown): TenantSettings {
  const settings = parseSettings(body);
  if (!settings) throw new ApiError(200, 'invalid_response', 'The server sent no settings.');
  return settings;
}

/** The slice of XMLHttpRequest an upload uses (tests pass a fake). */
export type UploadRequest = Pick<
  XMLHttpRequest,
  'open' | 'setRequestHeader' | 'send' | 'abort' | 'status' | 'responseText' | 'upload' | 'onload' | 'onerror' | 'onabort'
>;

/** POST one file as `multipart/form-data`; `onProgress` hears the fraction sent. */
export function uploadFile(
  url: string,
  token: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
  makeRequest: () => UploadRequest = () => new XMLHttpRequest(),
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const request = makeRequest();
    request.open('POST', url);
    request.setRequestHeader('Authorization', `Bearer ${token}`);
    request.setRequestHeader('Accept', 'application/json');
    request.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      const [attachment] = parseAttachments(isObj(body) ? [body.attachment] : []);
      if (request.status < 300 && attachment) return resolve(attachment);
      const err = parseErrorBody(body);
      reject(new ApiError(request.status, err?.code ?? 'http_error', err?.message ?? `The server answered ${request.status}.`));
    };
    request.onerror = () => reject(new ApiError(0, 'network_error', 'The server could not be reached.'));
    request.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
    signal?.addEventListener('abort', () => request.abort());
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    request.send(form);
  });
}
