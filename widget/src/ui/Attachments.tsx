// Files on messages (thumbnails and download chips) and the files being
// attached in the composer. Names are text nodes; an href is only ever an
// attachment of this server (`ViewAttachment.href`, checked by the API client).

import type { Upload, ViewAttachment } from '../chat';
import { formatSize, uploadErrorText, type Strings } from '../i18n';

export function AttachmentList({ attachments, strings }: { attachments: ViewAttachment[]; strings: Strings }) {
  if (attachments.length === 0) return null;
  return (
    <ul class="wc-files">
      {attachments.map((a) => (
        <li key={a.attachmentId}>
          {a.image && a.href ? (
            <a class="wc-thumb" href={a.href} target="_blank" rel="noopener noreferrer" aria-label={strings.openImage(a.name)}>
              <img src={a.href} alt={a.name} loading="lazy" />
            </a>
          ) : (
            <a class="wc-file" href={a.href ?? undefined} download={a.name} target="_blank" rel="noopener noreferrer">
              <span class="wc-file-name">{a.name}</span>
              <span class="wc-file-size">{formatSize(a.size, strings.lang)}</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

function uploadStatus(upload: Upload, strings: Strings): string {
  if (upload.state === 'uploading') return strings.uploading(upload.name);
  return strings.attached(upload.name);
}

export function UploadTray({ uploads, strings, onRemove }: {
  uploads: Upload[];
  strings: Strings;
  onRemove: (key: string) => void;
}) {
  return (
    <>
      {uploads.length ? (
        <ul class="wc-uploads">
          {uploads.map((u) => (
            <li key={u.key} class={`wc-upload wc-${u.state}`}>
              <span class="wc-file-name">{u.name}</span>
              <span class="wc-file-size">{formatSize(u.size, strings.lang)}</span>
              {u.state === 'uploading' ? (
                <progress max={1} value={u.progress} aria-label={strings.uploading(u.name)} />
              ) : null}
              <button type="button" class="wc-remove" aria-label={strings.removeFile(u.name)} onClick={() => onRemove(u.key)}>
                <span aria-hidden="true">×</span>
              </button>
              {u.state === 'failed' ? (
                <span class="wc-upload-error" role="alert">
                  {uploadErrorText(strings, u.errorCode, u.errorMessage)}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {/* Names and states only: progress would make a screen reader chatter. */}
      <div class="wc-sr-only" role="status">
        {uploads.filter((u) => u.state !== 'failed').map((u) => uploadStatus(u, strings)).join('. ')}
      </div>
    </>
  );
}

/** The files of a paste or a drop (ignoring text and other items). */
export function filesOf(data: DataTransfer | null): File[] {
  if (!data) return [];
  if (data.files.length) return [...data.files];
  return [...data.items].flatMap((item) => {
    const file = item.kind === 'file' ? item.getAsFile() : null;
    return file ? [file] : [];
  });
}
