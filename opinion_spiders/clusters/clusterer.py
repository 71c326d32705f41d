"""Near-duplicate clusters as the crawl sees them: reposts and lightly edited copies of one
text, with its first publisher, for the post's score and story while it is crawled.

A post joins the cluster of its most similar verified copy (see :mod:`._model` for the
MinHash signature and why), or starts its own. When its copies lie in two or more clusters,
the post bridges them: they merge into the cluster whose first publisher is earliest.

The crawl only reads: candidates from the in-run index and the store's band index, clusters
as the cluster step last wrote them (:meth:`Store.get_clusters`). What it decides is the
post's view at crawl time, stored with a new post (:meth:`Assignment.post_fields`); the
clusters themselves — documents, merges, and a post's ``cluster_*`` fields wherever they
differ from that view — are written by the cluster step alone (:mod:`.step`), from the stored
posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opinion_spiders.clusters._memory import ClusterMemory
from opinion_spiders.clusters._model import (
    CANDIDATE_LIMIT,
    Cluster,
    Member,
    Signature,
    copies_by_cluster,
    unique_members,
)
from opinion_spiders.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from opinion_spiders.stores.base import Store

__all__ = ["Assignment", "Clusterer"]


@dataclass
class Assignment:
    """Where a post went: ``outcome`` is "new" (started a cluster), "joined" or "known" (the
    post was clustered before); ``degraded`` when the store could not be read for it;
    ``merged`` the clusters this post bridged into its own."""

    cluster: Cluster
    outcome: str
    similarity: float
    degraded: bool = False
    merged: list[str] = field(default_factory=list)
    #: the cluster as it stood when the post was assigned (``cluster`` grows with later posts)
    snapshot: dict[str, Any] = field(default_factory=dict)

    def post_fields(self) -> dict[str, Any]:
        """The post's cluster fields: its cluster as it stood when the post was assigned (what
        the crawl stores with a new post, and the cluster step writes the same way, unless it
        decides otherwise; see ``CLUSTER_FIELDS`` of the stores)."""
        return dict(self.snapshot) or _fields(self.cluster)


def _fields(cluster: Cluster) -> dict[str, Any]:
    return {
        "cluster_id": cluster.id,
        "cluster_size": cluster.size,
        "cluster_sites": sorted(cluster.sites),
        "cluster_first_id": cluster.first.id,
    }


class Clusterer:
    """Finds a post's cluster at crawl time: candidates from the in-run index and the store's
    band index, clusters as stored by the cluster step and grown here by this process's
    posts. While the store is unavailable the in-run index alone answers. Without a store
    (``store=None``) it clusters in memory only. Writes nothing to the store."""

    def __init__(self, memory: ClusterMemory | None = None, limit: int = CANDIDATE_LIMIT) -> None:
        self.memory = memory or ClusterMemory()
        self.limit = limit

    def assign(self, member: Member, sig: Signature, store: Store | None) -> Assignment:
        return self.assign_many([(member, sig)], store)[0]

    def assign_many(
        self, posts: Sequence[tuple[Member, Signature]], store: Store | None
    ) -> list[Assignment]:
        """:meth:`assign` each post in order, with the store read once for them all (the
        candidates, then the clusters they belong to): a post later in the list finds the
        earlier ones in the in-run index, as it would if each were assigned alone."""
        stored: list[list[dict[str, Any]]] = [[] for _ in posts]
        degraded = False
        if store is not None:
            try:
                stored = self._stored_candidates(store, [sig for _, sig in posts])
                self._read_clusters(store, stored)
            except StoreUnavailable:
                degraded = True
        return [
            self._assign(member, sig, stored_found, degraded)
            for (member, sig), stored_found in zip(posts, stored, strict=True)
        ]

    def _stored_candidates(
        self, store: Store, sigs: Sequence[Signature]
    ) -> list[list[dict[str, Any]]]:
        """Each post's candidates in the store: the posts listed under its bands, read but for
        those this process holds in its in-run index (which finds them anyway) — in a crawl,
        most copies are of posts crawled a moment before."""
        listed = store.band_listed([sig.bands for sig in sigs], self.limit)
        held = self.memory.members
        need = list(dict.fromkeys(p for ids in listed for p in ids if p not in held))
        read = store.candidate_posts(need) if need else {}
        out = []
        for sig, ids in zip(sigs, listed, strict=True):
            keys = set(sig.bands)  # (a post rewritten with other bands is listed, not a copy)
            found = [read[p] for p in ids if p in read and keys & set(read[p]["minhash_bands"])]
            out.append(found[: self.limit])
        return out

    def _read_clusters(self, store: Store, stored: list[list[dict[str, Any]]]) -> None:
        """The stored clusters of the candidates that this process does not hold yet."""
        ids = {str(d["cluster_id"]) for found in stored for d in found if d.get("cluster_id")}
        wanted = [i for i in ids if i not in self.memory.clusters]
        if wanted:
            for doc in store.get_clusters(wanted).values():
                self.memory.keep_cluster(Cluster.from_document(doc))

    def _assign(
        self, member: Member, sig: Signature, stored: list[dict[str, Any]], degraded: bool
    ) -> Assignment:
        groups: list[Iterable[Member]] = [self.memory.candidates(sig.bands)]
        groups.append(m for m in map(Member.from_document, stored) if m is not None)
        found = unique_members(groups)
        known = next((c for c in found if c.id == member.id), None)
        if known is not None:
            cluster = self._cluster(known.cluster_id or known.id, known)
            return self._finish(member, sig, Assignment(cluster, "known", 1.0, degraded))
        copies = copies_by_cluster(member, found, self.limit)
        if not copies:
            new = Assignment(Cluster.founded_by(member), "new", 0.0, degraded)
            return self._finish(member, sig, new)
        clusters = [self._cluster(cid, cand) for cid, (cand, _sim) in copies.items()]
        survivor, *rest = sorted(clusters, key=lambda c: c.order)
        for other in rest:
            survivor.absorb(other)
        survivor.join(member)
        self.memory.merged([c.id for c in rest], survivor.id)
        sim = max(s for _, s in copies.values())
        joined = Assignment(survivor, "joined", sim, degraded, [c.id for c in rest])
        return self._finish(member, sig, joined)

    def _cluster(self, cluster_id: str, member: Member) -> Cluster:
        """The cluster as this process knows it (stored, grown here), else ``member`` alone."""
        return self.memory.clusters.get(cluster_id) or Cluster.founded_by(member, cluster_id)

    def _finish(self, member: Member, sig: Signature, result: Assignment) -> Assignment:
        member.cluster_id = result.cluster.id
        result.snapshot = _fields(result.cluster)
        self.memory.add(member, sig.bands)
        self.memory.keep_cluster(result.cluster)
        return result
