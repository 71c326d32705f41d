"""``opinion events [--since 24h] [--json]``: the bursts found, newest first, with the words
that rose."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from opinion_spiders.analysis.report import parse_since
from opinion_spiders.cli._common import runtime_from_args
from opinion_spiders.errors import ConfigError

DIMENSIONS = ("rule", "entity", "site", "cluster", "term")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", default="24h", help="events that went on since (default 24h)")
    parser.add_argument("--dimension", choices=DIMENSIONS, help="only rule, entity, site … events")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        raise ConfigError("opinion events", "--since", str(exc)) from None
    runtime = runtime_from_args(args)
    try:
        events = runtime.store.find_events(since, limit=args.limit, dimension=args.dimension)
        tz = ZoneInfo(runtime.config.alert_timezone)
    finally:
        runtime.close()
    listing = events_listing(events, since, tz)
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, default=_json_default, indent=1))
    else:
        print(format_events(listing, tz))
    return 0


def events_listing(
    events: list[dict[str, Any]], since: datetime | None, tz: ZoneInfo
) -> dict[str, Any]:
    """Events (newest first) and, apart, the emerging words among them by surprise."""
    words = sorted((e for e in events if e.get("dimension") == "term"),
                   key=lambda e: -float(e.get("surprise") or 0))  # fmt: skip
    return {
        "since": since,
        "timezone": tz.key,
        "events": [_summary(e) for e in events],
        "emerging_terms": [
            {
                "term": e["value"],
                "count": e.get("count"),
                "surprise": e.get("surprise"),
                "event": e["_id"],
            }  # fmt: skip
            for e in words[:10]
        ],
    }


def _summary(e: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("dimension", "value", "name", "level", "start", "end", "peak", "count", "expected",
            "baseline", "surprise", "threshold", "period_factor", "first_post", "post_ids",
            "sites", "terms", "words", "alert_id", "created_at", "updated_at")  # fmt: skip
    return {"id": e["_id"], **{k: e.get(k) for k in keep}}


def format_events(listing: Mapping[str, Any], tz: ZoneInfo) -> str:
    since = listing["since"]
    head = f"since {_local(since, tz)}" if since else "all"
    events = listing["events"]
    lines = [f"Events ({head}, {tz.key}): {len(events)}"]
    for e in events:
        peak = e.get("peak") or {}
        first = e.get("first_post") or {}
        rising = "、".join(t["term"] for t in (e.get("terms") or [])[:5]) or "—"
        lines.append(
            f"  [{e['level']}] {e['dimension']}:{e['name'] or e['value']}  {e['count']} posts"
            f" (expected {float(e.get('expected') or 0):.1f}, surprise {e['surprise']})"
            f"  {_local(e['start'], tz)} → {_local(e['end'], tz)}"
            f"  peak {peak.get('count')} at {_local(peak.get('start'), tz)}"
        )
        lines.append(f"      first: [{first.get('site')}] {first.get('title')}  {first.get('url')}")
        lines.append(f"      rising: {rising}")
        if e.get("words"):
            lines.append(f"      with: {'、'.join(w['term'] for w in e['words'])}")
    if listing["emerging_terms"]:
        words = ", ".join(f"{t['term']} ({t['count']})" for t in listing["emerging_terms"])
        lines.append(f"Emerging terms: {words}")
    return "\n".join(lines)


def _local(value: Any, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%m-%d %H:%M") if isinstance(value, datetime) else "?"


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
