"""Near-duplicate clusters: reposts and lightly edited copies of one text, with its first
publisher.

A post joins the cluster of its most similar verified copy (see :mod:`._model` for
the MinHash signature and why), or starts its own. When its copies lie in two or more
clusters, the post bridges them (one text reposted with different edits can start clusters
that only a copy close to both shows to be one): they merge into the cluster whose first
publisher is earliest, and their posts take its id.

A cluster is stored once a second copy joins; a lone post carries its own id as
``cluster_id``, so the first copy and every later one share the cluster's ``_id``. Cluster
documents change only through the store's atomic ``join_cluster`` and ``merge_clusters``:
crawler processes sharing a store never lose each other's copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opinion_spiders.clusters._memory import (
    PENDING_LIMIT,
    ClusterMemory,
    Pending,
    PendingJoin,
    PendingMerge,
    PendingWrites,
)
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
    from opinion_spiders.stores.spool import Spool

__all__ = ["Assignment", "Clusterer"]


@dataclass
class Assignment:
    """Where a post went: ``outcome`` is "new" (started a cluster), "joined" or "known" (the
    post was clustered before); ``degraded`` when the store could not be used for it;
    ``merged`` the clusters this post bridged into its own."""

    cluster: Cluster
    outcome: str
    similarity: float
    degraded: bool = False
    merged: list[str] = field(default_factory=list)


Copies = dict[str, tuple[Member, float]]


class Clusterer:
    """Finds, joins or starts a post's cluster, and merges the clusters a post bridges:
    candidates come from the in-run index and the store's band index; the store counts
    joins and merges atomically. While the store is unavailable the in-run index still
    clusters, and the store calls it missed are made, in order, at the next chance: at most
    ``pending_limit`` wait in memory, the others in ``spool`` (without one, all in memory).
    Without a store (``store=None``) it clusters in memory only."""

    def __init__(
        self, memory: ClusterMemory | None = None, limit: int = CANDIDATE_LIMIT, *,
        spool: Spool | None = None, pending_limit: int = PENDING_LIMIT,
    ) -> None:  # fmt: skip
        self.memory = memory or ClusterMemory(pending=PendingWrites(pending_limit, spool))
        self.limit = limit

    @property
    def pending(self) -> int:
        """Store calls not made yet (the store was down) that wait in memory."""
        return len(self.memory.pending)

    @property
    def spooled(self) -> int:
        """Store calls not made yet that wait in the spool."""
        return self.memory.pending.spooled

    def spool_pending(self) -> int:
        """Send the calls waiting in memory to the spool (the run ends with the store down:
        the next run's start replays them with the posts); how many went."""
        return self.memory.pending.spill()

    def assign(self, member: Member, sig: Signature, store: Store | None) -> Assignment:
        return self.assign_many([(member, sig)], store)[0]

    def assign_many(
        self, posts: Sequence[tuple[Member, Signature]], store: Store | None
    ) -> list[Assignment]:
        """:meth:`assign` each post in order, with the store's candidates of them all read
        at once (one round trip or two, however many posts): a post later in the list finds
        the earlier ones in the in-run index, as it would if each were assigned alone."""
        stored: list[list[dict[str, Any]]] = [[] for _ in posts]
        degraded = False
        if store is not None:
            try:
                stored = store.find_band_candidates_many([s.bands for _, s in posts], self.limit)
            except StoreUnavailable:
                degraded = True
        return [
            self._assign(member, sig, stored_found, degraded, store)
            for (member, sig), stored_found in zip(posts, stored, strict=True)
        ]

    def _assign(
        self, member: Member, sig: Signature, stored: list[dict[str, Any]], degraded: bool,
        store: Store | None,
    ) -> Assignment:  # fmt: skip
        groups: list[Iterable[Member]] = [self.memory.candidates(sig.bands)]
        groups.append(m for m in map(Member.from_document, stored) if m is not None)
        found = unique_members(groups)
        known = next((c for c in found if c.id == member.id), None)
        if known is not None:
            cluster, failed = self._cluster_of(known, store)
            return self._finish(member, sig, Assignment(cluster, "known", 1.0, degraded or failed))
        copies = copies_by_cluster(member, found, self.limit)
        if not copies:
            new = Assignment(Cluster.founded_by(member), "new", 0.0, degraded)
            return self._finish(member, sig, new)
        cluster, failed = self._join(copies, member, store)
        sim = max(s for _, s in copies.values())
        merged = [cid for cid in copies if cid != cluster.id]
        joined = Assignment(cluster, "joined", sim, degraded or failed, merged)
        return self._finish(member, sig, joined)

    def flush(self, store: Store) -> bool:
        """Make the store calls missed while it was down; True when nothing is left pending."""
        try:
            self._replay(store)
        except StoreUnavailable:
            return False
        return True

    def _cluster_of(self, cand: Member, store: Store | None) -> tuple[Cluster, bool]:
        """The candidate's cluster: the store's once the calls pending are made; else memory."""
        cluster_id = cand.cluster_id or cand.id
        failed = False
        if store is not None:
            try:
                self._replay(store)
                doc = store.get_cluster(cluster_id)
            except StoreUnavailable:
                failed = True
            else:
                if doc is not None:
                    return Cluster.from_document(doc), False
        cached = self.memory.clusters.get(cluster_id)
        return (cached or Cluster.founded_by(cand, cluster_id)), failed

    def _join(self, copies: Copies, member: Member, store: Store | None) -> tuple[Cluster, bool]:
        """Join (and merge) through the store; in memory, queued for later, when it is down."""
        founders = {cid: cand.fields() for cid, (cand, _sim) in copies.items()}
        if store is not None:
            try:
                self._replay(store)
                return self._store_join(founders, member, store), False
            except StoreUnavailable:
                pass
        cluster = self._memory_join(copies, member)
        if store is not None:
            calls: list[Pending] = [PendingMerge(founders)] if len(founders) > 1 else []
            founder = founders.get(cluster.id) or next(iter(founders.values()))
            calls.append(PendingJoin(cluster.id, founder, member.fields()))
            self.memory.pending.add(*calls)
        return cluster, store is not None

    def _store_join(self, founders: dict[str, dict[str, Any]], member: Member,
                    store: Store) -> Cluster:  # fmt: skip
        target = next(iter(founders))
        if len(founders) > 1:
            target = self._made(PendingMerge(founders), store).id
        founder = founders.get(target) or founders[next(iter(founders))]
        return self._made(PendingJoin(target, founder, member.fields()), store)

    def _memory_join(self, copies: Copies, member: Member) -> Cluster:
        clusters = [self.memory.clusters.get(cid) or Cluster.founded_by(cand, cid)
                    for cid, (cand, _sim) in copies.items()]  # fmt: skip
        survivor, *rest = sorted(clusters, key=lambda c: c.order)
        for other in rest:
            survivor.absorb(other)
        survivor.join(member)
        self.memory.merged([c.id for c in rest], survivor.id)
        return survivor

    def _replay(self, store: Store) -> None:
        """The pending store calls, oldest first (those in the spool, then those in memory);
        each is dropped only once the store took it (StoreUnavailable leaves it and the rest
        in place)."""
        self.memory.pending.replay(store, self._follow)

    def _made(self, call: Pending, store: Store) -> Cluster:
        """Make one store call; the in-run index follows the cluster it returned."""
        return self._follow(call.cluster_ids, call.apply(store))

    def _follow(self, cluster_ids: Sequence[str], doc: dict[str, Any]) -> Cluster:
        cluster = Cluster.from_document(doc)
        self.memory.merged(cluster_ids, cluster.id)
        self.memory.keep_cluster(cluster)
        return cluster

    def _finish(self, member: Member, sig: Signature, result: Assignment) -> Assignment:
        member.cluster_id = result.cluster.id
        self.memory.add(member, sig.bands)
        self.memory.keep_cluster(result.cluster)
        return result
