"""How each engine shows a time: Discuz! and Tieba mix relative and absolute texts."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

from opinion_spiders.demo._model import ZONE


def discuz_full(t: datetime) -> str:
    """Discuz! ``Y-n-j H:i:s`` (month and day not padded)."""
    t = t.astimezone(ZONE)
    return f"{t.year}-{t.month}-{t.day} {t:%H:%M:%S}"


def discuz_minute(t: datetime) -> str:
    t = t.astimezone(ZONE)
    return f"{t.year}-{t.month}-{t.day} {t:%H:%M}"


def discuz_date(t: datetime) -> str:
    t = t.astimezone(ZONE)
    return f"{t.year}-{t.month}-{t.day}"


def discuz_relative(t: datetime, now: datetime) -> str | None:
    """Discuz!'s ``dgmdate(..., 'u')`` text (HTML, with ``&nbsp;``), or None past a week."""
    t, now = t.astimezone(ZONE), now.astimezone(ZONE)
    days = (now.date() - t.date()).days
    secs = max(0, int((now - t).total_seconds()))
    if days <= 0:
        if secs < 60:
            return f"{secs}&nbsp;秒前" if secs else "刚刚"
        if secs < 3600:
            return f"{secs // 60}&nbsp;分钟前"
        return f"{secs // 3600}&nbsp;小时前"
    if days == 1:
        return f"昨天&nbsp;{t:%H:%M}"
    if days == 2:
        return f"前天&nbsp;{t:%H:%M}"
    return f"{days}&nbsp;天前" if days <= 7 else None


def tieba_tail(t: datetime, now: datetime) -> str:
    """The time in a Tieba floor's tail: 刚刚, N分钟前, N小时前, 昨天 HH:MM or absolute."""
    t, now = t.astimezone(ZONE), now.astimezone(ZONE)
    secs = max(0, int((now - t).total_seconds()))
    days = (now.date() - t.date()).days
    if secs < 60:
        return "刚刚"
    if secs < 3600:
        return f"{secs // 60}分钟前"
    if days <= 0:
        return f"{secs // 3600}小时前"
    if days == 1:
        return f"昨天 {t:%H:%M}"
    return f"{t:%Y-%m-%d %H:%M}"


def tieba_list_date(t: datetime, now: datetime) -> str:
    """The last-reply time of a bar's thread list: HH:MM today, else M-D."""
    t, now = t.astimezone(ZONE), now.astimezone(ZONE)
    return f"{t:%H:%M}" if t.date() == now.date() else f"{t.month}-{t.day}"


def portal_time(t: datetime) -> str:
    return f"{t.astimezone(ZONE):%Y-%m-%d %H:%M}"


def rfc822(t: datetime) -> str:
    return format_datetime(t.astimezone(ZONE))


def iso(t: datetime) -> str:
    return t.astimezone(ZONE).isoformat(timespec="seconds")
