"""The ``clusters`` document, defined once for both stores and the in-run index: the first
publisher's sort key, a lone post as a cluster of one, a join and a merge.

Why a text sort key: the first publisher is found by one comparison of ``first_key``, the
order of :meth:`opinion_spiders.clusters.Member.publish_key` kept as text that sorts the same
way (fixed-width UTC times, ``~`` for a missing one, then the post id), which the stores and
reports can also sort on.

A member (or founder) is what a cluster needs of a post: its ``_id``, ``site``, ``author``,
``published_at`` and ``crawled_at`` (a subset of its ``posts`` document).

A cluster lists its posts in ``members`` (their ``_id``s; the founder, whose ``_id`` the
cluster bears, aside), so a join or a merge made twice counts once: the cluster step writes
by replacing documents, and a step cut short is done again (see
:meth:`opinion_spiders.stores.base.Store.write_clusters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from opinion_spiders.stores._docs import iso

Doc = dict[str, Any]
#: The first-publisher fields of a cluster, replaced together.
FIRST = ("first_post_id", "first_site", "first_author", "first_published_at",
         "first_crawled_at", "first_key")  # fmt: skip
MEMBER = ("_id", "site", "author", "published_at", "crawled_at")
#: What a missing time becomes in a key: after any real time.
MISSING = "~" * len(iso(datetime(2000, 1, 1, tzinfo=UTC)))


def time_key(value: datetime | None) -> str:
    return iso(value) if isinstance(value, datetime) else MISSING


def sort_key(published: datetime | None, crawled: datetime | None, post_id: str) -> str:
    """``publish_key`` as text: published (else crawled), then crawled, then the id."""
    return f"{time_key(published or crawled)} {time_key(crawled)} {post_id}"


def member_key(member: Mapping[str, Any]) -> str:
    return sort_key(member.get("published_at"), member.get("crawled_at"), str(member["_id"]))


def key_of(cluster: Mapping[str, Any]) -> str:
    """The cluster's ``first_key``, computed for a document stored before it had one."""
    key = cluster.get("first_key")
    if isinstance(key, str) and key:
        return key
    published, crawled = cluster.get("first_published_at"), cluster.get("first_crawled_at")
    return sort_key(published, crawled, str(cluster.get("first_post_id") or ""))


def first_fields(member: Mapping[str, Any]) -> Doc:
    """A member as the cluster's first publisher."""
    return {
        "first_post_id": str(member["_id"]),
        "first_site": str(member.get("site") or ""),
        "first_author": str(member.get("author") or ""),
        "first_published_at": member.get("published_at"),
        "first_crawled_at": member.get("crawled_at"),
        "first_key": member_key(member),
    }


def founded(cluster_id: str, founder: Mapping[str, Any]) -> Doc:
    """A lone post as a cluster of one: never stored alone, the start of a join or merge."""
    site = str(founder.get("site") or "")
    return {"_id": cluster_id, "size": 1, "sites": [site], "site_count": 1, **first_fields(founder),
            "last_seen": founder.get("crawled_at"), "merged_from": [], "members": []}  # fmt: skip


def has_member(cluster: Mapping[str, Any], post_id: str) -> bool:
    """Whether the post is counted in the cluster (its founder, or listed in ``members``)."""
    return post_id == str(cluster["_id"]) or post_id in (cluster.get("members") or ())


def joined(cluster: Mapping[str, Any], member: Mapping[str, Any]) -> Doc:
    """The cluster after one more copy (unchanged when it counts the post already)."""
    post_id = str(member["_id"])
    if has_member(cluster, post_id):
        return dict(cluster)
    site = str(member.get("site") or "")
    out = _grown(cluster, 1, [site], first_fields(member), member.get("crawled_at"))
    out["members"] = [*out["members"], post_id]
    return out


def combined(cluster: Mapping[str, Any], other: Mapping[str, Any]) -> Doc:
    """``cluster`` after absorbing ``other``: sizes summed, sites united, the earlier first
    publisher, the later ``last_seen``, ``other``'s posts listed, and ``other`` (with what it
    had absorbed) recorded in ``merged_from`` (unchanged when it was absorbed already)."""
    if str(other["_id"]) in (cluster.get("merged_from") or ()):
        return dict(cluster)
    first = {name: other.get(name) for name in FIRST} | {"first_key": key_of(other)}
    out = _grown(cluster, int(other.get("size") or 1), other.get("sites") or (), first,
                 other.get("last_seen"))  # fmt: skip
    gone = [str(other["_id"]), *(other.get("merged_from") or ())]
    out["merged_from"] = sorted({*out["merged_from"], *gone})
    listed = [str(other["_id"]), *(other.get("members") or ())]
    out["members"] = list(dict.fromkeys(p for p in (*out["members"], *listed)
                                        if p != str(cluster["_id"])))  # fmt: skip
    return out


def _grown(
    cluster: Mapping[str, Any], size: int, sites: Iterable[str], first: Doc, seen: Any
) -> Doc:
    out = dict(cluster)
    out["size"] = int(cluster.get("size") or 1) + size
    out["sites"] = sorted({*(cluster.get("sites") or ()), *sites})
    out["site_count"] = len(out["sites"])
    out["first_key"] = key_of(cluster)
    if first["first_key"] < out["first_key"]:
        out.update(first)
    out["last_seen"] = latest(cluster.get("last_seen"), seen)
    out["merged_from"] = list(cluster.get("merged_from") or ())
    out["members"] = list(cluster.get("members") or ())
    return out


def latest(a: Any, b: Any) -> Any:
    """The later of two optional datetimes."""
    if not isinstance(b, datetime):
        return a
    return b if not isinstance(a, datetime) or b > a else a


def order(cluster: Mapping[str, Any]) -> tuple[str, str]:
    """Merge order: the earliest first publisher survives (ties: the smaller id)."""
    return key_of(cluster), str(cluster["_id"])
