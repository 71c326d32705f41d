"""The in-run index of :mod:`.clusterer`: posts clustered in this process that the store may
not hold yet (the store pipeline writes in batches), the clusters they belong to, and the
cluster writes a store that was down has not taken yet.

Bounded (oldest out): only the last few batches can be missing from the store, and it keeps
a long 7×24 run from growing without end. Pending writes are the store calls themselves
(join, merge), not cluster snapshots: replayed in order, each counts once, and none
overwrites what other processes counted meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opinion_spiders.clusters._model import Cluster, Member
    from opinion_spiders.stores.base import Store


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


@dataclass(frozen=True)
class PendingMerge:
    """A :meth:`Store.merge_clusters` call to make (replaying one twice is harmless)."""

    founders: Mapping[str, Mapping[str, Any]]

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return tuple(self.founders)

    def apply(self, store: Store) -> dict[str, Any]:
        return store.merge_clusters(self.founders)


Pending = PendingJoin | PendingMerge


class ClusterMemory:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.members: dict[str, tuple[Member, tuple[str, ...]]] = {}
        self.by_band: dict[str, list[str]] = {}
        self.clusters: dict[str, Cluster] = {}
        #: store calls that failed while the store was down, made at the next chance
        self.pending: list[Pending] = []

    def add(self, member: Member, bands: Sequence[str]) -> None:
        if member.id in self.members:
            self._evict(member.id)
        self.members[member.id] = (member, tuple(bands))
        for band in bands:
            self.by_band.setdefault(band, []).append(member.id)
        while len(self.members) > self.capacity:
            self._evict(next(iter(self.members)))

    def _evict(self, post_id: str) -> None:
        _member, bands = self.members.pop(post_id)
        for band in bands:
            ids = self.by_band.get(band, [])
            if post_id in ids:
                ids.remove(post_id)
            if not ids:
                self.by_band.pop(band, None)

    def candidates(self, bands: Sequence[str]) -> list[Member]:
        """Posts sharing at least one band key, each once."""
        ids = dict.fromkeys(i for band in bands for i in self.by_band.get(band, ()))
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

    def is_pending(self, cluster_id: str) -> bool:
        return any(cluster_id in op.cluster_ids for op in self.pending)
