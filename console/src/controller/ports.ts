// What the controller's parts talk through: the HTTP client and the socket
// (real ones in lib/, fakes in tests), the store of the state, and how a
// failure is told to the agent.
import { ApiError, type ConversationPage, type HistoryPage } from '../lib/api';
import type { Agent, Attachment, CannedResponse, Conversation, ConversationPatch, Message, Note } from '../lib/types';
import type { Action, Filter, State } from '../state';

/** The HTTP calls the controller makes (lib/api.ts's Api; a fake in tests). */
export interface ConsoleApi {
  conversations(filter: Filter, before: string | null): Promise<ConversationPage>;
  history(conversationId: string, before: string | null): Promise<HistoryPage>;
  patch(conversationId: string, patch: ConversationPatch): Promise<Conversation | null>;
  reply(conversationId: string, text: string, clientMessageId: string, attachments?: string[]): Promise<Message>;
  upload(conversationId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Attachment>;
  agents(): Promise<Agent[]>;
  notes(conversationId: string): Promise<Note[]>;
  addNote(conversationId: string, text: string, attachments?: string[]): Promise<Note>;
  cannedResponses(): Promise<CannedResponse[]>;
  markRead(conversationId: string, upTo: string): Promise<void>;
}

/** The socket calls the controller makes (lib/ws.ts's ConsoleSocket; a fake in tests). */
export interface AgentSocket {
  readonly connected: boolean;
  requestOnlineUsers(): void;
  join(conversationId: string): void;
  leave(conversationId: string): void;
  send(conversationId: string, text: string, clientMessageId: string, attachments?: string[]): Promise<Message>;
  typing(conversationId: string, sessionId: string | null, isTyping: boolean): void;
  sync(conversationId: string, sessionId: string | null, after: string): Promise<Message[]>;
  read(conversationId: string, upTo: string): Promise<void>;
  close(): void;
}

/** The state and the one way to change it, shared by the controller's parts. */
export interface Store {
  readonly state: State;
  dispatch(action: Action): void;
  /** A problem for the banner. */
  notice(text: string): void;
}

/** What a failed call tells the agent. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404 || err.status === 405) return 'The server does not support this yet.';
    if (err.status === 0) return 'The server could not be reached.';
    return err.message;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

/** A 401 already ended the session (the Api's hook); it needs no notice of its own. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

/** The server has no such route yet: the feature is hidden or disabled, nothing crashes. */
export function isUnsupported(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405);
}
