"""The in-run index of :mod:`.clusters`: posts clustered in this process that the store may
not hold yet (the store pipeline writes in batches), and the clusters they belong to.

Bounded (oldest out): only the last few batches can be missing from the store, and it keeps
a long 7×24 run from growing without end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opinion_spiders.clusters import Cluster, Member


class ClusterMemory:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.members: dict[str, tuple[Member, tuple[str, ...]]] = {}
        self.by_band: dict[str, list[str]] = {}
        self.clusters: dict[str, Cluster] = {}
        #: clusters the store could not take yet, written at the next chance
        self.dirty: dict[str, Cluster] = {}

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
