"""The shapes of CONTRACT §10: webhook creation, webhooks, deliveries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from webchat.clock import isoformat
from webchat.db.webhooks import DeliveryRecord, WebhookRecord
from webchat.schemas import Payload

EventType = Literal[
    "*",
    "message.created",
    "conversation.created",
    "conversation.updated",
    "note.created",
    "contact.updated",
    "messages.read",
]
URL_PATTERN = r"^https?://[^\s]+$"
MAX_URL = 2048


def _distinct(events: list[str]) -> list[str]:
    return ["*"] if "*" in events else list(dict.fromkeys(events))


def _printable(value: str | None) -> str | None:
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


class WebhookCreate(Payload):
    url: Annotated[str, Field(max_length=MAX_URL, pattern=URL_PATTERN)]
    events: Annotated[list[EventType], Field(min_length=1, max_length=7), AfterValidator(_distinct)]
    description: Annotated[
        str | None,
        Field(max_length=200, json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*$"}),
        AfterValidator(_printable),
    ] = None


def webhook_json(webhook: WebhookRecord) -> dict[str, Any]:
    return {
        "webhookId": webhook.webhook_id,
        "url": webhook.url,
        "events": webhook.events,
        "description": webhook.description,
        "createdAt": isoformat(webhook.created_at),
    }


def delivery_json(delivery: DeliveryRecord) -> dict[str, Any]:
    return {
        "eventId": delivery.event_id,
        "type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
        "nextAttemptAt": isoformat(delivery.next_attempt_at) if delivery.next_attempt_at else None,
        "createdAt": isoformat(delivery.created_at),
        "deliveredAt": isoformat(delivery.delivered_at) if delivery.delivered_at else None,
    }
