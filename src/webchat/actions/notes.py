"""Internal notes, and the tenant's canned responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.actions.attachments import check_attachments
from webchat.actions.events import publish_note
from webchat.db.notes import (
    AttachmentTaken,
    ShortcutTaken,
    delete_canned_response,
    insert_canned_response,
    insert_note,
    update_canned_response,
)
from webchat.db.records import CannedResponseRecord, NoteRecord
from webchat.desk_schemas import NoteRequest, note_json
from webchat.errors import conflict, forbidden, not_found

if TYPE_CHECKING:
    from webchat.services import Services


async def do_add_note(
    services: Services,
    tenant_id: str,
    conversation_id: str,
    agent_id: str | None,
    body: NoteRequest,
) -> NoteRecord:
    attachments = await check_attachments(
        services, tenant_id, conversation_id, body.attachments, client_message_id=None
    )
    try:
        note = await insert_note(
            services.db, tenant_id, conversation_id, agent_id, body.text, attachments
        )
    except AttachmentTaken:
        raise forbidden("attachments: that attachment was sent with another message.") from None
    await publish_note(services, tenant_id, note_json(note, services.links))
    return note


def _taken(shortcut: str) -> Any:
    return conflict(f"shortcut: /{shortcut} exists already in this tenant")


async def do_create_canned_response(
    services: Services, tenant_id: str, shortcut: str, text: str
) -> CannedResponseRecord:
    try:
        return await insert_canned_response(services.db, tenant_id, shortcut, text)
    except ShortcutTaken:
        raise _taken(shortcut) from None


async def do_update_canned_response(
    services: Services,
    tenant_id: str,
    canned_response_id: str,
    shortcut: str | None,
    text: str | None,
) -> CannedResponseRecord:
    try:
        updated = await update_canned_response(
            services.db, tenant_id, canned_response_id, shortcut, text
        )
    except ShortcutTaken:
        raise _taken(shortcut or "") from None
    if updated is None:
        raise not_found("No such canned response in this tenant.")
    return updated


async def do_delete_canned_response(
    services: Services, tenant_id: str, canned_response_id: str
) -> None:
    if not await delete_canned_response(services.db, tenant_id, canned_response_id):
        raise not_found("No such canned response in this tenant.")
