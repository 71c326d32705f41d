"""Near-duplicate clusters: reposts and lightly edited copies of one text, with its first
publisher.

Why MinHash LSH: a 64-bit simhash at Hamming ≤ 3 catches about a fifth of lightly edited
Chinese copies. Here a text becomes the set of its character 3-grams (after folding width and
case and dropping punctuation and spaces); 128 MinHash values estimate the Jaccard similarity
of two such sets, and 32 bands of 4 values each are the index keys: two texts become
candidates when any band agrees, which happens with probability ``1 - (1 - J**4)**32`` —
0.87 at J = 0.5, 0.99 at J = 0.6, 0.9998 at J = 0.7, but 3e-3 at J = 0.1 and 2e-7 at J = 0.02
(typical of unrelated texts). Candidates are then verified by estimated Jaccard ≥ 0.4, and
the post joins the cluster of the most similar one, or starts its own.

A cluster is stored once a second copy joins; a lone post carries its own id as
``cluster_id``, so the first copy and every later one share the cluster's ``_id``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opinion_spiders import _minhash
from opinion_spiders._cluster_memory import ClusterMemory
from opinion_spiders.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from opinion_spiders.stores.base import Store

SHINGLE = 3
BANDS = 32
ROWS = 4
NUM_PERM = BANDS * ROWS
#: Estimated Jaccard similarity at which a candidate counts as a copy.
THRESHOLD = 0.4
#: Texts with fewer letters, digits and Hanzi than this ("顶", "同感+1") are not clustered.
MIN_CHARS = 30
#: At most this many posts sharing a band are checked per lookup.
CANDIDATE_LIMIT = 50

_PERMS = _minhash.permutations(NUM_PERM)


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
    values = _minhash.minhash(_minhash.shingles(folded, SHINGLE), _PERMS)
    return Signature(values, _minhash.band_keys(values, BANDS, ROWS))


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


def _earlier(a: Member, b: Member) -> bool:
    """True when ``a`` was published before ``b`` (missing times sort last)."""
    ka, kb = a.publish_key(), b.publish_key()
    return _sortable(ka) < _sortable(kb)


def _sortable(key: tuple[datetime | None, datetime | None, str]) -> tuple[Any, ...]:
    first, crawled, post_id = key
    return (first is None, first or 0, crawled is None, crawled or 0, post_id)


def best_match(member: Member, candidates: Iterable[Member]) -> tuple[Member, float] | None:
    """The most similar candidate at or above :data:`THRESHOLD` (ties: earliest published)."""
    best: tuple[Member, float] | None = None
    for cand in candidates:
        sim = similarity(member.minhash, cand.minhash)
        if sim < THRESHOLD:
            continue
        if best is None or sim > best[1] or (sim == best[1] and _earlier(cand, best[0])):
            best = (cand, sim)
    return best


@dataclass
class Cluster:
    """A repost group: how many copies, on which sites, who published first, when last seen."""

    id: str
    first: Member
    size: int = 1
    sites: set[str] = field(default_factory=set)
    last_seen: datetime | None = None

    @classmethod
    def founded_by(cls, member: Member) -> Cluster:
        cluster_id = member.cluster_id or member.id
        return cls(cluster_id, member, 1, {member.site}, member.crawled_at)

    def join(self, member: Member) -> None:
        """Count a new copy; it becomes the first publisher if it was published earlier."""
        self.size += 1
        self.sites.add(member.site)
        if _earlier(member, self.first):
            self.first = member
        if member.crawled_at and (self.last_seen is None or member.crawled_at > self.last_seen):
            self.last_seen = member.crawled_at

    @property
    def site_count(self) -> int:
        return len(self.sites)

    def to_document(self) -> dict[str, Any]:
        """The ``clusters`` document (see the README's MongoDB schema)."""
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
            "last_seen": self.last_seen,
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
        return cls(str(doc["_id"]), first, int(doc.get("size") or 1), sites, doc.get("last_seen"))


def unique_members(groups: Sequence[Iterable[Member]]) -> list[Member]:
    """Candidates from several sources (in-run index, store), each post once, first wins."""
    seen: dict[str, Member] = {}
    for group in groups:
        for member in group:
            seen.setdefault(member.id, member)
    return list(seen.values())


@dataclass
class Assignment:
    """Where a post went: ``outcome`` is "new" (started a cluster), "joined" or "known" (the
    post was clustered before); ``degraded`` when the store could not be used for it."""

    cluster: Cluster
    outcome: str
    similarity: float
    degraded: bool = False


class Clusterer:
    """Finds, joins or starts a post's cluster: candidates come from the in-run index and the
    store's band index, cluster documents go to the store. While the store is unavailable the
    in-run index still clusters, and the clusters it changed are written at the next chance.
    Without a store (``store=None``) it clusters in memory only."""

    def __init__(self, memory: ClusterMemory | None = None, limit: int = CANDIDATE_LIMIT) -> None:
        self.memory = memory or ClusterMemory()
        self.limit = limit

    def assign(self, member: Member, sig: Signature, store: Store | None) -> Assignment:
        found, degraded = self._candidates(sig.bands, store)
        known = next((c for c in found if c.id == member.id), None)
        if known is not None:
            cluster, failed = self._cluster_of(known, store)
            return self._finish(member, sig, Assignment(cluster, "known", 1.0, degraded or failed))
        match = best_match(member, found)
        if match is None:
            return self._finish(
                member, sig, Assignment(Cluster.founded_by(member), "new", 0.0, degraded)
            )
        cand, sim = match
        cluster, failed = self._cluster_of(cand, store)
        cluster.join(member)
        failed = self._save(cluster, store) or failed
        return self._finish(member, sig, Assignment(cluster, "joined", sim, degraded or failed))

    def flush(self, store: Store) -> bool:
        """Write clusters the store missed; True when nothing is left pending."""
        return not self.memory.dirty or not self._save(None, store)

    def _candidates(self, bands: Sequence[str], store: Store | None) -> tuple[list[Member], bool]:
        groups: list[Iterable[Member]] = [self.memory.candidates(bands)]
        if store is None:
            return unique_members(groups), False
        try:
            docs = store.find_band_candidates(bands, self.limit)
        except StoreUnavailable:
            return unique_members(groups), True
        groups.append(m for m in map(Member.from_document, docs) if m is not None)
        return unique_members(groups), False

    def _cluster_of(self, cand: Member, store: Store | None) -> tuple[Cluster, bool]:
        """The candidate's cluster: unwritten changes first, then the store, then memory."""
        cluster_id = cand.cluster_id or cand.id
        if cluster_id in self.memory.dirty:
            return self.memory.dirty[cluster_id], False
        failed = False
        if store is not None:
            try:
                doc = store.get_cluster(cluster_id)
            except StoreUnavailable:
                failed = True
            else:
                if doc is not None:
                    return Cluster.from_document(doc), False
        cached = self.memory.clusters.get(cluster_id)
        return (cached or Cluster.founded_by(cand)), failed

    def _save(self, cluster: Cluster | None, store: Store | None) -> bool:
        """Write the cluster and any pending ones; True when the store failed (kept pending)."""
        if store is None:  # in-memory use (tests, one-off analyses)
            return False
        pending = dict(self.memory.dirty)
        if cluster is not None:
            pending[cluster.id] = cluster
        try:
            for item in pending.values():
                store.upsert_cluster(item.to_document())
        except StoreUnavailable:
            self.memory.dirty = pending
            return True
        self.memory.dirty = {}
        return False

    def _finish(self, member: Member, sig: Signature, result: Assignment) -> Assignment:
        member.cluster_id = result.cluster.id
        self.memory.add(member, sig.bands)
        self.memory.keep_cluster(result.cluster)
        return result
