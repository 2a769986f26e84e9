// The shapes of the public contract (/work/shared/CONTRACT.md §4, §5, §8)
// that both front ends read: the widget and the agent console import them
// from here, so a field renamed on the wire is renamed once.
//
// Types only, plus the lists of allowed values; nothing here runs in the
// widget bundle beyond a few strings.

export type Sender = 'visitor' | 'agent' | 'system';

/** A file sent with a message (CONTRACT §11); `url` is signed and expires. */
export interface Attachment {
  attachmentId: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
}

/** A message, everywhere it appears (HTTP bodies, socket events). */
export interface Message {
  /** Time-sortable (ULID or UUIDv7): see `ordering.ts`. */
  messageId: string;
  tenantId: string;
  conversationId: string;
  sessionId: string | null;
  userId: string | null;
  sender: Sender;
  senderName: string | null;
  text: string;
  clientMessageId: string | null;
  createdAt: string;
  /** `[]` when none; older servers leave it out. */
  attachments?: Attachment[];
}

export type UserInfo = Record<string, string>;

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'closed'] as const;

/** `pending`: waiting on the visitor; `snoozed`: until `snoozedUntil`, then open again. */
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export interface Visitor {
  userId: string | null;
  userInfo: UserInfo;
  email: string | null;
  name: string | null;
}

/** A conversation, wherever it appears (lists, PATCH answers, events). */
export interface Conversation {
  conversationId: string;
  tenantId: string;
  sessionId: string | null;
  userId: string | null;
  visitor: Visitor;
  status: ConversationStatus;
  assigneeId: string | null;
  labels: string[];
  snoozedUntil: string | null;
  /** The newest message the visitor has read, and the newest any agent has. */
  visitorLastReadId: string | null;
  agentLastReadId: string | null;
  /** The visitor's messages after `agentLastReadId`; null when the server does not say. */
  unreadCount: number | null;
  lastMessage: Message | null;
  lastActivityAt: string;
  createdAt: string | null;
}

/** What `PATCH /api/conversations/{id}` accepts; absent fields are left as they are. */
export interface ConversationPatch {
  status?: ConversationStatus;
  assigneeId?: string | null;
  labels?: string[];
  snoozedUntil?: string | null;
}

/** An internal note: staff only, never sent to the visitor. */
export interface Note {
  noteId: string;
  conversationId: string;
  agentId: string | null;
  text: string;
  attachments: Attachment[];
  createdAt: string;
}

export interface CannedResponse {
  cannedResponseId: string;
  shortcut: string;
  text: string;
}

export type Reader = 'visitor' | 'agent';

/** `messages_read`: everything up to and including `upTo` has been read by `reader`. */
export interface MessagesRead {
  conversationId: string;
  reader: Reader;
  agentId: string | null;
  upTo: string;
  readAt: string | null;
}

export type AgentRole = 'agent' | 'admin';

/** An agent of the tenant, from `GET /api/agents`. */
export interface Agent {
  agentId: string;
  email: string | null;
  name: string;
  role: AgentRole;
  disabled: boolean;
  capacity: number | null;
}

/** Limits the contract fixes (§1, §8). */
export const MAX_TEXT_LENGTH = 4000;
export const MAX_LABELS = 20;
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const SHORTCUT_PATTERN = /^[a-z0-9_-]{1,32}$/;

/** §9: `online` (inside hours, an agent's console open), `away` (inside hours, nobody), `offline` (outside hours). */
export type AvailabilityStatus = 'online' | 'away' | 'offline';

/** `GET /webchat/config`'s `availability`, and the `availability` socket event. */
export interface Availability {
  status: AvailabilityStatus;
  agentsOnline: number;
  /** The next opening when `offline`; null otherwise, or when the hours never open again. */
  nextOpenAt: string | null;
}

/** What the widget does outside hours or with nobody online (§9). */
export type OfflineMode = 'chat' | 'form' | 'hide';

/** The tenant's widget settings (§9). */
export interface WidgetSettings {
  color: string;
  position: 'left' | 'right';
  /** null until the tenant sets them: the widget's own words, in the visitor's language. */
  greeting: string | null;
  offlineGreeting: string | null;
  locale: string | null;
}

/** `GET /webchat/config`: what the widget shows before anyone writes. */
export interface WidgetConfig {
  tenantId: string;
  widget: WidgetSettings;
  offlineMode: OfflineMode;
  availability: Availability;
}

/** The events a webhook can subscribe to; `*` in a webhook's `events` means all of them. */
export const WEBHOOK_EVENTS = [
  'message.created',
  'conversation.created',
  'conversation.updated',
  'note.created',
  'contact.updated',
  'messages.read',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event sent (or being sent) to one webhook: `GET /api/webhooks/{id}/deliveries`. */
export interface WebhookDelivery {
  eventId: string;
  /** The event's type; a newer server may send one not in WEBHOOK_EVENTS. */
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last attempt; null when it got no answer (or none was made yet). */
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A tenant's webhook, from `GET /api/webhooks` (admins only). */
export interface Webhook {
  webhookId: string;
  url: string;
  /** Event types, or `["*"]` for all of them. */
  events: string[];
  description: string | null;
  createdAt: string;
  /** The newest delivery; null when none yet (and in the answer to a POST). */
  lastDelivery: WebhookDelivery | null;
}

/** What `POST /api/webhooks` takes. */
export interface NewWebhook {
  url: string;
  events: string[];
  description?: string;
}

/** `POST /api/webhooks` answers the webhook and its signing secret, shown this once. */
export interface CreatedWebhook {
  webhook: Webhook;
  secret: string;
}

/** An agent as the Team page sees it (`GET /api/agents`, CONTRACT §13): the staff shape and when it was added. */
export interface TeamAgent extends Agent {
  /** The tenant's default when the agent has none of their own. */
  capacity: number;
  /** '' when the server does not say. */
  createdAt: string;
}

/** What `POST /api/agents` takes (admins); a taken e-mail is `409 conflict`. */
export interface NewAgent {
  email: string;
  name: string;
  role: AgentRole;
  password: string;
}

/**
 * What `PATCH /api/agents/{agentId}` takes; absent fields are left as they are,
 * `capacity: null` goes back to the tenant's default. Disabling or demoting the
 * tenant's last admin is `409 conflict`.
 */
export interface AgentChange {
  name?: string;
  role?: AgentRole;
  disabled?: boolean;
  capacity?: number | null;
}

/** `pk_…` keys go in the widget (public); `sk_…` keys are for servers (secret). */
export const API_KEY_KINDS = ['public', 'secret'] as const;

export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

/** A tenant's API key as `GET /api/keys` lists it: never the key itself. */
export interface ApiKeyInfo {
  prefix: string;
  kind: ApiKeyKind;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `POST /api/keys` answers the whole key, shown this once. */
export interface CreatedApiKey {
  key: string;
  prefix: string;
  kind: ApiKeyKind;
}

/** Who did it: an agent (their agentId), an API key (its id), or the command line (no id). */
export type AuditActorKind = 'agent' | 'key' | 'cli';

/** One line of the audit log (`GET /api/audit`, CONTRACT §12), newest first. */
export interface AuditEntry {
  at: string;
  actor: { kind: AuditActorKind; id: string | null };
  /** Such as `agent.created`, `key.revoked`, `settings.changed`; a newer server may add more. */
  action: string;
  target: string | null;
}

/** A page of the audit log; `nextBefore` asks for the older entries (null: no more). */
export interface AuditPage {
  entries: AuditEntry[];
  nextBefore: string | null;
}
