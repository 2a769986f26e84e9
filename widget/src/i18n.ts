// Every string the widget shows, in one place. To add a language, copy the
// English table, translate it, and add it to `TABLES`. (French puts a
// no-break space, \u00a0, before ? ! : so they never wrap onto a line alone.)

export interface Strings {
  title: string;
  greeting: string;
  openChat: string;
  closeChat: string;
  unread: (count: number) => string;
  placeholder: string;
  inputLabel: string;
  send: string;
  sending: string;
  sent: string;
  /** Under the visitor's last message once an agent has read it. */
  seen: string;
  failed: string;
  retry: string;
  you: string;
  agent: string;
  system: string;
  agentTyping: string;
  newMessage: (from: string, text: string) => string;
  connecting: string;
  offline: string;
  loadOlder: string;
  loadingOlder: string;
  loadOlderFailed: string;
  conversationLabel: string;
  errors: Record<string, string>;
  genericError: string;
}

const en: Strings = {
  title: 'Chat with us',
  greeting: 'Hi! How can we help you today?',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  placeholder: 'Write a message…',
  inputLabel: 'Message',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  seen: 'Seen',
  failed: 'Not sent.',
  retry: 'Retry',
  you: 'You',
  agent: 'Agent',
  system: 'Notice',
  agentTyping: 'Agent is typing…',
  newMessage: (from, text) => `New message from ${from}: ${text}`,
  connecting: 'Connecting…',
  offline: 'You are offline. Messages will be sent when the connection is back.',
  loadOlder: 'Show earlier messages',
  loadingOlder: 'Loading earlier messages…',
  loadOlderFailed: 'Could not load the conversation.',
  conversationLabel: 'Conversation',
  errors: {
    rate_limited: 'You are sending messages too quickly. Please wait a moment.',
    payload_too_large: 'This message is too long.',
    invalid_request: 'This message could not be sent.',
    invalid_api_key: 'The chat is not available on this site (invalid key).',
    forbidden_origin: 'The chat is not enabled for this website.',
    identity_verification_failed: 'We could not verify your account. Please sign in again.',
    too_long: 'Messages are limited to 4000 characters.',
  },
  genericError: 'Something went wrong. Please try again.',
};

const fr: Strings = {
  title: 'Discutons',
  greeting: 'Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?',
  openChat: 'Ouvrir la discussion',
  closeChat: 'Fermer la discussion',
  unread: (count) => (count === 1 ? '1 message non lu' : `${count} messages non lus`),
  placeholder: 'Écrivez un message…',
  inputLabel: 'Message',
  send: 'Envoyer',
  sending: 'Envoi…',
  sent: 'Envoyé',
  seen: 'Vu',
  failed: 'Non envoyé.',
  retry: 'Réessayer',
  you: 'Vous',
  agent: 'Conseiller',
  system: 'Information',
  agentTyping: 'Un conseiller écrit…',
  newMessage: (from, text) => `Nouveau message de ${from}\u00a0: ${text}`,
  connecting: 'Connexion…',
  offline: 'Vous êtes hors ligne. Les messages partiront dès le retour de la connexion.',
  loadOlder: 'Afficher les messages précédents',
  loadingOlder: 'Chargement des messages précédents…',
  loadOlderFailed: 'Impossible de charger la conversation.',
  conversationLabel: 'Conversation',
  errors: {
    rate_limited: 'Vous envoyez des messages trop vite. Patientez un instant.',
    payload_too_large: 'Ce message est trop long.',
    invalid_request: "Ce message n'a pas pu être envoyé.",
    invalid_api_key: "La discussion n'est pas disponible sur ce site (clé invalide).",
    forbidden_origin: "La discussion n'est pas activée pour ce site.",
    identity_verification_failed: "Nous n'avons pas pu vérifier votre compte. Reconnectez-vous.",
    too_long: 'Les messages sont limités à 4000 caractères.',
  },
  genericError: 'Une erreur est survenue. Veuillez réessayer.',
};

const TABLES: Record<string, Strings> = { en, fr };

export const LOCALES = Object.keys(TABLES);

/** The table for `locale` ("fr", "fr-CA"…), else for the browser's language, else English. */
export function pickStrings(locale?: string, browserLanguages: readonly string[] = navigatorLanguages()): Strings {
  for (const candidate of [locale, ...browserLanguages]) {
    if (!candidate) continue;
    const base = candidate.toLowerCase().split(/[-_]/)[0]!;
    const table = TABLES[base];
    if (table) return table;
  }
  return en;
}

export function errorText(strings: Strings, code: string): string {
  return strings.errors[code] ?? strings.genericError;
}

function navigatorLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}
