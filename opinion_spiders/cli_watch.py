"""``opinion periods`` and ``opinion report --plan NAME``: the watch configuration in use.

Kept apart from ``cli.py``; ``register(add)`` adds the commands to its parser and
``cmd_report`` hands ``--plan`` to :func:`plan_report_command`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from opinion_spiders.errors import ConfigError
from opinion_spiders.watch.periods import Calendar, Window

Add = Callable[[str, Any, str], argparse.ArgumentParser]


def register(add: Add) -> None:
    periods = add("periods", periods_command, "active and upcoming sensitive periods")
    periods.add_argument("--days", type=float, default=30, help="look ahead (default 30 days)")
    periods.add_argument("--at", help="as of this ISO date/time instead of now")
    periods.add_argument("--json", action="store_true", help="one JSON object")


def periods_command(args: argparse.Namespace) -> int:
    from opinion_spiders.watch.config import calendar_from_settings

    calendar = calendar_from_settings(settings_from_args(args))
    now = calendar.local(now_from_args(args, "opinion periods"))
    listing = periods_listing(calendar, now, args.days)
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, default=json_default, indent=1))
    else:
        print(format_periods(listing))
    return 0


def periods_listing(calendar: Calendar, now: datetime, days: float) -> dict[str, Any]:
    """Active periods with their phase, upcoming ones, and the factors in force now."""
    weight, _ = calendar.score_weight(now)
    return {
        "now": now, "timezone": calendar.tz.key, "days": days,
        "threshold_factor": calendar.threshold_factor(now),
        "crawl_interval_factor": calendar.crawl_interval_factor(now), "score_weight": weight,
        "active": [_window(w, now) for w in calendar.active(now)],
        "upcoming": [_window(w, now) for w in calendar.upcoming(now, days)],
    }  # fmt: skip


def _window(w: Window, now: datetime) -> dict[str, Any]:
    p = w.period
    return {
        "id": p.id, "name": p.name, "category": p.category, "phase": w.phase(now),
        "start": w.start, "end": w.end, "core_start": w.core_start, "core_end": w.core_end,
        "weight": p.weight, "threshold_factor": p.threshold_factor,
        "crawl_interval_factor": p.crawl_interval_factor,
    }  # fmt: skip


def format_periods(listing: dict[str, Any]) -> str:
    now = listing["now"]
    lines = [
        f"Now {now:%Y-%m-%d %H:%M} ({listing['timezone']}): score +{listing['score_weight']:g}, "
        f"alert threshold ×{listing['threshold_factor']:g}, "
        f"crawl interval ×{listing['crawl_interval_factor']:g}",
        "Active:" if listing["active"] else "Active: none",
    ]
    lines += [_line(w) for w in listing["active"]]
    lines.append(f"Upcoming (next {listing['days']:g} days):" if listing["upcoming"] else
                 f"Upcoming (next {listing['days']:g} days): none")  # fmt: skip
    lines += [_line(w) for w in listing["upcoming"]]
    return "\n".join(lines)


def _line(w: dict[str, Any]) -> str:
    return (
        f"  {w['id']:<28} {w['name']}  [{w['category'] or '-'}, {w['phase']}] "
        f"{w['start']:%Y-%m-%d %H:%M} → {w['end']:%Y-%m-%d %H:%M}  weight {w['weight']:g}  "
        f"threshold ×{w['threshold_factor']:g}  crawl ×{w['crawl_interval_factor']:g}"
    )


def plan_report_command(args: argparse.Namespace) -> int:
    """``opinion report --plan NAME [--json]``: baseline before the event vs reaction to it."""
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.watch.config import plans_from_settings
    from opinion_spiders.watch.plans import format_plan_report, plan_report

    settings = settings_from_args(args)
    plans = plans_from_settings(settings)
    if args.plan not in plans:
        known = ", ".join(sorted(plans)) or "none"
        raise ConfigError("opinion report", "--plan", f"no plan {args.plan!r}; plans: {known}")
    runtime = Runtime(settings)
    try:
        report = plan_report(runtime.store, plans[args.plan], now_from_args(args, "opinion report"))
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=json_default, indent=1))
    else:
        print(format_plan_report(report))
    return 0


def settings_from_args(args: argparse.Namespace) -> Any:
    from opinion_spiders.cli import overrides
    from opinion_spiders.settings_util import project_values

    return project_values(overrides(getattr(args, "set", None) or []))


def now_from_args(args: argparse.Namespace, command: str) -> datetime:
    text = getattr(args, "at", None)
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(command, "--at", f"{text!r}: use an ISO date or time") from None
    # a time without an offset is read as the analysts' (Asia/Shanghai) wall clock
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
