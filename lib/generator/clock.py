"""Time inside the generator is epoch milliseconds (UTC); these turn it into text and traffic."""
from __future__ import annotations

import bisect
import datetime
import random
from itertools import accumulate

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
EPOCH = datetime.datetime(1970, 1, 1)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Share of a day's visits starting in each UTC hour: European evenings, then American ones.
HOUR_WEIGHTS = (2.0, 1.6, 1.2, 0.9, 0.7, 0.7, 1.0, 1.5, 2.2, 2.8, 3.1, 3.3,
                3.4, 3.6, 3.9, 4.2, 4.3, 4.5, 4.8, 5.2, 5.0, 4.4, 3.5, 2.6)
HOUR_CUMULATIVE = tuple(accumulate(HOUR_WEIGHTS))


def epoch_ms(day: datetime.date) -> int:
    return (day - EPOCH.date()).days * DAY_MS


def utc(ms: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(milliseconds=ms)


def iso_ms(ms: int) -> str:
    """``2026-11-20T10:15:30.123Z``, the common case of the contract."""
    return f"{utc(ms):%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def iso_offset(ms: int, hours: int = 1, with_ms: bool = True) -> str:
    """The same instant as a client in another zone writes it, ``...T11:15:30.123+01:00``."""
    local = utc(ms + hours * HOUR_MS)
    fraction = f".{ms % 1000:03d}" if with_ms else ""
    sign = "+" if hours >= 0 else "-"
    return f"{local:%Y-%m-%dT%H:%M:%S}{fraction}{sign}{abs(hours):02d}:00"


def iso_seconds(ms: int) -> str:
    """Exports from business systems keep whole seconds: ``2026-11-20T10:15:30Z``."""
    return f"{utc(ms):%Y-%m-%dT%H:%M:%S}Z"


def clf_stamp(ms: int, offset_hours: int = 0) -> str:
    """Access-log time, ``20/Nov/2026:10:15:30 +0000``, with month names that ignore the locale."""
    local = utc(ms + offset_hours * HOUR_MS)
    sign = "+" if offset_hours >= 0 else "-"
    return (f"{local.day:02d}/{MONTHS[local.month - 1]}/{local.year}:{local:%H:%M:%S} "
            f"{sign}{abs(offset_hours):02d}00")


def time_of_day_ms(rng: random.Random) -> int:
    """A moment in a day, busier in the evening than at night."""
    hour = bisect.bisect(HOUR_CUMULATIVE, rng.random() * HOUR_CUMULATIVE[-1])
    return hour * HOUR_MS + rng.randrange(HOUR_MS)


def traffic_weight(day: datetime.date) -> float:
    """How busy a day is: weekends a little, Black Friday and Cyber Monday a lot."""
    black_friday = _fourth_friday_of_november(day.year)
    if day == black_friday:
        return 2.0
    if day == black_friday + datetime.timedelta(days=3):
        return 1.7
    return 1.15 if day.weekday() >= 5 else 1.0


def _fourth_friday_of_november(year: int) -> datetime.date:
    first = datetime.date(year, 11, 1)
    return first + datetime.timedelta(days=(4 - first.weekday()) % 7 + 21)
