// Every string the widget shows, in one place. To add a language, copy the
// English table, translate it, and add it to `TABLES`. (French puts a
// no-break space, \u00a0, before ? ! : so they never wrap onto a line alone.)

export interface Strings {
  /** The table's language, for `lang` and for formatting dates. */
  lang: string;
  title: string;
  greeting: string;
  /** The first bubble while away or offline, unless the tenant set its own. */
  offlineGreeting: string;
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
  // Availability, under the title (contract §9).
  repliesSoon: string;
  away: string;
  /** Away, and the visitor already left an e-mail (or is logged in with one). */
  awayEmailKnown: string;
  offlineNow: string;
  backAt: (time: string) => string;
  backTomorrowAt: (time: string) => string;
  backOnDayAt: (weekday: string, time: string) => string;
  backOnDateAt: (date: string, time: string) => string;
  // The offline form (offlineMode "form").
  formTitle: string;
  emailLabel: string;
  messageLabel: string;
  formSubmit: string;
  emailRequired: string;
  emailInvalid: string;
  // Asking an anonymous visitor for an e-mail when nobody answers.
  promptTitle: string;
  promptText: string;
  promptSubmit: string;
  promptDismiss: string;
  promptThanks: (email: string) => string;
  // The transcript.
  transcriptAction: string;
  transcriptSending: string;
  transcriptSent: string;
  transcriptNoEmail: string;
  transcriptUnavailable: string;
  transcriptRateLimited: string;
  transcriptFailed: string;
  // Attachments (contract §11).
  attach: string;
  dropHint: string;
  removeFile: (name: string) => string;
  uploading: (name: string) => string;
  attached: (name: string) => string;
  /** The link of a thumbnail. */
  openImage: (name: string) => string;
  fileTooLarge: string;
  fileTypeRefused: string;
  tooManyFiles: string;
  fileFailed: string;
}

const en: Strings = {
  lang: 'en',
  title: 'Chat with us',
  greeting: 'Hi! How can we help you today?',
  offlineGreeting: "We're away right now. Leave a message and we'll reply by e-mail.",
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
    still_uploading: 'Please wait until the files are uploaded.',
  },
  genericError: 'Something went wrong. Please try again.',
  repliesSoon: 'Typically replies in a few minutes',
  away: "We're away, leave your e-mail",
  awayEmailKnown: "We're away, we'll reply by e-mail",
  offlineNow: "We're offline",
  backAt: (time) => `Back at ${time}`,
  backTomorrowAt: (time) => `Back tomorrow at ${time}`,
  backOnDayAt: (weekday, time) => `Back on ${weekday} at ${time}`,
  backOnDateAt: (date, time) => `Back on ${date} at ${time}`,
  formTitle: "Leave us a message and we'll answer by e-mail.",
  emailLabel: 'Your e-mail',
  messageLabel: 'Your message',
  formSubmit: 'Send',
  emailRequired: 'Please enter your e-mail address.',
  emailInvalid: 'Please enter an e-mail address like name@example.com.',
  promptTitle: 'Get notified by e-mail',
  promptText: "We'll e-mail you when we reply, in case you leave.",
  promptSubmit: 'Notify me',
  promptDismiss: 'No thanks',
  promptThanks: (email) => `Thanks! We'll e-mail you at ${email}.`,
  transcriptAction: 'Send me the transcript',
  transcriptSending: 'Sending the transcript…',
  transcriptSent: 'Transcript requested: it will arrive by e-mail shortly.',
  transcriptNoEmail: "We don't have your e-mail address yet.",
  transcriptUnavailable: 'Transcripts by e-mail are not available at the moment.',
  transcriptRateLimited: 'You asked for the transcript several times already. Please try again later.',
  transcriptFailed: 'The transcript could not be sent. Please try again.',
  attach: 'Attach a file',
  dropHint: 'Drop files to attach them',
  removeFile: (name) => `Remove ${name}`,
  uploading: (name) => `Uploading ${name}…`,
  attached: (name) => `${name} attached`,
  openImage: (name) => `${name}, open full size in a new tab`,
  fileTooLarge: 'This file is too large.',
  fileTypeRefused: 'This type of file cannot be sent: send an image (PNG, JPEG, GIF, WebP), a PDF or a text file.',
  tooManyFiles: 'At most 10 files per message.',
  fileFailed: 'This file could not be uploaded.',
};

