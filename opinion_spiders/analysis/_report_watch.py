"""The analysis parts of ``opinion report``: spread (near-duplicate clusters), watched entities,
sensitive periods and watch plans."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opinion_spiders.stores.base import Store

UPCOMING_DAYS = 14


def analysis_part(
    store: Store, since: datetime | None, settings: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any]:
    part: dict[str, Any] = {
        "clusters": [_cluster(c) for c in store.find_clusters(since, limit=5)],
        "entities": store.entity_hits(since)[:10],
    }
    if settings is not None:
        part.update(_watch(settings, now))
    return part


def _cluster(doc: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("_id", "size", "site_count", "sites", "first_post_id", "first_site", "first_author")
    return {k: doc.get(k) for k in keys} | {"first_published_at": doc.get("first_published_at")}


def _watch(settings: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    from opinion_spiders.watch.config import calendar_from_settings, plans_from_settings

    calendar = calendar_from_settings(settings)

    def window(w: Any) -> dict[str, Any]:
        p = w.period
        return {"id": p.id, "name": p.name, "start": w.start, "end": w.end, "weight": p.weight,
                "threshold_factor": p.threshold_factor}  # fmt: skip

    plans = [
        {"id": p.id, "name": p.name, "start": p.start, "end": p.end,
         "state": "upcoming" if now < p.start else "active" if now < p.end else "ended"}
        for p in plans_from_settings(settings).values()
    ]  # fmt: skip
    return {
        "periods": {
            "active": [window(w) for w in calendar.active(now)],
            "upcoming": [window(w) for w in calendar.upcoming(now, UPCOMING_DAYS)],
        },
        "plans": plans,
    }


def format_analysis(report: Mapping[str, Any]) -> list[str]:
    lines = ["Spread (near-duplicate clusters):"]
    for c in report.get("clusters") or []:
        first = (
            f"first {c['first_site']} {c['first_author'] or ''} {_when(c['first_published_at'])}"
        )
        lines.append(f"  {c['size']:>3} copies on {c['site_count']} sites — {first} ({c['_id']})")
    lines.append("Watched entities:")
    for e in report.get("entities") or []:
        lines.append(f"  {e['name'] or e['entity']:<20} {e['count']:>5} posts")
    periods = report.get("periods")
    if periods is not None:
        lines.append("Sensitive periods:")
        for label in ("active", "upcoming"):
            for w in periods[label]:
                span = f"{_when(w['start'])} → {_when(w['end'])}"
                lines.append(f"  {label:<8} {w['name']}  {span}  weight {w['weight']}")
        lines.append("Watch plans (opinion report --plan ID):")
        for p in report.get("plans") or []:
            lines.append(f"  {p['id']:<24} {p['state']:<8} {p['name']}")
    return lines


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"
