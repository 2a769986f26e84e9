"""Webhooks (CONTRACT §10): adding one (its URL checked, its secret made), removing one,
redelivering; and the pull API's page of events."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yarl import URL

from webchat.actions.admin import audit_of
from webchat.actions.event_log import render_events
from webchat.clock import utcnow
from webchat.db.event_log import list_events
from webchat.db.webhooks import (
    DeliveryRecord,
    WebhookRecord,
    delete_webhook,
    get_webhook,
    insert_webhook,
    redeliver,
)
from webchat.errors import invalid_field, not_found
from webchat.ids import new_ulid, ulid_floor
from webchat.webhook_schemas import WebhookCreate
from webchat.webhooks.signing import new_secret
from webchat.webhooks.ssrf import ForbiddenAddress, check_url

if TYPE_CHECKING:
    from webchat.gateway.credentials import Principal
    from webchat.services import Services

# The pull API shows events a little after their commit, so that one whose id was taken
# before a concurrent transaction's, but committed after it, is never skipped by a reader
# paging with `after`.
PULL_HORIZON_MS = 2000


async def do_create_webhook(
    services: Services, principal: Principal, body: WebhookCreate
) -> tuple[WebhookRecord, str]:
    tenant_id = principal.tenant_id
    try:
        parts = urlsplit(body.url)
        port_ok = parts.port is None or parts.port > 0
        URL(body.url)
    except ValueError:
        raise invalid_field("url: not a valid URL") from None
    if not parts.hostname or not port_ok:
        raise invalid_field("url: needs a host")
    try:
        await check_url(body.url, services.settings.webhook_allow_private)
    except ForbiddenAddress as exc:
        raise invalid_field(f"url: {exc}; webhooks only reach public addresses") from None
    except ValueError:
        raise invalid_field("url: the host is not a valid name") from None
    except (OSError, TimeoutError):
        # Not resolvable now (a name not yet published, DNS down): accepted; every
        # delivery resolves it again, through the same guard.
        pass
    secret = new_secret()
    record = WebhookRecord(
        webhook_id=new_ulid(),
        tenant_id=tenant_id,
        url=body.url,
        events=list(body.events),
        description=body.description,
        secret=secret,
        created_at=utcnow(),
    )
    await insert_webhook(services.db, record, audit_of(principal, "webhook.created", body.url))
    return record, secret


async def find_webhook(services: Services, tenant_id: str, webhook_id: str) -> WebhookRecord:
    webhook = await get_webhook(services.db, tenant_id, webhook_id)
    if webhook is None:
        raise not_found("No such webhook in this tenant.")
    return webhook


async def do_delete_webhook(services: Services, principal: Principal, webhook_id: str) -> None:
    audit = audit_of(principal, "webhook.deleted", webhook_id)
    if not await delete_webhook(services.db, principal.tenant_id, webhook_id, audit):
        raise not_found("No such webhook in this tenant.")


async def do_redeliver(
    services: Services, tenant_id: str, webhook_id: str, event_id: str
) -> DeliveryRecord:
    await find_webhook(services, tenant_id, webhook_id)
    window = timedelta(seconds=services.settings.webhook_retry_seconds)
    delivery = await redeliver(services.db, webhook_id, event_id, window)
    if delivery is None:
        raise not_found("No delivery of that event to this webhook.")
    return delivery


async def events_page(
    services: Services, tenant_id: str, after: str | None, limit: int
) -> dict[str, Any]:
    horizon = ulid_floor(int(utcnow().timestamp() * 1000) - PULL_HORIZON_MS)
    found = await list_events(services.db, tenant_id, after, horizon, limit)
    events = await render_events(services, found)
    return {"events": events, "nextAfter": found[-1].event_id if found else after}
