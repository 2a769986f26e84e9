// Test doubles for the console controller: an Api that answers from tables
// the test fills, and a socket the test plays the server for.
import type { AgentSocket, ConsoleApi } from '../controller';
import type { ConversationPage, HistoryPage } from '../lib/api';
import type { SocketHandlers } from '../lib/ws';
import type { Agent, Attachment, CannedResponse, Conversation, ConversationPatch, Message, Note, UserInfo } from '../lib/types';
import type { Filter } from '../state';

let seq = 0;

export function message(over: Partial<Message> = {}): Message {
  seq += 1;
  return {
    messageId: `01J${String(seq).padStart(10, '0')}`,
    tenantId: 'acme',
    conversationId: 'c1',
    sessionId: 's1',
    userId: null,
    sender: 'visitor',
    senderName: null,
    text: `hello ${seq}`,
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
    ...over,
  };
}

export function conversation(over: Partial<Conversation> & { userInfo?: UserInfo } = {}): Conversation {
  const { userInfo = {}, ...rest } = over;
  return {
    conversationId: 'c1',
    tenantId: 'acme',
    sessionId: 's1',
    userId: null,
    visitor: { userId: null, userInfo, email: null, name: null },
    status: 'open',
    assigneeId: null,
    labels: [],
    snoozedUntil: null,
    visitorLastReadId: null,
    agentLastReadId: null,
    unreadCount: null,
    lastMessage: null,
    lastActivityAt: '2026-01-01T09:00:00.000Z',
    createdAt: '2026-01-01T09:00:00.000Z',
    ...rest,
  };
}

export class FakeApi implements ConsoleApi {
  list: Conversation[] = [];
  histories: Record<string, Message[]> = {};
  listCalls: Array<{ filter: Filter; before: string | null }> = [];
  patches: Array<{ conversationId: string; patch: ConversationPatch }> = [];
  staff: Agent[] = [];
  replies: Array<{ conversationId: string; text: string; clientMessageId: string; attachments?: string[] }> = [];
  failWith: Error | null = null;

  async conversations(filter: Filter, before: string | null): Promise<ConversationPage> {
    this.listCalls.push({ filter: { ...filter }, before });
    if (this.failWith) throw this.failWith;
    return { conversations: this.list, nextBefore: null };
  }

  async history(conversationId: string): Promise<HistoryPage> {
    return { messages: this.histories[conversationId] ?? [], nextBefore: null };
  }

  async patch(conversationId: string, patch: ConversationPatch): Promise<Conversation | null> {
    if (this.failWith) throw this.failWith;
    this.patches.push({ conversationId, patch });
    const known = this.list.find((c) => c.conversationId === conversationId);
    return known ? { ...known, ...patch } : null;
  }

  notesBy: Record<string, Note[]> = {};
  addedNotes: Array<{ conversationId: string; text: string; attachments: string[] }> = [];
  canned: CannedResponse[] = [];

  async notes(conversationId: string): Promise<Note[]> {
    return this.notesBy[conversationId] ?? [];
  }

  async addNote(conversationId: string, text: string, attachments: string[] = []): Promise<Note> {
    if (this.failWith) throw this.failWith;
    this.addedNotes.push({ conversationId, text, attachments });
    const n = this.addedNotes.length;
    return { noteId: `n${n}`, conversationId, agentId: 'ann', text, attachments: [], createdAt: new Date().toISOString() };
  }

  httpReads: Array<{ conversationId: string; upTo: string }> = [];

  async markRead(conversationId: string, upTo: string): Promise<void> {
    this.httpReads.push({ conversationId, upTo });
  }

  async cannedResponses(): Promise<CannedResponse[]> {
    return this.canned;
  }

  async agents(): Promise<Agent[]> {
    if (this.failWith) throw this.failWith;
    return this.staff;
  }

  async reply(conversationId: string, text: string, clientMessageId: string, attachments: string[] = []): Promise<Message> {
    this.replies.push({ conversationId, text, clientMessageId, attachments });
    return message({ conversationId, sender: 'agent', text, clientMessageId });
  }

  /** Uploads wait here until the test settles them. */
  uploads: Array<{ conversationId: string; file: File; progress: (f: number) => void; resolve: (a: Attachment) => void; reject: (e: unknown) => void }> = [];

  upload(conversationId: string, file: File, progress: (fraction: number) => void): Promise<Attachment> {
    return new Promise((resolve, reject) => this.uploads.push({ conversationId, file, progress, resolve, reject }));
  }
}

export class FakeSocket implements AgentSocket {
  connected = false;
  joined: string[] = [];
  left: string[] = [];
  sent: Array<{ conversationId: string; text: string; clientMessageId: string; attachments?: string[] }> = [];
  typingSignals: Array<{ conversationId: string; isTyping: boolean }> = [];
  presenceRequests = 0;
  closed = false;

  constructor(readonly handlers: SocketHandlers) {}

  accept(first = true): void {
    this.connected = true;
    this.handlers.status('live');
    this.handlers.connected(first);
  }

  requestOnlineUsers(): void {
    this.presenceRequests += 1;
  }

  join(conversationId: string): void {
    this.joined.push(conversationId);
  }

  leave(conversationId: string): void {
    this.left.push(conversationId);
  }

  async send(conversationId: string, text: string, clientMessageId: string, attachments: string[] = []): Promise<Message> {
    this.sent.push({ conversationId, text, clientMessageId, attachments });
    return message({ conversationId, sender: 'agent', text, clientMessageId });
  }

  typing(conversationId: string, _sessionId: string | null, isTyping: boolean): void {
    this.typingSignals.push({ conversationId, isTyping });
  }

  reads: Array<{ conversationId: string; upTo: string }> = [];

  async read(conversationId: string, upTo: string): Promise<void> {
    this.reads.push({ conversationId, upTo });
  }

  syncs: Array<{ conversationId: string; after: string }> = [];
  missed: Message[] = [];

  async sync(conversationId: string, _sessionId: string | null, after: string): Promise<Message[]> {
    this.syncs.push({ conversationId, after });
    return this.missed.filter((m) => m.conversationId === conversationId);
  }

  close(): void {
    this.closed = true;
  }
}

/** Let pending promises (fake HTTP answers) settle. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
