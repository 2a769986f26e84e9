// Files on messages (CONTRACT §11), for the reply box and the message log:
// the check that a link is one of this server's attachments, and small
// helpers. The upload itself is `Api.upload` (lib/api.ts).
import type { Attachment } from '../../../shared/types';

export type { Attachment };

/** The server takes at most this many on one message. */
export const MAX_ATTACHMENTS = 10;
/** Served inline by the server, so shown as thumbnails. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
// Narrows the file picker; the server decides from the bytes.
export const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.pdf';

export function isImage(a: Pick<Attachment, 'contentType'>): boolean {
  return IMAGE_TYPES.includes(a.contentType);
}

/**
 * The absolute address of an attachment's signed `url`, or null unless it is
 * `<origin>/attachments/…`: nothing else is ever put in an href or src.
 */
export function attachmentHref(url: string, origin: string = location.origin): string | null {
  try {
    const href = new URL(url, origin).href;
    return href.startsWith(`${origin}/attachments/`) ? href : null;
  } catch {
    return null;
  }
}

/** "12 KB", "3.4 MB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(unit > 0 && value < 10 ? 1 : 0))} ${units[unit]}`;
}

/** The files of a paste or a drop (text and other items ignored). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  if (data.files.length) return [...data.files];
  return [...data.items].flatMap((item) => {
    const file = item.kind === 'file' ? item.getAsFile() : null;
    return file ? [file] : [];
  });
}
