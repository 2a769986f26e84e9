// The rules around availability (contract §9), as pure functions of the
// controller's state: what the header says, when the launcher shows, when the
// offline form replaces the composer, and when to ask for an e-mail.

import type { Availability, OfflineMode } from '../../shared/types';
import type { ViewMessage } from './chat';
import type { Strings } from './i18n';

export type EmailPrompt = 'hidden' | 'asking' | 'thanks';

// The server's check (api/contact.py), so the visitor hears at once what it would
// refuse: an ASCII address that can only be one recipient. Deliverability is SMTP's
// business.
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_PATTERN.test(value);
}

/** How long a visitor's message may wait for an agent before we offer to answer by e-mail. */
export const EMAIL_PROMPT_DELAY_MS = 60_000;

// Within a week a weekday says when; beyond it, only a date does.
const DAYS_SHOWN_AS_WEEKDAY = 6;

/** A calendar day number in `timeZone` (the visitor's by default), for day differences. */
function dayNumber(date: Date, timeZone: string | undefined): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!) / 86_400_000;
}

/** "Back at 9:00", "Back tomorrow at 9:00", "Back on Monday at 9:00", "Back on December 25 at 9:00". */
export function backText(strings: Strings, nextOpenAt: string, locale: string, now: Date, timeZone?: string): string | null {
  const when = new Date(nextOpenAt);
  if (Number.isNaN(when.getTime())) return null;
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone }).format(when);
  const days = dayNumber(when, timeZone) - dayNumber(now, timeZone);
  if (days <= 0) return strings.backAt(time);
  if (days === 1) return strings.backTomorrowAt(time);
  if (days <= DAYS_SHOWN_AS_WEEKDAY) {
    return strings.backOnDayAt(new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone }).format(when), time);
  }
  return strings.backOnDateAt(new Intl.DateTimeFormat(locale, { month: 'long', day: 'numeric', timeZone }).format(when), time);
}

/** The line under the title; empty while the availability is unknown. */
export function availabilityText(
  strings: Strings,
  availability: Availability | null,
  emailKnown: boolean,
  locale: string,
  now = new Date(),
  timeZone?: string,
): string {
  if (!availability) return '';
  if (availability.status === 'online') return strings.repliesSoon;
  if (availability.status === 'away') return emailKnown ? strings.awayEmailKnown : strings.away;
  const back = availability.nextOpenAt ? backText(strings, availability.nextOpenAt, locale, now, timeZone) : null;
  return back ?? strings.offlineNow;
}

/** Nobody is there to answer live: the offline greeting and the offline form apply. */
export function isUnattended(availability: Availability | null): boolean {
  return availability !== null && availability.status !== 'online';
}

export interface LauncherFacts {
  /** `GET /webchat/config` answered (or failed, or took too long). */
  configured: boolean;
  offlineMode: OfflineMode;
  availability: Availability | null;
  /** The visitor has messages in this session. */
  hasConversation: boolean;
}

/**
 * The launcher waits for the config (no flash of the wrong colour, no bubble
 * that vanishes), and in `hide` mode stays away while offline, unless a
 * conversation is already going.
 */
export function showsLauncher(facts: LauncherFacts): boolean {
  if (!facts.configured) return false;
  if (facts.offlineMode !== 'hide' || facts.availability?.status !== 'offline') return true;
  return facts.hasConversation;
}

/** `form` mode asks for an e-mail before the first message while nobody answers live. */
export function showsContactForm(offlineMode: OfflineMode, availability: Availability | null, emailKnown: boolean): boolean {
  return offlineMode === 'form' && isUnattended(availability) && !emailKnown;
}

export interface PromptMessage {
  sender: 'visitor' | 'agent' | 'system';
  /** Stored by the server (a pending message is not waiting for anyone yet). */
  stored: boolean;
  /** When the visitor wrote it, in ms since the epoch. */
  at: number;
}

/**
 * When to ask for an e-mail: a minute after the visitor's first message that
 * no agent has answered since. null when nothing is waiting for an answer.
 * (Whether to ask at all, anonymous and not yet answered, is the caller's.)
 */
export function emailPromptDueAt(messages: readonly PromptMessage[], delayMs = EMAIL_PROMPT_DELAY_MS): number | null {
  let waitingSince: number | null = null;
  for (const message of messages) {
    if (message.sender === 'agent') waitingSince = null;
    else if (message.sender === 'visitor' && message.stored && waitingSince === null) waitingSince = message.at;
  }
  return waitingSince === null ? null : waitingSince + delayMs;
}

/**
 * When the e-mail card shows: a minute after a message nobody answered, and
 * once asked, until answered. One timer, for the moment it becomes due.
 */
export class EmailPromptClock {
  readonly #onDue: () => void;
  /** When the visitor wrote the messages sent from this tab (their clock, not the server's). */
  readonly #writtenAt = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #dueAt: number | null = null;

  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  wrote(clientMessageId: string): void {
    this.#writtenAt.set(clientMessageId, Date.now());
  }

  /** The card's next state; `answered`: the visitor must not be asked (again). */
  next(current: EmailPrompt, answered: boolean, messages: readonly ViewMessage[]): EmailPrompt {
    if (current === 'thanks') return 'thanks';
    const dueAt = answered
      ? null
      : emailPromptDueAt(
          messages.map((m) => ({
            sender: m.sender,
            stored: m.messageId !== null,
            at: (m.clientMessageId && this.#writtenAt.get(m.clientMessageId)) || Date.parse(m.createdAt),
          })),
        );
    const asking = !answered && (current === 'asking' || (dueAt !== null && dueAt <= Date.now()));
    this.#schedule(asking ? null : dueAt);
    return asking ? 'asking' : 'hidden';
  }

  /** A new conversation, or the end. */
  stop(): void {
    this.#writtenAt.clear();
    this.#schedule(null);
  }

  #schedule(dueAt: number | null): void {
    if (dueAt === this.#dueAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = dueAt === null ? null : setTimeout(this.#onDue, Math.max(0, dueAt - Date.now()));
    this.#dueAt = dueAt;
  }
}
