"""What an analyst judges a story or an event by: its posts in time order, who published
first, how it spread across sites and its timeline. Read from a store in one or two queries
(:meth:`~opinion_spiders.stores.base.Store.member_posts`), summarised by pure functions.

A story's posts are those its alert lists, those of its thread, and every copy of its texts
(posts sharing a near-duplicate cluster whose first post is the story's) — so a story's spread
shows the sites its text reached. An event's posts are those its document lists (the first
200 of the burst).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from opinion_spiders.events.stories import cluster_story_key
from opinion_spiders.stores.base import Store

#: Posts read for one story or event at most (earliest first; the page says when cut).
MAX_POSTS = 2000
#: Clusters of a story's posts followed to their copies at most.
MAX_CLUSTERS = 500
#: A timeline spanning at most this long is drawn per hour, a longer one per day.
HOURLY_SPAN = timedelta(hours=48)


@dataclass
class Evidence:
    """The posts of a story or event (earliest first) and what is read off them."""

    posts: list[dict[str, Any]]
    #: True when more than :data:`MAX_POSTS` posts belong to it and the latest were left out.
    cut_short: bool = False
    first: dict[str, Any] | None = None
    #: ``[{"site", "posts", "first"}]``: each site with its post count and first time, in the
    #: order the text reached them.
    spread: list[dict[str, Any]] = field(default_factory=list)
    #: ``"hour"`` or ``"day"``, and ``[{"slot", "site", "count"}]`` per slot and site.
    unit: str = "hour"
    timeline: list[dict[str, Any]] = field(default_factory=list)


def post_time(post: Mapping[str, Any]) -> datetime | None:
    """When a post was published (when it was crawled, when the page showed no time)."""
    value = post.get("time") or post.get("published_at") or post.get("crawled_at")
    return value if isinstance(value, datetime) else None


def first_publisher(posts: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The earliest post (ties broken by ``_id``); None without a post that has a time."""
    timed = [(t, str(p["_id"]), p) for p in posts if (t := post_time(p)) is not None]
    return dict(min(timed, key=lambda x: x[:2])[2]) if timed else None


def spread(posts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each site with its number of posts and its first post's time, earliest site first."""
    counts: Counter[str] = Counter()
    first: dict[str, datetime] = {}
    for post in posts:
        site = str(post.get("site") or "")
        counts[site] += 1
        when = post_time(post)
        if when is not None and (site not in first or when < first[site]):
            first[site] = when
    return sorted(
        ({"site": s, "posts": n, "first": first.get(s)} for s, n in counts.items()),
        key=lambda r: (r["first"] is None, r["first"] or datetime.min, r["site"]),
    )


def timeline(
    posts: Sequence[Mapping[str, Any]], tz: tzinfo, unit: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Posts per hour (a span up to :data:`HOURLY_SPAN`) or per day in ``tz``, per site:
    ``(unit, [{"slot", "site", "count"}])``, slots ``2026-12-02 14:00`` or ``2026-12-02``.
    Every slot from the first post's to the last one's is there; an empty one as one row
    with a count of 0, so a chart keeps the gap."""
    times = [(t.astimezone(tz), str(p.get("site") or "")) for p in posts
             if (t := post_time(p)) is not None]  # fmt: skip
    if not times:
        return unit or "hour", []
    start, end = min(t for t, _ in times), max(t for t, _ in times)
    unit = unit or ("hour" if end - start <= HOURLY_SPAN else "day")
    if unit not in ("hour", "day"):
        raise ValueError(f"unit is hour or day, not {unit!r}")
    step, shape = (timedelta(hours=1), "%Y-%m-%d %H:00") if unit == "hour" else (
        timedelta(days=1), "%Y-%m-%d")  # fmt: skip
    counts = Counter((t.strftime(shape), site) for t, site in times)
    rows = [{"slot": slot, "site": site, "count": n} for (slot, site), n in counts.items()]
    busy = {slot for slot, _ in counts}
    at = _floor(start, unit)
    while at <= end:
        if (slot := at.strftime(shape)) not in busy:
            rows.append({"slot": slot, "site": times[0][1], "count": 0})
            busy.add(slot)
        at += step  # wall-clock arithmetic in ``tz``: every local slot once
    return unit, sorted(rows, key=lambda r: (r["slot"], r["site"]))


def _floor(when: datetime, unit: str) -> datetime:
    when = when.replace(minute=0, second=0, microsecond=0)
    return when.replace(hour=0) if unit == "day" else when


def summarise(posts: list[dict[str, Any]], tz: tzinfo, cut_short: bool = False) -> Evidence:
    """The evidence of posts already read (earliest first)."""
    unit, rows = timeline(posts, tz)
    return Evidence(posts, cut_short, first_publisher(posts), spread(posts), unit, rows)


def story_evidence(store: Store, alert: Mapping[str, Any], tz: tzinfo) -> Evidence:
    """A story alert's posts: those it lists, its thread's, and the copies of the texts that
    are this story's on any site. A copy posted into another thread brings only itself, not
    that thread (the alert's ``threads`` name such threads too), and a thread's post that
    copies another story's text does not bring that story's posts."""
    key = str(alert["_id"])
    listed = [alert.get("post_id"), *(alert.get("post_ids") or [])]
    ids = list(dict.fromkeys(str(i) for i in listed if i))
    threads = [_pair(key.removeprefix("thread:"))] if key.startswith("thread:") else []
    clusters = {key.removeprefix("cluster:")} if key.startswith("cluster:") else set()

    def read() -> list[dict[str, Any]]:
        return store.member_posts(ids=ids, threads=threads, clusters=sorted(clusters),
                                  limit=MAX_POSTS + 1)  # fmt: skip

    posts = read()
    copies = {str(p["cluster_id"]) for p in posts if p.get("cluster_id")} - clusters
    ours = sorted(c for c in copies if cluster_story_key(c) == key)[:MAX_CLUSTERS]
    if ours:  # a second read follows the story's clusters to their copies on other sites
        clusters.update(ours)
        posts = read()
    return summarise(posts[:MAX_POSTS], tz, len(posts) > MAX_POSTS)


def _pair(thread: str) -> tuple[str, str]:
    site, _, thread_id = thread.partition(":")
    return site, thread_id


def event_evidence(store: Store, event: Mapping[str, Any], tz: tzinfo) -> Evidence:
    """An event's posts: those its document lists (the first of the burst)."""
    ids = [str(i) for i in event.get("post_ids") or []]
    posts = store.member_posts(ids=ids, limit=MAX_POSTS + 1) if ids else []
    cut = len(posts) > MAX_POSTS or int(event.get("count") or 0) > len(posts)
    return summarise(posts[:MAX_POSTS], tz, cut)
