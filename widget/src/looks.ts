// How the widget looks: the page's own options (data-* attributes, init,
// mount) over the tenant's settings from `GET /webchat/config`, over the
// widget's defaults. Pure, so the precedence is tested in one place.

import type { WidgetSettings } from '../../shared/types';
import { formattingLocale, navigatorLanguages, pickStrings, type Strings } from './i18n';

/** The options a page may set that the tenant's settings also set. */
export interface LookOptions {
  locale?: string;
  title?: string;
  greeting?: string;
  offlineGreeting?: string;
  color?: string;
  position?: 'left' | 'right';
}

export interface Looks {
  strings: Strings;
  /** For dates and times: the visitor's variant of the language (en-GB, fr-CA…). */
  formatLocale: string;
  title: string;
  greeting: string;
  offlineGreeting: string;
  /** null: the stylesheet's default accent. */
  color: string | null;
  position: 'left' | 'right';
}

function language(tag: string | null | undefined): string | undefined {
  return tag?.toLowerCase().split(/[-_]/)[0];
}

export function resolveLooks(
  options: LookOptions,
  server: WidgetSettings | null,
  browserLanguages: readonly string[] = navigatorLanguages(),
): Looks {
  const strings = pickStrings(options.locale || server?.locale || undefined, browserLanguages);
  // The tenant's texts are written in the tenant's language: when the page
  // asks for another one, the widget's own translations read better. A tenant
  // that named no language gets its texts shown as written.
  const serverTexts =
    server && (!server.locale || language(server.locale) === strings.lang) ? server : null;
  return {
    strings,
    formatLocale: formattingLocale(strings, browserLanguages),
    title: options.title || strings.title,
    greeting: options.greeting ?? serverTexts?.greeting ?? strings.greeting,
    offlineGreeting: options.offlineGreeting ?? serverTexts?.offlineGreeting ?? strings.offlineGreeting,
    color: options.color || server?.color || null,
    position: options.position === 'left' || options.position === 'right' ? options.position : server?.position === 'left' ? 'left' : 'right',
  };
}

/** Black or white, whichever reads better on a #rgb / #rrggbb background. */
export function textColorFor(color: string): string {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!match) return '#ffffff';
  const hex = match[1]!.length === 3 ? [...match[1]!].map((c) => c + c).join('') : match[1]!;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return luminance > 0.6 ? '#111827' : '#ffffff';
}
