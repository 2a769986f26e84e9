// Shapes the console reads. The conversation and message shapes are shared
// with the widget (shared/types.ts); the rest are the console's own: presence
// (§5) and the error body (§3). Everything that crosses the wire is read
// defensively by parse.ts first.
export type {
  Agent,
  AgentRole,
  Attachment,
  CannedResponse,
  Conversation,
  ConversationPatch,
  ConversationStatus,
  Message,
  MessagesRead,
  Note,
  Reader,
  Sender,
  UserInfo,
  Visitor,
  CreatedWebhook,
  NewWebhook,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEventType,
  AgentChange,
  ApiKeyInfo,
  ApiKeyKind,
  AuditActorKind,
  AuditEntry,
  AuditPage,
  CreatedApiKey,
  NewAgent,
  TeamAgent,
} from '../../../shared/types';
export { API_KEY_KINDS, CONVERSATION_STATUSES, WEBHOOK_EVENTS } from '../../../shared/types';
import type { UserInfo } from '../../../shared/types';

export interface OnlineUser {
  sessionId: string;
  userId: string | null;
  userInfo: UserInfo;
  tabs: number;
  connectedAt: string | null;
  lastSeenAt: string | null;
  url: string | null;
}

/** An agent with a console open (the "agents online" indicator). */
export interface AgentPresence {
  agentId: string;
  name: string;
}

export interface ErrorBody {
  code: string;
  message: string;
}
