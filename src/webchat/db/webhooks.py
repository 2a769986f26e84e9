"""Webhooks and their deliveries: the rows, the dispatcher's claim and settle.

A delivery is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so nodes
claiming at once never take the same row; one claimer at a time on SQLite) and settled
only by the claim that holds it. A delivery waits while an earlier one of the same
webhook and conversation is pending: one conversation's events are attempted in order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from webchat.clock import as_utc, utcnow
from webchat.db.audit import Audit, record_audit
from webchat.db.engine import Database
from webchat.db.models import Webhook, WebhookDelivery
from webchat.ids import new_ulid

_sqlite_claims = asyncio.Lock()


@dataclass(frozen=True)
class WebhookRecord:
    webhook_id: str
    tenant_id: str
    url: str
    events: list[str]
    description: str | None
    secret: str
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Claim:
    """A delivery this node may attempt now, until `lease_until`."""

    webhook_id: str
    event_id: str
    url: str
    secret: str
    attempts: int
    give_up_at: datetime | None
    token: str
    # When the delivery was queued (its event's commit): the retry window starts there.
    created_at: datetime


def _webhook(row: Webhook) -> WebhookRecord:
    return WebhookRecord(
        row.id, row.tenant_id, row.url, row.events, row.description, row.secret, row.created_at
    )


def _delivery(row: WebhookDelivery) -> DeliveryRecord:
    return DeliveryRecord(
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


def event_filter(events: list[str]) -> str:
    return "*" if "*" in events else "," + ",".join(events) + ","


async def insert_webhook(db: Database, record: WebhookRecord, audit: Audit | None = None) -> None:
    async with db.session() as session:
        await record_audit(session, audit)
        session.add(
            Webhook(
                id=record.webhook_id,
                tenant_id=record.tenant_id,
                url=record.url,
                events=record.events,
                event_filter=event_filter(record.events),
                description=record.description,
                secret=record.secret,
                created_at=record.created_at,
            )
        )


async def list_webhooks(db: Database, tenant_id: str) -> list[WebhookRecord]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Webhook).where(Webhook.tenant_id == tenant_id).order_by(Webhook.id)
        )
        return [_webhook(row) for row in rows]


async def get_webhook(db: Database, tenant_id: str, webhook_id: str) -> WebhookRecord | None:
    async with db.session() as session:
        row = await session.get(Webhook, webhook_id)
        return _webhook(row) if row is not None and row.tenant_id == tenant_id else None


async def delete_webhook(db: Database, tenant_id: str, webhook_id: str, audit: Audit) -> bool:
    """The webhook and its deliveries (foreign key `ON DELETE CASCADE`; SQLite by hand)."""
    async with db.session() as session:
        await session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.tenant_id == tenant_id
            )
        )
        result = await session.execute(
            delete(Webhook).where(Webhook.id == webhook_id, Webhook.tenant_id == tenant_id)
        )
        deleted = bool(result.rowcount)  # type: ignore[attr-defined]
        if deleted:
            await record_audit(session, audit)
    return deleted


async def list_deliveries(db: Database, webhook_id: str, limit: int) -> list[DeliveryRecord]:
    async with db.session() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.event_id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in rows]


async def last_deliveries(db: Database, webhook_ids: list[str]) -> dict[str, DeliveryRecord]:
    """Each webhook's newest delivery (the console's list shows its status)."""
    if not webhook_ids:
        return {}
    newest = (
        select(WebhookDelivery.webhook_id, func.max(WebhookDelivery.event_id).label("event_id"))
        .where(WebhookDelivery.webhook_id.in_(webhook_ids))
        .group_by(WebhookDelivery.webhook_id)
        .subquery()
    )
    async with db.session() as session:
        rows = await session.scalars(
            select(WebhookDelivery).join(
                newest,
                (WebhookDelivery.webhook_id == newest.c.webhook_id)
                & (WebhookDelivery.event_id == newest.c.event_id),
            )
        )
        return {row.webhook_id: _delivery(row) for row in rows}


async def redeliver(
    db: Database, webhook_id: str, event_id: str, window: timedelta
) -> DeliveryRecord | None:
    """Attempt again now, with a fresh retry window; None if there is no such delivery. An
    attempt in flight loses its claim, so its outcome cannot overwrite this."""
    async with db.session() as session:
        row = await session.get(WebhookDelivery, (webhook_id, event_id), with_for_update=True)
        if row is None:
            return None
        row.status = "pending"
        row.next_attempt_at = utcnow()
        row.give_up_at = utcnow() + window
        row.lease_until = None
        row.claim_token = None
        await session.flush()
        return _delivery(row)


async def pending_count(db: Database) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(WebhookDelivery.status == "pending")
        )
    return int(count or 0)


async def claim_due(
    db: Database, limit: int, lease: timedelta, busy_webhooks: list[str]
) -> list[Claim]:
    """Up to `limit` due deliveries, leased to this node; none of `busy_webhooks` (at
    their concurrency limit here), none waiting behind an earlier one of its
    conversation."""
    if db.is_sqlite:
        async with _sqlite_claims:
            return await _claim_due(db, limit, lease, busy_webhooks)
    return await _claim_due(db, limit, lease, busy_webhooks)


async def _claim_due(
    db: Database, limit: int, lease: timedelta, busy_webhooks: list[str]
) -> list[Claim]:
    now = utcnow()
    d = WebhookDelivery
    earlier = aliased(WebhookDelivery)
    waiting = exists().where(
        earlier.webhook_id == d.webhook_id,
        earlier.conversation_id == d.conversation_id,
        earlier.status == "pending",
        earlier.event_id < d.event_id,
    )
    statement = (
        select(d, Webhook.url, Webhook.secret)
        .join(Webhook, Webhook.id == d.webhook_id)
        .where(
            d.status == "pending",
            d.next_attempt_at <= now,
            or_(d.lease_until.is_(None), d.lease_until < now),
            ~waiting,
        )
        .order_by(d.next_attempt_at, d.event_id)
        .limit(limit)
        .with_for_update(of=d, skip_locked=True)
    )
    if busy_webhooks:
        statement = statement.where(d.webhook_id.not_in(busy_webhooks))
    token = new_ulid()
    async with db.session() as session:
        rows = (await session.execute(statement)).all()
        claims = []
        for row, url, secret in rows:
            row.lease_until = now + lease
            row.claim_token = token
            claims.append(
                Claim(
                    webhook_id=row.webhook_id,
                    event_id=row.event_id,
                    url=url,
                    secret=secret,
                    attempts=row.attempts,
                    give_up_at=as_utc(row.give_up_at) if row.give_up_at else None,
                    token=token,
                    created_at=as_utc(row.created_at),
                )
            )
    return claims


async def settle(
    db: Database,
    claim: Claim,
    *,
    status: str,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime,
    give_up_at: datetime,
) -> bool:
    """Record an attempt's outcome, if this claim still holds the delivery."""
    values: dict[str, object] = {
        "status": status,
        "attempts": WebhookDelivery.attempts + 1,
        "last_status_code": status_code,
        "last_error": error[:1000] if error else None,
        "next_attempt_at": next_attempt_at,
        "give_up_at": give_up_at,
        "lease_until": None,
        "claim_token": None,
    }
    if status == "delivered":
        values["delivered_at"] = utcnow()
    async with db.session() as session:
        result = await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.webhook_id == claim.webhook_id,
                WebhookDelivery.event_id == claim.event_id,
                WebhookDelivery.claim_token == claim.token,
            )
            .values(values)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(db: Database, claims: list[Claim]) -> None:
    """Give claims back unattempted (this node took more than it will send now)."""
    if not claims:
        return
    async with db.session() as session:
        for claim in claims:
            await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.webhook_id == claim.webhook_id,
                    WebhookDelivery.event_id == claim.event_id,
                    WebhookDelivery.claim_token == claim.token,
                )
                .values(lease_until=None, claim_token=None)
            )
