"""Alerts: which posts raise one, and what an alert carries. Delivery is the channels' job."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Channel(Protocol):
    """Somewhere alerts go. ``send`` raises on failure; the alert then stays ``pending``."""

    name: str

    def send(self, alert: Mapping[str, Any]) -> None: ...


def tier_for(score: float, threshold: float) -> str:
    """notice at the threshold, warning at twice it, urgent at four times."""
    if score >= 4 * threshold:
        return "urgent"
    if score >= 2 * threshold:
        return "warning"
    return "notice"


def alert_for(post: Mapping[str, Any], threshold: float, now: datetime) -> dict[str, Any] | None:
    """The alert a stored post raises, or None when its score is under the threshold.

    The ``_id`` is derived from the post's, so the alert ledger never holds one twice.
    """
    score = float(post.get("score") or 0.0)
    if threshold <= 0 or score < threshold:
        return None
    return {
        "_id": f"post:{post['_id']}",
        "post_id": post["_id"],
        "site": post.get("site"),
        "kind": post.get("kind"),
        "url": post.get("url"),
        "title": post.get("title"),
        "author": post.get("author"),
        "score": score,
        "tier": tier_for(score, threshold),
        "rules": [m.get("rule") for m in post.get("matches") or []],
        "terms": sorted({h["term"] for m in post.get("matches") or [] for h in m.get("hits", [])}),
        "published_at": post.get("published_at"),
        "crawled_at": post.get("crawled_at"),
        "created_at": now,
        "status": "pending",
        "deliveries": {},
    }
