// Files on a message (thumbnails for images, chips for the rest) and the files
// waiting in the reply box. Names are text; links only to this server's
// /attachments/ (attachmentHref), anything else is shown without a link.
import { attachmentHref, formatSize, isImage, type Attachment } from '../lib/attachments';
import type { PendingUpload } from './useUploads';

export function AttachmentList({ attachments }: { attachments: Attachment[] | undefined }) {
  if (!attachments?.length) return null;
  return (
    <ul class="msg-files">
      {attachments.map((a) => {
        const href = attachmentHref(a.url);
        return (
          <li key={a.attachmentId}>
            {href && isImage(a) ? (
              <a class="file-thumb" href={href} target="_blank" rel="noopener noreferrer" aria-label={`${a.name}, open full size in a new tab`}>
                <img src={href} alt={a.name} loading="lazy" />
              </a>
            ) : (
              <a class="file-chip" href={href ?? undefined} target="_blank" rel="noopener noreferrer" download={a.name}>
                <span class="file-name">{a.name}</span> <span class="file-size">{formatSize(a.size)}</span>
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function PendingUploads({ uploads, onRemove }: { uploads: PendingUpload[]; onRemove: (key: number) => void }) {
  return (
    <>
      {uploads.length > 0 && (
        <ul class="reply-files">
          {uploads.map((u) => (
            <li key={u.key} class={`file-chip upload-${u.state}`}>
              <span class="file-name">{u.name}</span> <span class="file-size">{formatSize(u.size)}</span>
              {u.state === 'uploading' && <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />}
              <button type="button" class="link-button" aria-label={`Remove ${u.name}`} onClick={() => onRemove(u.key)}>
                ×
              </button>
              {u.state === 'failed' && (
                <span class="error" role="alert">
                  {u.error}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <span class="sr-only" role="status">
        {uploads
          .filter((u) => u.state !== 'failed')
          .map((u) => (u.state === 'done' ? `${u.name} attached` : `Uploading ${u.name}…`))
          .join('. ')}
      </span>
    </>
  );
}
