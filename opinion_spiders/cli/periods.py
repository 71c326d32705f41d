"""``opinion periods``: the sensitive periods active now and those coming, with the factors
they set on scores, alert thresholds and crawl intervals."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from opinion_spiders.cli._common import json_default, now_from_args, settings_from_args
from opinion_spiders.watch.config import calendar_from_settings
from opinion_spiders.watch.periods import Calendar, Window


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=float, default=30, help="look ahead (default 30 days)")
    parser.add_argument("--at", help="as of this ISO date/time instead of now")
    parser.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    calendar = calendar_from_settings(settings)
    now = calendar.local(now_from_args(args, "opinion periods", settings))
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
