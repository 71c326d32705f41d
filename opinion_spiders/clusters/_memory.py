"""The in-run index of :mod:`.clusterer`: posts this process clustered that the store may not
hold yet (the store pipeline writes in batches), and the clusters they belong to as this
process sees them. Bounded (oldest out): only the last few batches can be missing from the
store, and it keeps a long 7×24 run from growing without end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opinion_spiders.clusters._model import Cluster, Member


class ClusterMemory:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.members: dict[str, tuple[Member, tuple[str, ...]]] = {}
        #: band key -> the posts listed under it (see :meth:`_list`)
        self.by_band: dict[str, str | list[str]] = {}
        self.clusters: dict[str, Cluster] = {}

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
