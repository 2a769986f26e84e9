// The console's state and the actions that change it. Every server input
// (HTTP pages, socket events, acks) and every choice of the agent becomes one
// action; reducer.ts applies them, purely, so the unit tests cover it.
import type { QueueView } from '../lib/api';
import { DEFAULT_ALERT_PREFS, type AlertPrefs, type DraftKind } from '../lib/storage';
import type { LinkStatus } from '../lib/ws';
import type {
  Agent,
  AgentPresence,
  AgentRole,
  CannedResponse,
  Conversation,
  ConversationStatus,
  Message,
  MessagesRead,
  Note,
  OnlineUser,
} from '../lib/types';
import type { Thread } from './threads';

/** Which conversations the list shows. */
export interface Filter {
  view: QueueView;
  status: ConversationStatus;
  /** Only conversations carrying this label; null for all. */
  label: string | null;
  search: string;
}

/** The signed-in agent, from the token's claims. */
export interface Me {
  agentId: string | null;
  name: string;
  role: AgentRole | null;
}

/** Whether the server has a route: unknown until asked, unsupported after a 404. */
export type Support = 'unknown' | 'loaded' | 'unsupported';

export interface State {
  conversations: Record<string, Conversation>;
  threads: Record<string, Thread>;
  unread: Record<string, number>;
  activeId: string | null;
  online: Record<string, OnlineUser>;
  /** conversationId (or `session:<sessionId>` when unknown) -> typing expiry, epoch ms. */
  typing: Record<string, number>;
  agents: Record<string, AgentPresence>;
  me: Me;
  /** The tenant's agents (`GET /api/agents`), for assignment and names. */
  staff: Record<string, Agent>;
  staffSupport: Support;
  /** Internal notes per conversation, oldest first. */
  notes: Record<string, Note[]>;
  notesSupport: Support;
  canned: CannedResponse[];
  cannedSupport: Support;
  /** Whether the server reports agent presence at all. */
  agentPresenceSeen: boolean;
  listNextBefore: string | null;
  listLoading: boolean;
  /** Conversations the server matched for `searchQuery` (it searches all history). */
  searchQuery: string;
  searchHits: Record<string, true>;
  filter: Filter;
  /** What the reply box writes: a reply to the visitor or an internal note. */
  composeMode: DraftKind;
  link: LinkStatus;
  /** Whether the console's tab is shown: messages arriving while it is hidden stay unread. */
  pageVisible: boolean;
  alertPrefs: AlertPrefs;
  notificationPermission: NotificationPermission | 'unsupported';
  /** A problem to show in the banner until dismissed. */
  notice: string | null;
}

export const initialState: State = {
  conversations: {},
  threads: {},
  unread: {},
  activeId: null,
  online: {},
  typing: {},
  agents: {},
  me: { agentId: null, name: '', role: null },
  staff: {},
  staffSupport: 'unknown',
  notes: {},
  notesSupport: 'unknown',
  canned: [],
  cannedSupport: 'unknown',
  agentPresenceSeen: false,
  listNextBefore: null,
  listLoading: false,
  searchQuery: '',
  searchHits: {},
  filter: { view: 'all', status: 'open', label: null, search: '' },
  composeMode: 'reply',
  link: 'connecting',
  pageVisible: true,
  alertPrefs: DEFAULT_ALERT_PREFS,
  notificationPermission: 'unsupported',
  notice: null,
};

/** How long a "typing" signal stays shown without a refresh from the visitor. */
export const TYPING_TTL_MS = 8000;

export type Action =
  | { type: 'reset' }
  | {
      type: 'conversations_loaded';
      conversations: Conversation[];
      nextBefore: string | null;
      append: boolean;
      /** The `q` the page was fetched with, if any. */
      query?: string | null;
    }
  | { type: 'list_loading'; loading: boolean }
  | { type: 'filter_changed'; filter: Partial<Filter> }
  | { type: 'message_received'; message: Message }
  | { type: 'history_loaded'; conversationId: string; messages: Message[]; nextBefore: string | null; older: boolean }
  | { type: 'message_pending'; message: Message }
  | { type: 'message_acked'; conversationId: string; clientMessageId: string; message: Message }
  | { type: 'message_failed'; conversationId: string; clientMessageId: string }
  | { type: 'message_retry'; conversationId: string; clientMessageId: string }
  | { type: 'open_conversation'; conversationId: string | null }
  | { type: 'presence_list'; users: OnlineUser[] }
  | { type: 'user_online'; user: OnlineUser }
  | { type: 'user_offline'; sessionId: string }
  | { type: 'typing'; conversationId: string | null; sessionId: string | null; isTyping: boolean; now: number }
  | { type: 'typing_expired'; now: number }
  | { type: 'status_changed'; conversationId: string; status: ConversationStatus }
  | { type: 'conversation_updated'; conversation: Conversation }
  | { type: 'staff_loaded'; agents: Agent[] }
  | { type: 'staff_unsupported' }
  | { type: 'notes_loaded'; conversationId: string; notes: Note[] }
  | { type: 'note_added'; note: Note }
  | { type: 'notes_unsupported' }
  | { type: 'canned_loaded'; responses: CannedResponse[] }
  | { type: 'canned_unsupported' }
  | { type: 'agents_list'; agents: AgentPresence[] }
  | { type: 'agent_online'; agent: AgentPresence }
  | { type: 'agent_offline'; agentId: string }
  | { type: 'compose_mode'; mode: DraftKind }
  | { type: 'messages_read'; read: MessagesRead }
  | { type: 'page_visibility'; visible: boolean }
  | { type: 'alert_prefs'; prefs: AlertPrefs; permission: NotificationPermission | 'unsupported' }
  | { type: 'link'; link: LinkStatus }
  | { type: 'notice'; notice: string | null };
