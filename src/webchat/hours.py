"""Business hours (CONTRACT §9), evaluated in the tenant's IANA time zone.

Hours are wall-clock times: "09:00" opens at nine local time on both sides of a DST
change, so the check works on the local time of day, never on a UTC offset. A range may
end at "24:00"; a night shift across midnight is two ranges ("sun": 22:00–24:00, "mon":
00:00–02:00). Holidays are local dates, closed all day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead `next_opening` looks: a year of holidays cannot hide every opening.
HORIZON_DAYS = 400


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    # Per weekday (0 = Monday): (start, end) in minutes after local midnight, end ≤ 1440.
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date]

    @classmethod
    def from_settings(cls, value: dict[str, object]) -> BusinessHours:
        """From the validated `businessHours` setting."""
        weekly_setting = value.get("weekly") or {}
        assert isinstance(weekly_setting, dict)
        weekly = tuple(
            tuple(sorted((minutes(a), minutes(b)) for a, b in weekly_setting.get(day, [])))
            for day in DAYS
        )
        holidays = value.get("holidays") or []
        assert isinstance(holidays, list)
        return cls(
            ZoneInfo(str(value["timezone"])),
            weekly,
            frozenset(date.fromisoformat(str(d)) for d in holidays),
        )

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        now = local.hour * 60 + local.minute
        return any(start <= now < end for start, end in self.weekly[local.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """The next time (UTC) a range begins after `at`; None if none within the horizon."""
        local = at.astimezone(self.zone)
        now = local.hour * 60 + local.minute
        for offset in range(HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, _ in self.weekly[day.weekday()]:
                if offset == 0 and start <= now:
                    continue
                opening = datetime.combine(day, _clock(start), tzinfo=self.zone)
                return opening.astimezone(UTC)
        return None


def minutes(text: str) -> int:
    """ "HH:MM" (00:00–24:00) as minutes after midnight."""
    hours, _, mins = text.partition(":")
    if len(text) != 5 or not hours.isdigit() or not mins.isdigit() or int(mins) >= 60:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    value = int(hours) * 60 + int(mins)
    if not 0 <= value <= 1440:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return value


def _clock(value: int) -> time:
    return time(value // 60, value % 60)
