"""The sensitive-period calendar: when to watch harder, alert sooner and crawl more often.

A period is a fixed day, a range of days, a yearly anniversary or an announced event (a
policy's release, an appointment notice) at a known moment, widened by lead and tail days.
While a period is active, posts published in it score more, the alert threshold is scaled
by its threshold factor and crawl intervals by its crawl-interval factor. Overlapping
periods combine to the most watchful value: the highest weight, the lowest factors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opinion_spiders.errors import ConfigError
from opinion_spiders.watch._toml import Table, read_toml, table_line

DEFAULT_TZ = "Asia/Shanghai"
_PERIOD_KEYS = {
    "id", "name", "category", "date", "start", "end", "yearly", "days", "at", "hours",
    "lead_days", "tail_days", "weight", "threshold_factor", "crawl_interval_factor", "note",
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """One calendar entry; exactly one of ``start`` (with ``end``), ``yearly`` or ``at`` is set
    (a single ``date`` is read as ``start`` = ``end``)."""

    id: str
    name: str
    category: str = ""
    start: date | None = None
    end: date | None = None
    yearly: tuple[int, int] | None = None
    days: int = 1
    at: datetime | None = None
    hours: float = 24.0
    lead: timedelta = timedelta()
    tail: timedelta = timedelta()
    weight: float = 0.0
    threshold_factor: float = 1.0
    crawl_interval_factor: float = 1.0
    note: str = ""

    def cores(self, tz: ZoneInfo, years: range) -> list[tuple[datetime, datetime]]:
        """The core spans (without lead and tail) of this period's occurrences in ``years``."""
        if self.at is not None:
            at = self.at if self.at.tzinfo else self.at.replace(tzinfo=tz)
            return [(at, at + timedelta(hours=self.hours))]
        if self.start is not None and self.end is not None:
            return [(_midnight(self.start, tz), _midnight(self.end + timedelta(days=1), tz))]
        assert self.yearly is not None
        out = []
        for year in years:
            month, day = self.yearly
            leap_day_missing = (month, day) == (2, 29) and not _is_leap(year)
            first = date(year, month, 28 if leap_day_missing else day)
            out.append((_midnight(first, tz), _midnight(first + timedelta(days=self.days), tz)))
        return out


