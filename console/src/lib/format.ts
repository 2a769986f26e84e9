// Pure display helpers. All of them return plain strings that are rendered
// as text nodes; nothing here produces markup.
import type { Conversation, UserInfo } from './types';

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The name an agent sees: userInfo.name, else "Visitor #" + first 8 chars of the session. */
export function visitorName(
  userInfo: UserInfo | null | undefined,
  sessionId: string | null,
  userId: string | null = null,
): string {
  const name = userInfo?.name?.trim();
  if (name) return name;
  if (sessionId) return `Visitor #${shortId(sessionId)}`;
  if (userId) return `User ${userId.length > 24 ? `${userId.slice(0, 24)}…` : userId}`;
  return 'Visitor';
}

export function visitorEmail(userInfo: UserInfo | null | undefined): string | null {
  const email = userInfo?.email?.trim();
  return email ? email : null;
}

/** The name of a conversation's visitor: the name they gave (contact form), their userInfo, else a short id. */
export function conversationName(c: Pick<Conversation, 'visitor' | 'sessionId' | 'userId'>): string {
  const given = c.visitor.name?.trim();
  return given ? given : visitorName(c.visitor.userInfo, c.sessionId, c.userId);
}

export function conversationEmail(c: Pick<Conversation, 'visitor'>): string | null {
  return c.visitor.email?.trim() || visitorEmail(c.visitor.userInfo);
}

/** "45 s", "12 min", "2 h 5 min", "3 d" from an ISO time to now. */
export function duration(fromIso: string | null, now: number): string {
  if (!fromIso) return '–';
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return '–';
  const s = Math.max(0, Math.floor((now - from) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Short clock/date label for a message or list item. */
export function shortTime(iso: string | null, now: number): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const sameDay = new Date(now).toDateString() === t.toDateString();
  return sameDay
    ? t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : t.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * A URL safe to put in an href: only absolute http(s) URLs, normalised by the
 * URL parser. Anything else (javascript:, data:, relative junk) gives null and
 * is shown as text only.
 */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return url.href;
}

/** One line of at most `max` characters, for list previews. */
export function preview(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
