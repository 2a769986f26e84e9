// What the static widget preview shows for the form as typed, following the
// widget's own rules (widget/src/looks.ts, availability.ts): which greeting,
// whether the launcher shows, whether the e-mail form comes first, and a text
// colour that reads on the tenant's colour. The widget's words for the two
// languages it has are copied here: the console never loads widget code.
import { widgetText, type SettingsForm } from './form';
import { DEFAULT_WIDGET } from './model';
import { isHexColor } from './validate';

/** online: an agent has the console open; away: inside hours, nobody; offline: outside hours. */
export type PreviewStatus = 'online' | 'away' | 'offline';

interface PreviewWords {
  title: string;
  greeting: string;
  offlineGreeting: string;
  placeholder: string;
  online: string;
  away: string;
  offline: string;
  formTitle: string;
  emailLabel: string;
}

const WORDS: Record<string, PreviewWords> = {
  en: {
    title: 'Chat with us',
    greeting: 'Hi! How can we help you today?',
    offlineGreeting: "We're away right now. Leave a message and we'll reply by e-mail.",
    placeholder: 'Write a message…',
    online: 'Typically replies in a few minutes',
    away: "We're away, leave your e-mail",
    offline: "We're offline",
    formTitle: "Leave us a message and we'll answer by e-mail.",
    emailLabel: 'Your e-mail',
  },
  fr: {
    title: 'Discutons',
    greeting: 'Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?',
    offlineGreeting: 'Nous sommes absents pour le moment. Laissez un message, nous vous répondrons par e-mail.',
    placeholder: 'Écrivez un message…',
    online: 'Répond généralement en quelques minutes',
    away: 'Nous sommes absents, laissez votre e-mail',
    offline: 'Nous sommes fermés',
    formTitle: 'Laissez-nous un message, nous vous répondrons par e-mail.',
    emailLabel: 'Votre e-mail',
  },
};

/** The languages the widget has its own texts in. */
export const WIDGET_LANGUAGES = Object.keys(WORDS);

export interface Preview {
  words: PreviewWords;
  /** The language of the widget's words shown. */
  lang: string;
  /** Why the tenant's greetings are not shown: no language set, or one the widget has no words in. */
  ownWordsBecause: 'no-language' | 'untranslated' | null;
  color: string;
  /** Black or white, whichever contrasts more with `color`. */
  onColor: string;
  position: 'left' | 'right';
  launcher: boolean;
  /** The first bubble; '' shows none. */
  bubble: string;
  statusLine: string;
  contactForm: boolean;
}

function language(locale: string): string {
  return locale.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const DARK = '#111827';

/** The text colour (white or near-black) with the higher WCAG contrast on `color` (#rrggbb). */
export function readableOn(color: string): string {
  const l = luminance(color);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance(DARK) + 0.05);
  return onWhite >= onDark ? '#ffffff' : DARK;
}

/**
 * The widget's words come from the tenant's language if it has them, else the
 * visitor's; the tenant's own texts are used only when they are in the
 * language the widget speaks (an unset text: the widget's own).
 */
export function previewOf(form: SettingsForm, status: PreviewStatus, visitorLanguages = browserLanguages()): Preview {
  const tenantLang = language(form.locale);
  const lang = [tenantLang, ...visitorLanguages.map(language)].find((l) => l in WORDS) ?? 'en';
  const words = WORDS[lang]!;
  const tenantTexts = tenantLang !== '' && tenantLang === lang;
  const text = (key: 'greeting' | 'offlineGreeting'): string => (tenantTexts ? (widgetText(form, key) ?? words[key]) : words[key]);
  // A colour still being typed (not yet #rrggbb) shows as the default colour.
  const color = isHexColor(form.color) ? form.color.trim() : DEFAULT_WIDGET.color;
  const unattended = status !== 'online';
  return {
    words,
    lang,
    ownWordsBecause: tenantTexts ? null : tenantLang === '' ? 'no-language' : 'untranslated',
    color,
    onColor: readableOn(color),
    position: form.position,
    launcher: !(form.offlineMode === 'hide' && status === 'offline'),
    bubble: text(unattended ? 'offlineGreeting' : 'greeting'),
    statusLine: status === 'online' ? words.online : status === 'away' ? words.away : words.offline,
    contactForm: form.offlineMode === 'form' && unattended,
  };
}
