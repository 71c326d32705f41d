"""Publication dates as Chinese sites print them, resolved to tz-aware datetimes.

Forums print absolute dates in many shapes and relative ones (``3分钟前``, ``昨天 12:30``)
that only mean something against the crawl time, so every parse takes ``now``. Results are in
the site's zone; a naive ``now`` is taken to be in that zone already.

Boards in English (phpBB, XenForo, Discourse and WordPress forums left at their defaults, Hong
Kong and overseas sites, feeds) name the month (``March 29, 2024, 10:35 am``, ``29 Mar 2024``,
``Sat Dec 05, 2026 10:35 am``, ``Mon, 16 May 2024 08:16:00 GMT``), put the year last
(``05-16-2024, 08:16 PM``, ``08/05/2024``) or count back (``5 minutes ago``, ``Yesterday at
8:16 PM``): read as such, not as the bare clock or the month and day in them, which would make
a two-year-old post today's or this year's.

Between a day and its clock a board may print the day of the week in brackets (``2024/05/12(日)
10:14:33`` on 5ch, ``05/12/24(Sun)10:14:33`` on 4chan) or a dash (Drupal's ``Sun, 05/12/2024 -
10:14``); the clock is still the day's, and the day of the week says which number is the month.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

Handler = Callable[[re.Match[str], datetime], datetime | None]

#: Parts of the day that make a 12-hour clock, before the time (下午 3:20) or after it (3:20 PM):
#: Japanese 午前/午後 and Korean 오전/오후 (``2024.05.12. 오전 10:14``, as Naver prints it) too.
_HALF_DAY = r"上午|下午|晚上|凌晨|中午|早上|早晨|傍晚|夜里|夜间|午前|午後|오전|오후"
_HMS = (
    rf"(?:(?P<half>{_HALF_DAY})\s*)?"
    r"(?P<h>\d{1,2})\s*[:：时点時시]\s*(?P<mi>\d{1,2})(?:\s*[:：分]\s*(?P<s>\d{1,2}))?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
)
_ISO_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})"
)
#: ISO 8601's basic format, without separators (``20240512T1014``, as RIA Novosti writes its
#: ``article:published_time``), its zone optional: the ``T`` keeps other numbers out.
_ISO_BASIC = re.compile(r"(?<![\d.])\d{8}T\d{4}(?:\d{2})?(?:Z|[+-]\d{2}(?::?\d{2})?)?(?!\d)")
_EPOCH = re.compile(r"(?<!\d)(?P<n>\d{13}|\d{10})(?!\d)")
#: The day of the week in brackets after a date (``2024/05/12(日)``, ``05/12/24(Sun)`` as
#: Japanese and English imageboards print it, ``(周日)``, ``2024.05.12.(일)``).
_WEEKDAY_SHOWN = (
    r"\s*[(（](?:周|星期)?(?P<wd>[日月火水木金土일월화수목금토一二三四五六天]|[A-Za-z]{3})[)）]"
)
#: What may stand between a day and its clock besides a comma: the day of the week in brackets
#: or a dash (``Sun, 05/12/2024 - 10:14``: Drupal's default).
_BEFORE_CLOCK = rf"(?:{_WEEKDAY_SHOWN})?\s*,?\s*(?:-\s+)?"
#: Days of the week as printed, Monday first (``date.weekday()``'s numbers).
_WEEK = (
    "月火水木金土日",
    "월화수목금토일",
    "一二三四五六日",
    ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
)
_WEEKDAYS = {name: n for names in _WEEK for n, name in enumerate(names)} | {"天": 6}
_FULL = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*[日.]?"
    rf"(?:{_BEFORE_CLOCK}T?\s*{_HMS})?"
)
#: A year last (``05-16-2024, 08:16 PM`` as vBulletin prints it, ``08/05/2024``, ``16.05.2024``):
#: see :func:`_year_last` for which number is the month.
_YEAR_LAST = re.compile(
    r"(?<![\d\-/.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d\-/.])"
    rf"(?:{_BEFORE_CLOCK}{_HMS})?"
)
#: A year of two digits, first, then a clock (``24-5-13 17:08``, as Weibo prints a day of an
#: earlier year): see :func:`_short_year` for the order; the clock keeps version numbers and
#: scores out.
_SHORT_YEAR = re.compile(
    r"(?<![\d\-/.:])(?P<a>\d{2})(?P<sep>[-/])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,2})(?![\d\-/.])"
    rf"{_BEFORE_CLOCK}{_HMS}"
)
#: A month and day, split by a dash, a slash or 月 — or by a dot where a clock follows
#: (DC Inside's comments: ``05.12 10:31:07``; a dot alone is a decimal's, one after a
#: letter a version's).
_MONTH_DAY = re.compile(
    r"(?<![\d\-/.])(?:(?<![A-Za-z])|(?=\d{1,2}\s*[-/月]))"  # a dot not after a letter (``v1.5``)
    rf"(?P<mo>\d{{1,2}})\s*(?:[-/月]|\.(?=\d{{1,2}}\s+\d{{1,2}}:\d{{2}}))\s*"
    rf"(?P<d>\d{{1,2}})(?!\d)\s*日?(?:{_WEEKDAY_SHOWN})?(?:\s*{_HMS})?"
)
_AGO = re.compile(
    r"(?P<n>\d+|半|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])\s*个?\s*"
    r"(?P<unit>秒钟|秒|分钟|分|小时|钟头|天|日|周|星期|礼拜|月|年)\s*(?:之|以)?前"
)
_JUST_NOW = re.compile(r"刚刚|刚才|\bjust now\b|\b(?:a )?moments? ago\b", re.IGNORECASE)
_NAMED_DAY = re.compile(rf"(?P<day>今天|昨天|大前天|前天)\s*(?:{_HMS})?")
_CLOCK = re.compile(rf"(?<![\d:：]){_HMS}(?![\d:：])")
#: A month by its English name or abbreviation (``Sept`` too), or its Russian name as a date
#: gives it (``12 мая 2024, 10:14``: the genitive), a whole word.
_MONTH_NAME = (
    r"(?P<mn>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]"
    r"|октябр[яь]|ноябр[яь]|декабр[яь])\b\.?"
)
_DAY_NUMBER = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
#: North American zones by their abbreviations (``Sun May 12 10:14:33 EDT 2024``, as
#: pipermail and ``date`` print a time), hours from UTC; not ``CST``, which is China's too.
_NAMED_ZONES = {"EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_ZONE = rf"GMT|UTC|{'|'.join(_NAMED_ZONES)}"
#: The time after a named date (``, 10:35 am``, `` at 8:16 PM``, `` - 08:16``), and the zone
#: an RFC 822 date gives it (``GMT``, ``+0800``, ``EDT``).
_NAMED_TIME = (
    rf"(?:\s*,?\s*(?:at\s+|@\s*|-\s*)?{_HMS}"
    rf"(?:\s*(?P<zone>{_ZONE}|Z|[+-]\d{{2}}:?\d{{2}})(?![\d:A-Za-z]))?)?"
)
_MONTH_FIRST = rf"\b{_MONTH_NAME}\s*{_DAY_NUMBER}(?![\d:])"
_DAY_FIRST = rf"(?<!\d){_DAY_NUMBER}\s+(?:of\s+)?{_MONTH_NAME}"
_NAMED_YEAR = r"(?:\s*,\s*|\s+)(?P<y>\d{4})(?!\d)"
_NAMED_FULL = (
    re.compile(rf"{_MONTH_FIRST}{_NAMED_YEAR}{_NAMED_TIME}", re.IGNORECASE),
    re.compile(rf"{_DAY_FIRST},?{_NAMED_YEAR}{_NAMED_TIME}", re.IGNORECASE),
)
#: The year last, after the clock and its zone: ``Mon May 13 17:07:25 +0800 2024``, as the
#: Weibo and Twitter APIs give ``created_at`` (C's ``asctime`` without the zone).
_CLOCK_THEN_YEAR = re.compile(
    rf"\b{_MONTH_NAME}\s+{_DAY_NUMBER}\s+{_HMS}"
    rf"(?:\s+(?P<zone>{_ZONE}|[+-]\d{{2}}:?\d{{2}}))?\s+(?P<y>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
#: Without a year (``May 16``, ``16 May 10:35``): the latest such day that is past.
_NAMED_DAY_OF_MONTH = (
    re.compile(rf"{_MONTH_FIRST}{_NAMED_TIME}", re.IGNORECASE),
    re.compile(rf"{_DAY_FIRST}{_NAMED_TIME}", re.IGNORECASE),
)
_EN_AGO = re.compile(
    r"\b(?P<n>\d+|an?|one)\s*(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?"
    r"|w|wks?|weeks?|mos?|months?|y|yrs?|years?)\s+ago\b",
    re.IGNORECASE,
)
_EN_NAMED_DAY = re.compile(
    rf"\b(?P<day>today|yesterday)\b(?:\s*,?\s*(?:at\s+|@\s*)?{_HMS})?", re.IGNORECASE
)

_UNITS = {
    "秒钟": 1, "秒": 1, "分钟": 60, "分": 60, "小时": 3600, "钟头": 3600, "天": 86400,
    "日": 86400, "周": 7 * 86400, "星期": 7 * 86400, "礼拜": 7 * 86400,
}  # fmt: skip
_CALENDAR_UNITS = {"月": 1, "年": 12}  # months back: a month is not a fixed number of seconds
#: Zones where a date with its year last puts the month first (``05/08/2024`` is 8 May).
_MONTH_FIRST_ZONES = ("America/", "US/", "Canada/")
_DAYS_BACK = {"今天": 0, "昨天": 1, "前天": 2, "大前天": 3, "today": 0, "yesterday": 1}
_MONTHS = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)} | {name: n for n, name in enumerate(
    ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"), 1
)}  # fmt: skip
#: English units of ``… ago``, by their first letters (``m`` a minute, ``mo`` a month).
_EN_UNITS = {"s": "秒", "m": "分钟", "h": "小时", "d": "天", "w": "周", "mo": "月", "y": "年"}
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PM = {"下午", "晚上", "傍晚", "夜里", "夜间", "午後", "오후"}
_AM = {"上午", "凌晨", "早上", "早晨", "午前", "오전"}


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


def full_date(text: str) -> str:
    """The first date in ``text`` that gives its year (``2024-05-12T08:00+08:00``,
    ``2024年5月2日 21:44``, ``March 29, 2024, 10:35 am``, ``05/16/2024``), as printed; '' when
    there is none: a clock, a month and day or ``3分钟前`` alone are no date of a page."""
    cleaned = " ".join(html.unescape(text).replace("\xa0", " ").replace("\u3000", " ").split())
    patterns = (_ISO_OFFSET, _ISO_BASIC, _FULL, _CLOCK_THEN_YEAR, *_NAMED_FULL, _YEAR_LAST)
    for pattern in (*patterns, _SHORT_YEAR):
        if found := pattern.search(cleaned):
            return found.group(0).strip()
    return ""


def month_day(text: str) -> tuple[int, int, str] | None:
    """The first month and day in ``text`` (``05-20``, ``5月20日``) with its clock as printed
    (``10:12``, '' where it has none), or None: a day without its year, which
    :func:`parse_datetime` takes for the latest such day that is past."""
    cleaned = " ".join(html.unescape(text).replace("\xa0", " ").replace("\u3000", " ").split())
    found = _MONTH_DAY.search(cleaned)
    if not found:
        return None
    start = found.start("half") if found["half"] else found.start("h")
    clock = cleaned[start : found.end()] if found["h"] else ""
    return int(found["mo"]), int(found["d"]), clock.strip()


def either_way_round(text: str) -> bool:
    """Whether ``text``'s date puts its year last with both other numbers ≤ 12
    (``05/09/2024``): a date :func:`parse_datetime` reads in the site's order, which another
    clue (the article's URL) may settle."""
    found = _YEAR_LAST.search(text)
    return found is not None and int(found["a"]) <= 12 and int(found["b"]) <= 12


def _clock(found: re.Match[str]) -> time:
    """The time of day in a match; midnight when the text gave none. A 12-hour clock (下午
    3:20, 07:42 PM) becomes the 24-hour one; 中午 1 点 is 13:00, 凌晨 12 点 is midnight."""
    if found.group("h") is None:
        return time(0, 0)
    hour = int(found["h"])
    half = found["half"] or ""
    ampm = (found["ampm"] or "").lower().replace(".", "")
    if hour <= 12 and (half or ampm):
        pm = ampm == "pm" or half in _PM or (half == "中午" and hour < 11)
        if pm and hour < 12:
            hour += 12
        elif (ampm == "am" or half in _AM) and hour == 12:
            hour = 0
    return time(hour, int(found["mi"]), int(found["s"] or 0))


def _at(day: date, clock: time, now: datetime) -> datetime:
    assert now.tzinfo is not None
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


def _iso(found: re.Match[str], now: datetime) -> datetime:
    return datetime.fromisoformat(found.group(0)).astimezone(now.tzinfo)


def _iso_basic(found: re.Match[str], now: datetime) -> datetime:
    read = datetime.fromisoformat(found.group(0))
    return read.replace(tzinfo=now.tzinfo) if read.tzinfo is None else read.astimezone(now.tzinfo)


def _epoch(found: re.Match[str], now: datetime) -> datetime:
    digits = found["n"]
    seconds = int(digits) / 1000 if len(digits) == 13 else int(digits)
    return datetime.fromtimestamp(seconds, tz=UTC).astimezone(now.tzinfo)


def _full(found: re.Match[str], now: datetime) -> datetime:
    day = date(int(found["y"]), int(found["mo"]), int(found["d"]))
    return _at(day, _clock(found), now)


def _year_last(found: re.Match[str], now: datetime) -> datetime:
    """The number that can be the month is; when both can, the order of the site's part of
    the world — the month first in the Americas (``America/…`` zones), the day first elsewhere
    (Hong Kong, Singapore, Malaysia, Europe) — unless that date is still to come and the
    other is not."""
    first, second, year = int(found["a"]), int(found["b"]), int(found["y"])
    if first > 12 or second > 12:
        return _at(date(year, min(first, second), max(first, second)), _clock(found), now)
    zone = str(getattr(now.tzinfo, "key", ""))
    orders = [(first, second), (second, first)]  # (month, day)
    if not zone.startswith(_MONTH_FIRST_ZONES):
        orders.reverse()
    if (shown := _weekday_shown(found)) is not None:  # the day of the week says which
        orders.sort(key=lambda order: _weekday_of(year, *order) != shown)
    dates = [_at(date(year, month, day), _clock(found), now) for month, day in orders]
    return dates[0] if dates[0] <= now or dates[1] > now else dates[1]


def _short_year(found: re.Match[str], now: datetime) -> datetime:
    """The year first in East Asia (``24-5-13``: 13 May 2024, as Chinese, Japanese and Korean
    sites print it), last elsewhere in the site's order (``13-05-24`` in Europe, ``05-13-24`` in
    the Americas); another order where that one is no date."""
    a, b, c = int(found["a"]), int(found["b"]), int(found["c"])
    zone = str(getattr(now.tzinfo, "key", ""))
    year_first = (2000 + a, b, c)
    orders = [(2000 + c, a, b), (2000 + c, b, a)]  # (year, month, day)
    if not zone.startswith(_MONTH_FIRST_ZONES):
        orders.reverse()
    orders.insert(0 if zone.startswith("Asia/") else 2, year_first)
    if (shown := _weekday_shown(found)) is not None:  # the day of the week says which
        orders.sort(key=lambda order: _weekday_of(*order) != shown)
    for year, month, day in orders:
        try:
            return _at(date(year, month, day), _clock(found), now)
        except ValueError:
            continue
    raise ValueError(f"no date in {found.group(0)!r}")


def _weekday_shown(found: re.Match[str]) -> int | None:
    """The day of the week printed beside a date (``(日)``, ``(Sun)``), Monday 0; None."""
    shown = found.groupdict().get("wd")
    return _WEEKDAYS.get(shown.capitalize()) if shown else None


def _weekday_of(year: int, month: int, day: int) -> int:
    """The day of the week of a date, -1 where it is no date."""
    try:
        return date(year, month, day).weekday()
    except ValueError:
        return -1


def _month_day(found: re.Match[str], now: datetime) -> datetime:
    month, day = int(found["mo"]), int(found["d"])
    return _latest_past(lambda year: _at(date(year, month, day), _clock(found), now), now)


def _latest_past(at: Callable[[int], datetime], now: datetime) -> datetime:
    """A day given without its year: this year's, or last year's when this year's is still to
    come."""
    for year in (now.year, now.year - 1):
        try:
            result = at(year)
        except ValueError:
            continue  # 02-29 outside a leap year
        if result <= now:
            return result
    raise ValueError("no past date for this month and day")


def _named_full(found: re.Match[str], now: datetime) -> datetime:
    return _named_at(date(int(found["y"]), _month_of(found), int(found["d"])), found, now)


def _named_day_of_month(found: re.Match[str], now: datetime) -> datetime:
    month, day = _month_of(found), int(found["d"])
    return _latest_past(lambda year: _named_at(date(year, month, day), found, now), now)


def _month_of(found: re.Match[str]) -> int:
    name = found["mn"].lower()
    return _MONTHS.get(name[:3]) or _MONTHS[name[:2]]  # Russian май/мая by its first two


def _named_at(day: date, found: re.Match[str], now: datetime) -> datetime:
    """The day at the match's time: in the site's zone, or in the zone the text names."""
    zone = found["zone"]
    if not zone:
        return _at(day, _clock(found), now)
    return datetime.combine(day, _clock(found), tzinfo=_offset(zone)).astimezone(now.tzinfo)


def _offset(zone: str) -> tzinfo:
    """``GMT``, ``UTC``, ``Z``, ``EDT`` … or ``+0800``/``-05:00``."""
    if zone.upper() in _NAMED_ZONES:
        return timezone(timedelta(hours=_NAMED_ZONES[zone.upper()]))
    if zone.isalpha():
        return UTC
    digits = zone[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if zone[0] == "-" else delta)


def _ago(found: re.Match[str], now: datetime) -> datetime:
    return _back_by(_count(found["n"]), found["unit"], now)


def _en_ago(found: re.Match[str], now: datetime) -> datetime:
    """``5 minutes ago``, ``an hour ago``, ``2d ago``, ``3 mos ago``."""
    number, unit = found["n"].lower(), found["unit"].lower()
    count = int(number) if number.isdigit() else 1
    return _back_by(count, _EN_UNITS["mo" if unit.startswith("mo") else unit[0]], now)


def _back_by(count: float, unit: str, now: datetime) -> datetime:
    """``count`` of the unit (``分钟``, ``天``, ``月`` …) before ``now``: ``5分钟前``,
    ``半小时前``, ``两天前``, ``3个月前``. Months and years go back by the calendar (3个月前 on
    31 May is 28 or 29 February)."""
    if unit in _CALENDAR_UNITS:
        months = count * _CALENDAR_UNITS[unit]
        if months != int(months):  # 半个月, 半年: half of one month is days, not a month
            return _back(now, timedelta(days=30 * months))
        return _months_back(now, int(months))
    return _back(now, timedelta(seconds=count * _UNITS[unit]))


def _count(text: str) -> float:
    """Digits, 半 (a half) or a Chinese numeral up to 99 (三, 十, 十二, 二十, 两)."""
    if text.isdigit():
        return int(text)
    if text == "半":
        return 0.5
    tens, _, ones = text.rpartition("十")
    if "十" not in text:
        return _DIGITS[text]
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _months_back(now: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when
    it is shorter)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    if year < 1:
        raise OverflowError(f"{months} months before {now:%Y-%m}")
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _back(now: datetime, delta: timedelta) -> datetime:
    """``now - delta`` in elapsed time, right across DST changes."""
    return (now.astimezone(UTC) - delta).astimezone(now.tzinfo)


def _just_now(found: re.Match[str], now: datetime) -> datetime:
    return now


def _named_day(found: re.Match[str], now: datetime) -> datetime:
    """今天/昨天/前天 (today, yesterday); a time of today still to come (clock skew) is taken
    as now."""
    day = now.date() - timedelta(days=_DAYS_BACK[found["day"].lower()])
    return min(_at(day, _clock(found), now), now)


def _bare_clock(found: re.Match[str], now: datetime) -> datetime:
    """Today at that time, or yesterday when today's would be in the future."""
    result = _at(now.date(), _clock(found), now)
    return result if result <= now else _at(now.date() - timedelta(days=1), _clock(found), now)


_PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (_ISO_OFFSET, _iso),
    (_ISO_BASIC, _iso_basic),
    (_FULL, _full),
    (_CLOCK_THEN_YEAR, _named_full),
    *((pattern, _named_full) for pattern in _NAMED_FULL),
    (_YEAR_LAST, _year_last),
    (_SHORT_YEAR, _short_year),
    (_EPOCH, _epoch),
    (_AGO, _ago),
    (_EN_AGO, _en_ago),
    (_JUST_NOW, _just_now),
    (_NAMED_DAY, _named_day),
    (_EN_NAMED_DAY, _named_day),
    (_MONTH_DAY, _month_day),
    *((pattern, _named_day_of_month) for pattern in _NAMED_DAY_OF_MONTH),
    (_CLOCK, _bare_clock),
)
