"""Attachments over HTTP (CONTRACT §11): uploads by visitors and staff, and the signed
download links, served so that nothing uploaded can run as script on our origin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from webchat.actions.attachments import do_store_upload
from webchat.actions.conversations import find_conversation
from webchat.actions.visitors import do_open_session
from webchat.api.deps import PublicKeyDep, ServicesDep, StaffDep, client_ip
from webchat.api.openapi import COMMON, error_responses
from webchat.db.attachments import get_attachment
from webchat.errors import ApiError, forbidden, invalid_request
from webchat.files.detect import IMAGE_TYPES
from webchat.files.multipart import Upload, UploadError, read_upload
from webchat.ids import ULID_PATTERN
from webchat.schemas import SessionRequest, attachment_json
from webchat.services import Services

router = APIRouter(tags=["attachments"], responses=error_responses(*COMMON, 404, 415))

ConversationId = Annotated[str, Path(pattern=ULID_PATTERN.pattern)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "sessionId": {"type": "string"},
                        "fingerprint": {"type": "string"},
                    },
                }
            }
        },
    }
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def _receive(services: Services, tenant_id: str, request: Request) -> Upload:
    settings = await services.settings_cache.get(tenant_id)
    try:
        return await read_upload(
            request.headers.get("content-type"),
            request.stream(),
            int(settings["attachments"]["maxBytes"]),
            services.settings.data_dir / "uploads",
        )
    except UploadError as exc:
        code = "payload_too_large" if exc.status == 413 else "invalid_request"
        raise ApiError(exc.status, code, str(exc)) from None


@router.post("/webchat/attachments", status_code=201, openapi_extra=UPLOAD_BODY)
async def visitor_upload(
    request: Request,
    principal: PublicKeyDep,
    services: ServicesDep,
    x_session_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> dict[str, Any]:
    """A visitor's file, into their own conversation: named by the visitor token, or by
    `sessionId` + `fingerprint` form fields."""
    conversation_id: str | None = None
    if x_session_token:
        # The token names the conversation: checked before a byte of the file is read.
        claims = services.tokens.verify_visitor(x_session_token)
        if claims.tenant_id != principal.tenant_id:
            raise forbidden("This visitor token belongs to another tenant.")
        conversation_id = claims.conversation_id
    upload = await _receive(services, principal.tenant_id, request)
    try:
        if conversation_id is None:
            identity = SessionRequest.model_validate(
                {k: v for k, v in upload.fields.items() if k in ("sessionId", "fingerprint")}
            )
            session = await do_open_session(
                services, principal.tenant, identity, client_ip(request)
            )
            conversation_id = session.conversation_id
        stored = await do_store_upload(
            services, principal.tenant_id, conversation_id, upload, "visitor"
        )
    finally:
        upload.close()
    return {"attachment": attachment_json(stored, services.links)}


@router.post(
    "/api/conversations/{conversationId}/attachments",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
)
async def staff_upload(
    conversationId: ConversationId, request: Request, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    upload = await _receive(services, principal.tenant_id, request)
    try:
        stored = await do_store_upload(
            services, principal.tenant_id, conversation.conversation_id, upload, "agent"
        )
    finally:
        upload.close()
    return {"attachment": attachment_json(stored, services.links)}


@router.get("/attachments/{attachmentId}/{name}", include_in_schema=False)
async def download(
    attachmentId: str,
    name: str,
    services: ServicesDep,
    e: Annotated[str, Query(max_length=20)] = "",
    s: Annotated[str, Query(max_length=64)] = "",
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> Response:
    """The file behind a signed link: never sniffed, never a document of our origin
    (`sandbox`), downloaded rather than shown unless it is an image."""
    if not ULID_PATTERN.fullmatch(attachmentId) or not services.links.check(
        attachmentId, name, e, s
    ):
        raise forbidden("This link is not valid, or it has expired.")
    attachment = await get_attachment(services.db, attachmentId)
    if attachment is None or attachment.name != name:
        raise forbidden("This link is not valid, or it has expired.")
    start, end = 0, attachment.size - 1
    status = 200
    if range_header:
        wanted = _RANGE.match(range_header.strip())
        if wanted is None or (not wanted.group(1) and not wanted.group(2)):
            raise invalid_request("Range: only one bytes=a-b range is served.")
        first, last = wanted.groups()
        if first:
            start, end = int(first), min(int(last) if last else end, end)
        else:
            start = max(0, attachment.size - int(last))
        if start > end or start >= attachment.size:
            return Response(
                status_code=416, headers={"Content-Range": f"bytes */{attachment.size}"}
            )
        status = 206
    disposition = "inline" if attachment.content_type in IMAGE_TYPES else "attachment"
    headers = {
        "Content-Type": attachment.content_type
        + ("; charset=utf-8" if attachment.content_type == "text/plain" else ""),
        "Content-Length": str(end - start + 1),
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{_quote(name)}",
        "Content-Security-Policy": "sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
        "Accept-Ranges": "bytes",
    }
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{attachment.size}"

    async def body() -> AsyncIterator[bytes]:
        async for chunk in services.storage.read(attachment.storage_key, start, end):
            yield chunk

    return StreamingResponse(body(), status_code=status, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
