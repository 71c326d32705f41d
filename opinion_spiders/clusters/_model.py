"""Near-duplicates as data: text signatures, posts (members) and clusters, and their order —
what :mod:`.clusterer` decides with (import them from :mod:`opinion_spiders.clusters`).

Why MinHash LSH: a 64-bit simhash at Hamming ≤ 3 catches about a fifth of lightly edited
Chinese copies. Here a text becomes the set of its character 3-grams (after folding width and
case and dropping punctuation and spaces); 128 MinHash values estimate the Jaccard similarity
of two such sets, and 32 bands of 4 values each are the index keys: two texts become
candidates when any band agrees, which happens with probability ``1 - (1 - J**4)**32`` —
0.87 at J = 0.5, 0.99 at J = 0.6, 0.9998 at J = 0.7, but 3e-3 at J = 0.1 and 2e-7 at J = 0.02
(typical of unrelated texts). Candidates are then verified by estimated Jaccard ≥ 0.4.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opinion_spiders.clusters import _minhash
from opinion_spiders.stores import cluster_docs as docs

SHINGLE = 3
BANDS = 32
ROWS = 4
NUM_PERM = BANDS * ROWS
#: Estimated Jaccard similarity at which a candidate counts as a copy.
THRESHOLD = 0.4
#: Texts with fewer letters, digits and Hanzi than this ("顶", "同感+1") are not clustered.
MIN_CHARS = 30
#: At most this many posts sharing a band are checked per lookup (and clusters merged).
CANDIDATE_LIMIT = 50

_SIGNER = _minhash.Signer(NUM_PERM, SHINGLE, BANDS, ROWS)


@dataclass(frozen=True)
class Signature:
    """A text's MinHash values and its LSH band keys."""

    minhash: array[int]
    bands: tuple[str, ...]

    @property
    def encoded(self) -> str:
        return _minhash.encode(self.minhash)


def signature(text: str) -> Signature | None:
    """The text's signature, or None when it is too short to tell a copy from a coincidence."""
    folded = _minhash.normalise(text)
    if len(folded) < MIN_CHARS:
        return None
    values, bands = _SIGNER.sign(folded)
    return Signature(values, bands)


def similarity(a: array[int], b: array[int]) -> float:
    """Estimated Jaccard similarity of two texts' 3-gram sets."""
    return _minhash.similarity(a, b)


@dataclass
class Member:
    """What cluster decisions need to know of a post (a candidate from the store, or new)."""

    id: str
    site: str
    minhash: array[int]
    author: str = ""
    published_at: datetime | None = None
    crawled_at: datetime | None = None
    cluster_id: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Member | None:
        """From a store candidate; None when it has no (current-version) signature."""
        values = _minhash.decode(doc.get("minhash"), NUM_PERM)
        if values is None:
            return None
        return cls(
            id=str(doc["_id"]),
            site=str(doc.get("site") or ""),
            minhash=values,
            author=str(doc.get("author") or ""),
            published_at=doc.get("published_at"),
            crawled_at=doc.get("crawled_at"),
            cluster_id=doc.get("cluster_id") or str(doc["_id"]),
        )

    def publish_key(self) -> tuple[datetime | None, datetime | None, str]:
        """Earlier publishes first; a post that showed no time counts as published when it
        was crawled (it existed then), and equal times go to the earlier crawl."""
        return (self.published_at or self.crawled_at, self.crawled_at, self.id)

    @property
    def sort_key(self) -> str:
        """:meth:`publish_key` as the text the stores compare (``first_key``); missing times
        sort last."""
        return docs.sort_key(*self.publish_key())

    def fields(self) -> dict[str, Any]:
        """What a store's cluster calls take of a post (a subset of its document)."""
        return {"_id": self.id, "site": self.site, "author": self.author,
                "published_at": self.published_at, "crawled_at": self.crawled_at}  # fmt: skip


def _earlier(a: Member, b: Member) -> bool:
    """True when ``a`` was published before ``b``, in the order the stores use."""
    return a.sort_key < b.sort_key


def best_match(member: Member, candidates: Iterable[Member]) -> tuple[Member, float] | None:
    """The most similar candidate at or above :data:`THRESHOLD` (ties: earliest published)."""
    found = copies_by_cluster(member, candidates, 1, by_cluster=False)
    return next(iter(found.values()), None)