@dataclass(frozen=True)
class Window:
    """One occurrence of a period: the core span and the watched span around it."""

    period: Period
    core_start: datetime
    core_end: datetime

    @property
    def start(self) -> datetime:
        return self.core_start - self.period.lead

    @property
    def end(self) -> datetime:
        return self.core_end + self.period.tail

    def phase(self, now: datetime) -> str:
        """``lead`` before the core, ``core`` during it, ``tail`` after it; ``upcoming`` and
        ``past`` outside the window."""
        if now < self.start or now >= self.end:
            return "upcoming" if now < self.start else "past"
        return "lead" if now < self.core_start else "core" if now < self.core_end else "tail"

    def covers(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass
class Calendar:
    periods: list[Period] = field(default_factory=list)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    #: the windows of the last span of years asked for, with what they were worked out from:
    #: a crawl asks for every post, nearly always for the same years
    _last: tuple[tuple[Any, ...], list[Window]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def windows(self, now: datetime, days: float = 0) -> list[Window]:
        """Occurrences that may touch ``[now, now + days]`` (a year of slack on each side)."""
        now = self.local(now)
        years = range(now.year - 1, (now + timedelta(days=days)).year + 2)
        key = (years.start, years.stop, self.tz, *self.periods)
        if self._last is None or self._last[0] != key:
            found = [Window(p, s, e) for p in self.periods for s, e in p.cores(self.tz, years)]
            self._last = (key, found)
        return list(self._last[1])

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone; a naive time is read as local time there."""
        return moment.astimezone(self.tz) if moment.tzinfo else moment.replace(tzinfo=self.tz)

    def active(self, now: datetime) -> list[Window]:
        """Windows covering ``now``, the heaviest first."""
        now = self.local(now)
        found = [w for w in self.windows(now) if w.covers(now)]
        return sorted(found, key=lambda w: (-w.period.weight, w.start, w.period.id))

    def upcoming(self, now: datetime, days: float) -> list[Window]:
        """Windows that start after ``now`` and at most ``days`` days later, soonest first."""
        now = self.local(now)
        until = now + timedelta(days=days)
        found = [w for w in self.windows(now, days) if now < w.start <= until]
        return sorted(found, key=lambda w: (w.start, w.period.id))

    def score_weight(self, now: datetime) -> tuple[float, Window | None]:
        """The highest weight among active periods, and the window it comes from."""
        active = self.active(now)
        return (active[0].period.weight, active[0]) if active else (0.0, None)

    def threshold_factor(self, now: datetime) -> float:
        """Multiply the alert threshold by this: the lowest factor of the active periods."""
        return min((w.period.threshold_factor for w in self.active(now)), default=1.0)

    def crawl_interval_factor(self, now: datetime) -> float:
        """Multiply crawl intervals by this: the lowest factor of the active periods."""
        return min((w.period.crawl_interval_factor for w in self.active(now)), default=1.0)


def periods_document(calendar: Calendar, when: datetime) -> list[dict[str, Any]]:
    """What a post stores: the periods active at its time, heaviest first."""
    return [
        {
            "id": w.period.id,
            "name": w.period.name,
            "category": w.period.category,
            "phase": w.phase(calendar.local(when)),
            "start": w.start,
            "end": w.end,
            "weight": w.period.weight,
            "threshold_factor": w.period.threshold_factor,
            "crawl_interval_factor": w.period.crawl_interval_factor,
        }  # fmt: skip
        for w in calendar.active(when)
    ]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def load_calendars(paths: Sequence[Traversable]) -> Calendar:
    """Read calendar files into one calendar; a period id declared twice is an error. The
    time zone is the last file's ``[calendar] timezone`` (default Asia/Shanghai)."""
    calendar = Calendar()
    seen: dict[str, str] = {}
    for path in paths:
        data, text = read_toml(path)
        head = Table(data.get("calendar", {}), str(path), "[calendar]")
        head.check_keys({"name", "timezone"})
        unknown = sorted(set(data) - {"calendar", "period"})
        if unknown:
            raise ConfigError(
                str(path), "top level", f"unknown table {unknown[0]!r}; use [[period]]"
            )
        try:
            calendar.tz = ZoneInfo(head.text("timezone", DEFAULT_TZ))
        except (ZoneInfoNotFoundError, ValueError):
            raise head.fail("timezone", "unknown time zone; use e.g. Asia/Shanghai") from None
        for i, table in enumerate(data.get("period", [])):
            where = f"line {table_line(text, 'period', i)} [[period]] id {table.get('id', '?')!r}"
            period = _period(Table(table, str(path), where))
            if period.id in seen:
                raise ConfigError(str(path), where, f"id also declared at {seen[period.id]}")
            seen[period.id] = f"{path}: {where}"
            calendar.periods.append(period)
    return calendar


def _period(t: Table) -> Period:
    t.check_keys(_PERIOD_KEYS)
    start, end, yearly, at = _when(t)
    return Period(
        id=t.text("id"), name=t.text("name"), category=t.text("category", ""),
        start=start, end=end, yearly=yearly, at=at,
        days=int(t.number("days", 1, 1, 366)), hours=t.number("hours", 24, 0, 24 * 366),
        lead=timedelta(days=t.number("lead_days", 0, 0, 366)),
        tail=timedelta(days=t.number("tail_days", 0, 0, 366)),
        weight=t.number("weight", 0, 0, 1000),
        threshold_factor=t.number("threshold_factor", 1, 0.05, 10),
        crawl_interval_factor=t.number("crawl_interval_factor", 1, 0.05, 10),
        note=t.text("note", ""),
    )  # fmt: skip


def _when(t: Table) -> tuple[date | None, date | None, tuple[int, int] | None, datetime | None]:
    """Exactly one way to say when: date, start+end, yearly, or at."""
    given = [k for k in ("date", "start", "yearly", "at") if k in t.data]
    if len(given) != 1:
        fix = 'give exactly one of: date, start (with end), yearly = "MM-DD", at (a date-time)'
        raise t.fail(given[1] if given else "date", fix)
    if "yearly" in t.data:
        return None, None, _month_day(t), None
    if "at" in t.data:
        at = t.moment("at")
        if not isinstance(at, datetime):
            raise t.fail("at", "must be a date-time like 2026-12-01T09:00:00; for a day use date")
        return None, None, None, at
    first = _day(t, "date" if "date" in t.data else "start")
    last = first if "date" in t.data else _day(t, "end")
    if last < first:
        raise t.fail("end", f"{last} is before start {first}")
    return first, last, None, None


def _day(t: Table, key: str) -> date:
    value = t.moment(key)
    if value is None or isinstance(value, datetime):
        raise t.fail(key, "must be a date like 2026-12-01 (use at for an exact time)")
    return value


def _month_day(t: Table) -> tuple[int, int]:
    text = t.text("yearly")
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise t.fail("yearly", f'{text!r} is not a month-day like "10-01"') from None
    return month, day
