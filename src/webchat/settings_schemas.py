"""Tenant settings (CONTRACT §9): their shape, defaults and validation. A PATCH names only
what it changes; `widget` and `attachments` merge key by key, `businessHours` is
replaced whole (or cleared with null)."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field

from webchat.config import RATE_PATTERN
from webchat.hours import DAYS, minutes
from webchat.schemas import Payload

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
LOCALE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# What `_check_name` lets through, as far as JSON Schema can say it (no control characters).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
MAX_RANGES_PER_DAY = 6
MAX_HOLIDAYS = 366
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024

DEFAULT_SETTINGS: dict[str, Any] = {
    "widget": {
        "color": "#2563eb",
        "position": "right",
        # null: the widget's own words, in the visitor's language (its string table).
        "greeting": None,
        "offlineGreeting": None,
        "locale": None,
    },
    "businessHours": None,
    "offlineMode": "chat",
    "assignment": "manual",
    "agentCapacity": 10,
    "retentionDays": None,
    "attachments": {"maxBytes": 10 * 1024 * 1024},
    # null: the server's WEBCHAT_VISITOR_RATE_LIMIT / WEBCHAT_TENANT_RATE_LIMIT.
    "rateLimits": {"visitorMessages": None, "tenantMessages": None},
}


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone name, e.g. Europe/Paris") from None
    return value


def _check_range(value: list[str]) -> list[str]:
    if len(value) != 2:
        raise ValueError('must be ["HH:MM", "HH:MM"]')
    start, end = (minutes(v) for v in value)
    if not start < end:
        raise ValueError("a range must end after it starts (split ranges across midnight)")
    return value


def _check_weekly(value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    for day, ranges in value.items():
        if day not in DAYS:
            raise ValueError(f"days are {', '.join(DAYS)}")
        spans = sorted((minutes(a), minutes(b)) for a, b in ranges)
        if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
            raise ValueError(f"{day}: ranges overlap")
    return value


def _check_day(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("holidays are dates YYYY-MM-DD") from None
    return value


def _check_name(value: str) -> str:
    if not value.strip() or not value.isprintable():
        raise ValueError("must be printable text (no line breaks or control characters)")
    return value


def _check_origin(value: str) -> str:
    if not ORIGIN_PATTERN.fullmatch(value):
        raise ValueError("origins look like https://www.example.com (no path)")
    return value


RangeField = Annotated[list[Annotated[str, Field(max_length=5)]], AfterValidator(_check_range)]


class BusinessHoursSetting(Payload):
    timezone: Annotated[str, Field(max_length=64), AfterValidator(_check_zone)]
    weekly: Annotated[
        dict[str, Annotated[list[RangeField], Field(max_length=MAX_RANGES_PER_DAY)]],
        AfterValidator(_check_weekly),
    ]
    holidays: Annotated[
        list[Annotated[str, Field(max_length=10), AfterValidator(_check_day)]],
        Field(max_length=MAX_HOLIDAYS),
        AfterValidator(lambda days: sorted(set(days))),
    ] = []


class WidgetPatch(Payload):
    color: Annotated[str, Field(pattern=COLOR_PATTERN)] | None = None
    position: Literal["right", "left"] | None = None
    greeting: Annotated[str, Field(max_length=500)] | None = None
    offlineGreeting: Annotated[str, Field(max_length=500)] | None = None
    locale: Annotated[str, Field(pattern=LOCALE_PATTERN)] | None = None


class RateLimitsPatch(Payload):
    visitorMessages: Annotated[str, Field(pattern=RATE_PATTERN)] | None = None
    tenantMessages: Annotated[str, Field(pattern=RATE_PATTERN)] | None = None


class AttachmentsPatch(Payload):
    maxBytes: Annotated[int, Field(ge=1024, le=MAX_ATTACHMENT_BYTES)] | None = None


class SettingsPatch(Payload):
    name: (
        Annotated[
            str,
            Field(min_length=1, max_length=200, json_schema_extra={"pattern": PRINTABLE}),
            AfterValidator(_check_name),
        ]
        | None
    ) = None
    allowedOrigins: (
        Annotated[
            list[
                Annotated[
                    str,
                    Field(max_length=300, json_schema_extra={"pattern": ORIGIN_PATTERN.pattern}),
                    AfterValidator(_check_origin),
                ]
            ],
            Field(max_length=50),
        ]
        | None
    ) = None
    identityVerification: bool | None = None
    widget: WidgetPatch | None = None
    businessHours: BusinessHoursSetting | None = None
    offlineMode: Literal["chat", "form", "hide"] | None = None
    assignment: Literal["manual", "auto"] | None = None
    agentCapacity: Annotated[int, Field(ge=1, le=1000)] | None = None
    retentionDays: Annotated[int, Field(ge=1, le=36500)] | None = None
    attachments: AttachmentsPatch | None = None
    rateLimits: RateLimitsPatch | None = None


# Fields that may be set to null (clearing them); every other null is refused.
NULLABLE = {"businessHours", "retentionDays"}
# Keys of nested objects a null returns to their default (the widget's own words, the
# server's limits); the other nested keys may not be null.
NULLABLE_NESTED = {
    "widget": {"greeting", "offlineGreeting", "locale"},
    "rateLimits": {"visitorMessages", "tenantMessages"},
}
# Fields kept in tenant columns rather than in the settings document, and their columns.
COLUMN_NAMES = {
    "name": "name",
    "allowedOrigins": "allowed_origins",
    "identityVerification": "require_identity",
}
COLUMNS = set(COLUMN_NAMES)
# Objects a PATCH merges key by key.
NESTED = frozenset({"widget", "attachments", "rateLimits"})


def merged_settings(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored settings over the defaults, nested objects merged key by key."""
    result = {**DEFAULT_SETTINGS, **stored}
    for nested in NESTED:
        result[nested] = {**DEFAULT_SETTINGS[nested], **(stored.get(nested) or {})}
    return result