def copies_by_cluster(
    member: Member, candidates: Iterable[Member], limit: int = CANDIDATE_LIMIT,
    *, by_cluster: bool = True,
) -> dict[str, tuple[Member, float]]:  # fmt: skip
    """The verified copies (similarity ≥ :data:`THRESHOLD`), per cluster its most similar
    one, most similar first (ties: earliest published); at most ``limit`` clusters."""
    best: dict[str, tuple[Member, float]] = {}
    for cand in candidates:
        sim = similarity(member.minhash, cand.minhash)
        key = (cand.cluster_id or cand.id) if by_cluster else ""
        if sim >= THRESHOLD and (key not in best or _better(cand, sim, best[key])):
            best[key] = (cand, sim)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][1], kv[1][0].sort_key))
    return dict(ranked[:limit])


def _better(cand: Member, sim: float, than: tuple[Member, float]) -> bool:
    return sim > than[1] or (sim == than[1] and _earlier(cand, than[0]))


@dataclass
class Cluster:
    """A repost group: how many copies, on which sites, who published first, when last seen,
    and which clusters it absorbed. Joins and merges follow the stores' rules exactly (one
    definition in :mod:`opinion_spiders.stores.cluster_docs`)."""

    id: str
    first: Member
    size: int = 1
    sites: set[str] = field(default_factory=set)
    last_seen: datetime | None = None
    merged_from: list[str] = field(default_factory=list)
    #: the posts counted besides the founder (whose ``_id`` the cluster bears)
    members: list[str] = field(default_factory=list)

    @classmethod
    def founded_by(cls, member: Member, cluster_id: str | None = None) -> Cluster:
        cluster_id = cluster_id or member.cluster_id or member.id
        return cls.from_document(docs.founded(cluster_id, member.fields()))

    def join(self, member: Member) -> None:
        """Count a new copy; it becomes the first publisher if it was published earlier."""
        self._become(docs.joined(self.to_document(), member.fields()))

    def absorb(self, other: Cluster) -> None:
        """Take in another cluster's copies (a post bridged the two)."""
        self._become(docs.combined(self.to_document(), other.to_document()))

    def _become(self, doc: Mapping[str, Any]) -> None:
        after = Cluster.from_document(doc)
        self.first, self.size, self.sites = after.first, after.size, after.sites
        self.last_seen, self.merged_from = after.last_seen, after.merged_from
        self.members = after.members

    @property
    def site_count(self) -> int:
        return len(self.sites)

    @property
    def order(self) -> tuple[str, str]:
        """Merge order: the cluster with the earliest first publisher survives."""
        return self.first.sort_key, self.id

    def to_document(self) -> dict[str, Any]:
        """The ``clusters`` document (see the MongoDB schema in docs/analysts.md)."""
        return {
            "_id": self.id,
            "size": self.size,
            "sites": sorted(self.sites),
            "site_count": self.site_count,
            "first_post_id": self.first.id,
            "first_site": self.first.site,
            "first_author": self.first.author,
            "first_published_at": self.first.published_at,
            "first_crawled_at": self.first.crawled_at,
            "first_key": self.first.sort_key,
            "last_seen": self.last_seen,
            "merged_from": list(self.merged_from),
            "members": list(self.members),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Cluster:
        first = Member(
            id=str(doc["first_post_id"]),
            site=str(doc.get("first_site") or ""),
            minhash=array("I"),
            author=str(doc.get("first_author") or ""),
            published_at=doc.get("first_published_at"),
            crawled_at=doc.get("first_crawled_at"),
            cluster_id=str(doc["_id"]),
        )
        sites = {str(s) for s in doc.get("sites") or ()}
        merged = sorted(str(m) for m in doc.get("merged_from") or ())
        members = [str(m) for m in doc.get("members") or ()]
        return cls(str(doc["_id"]), first, int(doc.get("size") or 1), sites,
                   doc.get("last_seen"), merged, members)  # fmt: skip


def unique_members(groups: Sequence[Iterable[Member]]) -> list[Member]:
    """Candidates from several sources (in-run index, store), each post once, first wins."""
    seen: dict[str, Member] = {}
    for group in groups:
        for member in group:
            seen.setdefault(member.id, member)
    return list(seen.values())
