// The files attached in the reply box before the reply is sent: each uploads
// at once (with its progress), then is done or failed with the server's
// reason; removing one cancels its upload.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../lib/api';
import { MAX_ATTACHMENTS, type Attachment } from '../lib/attachments';

export interface PendingUpload {
  key: number;
  name: string;
  size: number;
  state: 'uploading' | 'done' | 'failed';
  progress: number;
  error: string | null;
  attachment: Attachment | null;
}

export type Uploader = (file: File, onProgress: (fraction: number) => void, signal: AbortSignal) => Promise<Attachment>;

/** What the agent reads when a file is refused. */
export function uploadError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'unsupported_media_type') return 'This type of file cannot be sent: images (PNG, JPEG, GIF, WebP), PDF and plain text only.';
    if (err.status === 413) return `Too large: ${err.message}`;
    if (err.status === 404 || err.status === 405) return 'This server does not take attachments.';
    return err.message;
  }
  return 'The file could not be uploaded.';
}

export function useUploads(upload: Uploader) {
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const aborts = useRef(new Map<number, AbortController>());
  const next = useRef(0);
  useEffect(() => () => aborts.current.forEach((a) => a.abort()), []);

  const patch = (key: number, change: Partial<PendingUpload>): void =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const add = (files: File[]): void => {
    const added: PendingUpload[] = [];
    let pending = uploads.filter((u) => u.state !== 'failed').length;
    for (const file of files) {
      const key = (next.current += 1);
      const item: PendingUpload = { key, name: file.name || 'file', size: file.size, state: 'uploading', progress: 0, error: null, attachment: null };
      if (pending >= MAX_ATTACHMENTS) {
        added.push({ ...item, state: 'failed', error: `At most ${MAX_ATTACHMENTS} files per message.` });
        continue;
      }
      pending += 1;
      added.push(item);
      const abort = new AbortController();
      aborts.current.set(key, abort);
      upload(file, (progress) => patch(key, { progress }), abort.signal)
        .then((attachment) => patch(key, { state: 'done', progress: 1, attachment }))
        .catch((err: unknown) => {
          if (!abort.signal.aborted) patch(key, { state: 'failed', error: uploadError(err) });
        })
        .finally(() => aborts.current.delete(key));
    }
    setUploads((list) => [...list, ...added]);
  };

  const remove = (key: number): void => {
    aborts.current.get(key)?.abort();
    setUploads((list) => list.filter((u) => u.key !== key));
  };

  const clear = (): void => setUploads([]);
  const ready = uploads.flatMap((u) => (u.state === 'done' && u.attachment ? [u.attachment] : []));
  const busy = uploads.some((u) => u.state === 'uploading');
  return { uploads, add, remove, clear, ready, busy };
}
