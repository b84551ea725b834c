"""Business hours: open now, and the next opening, in the workspace's time zone, across
daylight-saving changes (widget/hours.py)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from helpline.tenancy.schemas import BusinessHours
from helpline.widget.hours import Opening, opening

NINE_TO_FIVE = [{"start": "09:00", "end": "17:00"}]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def hours(**days: Any) -> BusinessHours:
    return BusinessHours.model_validate({"enabled": True, **days})


def office() -> BusinessHours:
    return hours(**dict.fromkeys(WEEKDAYS, NINE_TO_FIVE))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_switched_off_is_always_open() -> None:
    off = BusinessHours.model_validate({"enabled": False})

    assert opening(off, "Europe/Paris", at(2026, 11, 22, 3, 0)) == Opening(True, None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Monday 23 Nov 2026, Paris is UTC+1 in winter.
        (at(2026, 11, 23, 7, 59), Opening(False, at(2026, 11, 23, 8, 0))),
        (at(2026, 11, 23, 8, 0), Opening(True, None)),
        (at(2026, 11, 23, 15, 59), Opening(True, None)),
        # 17:00 local closes: the next opening is Tuesday 09:00.
        (at(2026, 11, 23, 16, 0), Opening(False, at(2026, 11, 24, 8, 0))),
        # Friday evening: Monday morning.
        (at(2026, 11, 27, 18, 0), Opening(False, at(2026, 11, 30, 8, 0))),
        # Saturday and Sunday are closed.
        (at(2026, 11, 29, 12, 0), Opening(False, at(2026, 11, 30, 8, 0))),
    ],
)
def test_open_and_next_opening_in_the_workspace_time_zone(now: datetime, expected: Opening) -> None:
    assert opening(office(), "Europe/Paris", now) == expected


def test_a_day_with_several_intervals() -> None:
    split = hours(monday=[{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}])

    assert opening(split, "UTC", at(2026, 11, 23, 12, 30)) == Opening(False, at(2026, 11, 23, 14))
    assert opening(split, "UTC", at(2026, 11, 23, 14, 0)).open_now


def test_midnight_closing_and_overnight_stretches() -> None:
    late = hours(
        monday=[{"start": "22:00", "end": "24:00"}], tuesday=[{"start": "00:00", "end": "06:00"}]
    )

    assert opening(late, "UTC", at(2026, 11, 23, 23, 59)).open_now
    assert opening(late, "UTC", at(2026, 11, 24, 0, 0)).open_now
    assert opening(late, "UTC", at(2026, 11, 24, 6, 0)) == Opening(False, at(2026, 11, 30, 22))


def test_never_open() -> None:
    assert opening(hours(), "UTC", at(2026, 11, 23, 12)) == Opening(False, None)


def test_hours_keep_to_the_wall_clock_across_the_spring_change() -> None:
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026 at 02:00 (01:00 UTC).
    before = opening(office(), "Europe/Paris", at(2026, 3, 27, 12, 0))
    after = opening(office(), "Europe/Paris", at(2026, 3, 28, 12, 0))

    assert before.open_now  # Friday 13:00 local
    assert after == Opening(False, at(2026, 3, 30, 7, 0))  # Monday 09:00 is 07:00 UTC now


def test_an_opening_inside_the_spring_gap_is_the_jump() -> None:
    # 02:30 does not exist on 29 March 2026 in Paris: the team opens when clocks show 03:00.
    night = hours(sunday=[{"start": "02:30", "end": "05:00"}])

    assert opening(night, "Europe/Paris", at(2026, 3, 29, 0, 30)) == Opening(
        False, at(2026, 3, 29, 1, 0)
    )
    assert opening(night, "Europe/Paris", at(2026, 3, 29, 1, 0)).open_now
    assert not opening(night, "Europe/Paris", at(2026, 3, 29, 3, 0)).open_now  # 05:00 CEST


def test_an_opening_in_the_repeated_autumn_hour_is_the_first() -> None:
    # 25 October 2026: Paris shows 02:00-03:00 twice (UTC+2, then UTC+1).
    night = hours(sunday=[{"start": "02:30", "end": "04:00"}])

    assert opening(night, "Europe/Paris", at(2026, 10, 25, 0, 0)) == Opening(
        False, at(2026, 10, 25, 0, 30)
    )
    # The stretch lasts until 04:00 on the later offset: 03:00 UTC, two and a half hours.
    assert opening(night, "Europe/Paris", at(2026, 10, 25, 2, 59)).open_now
    assert not opening(night, "Europe/Paris", at(2026, 10, 25, 3, 0)).open_now


def test_the_us_change_falls_on_another_day() -> None:
    # New York moves on 8 March 2026 (UTC-5 to UTC-4): Monday 09:00 is 13:00 UTC after it.
    assert opening(office(), "America/New_York", at(2026, 3, 7, 12)) == Opening(
        False, at(2026, 3, 9, 13)
    )
    assert opening(office(), "America/New_York", at(2026, 3, 6, 21, 59)).open_now
