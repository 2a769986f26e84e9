"""Business hours on their edges: a Sunday-night range, DST switch days, holidays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webchat.hours import BusinessHours, minutes

PARIS = {
    "timezone": "Europe/Paris",
    "weekly": {
        "mon": [["00:00", "02:00"], ["09:00", "17:30"]],
        "tue": [["09:00", "17:30"]],
        "wed": [["09:00", "12:00"], ["14:00", "17:30"]],
        "thu": [["09:00", "17:30"]],
        "fri": [["09:00", "17:30"]],
        "sun": [["22:00", "24:00"]],
    },
    "holidays": ["2026-12-25"],
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def hours() -> BusinessHours:
    return BusinessHours.from_settings(PARIS)


def test_inside_and_outside_a_plain_day(hours: BusinessHours) -> None:
    # Tuesday 1 December 2026, Paris is UTC+1 in winter.
    assert not hours.is_open(utc(2026, 12, 1, 7, 59))  # 08:59 local
    assert hours.is_open(utc(2026, 12, 1, 8, 0))  # 09:00 local
    assert hours.is_open(utc(2026, 12, 1, 16, 29))  # 17:29 local
    assert not hours.is_open(utc(2026, 12, 1, 16, 30))  # 17:30 local: closed (end excluded)


def test_lunch_break_and_next_opening_the_same_day(hours: BusinessHours) -> None:
    # Wednesday 2 December 2026, 12:30 local.
    assert not hours.is_open(utc(2026, 12, 2, 11, 30))
    assert hours.next_opening(utc(2026, 12, 2, 11, 30)) == utc(2026, 12, 2, 13, 0)


def test_sunday_night_range_runs_into_monday(hours: BusinessHours) -> None:
    # Sunday 6 December 2026 23:30 local, then Monday 00:30 and 02:00 local.
    assert hours.is_open(utc(2026, 12, 6, 22, 30))
    assert hours.is_open(utc(2026, 12, 6, 23, 30))  # Monday 00:30 local
    assert not hours.is_open(utc(2026, 12, 7, 1, 0))  # Monday 02:00 local
    # Saturday evening: the next opening is Sunday 22:00 local, across the week's end.
    assert hours.next_opening(utc(2026, 12, 5, 20, 0)) == utc(2026, 12, 6, 21, 0)


def test_spring_forward_keeps_wall_clock_hours(hours: BusinessHours) -> None:
    # Sunday 29 March 2026: clocks go from 02:00 to 03:00 in Paris (UTC+1 -> UTC+2).
    # Monday 30 March, 09:00 local is 07:00 UTC (summer time), not 08:00.
    assert not hours.is_open(utc(2026, 3, 30, 6, 59))
    assert hours.is_open(utc(2026, 3, 30, 7, 0))
    assert hours.next_opening(utc(2026, 3, 29, 12, 0)) == utc(2026, 3, 29, 20, 0)
    assert hours.next_opening(utc(2026, 3, 29, 23, 0)) == utc(2026, 3, 30, 7, 0)


def test_fall_back_day(hours: BusinessHours) -> None:
    # Sunday 25 October 2026: 03:00 back to 02:00 (UTC+2 -> UTC+1). Sunday's 22:00 local
    # is 21:00 UTC; Monday's 09:00 local is 08:00 UTC.
    assert hours.next_opening(utc(2026, 10, 25, 12, 0)) == utc(2026, 10, 25, 21, 0)
    assert hours.is_open(utc(2026, 10, 26, 8, 0))
    assert not hours.is_open(utc(2026, 10, 26, 7, 59))


def test_holidays_are_closed_all_day(hours: BusinessHours) -> None:
    # Friday 25 December 2026 is a holiday; the next opening is Sunday 27 at 22:00 local.
    assert not hours.is_open(utc(2026, 12, 25, 10, 0))
    assert hours.next_opening(utc(2026, 12, 24, 17, 0)) == utc(2026, 12, 27, 21, 0)


def test_no_opening_at_all() -> None:
    closed = BusinessHours.from_settings({"timezone": "UTC", "weekly": {}, "holidays": []})
    assert not closed.is_open(utc(2026, 1, 1, 12, 0))
    assert closed.next_opening(utc(2026, 1, 1, 12, 0)) is None


@pytest.mark.parametrize("bad", ["9:00", "24:01", "12:60", "ab:cd", "12-00", "-1:00"])
def test_times_of_day_are_strict(bad: str) -> None:
    with pytest.raises(ValueError):
        minutes(bad)


def test_time_zone_names_from_the_iana_database() -> None:
    tokyo = BusinessHours.from_settings(
        {"timezone": "Asia/Tokyo", "weekly": {"tue": [["09:00", "18:00"]]}, "holidays": []}
    )
    assert tokyo.is_open(utc(2026, 12, 1, 0, 0))  # Tuesday 09:00 in Tokyo
    assert not tokyo.is_open(utc(2026, 12, 1, 9, 0))  # 18:00 in Tokyo
