"""Attachments (CONTRACT §11): keeping an upload, and checking the ones a message sends."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from webchat.clock import utcnow
from webchat.db.attachments import find_attachments, insert_attachment
from webchat.db.records import AttachmentRecord
from webchat.errors import ApiError, forbidden, not_found
from webchat.files.detect import IMAGE_TYPES, SNIFF_BYTES, detect_type, sanitize_name
from webchat.files.images import NotAnImage, reencode
from webchat.files.multipart import Upload
from webchat.ids import new_ulid

if TYPE_CHECKING:
    from webchat.services import Services


def unsupported(message: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", message)


async def do_store_upload(
    services: Services, tenant_id: str, conversation_id: str, upload: Upload, uploaded_by: str
) -> AttachmentRecord:
    """Detect the type from the bytes, clean images, keep the file, record it."""
    data = await asyncio.to_thread(upload.read_all)
    content_type = detect_type(data[:SNIFF_BYTES])
    if content_type is None:
        raise unsupported("Accepted: PNG, JPEG, GIF, WebP, PDF and plain text.")
    if content_type in IMAGE_TYPES:
        try:
            data = await asyncio.to_thread(reencode, data, content_type)
        except NotAnImage as exc:
            raise unsupported(f"The image could not be read: {exc}.") from None
    attachment_id = new_ulid()
    record = AttachmentRecord(
        attachment_id=attachment_id,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        message_id=None,
        name=sanitize_name(upload.filename, content_type),
        size=len(data),
        content_type=content_type,
        storage_key=f"{tenant_id}/{attachment_id}",
    )
    # Bytes first: a row never names a file that is not there.
    await services.storage.put(record.storage_key, data)
    await insert_attachment(services.db, record, uploaded_by, utcnow())
    return record


async def check_attachments(
    services: Services,
    tenant_id: str,
    conversation_id: str,
    attachment_ids: list[str],
    client_message_id: str | None,
) -> tuple[AttachmentRecord, ...]:
    """The attachments a message may send: of this tenant (else 404), uploaded into this
    conversation and not sent with another message (else 403). A retry of the same send
    (same clientMessageId) finds them sent with itself, which is fine."""
    if not attachment_ids:
        return ()
    ids = list(dict.fromkeys(attachment_ids))
    found, sent_with = await find_attachments(services.db, tenant_id, ids)
    if len(found) != len(ids):
        raise not_found("attachments: no such attachment in this tenant.")
    for attachment in found:
        if attachment.conversation_id != conversation_id:
            raise forbidden("attachments: that attachment belongs to another conversation.")
        if attachment.attachment_id in sent_with and (
            client_message_id is None or sent_with[attachment.attachment_id] != client_message_id
        ):
            raise forbidden("attachments: that attachment was sent with another message.")
    return tuple(found)
