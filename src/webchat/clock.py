"""Time: UTC everywhere, rendered as ISO 8601 with milliseconds and a Z."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every value we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def isoformat(value: datetime) -> str:
    # `2026-12-02T14:26:00.123+00:00` → `…00.123Z` (strftime costs 5x more).
    return as_utc(value).isoformat(timespec="milliseconds")[:-6] + "Z"
