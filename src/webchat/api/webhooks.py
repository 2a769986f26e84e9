"""Webhooks and the event log (CONTRACT §10): admin only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from webchat.actions.webhooks import (
    do_create_webhook,
    do_delete_webhook,
    do_redeliver,
    events_page,
    find_webhook,
)
from webchat.api.deps import AdminDep, ServicesDep
from webchat.api.openapi import COMMON, error_responses
from webchat.db.webhooks import last_deliveries, list_deliveries, list_webhooks
from webchat.ids import ULID_PATTERN
from webchat.webhook_schemas import WebhookCreate, delivery_json, webhook_json

router = APIRouter(tags=["webhooks"], responses=error_responses(*COMMON, 404))

Ulid = Annotated[str, Path(pattern=ULID_PATTERN.pattern)]
MAX_DELIVERIES = 200
MAX_EVENTS = 500


@router.post("/api/webhooks", status_code=201)
async def create_webhook(
    body: WebhookCreate, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    webhook, secret = await do_create_webhook(services, principal, body)
    return {"webhook": webhook_json(webhook), "secret": secret}


@router.get("/api/webhooks")
async def get_webhooks(principal: AdminDep, services: ServicesDep) -> dict[str, Any]:
    webhooks = await list_webhooks(services.db, principal.tenant_id)
    last = await last_deliveries(services.db, [w.webhook_id for w in webhooks])
    return {
        "webhooks": [
            {
                **webhook_json(w),
                "lastDelivery": delivery_json(last[w.webhook_id]) if w.webhook_id in last else None,
            }
            for w in webhooks
        ]
    }


@router.delete("/api/webhooks/{webhookId}", status_code=204)
async def remove_webhook(webhookId: Ulid, principal: AdminDep, services: ServicesDep) -> Response:
    await do_delete_webhook(services, principal, webhookId)
    return Response(status_code=204)


@router.get("/api/webhooks/{webhookId}/deliveries")
async def get_deliveries(
    webhookId: Ulid,
    principal: AdminDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_DELIVERIES)] = 50,
) -> dict[str, Any]:
    webhook = await find_webhook(services, principal.tenant_id, webhookId)
    deliveries = await list_deliveries(services.db, webhook.webhook_id, limit)
    return {"deliveries": [delivery_json(d) for d in deliveries]}


@router.post("/api/webhooks/{webhookId}/deliveries/{eventId}/redeliver", status_code=202)
async def redeliver_event(
    webhookId: Ulid, eventId: Ulid, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    delivery = await do_redeliver(services, principal.tenant_id, webhookId, eventId)
    return {"delivery": delivery_json(delivery)}


@router.get("/api/events")
async def get_events(
    principal: AdminDep,
    services: ServicesDep,
    after: Annotated[str | None, Query(pattern=ULID_PATTERN.pattern)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
) -> dict[str, Any]:
    return await events_page(services, principal.tenant_id, after, limit)
