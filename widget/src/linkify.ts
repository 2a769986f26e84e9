// Split message text into plain text and http(s) links. The UI renders both
// as text nodes (links as <a> whose text is the URL itself), so nothing in a
// message is ever parsed as HTML.

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that usually ends the sentence around a link, not the link.
const TRAILING = /[.,;:!?)\]}]+$/;

/** The URL as an href if it is an absolute http(s) URL, else null. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let cursor = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index ?? 0;
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate);
    // Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
    if (trailing && !(trailing[0] === ')' && candidate.includes('('))) {
      candidate = candidate.slice(0, -trailing[0].length);
    }
    const href = safeHref(candidate);
    if (!href) continue;
    if (start > cursor) segments.push({ kind: 'text', text: text.slice(cursor, start) });
    segments.push({ kind: 'link', text: candidate, href });
    cursor = start + candidate.length;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}