const fr: Strings = {
  lang: 'fr',
  title: 'Discutons',
  greeting: 'Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?',
  offlineGreeting: 'Nous sommes absents pour le moment. Laissez un message, nous vous répondrons par e-mail.',
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
    still_uploading: "Patientez jusqu'à la fin de l'envoi des fichiers.",
  },
  genericError: 'Une erreur est survenue. Veuillez réessayer.',
  repliesSoon: 'Répond généralement en quelques minutes',
  away: 'Nous sommes absents, laissez votre e-mail',
  awayEmailKnown: 'Nous sommes absents, nous vous répondrons par e-mail',
  offlineNow: 'Nous sommes fermés',
  backAt: (time) => `De retour à ${time}`,
  backTomorrowAt: (time) => `De retour demain à ${time}`,
  backOnDayAt: (weekday, time) => `De retour ${weekday} à ${time}`,
  backOnDateAt: (date, time) => `De retour le ${date} à ${time}`,
  formTitle: 'Laissez-nous un message, nous vous répondrons par e-mail.',
  emailLabel: 'Votre e-mail',
  messageLabel: 'Votre message',
  formSubmit: 'Envoyer',
  emailRequired: 'Veuillez saisir votre adresse e-mail.',
  emailInvalid: 'Veuillez saisir une adresse e-mail comme nom@exemple.fr.',
  promptTitle: 'Être prévenu par e-mail',
  promptText: 'Nous vous écrirons dès notre réponse, au cas où vous partiriez.',
  promptSubmit: 'Me prévenir',
  promptDismiss: 'Non merci',
  promptThanks: (email) => `Merci\u00a0! Nous vous écrirons à ${email}.`,
  transcriptAction: "M'envoyer la transcription",
  transcriptSending: 'Envoi de la transcription…',
  transcriptSent: 'Transcription demandée\u00a0: elle arrivera bientôt par e-mail.',
  transcriptNoEmail: "Nous n'avons pas encore votre adresse e-mail.",
  transcriptUnavailable: "L'envoi de la transcription par e-mail n'est pas disponible pour le moment.",
  transcriptRateLimited: 'Vous avez déjà demandé la transcription plusieurs fois. Réessayez plus tard.',
  transcriptFailed: "La transcription n'a pas pu être envoyée. Veuillez réessayer.",
  attach: 'Joindre un fichier',
  dropHint: 'Déposez les fichiers pour les joindre',
  removeFile: (name) => `Retirer ${name}`,
  uploading: (name) => `Envoi de ${name}…`,
  attached: (name) => `${name} joint`,
  openImage: (name) => `${name}, ouvrir en taille réelle dans un nouvel onglet`,
  fileTooLarge: 'Ce fichier est trop volumineux.',
  fileTypeRefused: "Ce type de fichier ne peut pas être envoyé : envoyez une image (PNG, JPEG, GIF, WebP), un PDF ou un fichier texte.",
  tooManyFiles: '10 fichiers au plus par message.',
  fileFailed: "Ce fichier n'a pas pu être envoyé.",
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

/**
 * The locale to format dates and times with: the visitor's own (en-GB, fr-CA…)
 * when it is a variant of the table's language, else the table's.
 */
export function formattingLocale(strings: Strings, browserLanguages: readonly string[] = navigatorLanguages()): string {
  const match = browserLanguages.find((tag) => tag && tag.toLowerCase().split(/[-_]/)[0] === strings.lang);
  return match ?? strings.lang;
}

export function errorText(strings: Strings, code: string): string {
  return strings.errors[code] ?? strings.genericError;
}

export function navigatorLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

/** Why an upload failed, in the visitor's language (a 413 in the server's words: they name the limit). */
export function uploadErrorText(strings: Strings, code: string | null, serverMessage: string | null): string {
  if (code === 'payload_too_large') return serverMessage ? `${strings.fileTooLarge} ${serverMessage}` : strings.fileTooLarge;
  if (code === 'unsupported_media_type') return strings.fileTypeRefused;
  if (code === 'too_many') return strings.tooManyFiles;
  return strings.errors[code ?? ''] ?? strings.fileFailed;
}

/** "12 KB", "3.4 MB": sizes as a person reads them. */
export function formatSize(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit > 0 && value < 10 ? 1 : 0;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits })} ${units[unit]}`;
}
