"""Stories: one alert per thread on one site, or per near-duplicate cluster across sites, that
grows instead of a new alert per reply. Pure functions on alert documents; the ledger work is
in :mod:`opinion_spiders.alerting.dispatch`.

An alert is keyed by its story (:func:`story_key`): ``thread:<site>:<thread id>`` for a post
in a thread, and for every copy of a thread's post; ``cluster:<cluster id>`` for an article
and its copies; ``post:<post id>`` for a text with neither. Each later post of the story
updates the one alert — posts, sites, replies, highest post score — and the story's score is
the highest post score plus
:data:`SITE_BONUS` for every further site it reached. When that score (or a post's own tier)
reaches a higher tier, the alert escalates: it is delivered again, once, and the step is
recorded in its ``history``. Event alerts (bursts) escalate the same way by their level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

#: Score a story gains for every site beyond its first (a story that spreads is hotter).
SITE_BONUS = 10.0
#: Post ids and history entries an alert keeps (the newest are dropped beyond these).
MAX_POST_IDS = 50
MAX_HISTORY = 50
#: Fields an event alert takes over from the event each time it is updated.
EVENT_FIELDS = ("score", "count", "expected", "surprise", "post_ids", "posts", "sites", "terms",
                "end", "peak", "title", "event_level")  # fmt: skip


def story_key(post: Mapping[str, Any]) -> str:
    """The ledger ``_id`` of the post's story. Copies of a text (a cluster of two or more)
    belong to the story of the cluster's first post — its thread when it is a thread's post,
    else the cluster; a post in a thread to its thread; a lone article to its cluster (so a
    later copy finds it), else to itself."""
    cluster = post.get("cluster_id")
    if cluster and int(post.get("cluster_size") or 0) >= 2:
        return cluster_story_key(str(cluster))
    if post.get("thread_id"):
        return f"thread:{post.get('site')}:{post['thread_id']}"
    return f"cluster:{cluster}" if cluster else f"post:{post['_id']}"


def cluster_story_key(cluster_id: str) -> str:
    """A cluster's id is its first post's ``_id``: ``site:thread:post`` names its thread."""
    parts = cluster_id.split(":")
    if len(parts) == 3 and parts[1] != "url" and all(parts):
        return f"thread:{parts[0]}:{parts[1]}"
    return f"cluster:{cluster_id}"


def story_kind(key: str) -> str:
    return key.split(":", 1)[0]


def start_story(alert: dict[str, Any], post: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The story fields of a post's first alert (in place; returned for convenience)."""
    sites = _union([post.get("site")], post.get("cluster_sites") or [])
    alert.update(
        story=story_kind(str(alert["_id"])),
        posts=1,
        post_ids=[post["_id"]],
        sites=sites,
        threads=_union([_thread(post)]),
        replies=int(post.get("replies") or 0),
        top_score=float(alert.get("score") or 0.0),
        updated_at=now,
    )
    alert["score"] = story_score(alert["top_score"], len(sites))
    return alert


def story_score(top_score: float, sites: int) -> float:
    return round(top_score + SITE_BONUS * max(0, sites - 1), 3)


def tier_rank(tier: Any, order: Sequence[str]) -> int:
    return order.index(tier) if tier in order else -1


def grow(
    existing: Mapping[str, Any],
    incoming: Mapping[str, Any],
    order: Sequence[str],
    tier_of_score: Any,
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """The fields to set on ``existing`` for one more post (or a grown event), and whether
    the alert escalated. ``order`` is the tier names ascending; ``tier_of_score(score)`` the
    tier a story score reaches (None under every tier)."""
    if incoming.get("type") == "event":
        fields = {k: incoming[k] for k in EVENT_FIELDS if k in incoming}
        tier = _higher(order, existing.get("tier"), incoming.get("tier"))
        note = f"{incoming.get('count')} posts"
    else:
        fields, tier = _grow_post(existing, incoming, order, tier_of_score)
        note = f"{fields['posts']} posts on {len(fields['sites'])} sites"
    fields["updated_at"] = now
    escalated = tier_rank(tier, order) > tier_rank(existing.get("tier"), order)
    step = None
    if escalated:
        fields["tier"] = tier
        fields["escalated_at"] = now
        step = "escalated"
    elif len(fields.get("sites") or ()) > len(existing.get("sites") or ()):
        step = "spread"
    if step:
        entry = {"at": now, "step": step, "tier": tier, "score": fields.get("score"),
                 "note": note}  # fmt: skip
        fields["history"] = [*(existing.get("history") or []), entry][-MAX_HISTORY:]
    return fields, escalated


def _grow_post(
    existing: Mapping[str, Any], incoming: Mapping[str, Any], order: Sequence[str], tier_of: Any
) -> tuple[dict[str, Any], str | None]:
    post_ids = list(existing.get("post_ids") or [])
    new_post = incoming["post_id"] not in post_ids
    if new_post:
        post_ids = [*post_ids, incoming["post_id"]][-MAX_POST_IDS:]
    sites = _union(existing.get("sites") or [], incoming.get("sites") or [incoming.get("site")])
    top = max(float(existing.get("top_score") or 0.0), float(incoming.get("top_score") or 0.0))
    score = story_score(top, len(sites))
    fields: dict[str, Any] = {
        "post_ids": post_ids,
        "posts": int(existing.get("posts") or 1) + int(new_post),
        "sites": sites,
        "threads": _union(existing.get("threads") or [], incoming.get("threads") or []),
        "replies": max(int(existing.get("replies") or 0), int(incoming.get("replies") or 0)),
        "top_score": top,
        "score": max(score, float(existing.get("score") or 0.0)),
        "rules": _union(existing.get("rules") or [], incoming.get("rules") or []),
        "terms": sorted(_union(existing.get("terms") or [], incoming.get("terms") or [])),
    }
    story = str(existing.get("_id") or "")
    own = story.startswith("thread:") and story[7:] in (incoming.get("threads") or ())
    if own and incoming.get("title"):
        # a post of the story's own thread: the story reads under its thread's title,
        # whichever copy (a repost in another thread) happened to raise the alert first
        fields["title"] = incoming["title"]
    tier = _higher(order, existing.get("tier"), incoming.get("tier"), tier_of(fields["score"]))
    return fields, tier


def _higher(order: Sequence[str], *tiers: Any) -> str | None:
    ranked = [t for t in tiers if t in order]
    return max(ranked, key=order.index) if ranked else None


def _thread(post: Mapping[str, Any]) -> str | None:
    return f"{post.get('site')}:{post['thread_id']}" if post.get("thread_id") else None


def _union(*lists: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(x for items in lists for x in items if x))


def story_line(alert: Mapping[str, Any]) -> str:
    """``3 帖 · 2 站 · 升级 1 次`` — how far a story grew, for alerts and digests."""
    parts = []
    posts = int(alert.get("posts") or alert.get("count") or 0)
    if posts > 1:
        parts.append(f"{posts} 帖")
    if len(alert.get("sites") or ()) > 1:
        parts.append(f"{len(alert['sites'])} 站")
    steps = sum(1 for h in alert.get("history") or () if h.get("step") == "escalated")
    if steps:
        parts.append(f"升级 {steps} 次")
    return " · ".join(parts)
