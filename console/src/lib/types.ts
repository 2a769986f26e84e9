// Shapes of the public contract (/work/shared/CONTRACT.md §4, §5), read
// defensively: everything that crosses the wire is untrusted input.

export type Sender = 'visitor' | 'agent' | 'system';

export interface Message {
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
}

export type UserInfo = Record<string, string>;

export interface OnlineUser {
  sessionId: string;
  userId: string | null;
  userInfo: UserInfo;
  tabs: number;
  connectedAt: string | null;
  lastSeenAt: string | null;
  url: string | null;
}

export type ConversationStatus = 'open' | 'closed';

export interface Conversation {
  conversationId: string;
  sessionId: string | null;
  userId: string | null;
  userInfo: UserInfo;
  status: ConversationStatus;
  lastMessage: Message | null;
  lastActivityAt: string;
  createdAt: string | null;
}

export interface AgentPresence {
  agentId: string;
  name: string;
}

export interface ErrorBody {
  code: string;
  message: string;
}
