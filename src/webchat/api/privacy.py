"""A visitor's data (CONTRACT §12): export and erasure, admin only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from webchat.actions.privacy import do_erase_visitor, do_export_visitor
from webchat.api.deps import AdminDep, ServicesDep
from webchat.api.openapi import COMMON, error_responses

router = APIRouter(tags=["privacy"], responses=error_responses(*COMMON))

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SessionQuery = Annotated[str | None, Query(pattern=UUID)]
# Printable, 1-128 characters (CONTRACT §1), as the visitor routes check it.
UserQuery = Annotated[
    str | None, Query(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]


@router.delete("/api/visitors")
async def erase_visitor(
    principal: AdminDep,
    services: ServicesDep,
    sessionId: SessionQuery = None,
    userId: UserQuery = None,
) -> dict[str, Any]:
    erased = await do_erase_visitor(services, principal, sessionId, userId)
    return {
        "erased": {
            "conversations": erased.conversations,
            "messages": erased.messages,
            "attachments": erased.attachments,
        }
    }


@router.get("/api/visitors/export")
async def export_visitor(
    principal: AdminDep,
    services: ServicesDep,
    sessionId: SessionQuery = None,
    userId: UserQuery = None,
) -> dict[str, Any]:
    return await do_export_visitor(services, principal, sessionId, userId)
