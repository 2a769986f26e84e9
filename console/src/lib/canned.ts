// Canned responses in the reply box: `/shortcut` at the start of a word
// opens the matching responses; choosing one puts its text in place of the
// `/shortcut`, with the variables of CONTRACT §8 filled in by the console.
import type { CannedResponse } from './types';

export interface TemplateValues {
  'visitor.name': string | null;
  'visitor.email': string | null;
  'agent.name': string | null;
}

/**
 * Fill `{{visitor.name}}`, `{{visitor.email}}`, `{{agent.name}}`. A value the
 * console does not know leaves the placeholder as it is, so the agent sees it
 * in the box and edits it rather than sending "Hi ,".
 */
export function fillTemplate(text: string, values: TemplateValues): string {
  return text.replace(/\{\{\s*(visitor\.name|visitor\.email|agent\.name)\s*\}\}/g, (whole, key: keyof TemplateValues) => {
    const value = values[key]?.trim();
    return value ? value : whole;
  });
}

export interface SlashQuery {
  /** Where the `/` is in the text. */
  start: number;
  /** What follows it, up to the caret. */
  query: string;
}

/** The `/shortcut` being typed just before the caret, if any. */
export function slashQueryAt(text: string, caret: number): SlashQuery | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([a-z0-9_-]{0,32})$/i.exec(before);
  if (!m) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** Responses whose shortcut starts with the query first, then those containing it. */
export function matchCanned(list: CannedResponse[], query: string, limit = 8): CannedResponse[] {
  const q = query.toLowerCase();
  const starts = list.filter((c) => c.shortcut.startsWith(q));
  const contains = list.filter((c) => !c.shortcut.startsWith(q) && c.shortcut.includes(q));
  const byShortcut = (a: CannedResponse, b: CannedResponse): number => a.shortcut.localeCompare(b.shortcut);
  return [...starts.sort(byShortcut), ...contains.sort(byShortcut)].slice(0, limit);
}

/** The text with `/query` replaced by the response, and where the caret goes after it. */
export function insertCanned(text: string, at: SlashQuery, filled: string): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length;
  const next = text.slice(0, at.start) + filled + text.slice(end);
  return { text: next, caret: at.start + filled.length };
}
