"""The desk's tenant-wide routes: canned responses and the settings the desk uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from webchat.actions.admin import audit_of
from webchat.actions.notes import (
    do_create_canned_response,
    do_delete_canned_response,
    do_update_canned_response,
)
from webchat.actions.settings import do_update_settings
from webchat.api.deps import AdminDep, ServicesDep, StaffDep
from webchat.api.openapi import COMMON, error_responses
from webchat.db.notes import list_canned_responses
from webchat.desk_schemas import (
    CannedResponseCreate,
    CannedResponsePatch,
    canned_response_json,
)
from webchat.ids import ULID_PATTERN
from webchat.settings_schemas import SettingsPatch

router = APIRouter(tags=["desk"], responses=error_responses(*COMMON, 404, 409))

MAX_CANNED = 500
CannedId = Annotated[str, Path(pattern=ULID_PATTERN.pattern)]


@router.get("/api/canned-responses")
async def get_canned_responses(
    principal: StaffDep,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
) -> dict[str, Any]:
    found = await list_canned_responses(
        services.db, principal.tenant_id, q.strip() if q else None, MAX_CANNED
    )
    return {"cannedResponses": [canned_response_json(c) for c in found]}


@router.post("/api/canned-responses", status_code=201)
async def create_canned_response(
    body: CannedResponseCreate, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    created = await do_create_canned_response(
        services, principal.tenant_id, body.shortcut, body.text
    )
    return {"cannedResponse": canned_response_json(created)}


@router.patch("/api/canned-responses/{cannedResponseId}")
async def change_canned_response(
    cannedResponseId: CannedId,
    body: CannedResponsePatch,
    principal: AdminDep,
    services: ServicesDep,
) -> dict[str, Any]:
    updated = await do_update_canned_response(
        services, principal.tenant_id, cannedResponseId, body.shortcut, body.text
    )
    return {"cannedResponse": canned_response_json(updated)}


@router.delete("/api/canned-responses/{cannedResponseId}")
async def delete_canned_response(
    cannedResponseId: CannedId, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    await do_delete_canned_response(services, principal.tenant_id, cannedResponseId)
    return {"deleted": True}


@router.get("/api/settings")
async def get_settings(principal: StaffDep, services: ServicesDep) -> dict[str, Any]:
    return {"settings": await services.settings_cache.get(principal.tenant_id)}


@router.patch("/api/settings")
async def change_settings(
    body: SettingsPatch, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    audit = audit_of(principal, "settings.changed", ",".join(sorted(body.model_fields_set)))
    return {"settings": await do_update_settings(services, principal.tenant_id, body, audit)}
