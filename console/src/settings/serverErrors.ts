// A 422 from PATCH /api/settings names the field first ("widget.color: …",
// "businessHours.weekly.mon.0: …", "businessHours.weekly: mon: ranges
// overlap"). This finds the form's field it is about, so the message shows
// next to that input; a field the page does not show keeps the whole message.
import { DAYS } from './model';

export interface ServerFieldError {
  /** A path of `known` (validate.ts's FIELD), or null when none matches. */
  field: string | null;
  text: string;
}

function sentence(text: string, capitalise = true): string {
  const t = text.trim();
  if (t === '') return 'The server refused this value.';
  return (capitalise ? t[0]!.toUpperCase() + t.slice(1) : t) + (/[.!?]$/.test(t) ? '' : '.');
}

export function serverFieldError(message: string, known: readonly string[]): ServerFieldError {
  const colon = message.indexOf(': ');
  if (colon <= 0) return { field: null, text: sentence(message, false) };
  let path = message.slice(0, colon).trim();
  let text = message.slice(colon + 2);
  // A check over the whole week names the day inside the message.
  const day = /^(\w{3}): (.*)$/s.exec(text);
  if (path === 'businessHours.weekly' && day && (DAYS as readonly string[]).includes(day[1]!)) {
    path = `${path}.${day[1]}`;
    text = day[2]!;
  }
  // The nearest field the page has: "businessHours.weekly.mon.0.1" → "businessHours.weekly.mon.0".
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    if (known.includes(p)) return { field: p, text: sentence(text) };
  }
  return { field: null, text: sentence(message, false) };
}
