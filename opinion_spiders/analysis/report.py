"""What analysts see first: posts per site and kind, rule hits in context, top posts with
their score contributions, and the alerts raised. Built from store reads only."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from opinion_spiders.analysis._report_watch import analysis_part, format_analysis
from opinion_spiders.errors import ConfigError
from opinion_spiders.events.stories import story_line
from opinion_spiders.items import KINDS
from opinion_spiders.settings_util import analyst_zone, in_zone
from opinion_spiders.stores.base import Store

__all__ = ["analysis_part", "build_report", "format_report", "parse_since", "parse_when"]

DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Events the report lists (newest first).
EVENT_LIMIT = 20
#: Alerts read for the status counts and latency percentiles; the report lists the newest 100.
ALERT_SCAN_LIMIT = 100_000
ALERT_STATUSES = ("sent", "pending", "held")


def parse_since(text: str | None, now: datetime | None = None, tz: tzinfo = UTC) -> datetime | None:
    """``--since`` as :func:`parse_when` reads it; None for everything."""
    return parse_when(text, "--since", tz, now or datetime.now(UTC))


def parse_when(text: str | None, option: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A duration back from ``now`` (``24h``, ``7d``) or an ISO date/time (in ``tz`` unless it
    has an offset); None when not given."""
    if not text:
        return None
    m = DURATION.match(text.strip())
    if m:
        return now - timedelta(**{UNITS[m.group(2)]: int(m.group(1))})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            "opinion", option, f"{text!r}: use a duration like 24h, 7d, 30m or an ISO date"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def build_report(
    store: Store,
    since: datetime | None = None,
    top: int = 10,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything from store reads; with ``settings`` also the periods and plans they name.
    Every time is shown in the analysts' zone (``OPINION_TIMEZONE``, named in ``timezone``)."""
    tz = analyst_zone(settings or {})
    by_site_kind = store.count_posts(("site", "kind"), since)
    per_kind = {k: 0 for k in KINDS}
    per_site: dict[str, int] = {}
    for row in by_site_kind:
        per_kind[row["kind"]] = per_kind.get(row["kind"], 0) + row["count"]
        per_site[row["site"]] = per_site.get(row["site"], 0) + row["count"]
    matched = store.find_posts(since, matched_only=True, sort="score", limit=200)
    report = {
        "timezone": str(tz),
        "since": since,
        "total_posts": sum(per_site.values()),
        "per_kind": per_kind,
        "per_site": per_site,
        "per_site_kind": by_site_kind,
        "rule_hits": [
            {**row, "evidence": _evidence(matched, row["rule"])} for row in store.rule_hits(since)
        ],
        "top_posts": [_post_summary(p) for p in store.find_posts(since, sort="score", limit=top)],
        "removed": [_removed_summary(p) for p in store.find_removed(since)],
        **_alerts_part(store.find_alerts(since, limit=ALERT_SCAN_LIMIT)),
        "runs": [_run_summary(r) for r in store.find_runs(limit=10)],
        **_events_part(store.find_events(since, limit=EVENT_LIMIT)),
        **analysis_part(store, since, settings, datetime.now(UTC)),
    }
    return dict(in_zone(report, tz))


def _evidence(posts: list[dict[str, Any]], rule: str, limit: int = 3) -> list[dict[str, Any]]:
    """The first hits of a rule in distinct contexts, from the highest-scored posts."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for post in posts:
        for m in post.get("matches") or []:
            for hit in m.get("hits", []) if m.get("rule") == rule else []:
                if hit["context"] not in seen and len(out) < limit:
                    seen.add(hit["context"])
                    out.append({"post_id": post["_id"], "site": post.get("site"), **hit})
    return out


def _removed_summary(p: Mapping[str, Any]) -> dict[str, Any]:
    """A thread found taken down: where, when it was found gone, what the page said."""
    removed = p.get("removed") or {}
    keys = ("_id", "site", "title", "author", "url", "published_at", "score")
    return {k: p.get(k) for k in keys} | {"removed_at": removed.get("at"),
                                          "notice": removed.get("notice")}  # fmt: skip


def _post_summary(p: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "_id",
        "site",
        "kind",
        "title",
        "author",
        "url",
        "published_at",
        "score",
        "contributions",
    )
    return {k: p.get(k) for k in keys} | {"rules": [m.get("rule") for m in p.get("matches") or []]}


def _alerts_part(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    status = {k: 0 for k in ALERT_STATUSES}
    for a in alerts:
        status[str(a.get("status"))] = status.get(str(a.get("status")), 0) + 1
    return {
        "alerts": [_alert_summary(a) for a in alerts[:100]],
        "alert_status": status,
        "alert_latency": alert_latency(alerts),
    }


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (a value that occurred), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def alert_latency(alerts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Seconds from publish (and from crawl) to ``alerted_at`` — when every channel had the
    alert — at p50/p90/p99, over post alerts that were sent. A publish time after the alert
    (a site's clock ahead) is left out rather than counted as negative."""
    out: dict[str, dict[str, Any]] = {}
    for key, start in (("publish_to_alert", "published_at"), ("crawl_to_alert", "crawled_at")):
        values = [
            (a["alerted_at"] - a[start]).total_seconds()
            for a in alerts
            if a.get("type", "post") == "post"
            and isinstance(a.get("alerted_at"), datetime)
            and isinstance(a.get(start), datetime)
        ]
        values = [v for v in values if v >= 0]
        out[key] = {"count": len(values)} | {f"p{q}": percentile(values, q) for q in (50, 90, 99)}
    return out


def _events_part(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The bursts that went on in the window (newest first) and the words that emerged."""
    keys = ("_id", "dimension", "value", "name", "level", "start", "end", "count", "expected",
            "surprise", "first_post", "sites", "alert_id")  # fmt: skip
    words = sorted((e for e in events if e.get("dimension") == "term"),
                   key=lambda e: -float(e.get("surprise") or 0))  # fmt: skip
    return {
        "events": [
            {**{k: e.get(k) for k in keys}, "terms": [t["term"] for t in e.get("terms") or []]}
            for e in events
        ],
        "emerging_terms": [{"term": e["value"], "count": e.get("count")} for e in words[:10]],
    }


def _alert_summary(a: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "_id",
        "type",
        "story",
        "posts",
        "sites",
        "escalated_at",
        "tier",
        "score",
        "site",
        "title",
        "url",
        "status",
        "created_at",
        "alerted_at",
        "terms",
    )
    return {k: a.get(k) for k in keys}


def _run_summary(r: Mapping[str, Any]) -> dict[str, Any]:
    stats = r.get("stats") or {}
    return {
        "_id": r.get("_id"), "site": r.get("site"), "started_at": r.get("started_at"),
        "finish_reason": r.get("finish_reason"), "posts": stats.get("opinion/store/written", 0),
        "new": stats.get("opinion/store/new", 0),
        "parse_failures": len(r.get("parse_failures") or []),
    }  # fmt: skip


def format_report(report: Mapping[str, Any]) -> str:
    """The report as text for a terminal."""
    zone = f" — times in {report['timezone']}" if report.get("timezone") else ""
    lines = [f"Posts: {report['total_posts']}" + _since(report["since"]) + zone]
    lines.append("  by kind: " + ", ".join(f"{k} {n}" for k, n in report["per_kind"].items()))
    for row in report["per_site_kind"]:
        lines.append(f"  {row['site']:<24} {row['kind']:<8} {row['count']:>6}")
    lines.append("Rule hits:")
    for row in report["rule_hits"] or [{"rule": "(none)", "count": 0, "evidence": []}]:
        lines.append(f"  {row['rule']:<16} {row['count']:>5} posts")
        for ev in row["evidence"]:
            context = " ".join(ev["context"].split())
            lines.append(f"      「{ev['term']}」 {ev['field']}@{ev['start']}: …{context}…")
    lines.append("Top posts:")
    for p in report["top_posts"]:
        lines.append(f"  {p['score']:>6.1f}  [{p['site']}] {p['title'] or ''}  ({p['_id']})")
        for c in p["contributions"] or []:
            lines.append(f"          +{c['value']:<6} {c['source']}: {c['reason']}")
    if report.get("removed"):
        lines.append(f"Taken down: {len(report['removed'])} (threads found gone on a revisit)")
        for p in report["removed"]:
            lines.append(f"  {p['removed_at']}  [{p['site']}] {p['title'] or ''} — {p['notice']}")
    status = report.get("alert_status") or {}
    by_status = ", ".join(f"{k} {n}" for k, n in status.items())
    lines.append(f"Alerts: {sum(status.values())} ({by_status})")
    for key, label in (("publish_to_alert", "publish→alert"), ("crawl_to_alert", "crawl→alert")):
        lat = (report.get("alert_latency") or {}).get(key) or {"count": 0}
        if lat["count"]:
            parts = "  ".join(f"{q} {_duration(lat[q])}" for q in ("p50", "p90", "p99"))
            lines.append(f"  {label} latency: {parts}  ({lat['count']} alerts)")
    for a in report["alerts"]:
        grown = f" ({story_line(a)})" if story_line(a) else ""
        lines.append(
            f"  [{a['tier']}] {a['score']:.1f} {a['site']} {a['title'] or ''} — {a['status']}"
            f"{grown}"
        )
    lines.extend(_format_events(report))
    lines.extend(format_analysis(report))
    return "\n".join(lines)


def _format_events(report: Mapping[str, Any]) -> list[str]:
    events = report.get("events") or []
    lines = [f"Events (bursts): {len(events)}" + ("" if events else " — opinion events")]
    for e in events[:EVENT_LIMIT]:
        first = e.get("first_post") or {}
        rising = "、".join(e.get("terms") or []) or "—"
        lines.append(
            f"  [{e['level']}] {e['dimension']}:{e.get('name') or e['value']}  {e['count']} posts"
            f" against {float(e.get('expected') or 0):.1f} expected — first [{first.get('site')}]"
            f" {first.get('title') or ''}; rising: {rising}"
        )
    if report.get("emerging_terms"):
        words = ", ".join(f"{t['term']} ({t['count']})" for t in report["emerging_terms"])
        lines.append(f"  emerging terms: {words}")
    return lines


def _duration(seconds: float) -> str:
    """45s, 12.5m, 3.2h, 2.1d: latency at a glance."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"


def _since(since: datetime | None) -> str:
    return f" (since {since.strftime('%Y-%m-%d %H:%M')})" if since else ""
