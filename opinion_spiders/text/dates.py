"""Publication dates as Chinese sites print them, resolved to tz-aware datetimes.

Forums print absolute dates in many shapes and relative ones (``3分钟前``, ``昨天 12:30``)
that only mean something against the crawl time, so every parse takes ``now``. Results are in
the site's zone; a naive ``now`` is taken to be in that zone already.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Handler = Callable[[re.Match[str], datetime], datetime | None]

_HMS = r"(?P<h>\d{1,2})\s*[:：时]\s*(?P<mi>\d{1,2})(?:\s*[:：分]\s*(?P<s>\d{1,2}))?"
_ISO_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})"
)
_EPOCH = re.compile(r"(?<!\d)(?P<n>\d{13}|\d{10})(?!\d)")
_FULL = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    rf"(?:\s*T?\s*{_HMS})?"
)
_MONTH_DAY = re.compile(
    rf"(?<![\d\-/.])(?P<mo>\d{{1,2}})\s*[-/月]\s*(?P<d>\d{{1,2}})(?!\d)\s*日?(?:\s*{_HMS})?"
)
_AGO = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|分钟|分|小时|天|周)\s*前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_NAMED_DAY = re.compile(rf"(?P<day>今天|昨天|前天)\s*(?:{_HMS})?")
_CLOCK = re.compile(rf"(?<![\d:：]){_HMS}(?![\d:：])")

_UNITS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "天": 86400, "周": 7 * 86400}
_DAYS_BACK = {"今天": 0, "昨天": 1, "前天": 2}


def parse_datetime(text: str, now: datetime, tz: str = "Asia/Shanghai") -> datetime | None:
    """Parse a date as a site shows it; None when nothing in ``text`` reads as a date."""
    zone = ZoneInfo(tz)
    now = now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    cleaned = " ".join(html.unescape(text).replace("\xa0", " ").replace("\u3000", " ").split())
    for pattern, handler in _PATTERNS:
        found = pattern.search(cleaned)
        if found:
            try:
                return handler(found, now)
            except (ValueError, OverflowError, OSError):
                return None
    return None


def _clock(found: re.Match[str]) -> time:
    """The time of day in a match; midnight when the text gave none."""
    if found.group("h") is None:
        return time(0, 0)
    return time(int(found["h"]), int(found["mi"]), int(found["s"] or 0))


def _at(day: date, clock: time, now: datetime) -> datetime:
    assert now.tzinfo is not None
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


def _iso(found: re.Match[str], now: datetime) -> datetime:
    return datetime.fromisoformat(found.group(0)).astimezone(now.tzinfo)


def _epoch(found: re.Match[str], now: datetime) -> datetime:
    digits = found["n"]
    seconds = int(digits) / 1000 if len(digits) == 13 else int(digits)
    return datetime.fromtimestamp(seconds, tz=UTC).astimezone(now.tzinfo)


def _full(found: re.Match[str], now: datetime) -> datetime:
    day = date(int(found["y"]), int(found["mo"]), int(found["d"]))
    return _at(day, _clock(found), now)


def _month_day(found: re.Match[str], now: datetime) -> datetime:
    """This year, or last year when this year's date is still to come."""
    month, day = int(found["mo"]), int(found["d"])
    for year in (now.year, now.year - 1):
        try:
            result = _at(date(year, month, day), _clock(found), now)
        except ValueError:
            continue  # 02-29 outside a leap year
        if result <= now:
            return result
    raise ValueError("no past date for this month and day")


def _ago(found: re.Match[str], now: datetime) -> datetime:
    seconds = int(found["n"]) * _UNITS[found["unit"]]
    return _back(now, timedelta(seconds=seconds))


def _back(now: datetime, delta: timedelta) -> datetime:
    """``now - delta`` in elapsed time, right across DST changes."""
    return (now.astimezone(UTC) - delta).astimezone(now.tzinfo)


def _just_now(found: re.Match[str], now: datetime) -> datetime:
    return now


def _named_day(found: re.Match[str], now: datetime) -> datetime:
    """今天/昨天/前天; a 今天 time still to come (clock skew) is taken as now."""
    day = now.date() - timedelta(days=_DAYS_BACK[found["day"]])
    return min(_at(day, _clock(found), now), now)


def _bare_clock(found: re.Match[str], now: datetime) -> datetime:
    """Today at that time, or yesterday when today's would be in the future."""
    result = _at(now.date(), _clock(found), now)
    return result if result <= now else _at(now.date() - timedelta(days=1), _clock(found), now)


_PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (_ISO_OFFSET, _iso),
    (_FULL, _full),
    (_EPOCH, _epoch),
    (_AGO, _ago),
    (_JUST_NOW, _just_now),
    (_NAMED_DAY, _named_day),
    (_MONTH_DAY, _month_day),
    (_CLOCK, _bare_clock),
)
