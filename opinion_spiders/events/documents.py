"""What a burst becomes: an ``events`` document (merged with the one stored before, so a burst
that goes on across runs stays one event) and the event's alert. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from opinion_spiders.events.bursts import LEVELS, Burst, BurstDetector

LABELS = {
    "rule": "规则", "entity": "关注对象", "site": "站点", "cluster": "转载扩散", "term": "新词",
}  # fmt: skip


def event_id(burst: Burst, detector: BurstDetector) -> str:
    """``dimension:value:start`` — stable while the burst goes on (its first bucket)."""
    return f"{burst.dimension}:{burst.value}:{_stamp(detector, burst.start)}"


def stored_ids(burst: Burst, detector: BurstDetector) -> list[str]:
    """The ``_id`` the burst may be stored under, in the order to prefer them: its own over
    each of its buckets (a burst that grew back into earlier buckets), then those of the words
    folded into it (a story whose lead word changed as it grew stays the event first stored)."""
    # each bucket's text once, not once a word (a story lists dozens of words)
    starts = [_stamp(detector, k) for k in range(burst.start, burst.end + 1)]
    values = [burst.value, *(w["term"] for w in burst.words)]
    return [f"{burst.dimension}:{v}:{start}" for v in values for start in starts]


def _stamp(detector: BurstDetector, bucket: int) -> str:
    return f"{detector.policy.bucket_start(bucket):%Y-%m-%dT%H:%MZ}"


def event_document(
    burst: Burst,
    detector: BurstDetector,
    previous: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """The event as stored: key, window, peak, first post, members (bounded), rising terms,
    level, the levels it went through and times. A stored event keeps its creation time,
    first post, members and level (a level never falls)."""
    p = detector.policy
    records = burst.records  # taken when it was found (see Burst.records)
    first = records[0] if records else None
    old_ids = list((previous or {}).get("post_ids") or [])
    post_ids = list(dict.fromkeys([*old_ids, *burst.post_ids]))[: p.max_posts]
    level = burst.level
    if previous and _rank(previous.get("level")) > _rank(level):
        level = str(previous["level"])
    first_post = _first_post(first, (previous or {}).get("first_post"))
    sites = sorted({r.site for r in records} | set((previous or {}).get("sites") or []))
    # a stored story keeps the word it was first stored under, whichever leads it now
    value = str(previous["value"]) if previous and previous.get("value") else burst.value
    name = str(previous.get("name") or value) if previous else burst.name or burst.value
    count = max(burst.total, int((previous or {}).get("count") or 0))
    doc = {
        # a burst that grew back into earlier buckets stays the event it was first stored as
        "_id": str(previous["_id"]) if previous else event_id(burst, detector),
        "dimension": burst.dimension,
        "value": value,
        "name": name,
        "start": p.bucket_start(burst.start),
        "end": p.bucket_start(burst.end + 1),
        "bucket_hours": p.bucket.total_seconds() / 3600,
        "peak": {"start": p.bucket_start(burst.peak), "count": burst.counts[burst.peak]},
        "counts": [
            {"start": p.bucket_start(b), "count": c} for b, c in sorted(burst.counts.items())
        ],
        "count": count,
        "expected": burst.expected,
        "baseline": burst.baseline,
        "surprise": burst.surprise,
        "threshold": burst.threshold,
        "period_factor": burst.factor,
        "level": level,
        "first_post": first_post,
        "post_ids": post_ids,
        "sites": sites,
        "terms": burst.rising,
        "words": _words(previous, burst, value),
        "created_at": (previous or {}).get("created_at") or now,
        "updated_at": now,
    }
    doc["levels"] = _levels(previous, level, count, now)
    doc["alert_id"] = f"event:{doc['_id']}"
    return doc


def _words(previous: Mapping[str, Any] | None, burst: Burst, value: str) -> list[dict[str, Any]]:
    """The words that rose with the event's word (see ``fold_co_rising``): those stored before
    and those of this burst, each once at its latest count, most surprising first."""
    if burst.dimension != "term":
        return []
    own = {"term": burst.value, "count": burst.total, "surprise": burst.surprise}
    found = {w["term"]: dict(w) for w in (previous or {}).get("words") or []}
    found.update((w["term"], dict(w)) for w in [own, *burst.words])
    found.pop(value, None)
    return sorted(found.values(), key=lambda w: (-float(w["surprise"]), w["term"]))


def _levels(
    previous: Mapping[str, Any] | None, level: str, count: int, now: datetime
) -> list[dict[str, Any]]:
    """The level history: one step per level reached, when it was seen and at how many posts
    (an event stored before this history starts it at its stored level)."""
    steps = list((previous or {}).get("levels") or [])
    if not steps and previous and previous.get("level"):
        steps = [{"level": previous["level"], "at": previous.get("created_at") or now,
                  "count": int(previous.get("count") or 0)}]  # fmt: skip
    if not steps or steps[-1]["level"] != level:
        steps.append({"level": level, "at": now, "count": count})
    return steps


def _first_post(record: Any, stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    mine = None
    if record is not None:
        mine = {"id": record.id, "site": record.site, "title": record.title, "url": record.url,
                "author": record.author, "time": record.time}  # fmt: skip
    if stored and (mine is None or stored.get("time") and stored["time"] <= mine["time"]):
        return dict(stored)
    return mine


def _rank(level: Any) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def event_title(event: Mapping[str, Any]) -> str:
    """``规则「征地拆迁」突增：12 帖/1 小时（基线 0.2）`` — what the event alert is called; a
    story of words names the first three that rose with its word: ``新词「火灾」涌现（同时：消防、
    起火、锦绣小区）：…``."""
    label = LABELS.get(str(event.get("dimension")), str(event.get("dimension")))
    name = event.get("name") or event.get("value")
    if event.get("dimension") == "cluster" and event.get("first_post"):
        name = event["first_post"].get("title") or name
    hours = float(event.get("bucket_hours") or 1)
    peak = event.get("peak") or {}
    what = "涌现" if event.get("dimension") == "term" else "突增"
    words = [str(w["term"]) for w in event.get("words") or []]
    if words:
        what += f"（同时：{'、'.join(words[:3])}{' 等' if len(words) > 3 else ''}）"
    return (
        f"{label}「{name}」{what}：{event.get('count')} 帖，峰值 {peak.get('count')} 帖/"
        f"{hours:g} 小时（基线 {float(event.get('baseline') or 0):.1f}）"
    )


def event_alert(
    event: Mapping[str, Any], tier_names: Sequence[str], now: datetime
) -> dict[str, Any] | None:
    """The alert an event raises: tier = the event's level mapped onto the configured tiers
    (notice → the lowest …), score = its surprise. None when no tiers are configured."""
    if not tier_names:
        return None
    tier = tier_names[min(_rank(event.get("level")), len(tier_names) - 1)]
    first = event.get("first_post") or {}
    terms = [t["term"] for t in event.get("terms") or []]
    return {
        "_id": event["alert_id"],
        "type": "event",
        "event_id": event["_id"],
        "dimension": event.get("dimension"),
        "value": event.get("value"),
        "post_id": first.get("id"),
        "site": first.get("site"),
        "sites": list(event.get("sites") or []),
        "url": first.get("url"),
        "title": event_title(event),
        "author": first.get("author"),
        "score": float(event.get("surprise") or 0.0),
        "tier": tier,
        "event_level": event.get("level"),
        "rules": [event["value"]] if event.get("dimension") == "rule" else [],
        "terms": terms,
        "words": [str(w["term"]) for w in event.get("words") or []],
        "count": event.get("count"),
        "posts": event.get("count"),
        "expected": event.get("expected"),
        "surprise": event.get("surprise"),
        "post_ids": list(event.get("post_ids") or [])[:50],
        "start": event.get("start"),
        "end": event.get("end"),
        "peak": event.get("peak"),
        "published_at": first.get("time"),
        "crawled_at": None,
        "created_at": now,
        "status": "pending",
        "deliveries": {},
    }
