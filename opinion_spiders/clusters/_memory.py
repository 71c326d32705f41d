"""The in-run index of :mod:`.clusterer`: posts clustered in this process that the store may
not hold yet (the store pipeline writes in batches), the clusters they belong to, and the
cluster writes a store that was down has not taken yet.

Bounded (oldest out): only the last few batches can be missing from the store, and it keeps
a long 7×24 run from growing without end. Pending writes are the store calls themselves
(join, merge), not cluster snapshots: replayed in order, each counts once, and none
overwrites what other processes counted meanwhile. They are bounded too: past
``pending_limit`` they go to the spool, where the posts wait for the store as well.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opinion_spiders.clusters._model import Cluster, Member
    from opinion_spiders.stores.base import Store
    from opinion_spiders.stores.spool import Spool

logger = logging.getLogger(__name__)
#: Store calls kept in memory while the store is down, at most (then they go to the spool).
PENDING_LIMIT = 1000


@dataclass(frozen=True)
class PendingJoin:
    """A :meth:`Store.join_cluster` call to make."""

    cluster_id: str
    founder: Mapping[str, Any]
    member: Mapping[str, Any]

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return (self.cluster_id,)

    def apply(self, store: Store) -> dict[str, Any]:
        return store.join_cluster(self.cluster_id, self.founder, self.member)

    def to_document(self) -> dict[str, Any]:
        """As the spool keeps it (:func:`opinion_spiders.stores.spool.cluster_write`)."""
        return {"call": "join_cluster", "cluster_id": self.cluster_id,
                "founder": dict(self.founder), "member": dict(self.member)}  # fmt: skip


@dataclass(frozen=True)
class PendingMerge:
    """A :meth:`Store.merge_clusters` call to make (replaying one twice is harmless)."""

    founders: Mapping[str, Mapping[str, Any]]

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return tuple(self.founders)

    def apply(self, store: Store) -> dict[str, Any]:
        return store.merge_clusters(self.founders)

    def to_document(self) -> dict[str, Any]:
        founders = {cid: dict(founder) for cid, founder in self.founders.items()}
        return {"call": "merge_clusters", "founders": founders}


Pending = PendingJoin | PendingMerge
#: What the caller does with a call the store took, and the cluster it returned.
Made = Callable[[tuple[str, ...], dict[str, Any]], object]


def pending_from(doc: Mapping[str, Any]) -> Pending:
    """A call from its spooled document (:meth:`PendingJoin.to_document`, …)."""
    if doc.get("call") == "merge_clusters":
        return PendingMerge(doc["founders"])
    return PendingJoin(str(doc["cluster_id"]), doc["founder"], doc["member"])


class PendingWrites:
    """The store calls a store that was down has not taken yet, oldest first: at most
    ``limit`` in memory; the call that would pass it sends them all, itself last, to the spool
    as one batch. Batches on disk are older than the calls in memory, so :meth:`replay` makes
    them first and the order holds. Without a spool every call stays in memory.

    A batch left on disk (the run ended with the store still down) is replayed with the posts
    when the next run starts; one this process spooled, by this process as soon as the store
    is back (waiting for another process that replays it meanwhile)."""

    def __init__(self, limit: int = PENDING_LIMIT, spool: Spool | None = None) -> None:
        self.limit = max(1, limit)
        self.spool = spool
        self.calls: list[Pending] = []
        #: batches spooled by this object and how many calls each holds, oldest first
        self.batches: deque[tuple[Path, int]] = deque()

    def __len__(self) -> int:
        """Calls in memory."""
        return len(self.calls)

    @property
    def spooled(self) -> int:
        """Calls in the batches this object spooled and has not seen replayed."""
        return sum(count for _path, count in self.batches)

    def add(self, *calls: Pending) -> None:
        if self.spool is not None and len(self.calls) + len(calls) > self.limit:
            self.spill(*calls)
        else:
            self.calls.extend(calls)

    def spill(self, *more: Pending) -> int:
        """The calls in memory, then ``more``, to the spool as one batch; how many went (0
        without a spool, or when the disk refused: then they stay in memory)."""
        calls = [*self.calls, *more]
        if not calls or self.spool is None:
            self.calls = calls
            return 0
        try:
            path = self.spool.append([c.to_document() for c in calls], "cluster_writes")
        except OSError as exc:
            logger.error("%d cluster updates kept in memory, the spool refused them: %s",
                         len(calls), exc)  # fmt: skip
            self.calls = calls
            return 0
        self.batches.append((path, len(calls)))
        self.calls = []
        return len(calls)

    def replay(self, store: Store, made: Made) -> None:
        """Make the calls, oldest first, each dropped only once the store took it and
        ``made`` was told; StoreUnavailable leaves it and the rest in place."""
        while self.batches and self.spool is not None:
            path, _count = self.batches[0]
            self.spool.replay_batch(path, store, wait=True, replayed=_tell(made))
            self.batches.popleft()
        while self.calls:
            call = self.calls[0]
            made(call.cluster_ids, call.apply(store))
            self.calls.pop(0)


def _tell(made: Made) -> Callable[[Mapping[str, Any], dict[str, Any]], None]:
    def replayed(doc: Mapping[str, Any], answer: dict[str, Any]) -> None:
        made(pending_from(doc).cluster_ids, answer)

    return replayed


class ClusterMemory:
    def __init__(self, capacity: int = 10_000, pending: PendingWrites | None = None) -> None:
        self.capacity = capacity
        self.members: dict[str, tuple[Member, tuple[str, ...]]] = {}
        #: band key -> the posts listed under it (see :meth:`_list`)
        self.by_band: dict[str, str | list[str]] = {}
        self.clusters: dict[str, Cluster] = {}
        #: store calls that failed while the store was down, made at the next chance
        self.pending = pending if pending is not None else PendingWrites()

    def add(self, member: Member, bands: Sequence[str]) -> None:
        if member.id in self.members:
            self._evict(member.id)
        self.members[member.id] = (member, tuple(bands))
        self._list(bands, member.id)
        while len(self.members) > self.capacity:
            self._evict(next(iter(self.members)))

    def _list(self, bands: Sequence[str], post_id: str) -> None:
        """A band lists its only post as the id itself, a list once it has two: nearly every
        band has one post, and 32 lists per post left hundreds of thousands of them for the
        garbage collector to walk and for each post to build."""
        by_band = self.by_band
        for band in bands:
            ids = by_band.get(band)
            if ids is None:
                by_band[band] = post_id
            elif isinstance(ids, str):
                by_band[band] = [ids, post_id]
            else:
                ids.append(post_id)

    def _evict(self, post_id: str) -> None:
        _member, bands = self.members.pop(post_id)
        for band in bands:
            ids = self.by_band.get(band)
            if isinstance(ids, list) and post_id in ids:
                ids.remove(post_id)
            if not ids or ids == post_id:
                self.by_band.pop(band, None)

    def candidates(self, bands: Sequence[str]) -> list[Member]:
        """Posts sharing at least one band key, each once."""
        ids: dict[str, None] = {}
        for band in bands:
            listed = self.by_band.get(band)
            if isinstance(listed, str):
                ids[listed] = None
            elif listed:
                ids.update(dict.fromkeys(listed))
        return [self.members[i][0] for i in ids if i in self.members]

    def keep_cluster(self, cluster: Cluster) -> None:
        self.clusters.pop(cluster.id, None)
        self.clusters[cluster.id] = cluster
        while len(self.clusters) > self.capacity:
            self.clusters.pop(next(iter(self.clusters)))

    def merged(self, absorbed: Sequence[str], into: str) -> None:
        """Clusters merged away: their posts here now belong to ``into``."""
        gone = set(absorbed) - {into}
        if not gone:
            return
        for cluster_id in gone:
            self.clusters.pop(cluster_id, None)
        for member, _bands in self.members.values():
            if member.cluster_id in gone:
                member.cluster_id = into
