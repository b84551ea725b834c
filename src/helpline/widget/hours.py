"""Whether a workspace's team is open at a moment, and when it next opens: a pure function
of the business hours, the workspace's time zone and the moment (tests/widget/test_hours.py).

Hours are wall-clock times in the workspace's time zone, so a day of 09:00-17:00 lasts eight
hours whatever the daylight-saving offset. Across a change of offset: a time that does not
exist that day (02:30 when clocks jump from 02:00 to 03:00) is the moment of the jump, so
the team opens at 03:00; a time that happens twice (01:30 when clocks go back) is its
first occurrence.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from helpline.tenancy.schemas import WEEKDAYS, BusinessHours

# Far enough to find next week's opening from any day, with a day's margin either side.
_DAYS_AROUND: Final = range(-1, 9)


@dataclass(frozen=True, slots=True)
class Opening:
    open_now: bool
    # The next moment the team opens (UTC), when closed now; None if open, or never open.
    next_open_at: datetime | None


def _instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """The UTC moment of the wall-clock time `hhmm` ("24:00": the next midnight) on `day`."""
    if hhmm == "24:00":
        return _instant(day + timedelta(days=1), "00:00", zone)
    hour, minute = (int(part) for part in hhmm.split(":"))
    wall = datetime.combine(day, time(hour, minute))
    first = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # A wall time in a spring-forward gap: the moment the clock jumps past it.
    return _jump(wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first, zone)


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The moment between `before` and `after` when the zone's offset changes to `after`'s
    (offsets change on a whole minute)."""
    offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after.replace(second=0, microsecond=0)


def _intervals(
    hours: BusinessHours, zone: ZoneInfo, today: date
) -> list[tuple[datetime, datetime]]:
    found: list[tuple[datetime, datetime]] = []
    for offset in _DAYS_AROUND:
        day = today + timedelta(days=offset)
        for interval in hours.day(WEEKDAYS[day.weekday()]):
            start, end = _instant(day, interval.start, zone), _instant(day, interval.end, zone)
            if end > start:
                found.append((start, end))
    return sorted(found)


def opening(hours: BusinessHours, timezone: str, now: datetime) -> Opening:
    """The team's state at `now` (an aware datetime). Hours switched off: always open."""
    if not hours.enabled:
        return Opening(open_now=True, next_open_at=None)
    zone = ZoneInfo(timezone)
    intervals = _intervals(hours, zone, now.astimezone(zone).date())
    if any(start <= now < end for start, end in intervals):
        return Opening(open_now=True, next_open_at=None)
    # An interval that starts exactly when another ends (22:00-24:00, then 00:00-06:00) is
    # one stretch; a later start is the next opening.
    upcoming = [start for start, _ in intervals if start > now]
    return Opening(open_now=False, next_open_at=min(upcoming) if upcoming else None)
