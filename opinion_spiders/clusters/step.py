"""The cluster step: the single writer of near-duplicate clusters.

Why one writer: clusters counted by every crawler process at once needed atomic counters and,
on a server without atomic updates (FerretDB), locks — and still raced (one story as two
clusters, copies counted twice after a requeue, a cluster lost in an outage). Here the crawl
writes no cluster: it stores posts with their signatures, and :meth:`Store.upsert_posts`
queues them; the step
takes the queue in batches, decides joins and merges in Python, and writes each batch with
one :meth:`Store.write_clusters` of idempotent ``_id`` writes. One holder of the lease
:data:`LEASE` at a time (a crawl runs the step when it ends; ``opinion cluster`` runs it on
demand or standing), so nothing races, and a step cut short — a kill, an outage — leaves its
posts queued for the next one, which writes the same result: a cluster lists its posts
(``members``), so a join or merge made twice counts once.

A new post is stored with the crawl's view of its cluster (the story its alert was raised
under); the step rewrites a post's cluster fields only where it decides otherwise (the crawl
did not see a copy another process stored meanwhile, or a merge moved the post). A batch's
posts are taken in the order the crawl met them (crawl time, then among a page's posts the
cluster sizes of their views, then queue order), so the step founds each cluster with the
copy the crawl founded it with, and mostly agrees. A post's candidates are the stored posts
that share a band with it and were clustered already (by an earlier step, or earlier in this
batch); a candidate still queued (:meth:`Store.still_queued`: its cluster fields are only a
crawl's view) finds this post when its own turn comes. A queued post that a stored cluster
counts already (a re-crawl) keeps its cluster.

Whose bands are read: a post the store queued :data:`~opinion_spiders.stores.base.FRESH` —
its bands were all new when written — is listed by every post that shares one (each was
written after it), so the step reads only the other posts' bands (on MongoDB each read is a
document a band; about three in four of a crawl's posts are fresh). Its candidates are then
the posts of its batch that list it; a post that lists it from an earlier batch (two
processes writing at once) finds it still queued and asks, in its batch's writes
(``recheck``), for its bands to be read when its turn comes.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opinion_spiders.clusters._model import (
    CANDIDATE_LIMIT,
    Member,
    copies_by_cluster,
)
from opinion_spiders.stores import cluster_docs as docs
from opinion_spiders.stores.base import FRESH, ClusterWrites

if TYPE_CHECKING:
    from opinion_spiders.stores.base import Store

logger = logging.getLogger(__name__)
LEASE = "cluster-step"
#: How long the lease is held without a renewal (renewed after every batch).
LEASE_SECONDS = 300.0
#: Queued posts taken per batch (one write).
BATCH = 500
#: Posts whose candidates are read in one lookup: up to 32 band keys each, and a server reads
#: a lookup of thousands of keys slower than several smaller ones (FerretDB: 500 posts' 16,000
#: keys in one ``$in`` kept it busy for minutes).
LOOKUP = 8
#: Cluster ids read in one ``_id`` lookup.
READ = 400

Doc = dict[str, Any]


@dataclass
class StepResult:
    """What one run of the step did (``busy``: another holder had the lease)."""

    posts: int = 0
    new: int = 0
    joined: int = 0
    merged: int = 0
    known: int = 0
    batches: int = 0
    busy: bool = False

    def add(self, other: StepResult) -> None:
        for name in ("posts", "new", "joined", "merged", "known", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def holder_name() -> str:
    """Who holds the lease: host, process and a token (one process may run several)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ClusterStep:
    """Clusters the queued posts of ``store``: :meth:`run` takes the lease and empties the
    queue, batch by batch."""

    def __init__(
        self, store: Store, *, batch: int = BATCH, limit: int = CANDIDATE_LIMIT,
        holder: str | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.batch = batch
        self.limit = limit
        self.holder = holder or holder_name()

    def run(self, wait: float = 0.0, stop: Callable[[], bool] | None = None) -> StepResult:
        """Take the lease (waiting up to ``wait`` seconds for another holder to finish) and
        cluster every queued post; ``stop()`` true ends it between batches. StoreUnavailable
        propagates: what was not written stays queued."""
        deadline = time.monotonic() + wait
        while not self.store.take_lease(LEASE, self.holder, LEASE_SECONDS):
            if time.monotonic() >= deadline:
                return StepResult(busy=True)
            time.sleep(min(0.5, max(0.01, deadline - time.monotonic())))
        result = StepResult()
        try:
            while stop is None or not stop():
                queued = self.store.queued_posts(self.batch)
                if not queued:
                    break
                result.add(self.write_batch(queued))
                if not self.store.take_lease(LEASE, self.holder, LEASE_SECONDS):
                    logger.warning("cluster step: lease lost to another holder; it goes on")
                    return result
        finally:
            self.store.release_lease(LEASE, self.holder)
        return result

    def write_batch(self, queued: list[Doc]) -> StepResult:
        """Cluster one batch of queued posts and write it (the caller holds the lease)."""
        batch = _Batch(self.store, self.limit)
        result = batch.cluster(queued)
        self.store.write_clusters(batch.writes(queued))
        return result


def _crawl_order(pair: tuple[Member, Doc]) -> tuple[str, int]:
    """The order the crawl met the posts in: by crawl time, and among the posts of one page
    (one crawl time) in the order of the sizes their clusters had when each was met (the
    crawl's view: a founder 1, each copy after it one more)."""
    member, doc = pair
    size = doc.get("cluster_size")
    return docs.time_key(member.crawled_at), size if isinstance(size, int) else 0


class _Batch:
    """One batch's decisions: the clusters it read and changed, where merged ids went, and
    the cluster fields of each post it touched."""

    def __init__(self, store: Store, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.clusters: dict[str, Doc] = {}
        self.changed: set[str] = set()
        #: merged-away id -> where it went (from the store, and this batch's merges)
        self.alias: dict[str, str] = {}
        self.merged: dict[str, str] = {}
        #: post id -> its cluster id, for the posts clustered in this batch (or before it)
        self.assigned: dict[str, str] = {}
        self.posts: dict[str, Doc] = {}
        #: cluster ids read (or found missing), and the candidates still queued
        self.seen: set[str] = set()
        self.waiting: set[str] = set()
        #: queued posts (not of this batch) whose bands must be read when their turn comes
        self.recheck: set[str] = set()
        #: cluster id -> (the document the set was built from, the ids it counts)
        self._member_sets: dict[str, tuple[Doc, set[str]]] = {}

    def cluster(self, queued: list[Doc]) -> StepResult:
        result = StepResult(posts=len(queued), batches=1)
        self._read([str(d["cluster_id"]) for d in queued if d.get("cluster_id")])
        todo: list[tuple[Member, Doc]] = []
        for doc in queued:
            member = Member.from_document(doc)
            known = self._counted_in(str(doc["_id"]), doc.get("cluster_id"))
            if known is not None:  # clustered before (a re-crawl): it keeps its cluster
                self.assigned[str(doc["_id"])] = known
                result.known += 1
            if member is not None:
                todo.append((member, doc))
        todo.sort(key=_crawl_order)  # stable: then queue order
        listed = self._listed(todo)
        views = [self._view(doc) for _, doc in todo]
        batch = {str(d["_id"]): d for d in queued}
        self.waiting.update(p for p in batch if p not in self.assigned)  # until placed
        read = self._candidates(todo, listed, views, batch)
        for (member, doc), ids, view in zip(todo, listed, views, strict=True):
            keys = set(doc.get("minhash_bands") or ())
            candidates = []
            for post_id in ids:
                cand = batch.get(post_id) or read.get(post_id)
                if cand is not None and post_id != member.id and keys & set(cand["minhash_bands"]):
                    candidates.append(cand)  # (a post rewritten with other bands is not)
            trusted = view if any(self._in(view, p) for p in ids if p != member.id) else None
            if member.id in self.assigned:  # known: it may bridge its cluster to a copy's
                self._bridge(member, candidates[: self.limit], self.assigned[member.id])
                continue
            outcome = self._assign(member, candidates[: self.limit], trusted)
            setattr(result, outcome, getattr(result, outcome) + 1)
        result.merged = len(self.merged)
        return result

    def _listed(self, todo: list[tuple[Member, Doc]]) -> list[list[str]]:
        """Each post's listed posts: read from the band index, but for a fresh post's
        (:data:`FRESH`: every post sharing its bands was written after it and lists it) —
        and with each post of the batch that lists a post besides (a copy taken before it
        finds it so)."""
        stale = [i for i, (_, doc) in enumerate(todo) if not doc.get(FRESH)]
        bands = [todo[i][1].get("minhash_bands") or () for i in stale]
        listed: list[list[str]] = [[] for _ in todo]
        for start in range(0, len(stale), LOOKUP):
            found = self.store.band_listed(bands[start : start + LOOKUP], self.limit)
            for i, ids in zip(stale[start : start + LOOKUP], found, strict=True):
                listed[i] = ids
        place = {member.id: i for i, (member, _) in enumerate(todo)}
        for i in stale:
            me = todo[i][0].id
            for post_id in list(listed[i]):
                j = place.get(post_id)
                if j is not None and j != i and me not in listed[j]:
                    listed[j].append(me)
        return listed

    def _view(self, doc: Doc) -> str | None:
        """The stored cluster the post's fields name (the crawl's view; a re-crawl's own), if
        there is one (None: a cluster of its own, not stored)."""
        cluster_id = doc.get("cluster_id")
        if not cluster_id:
            return None
        live = self._live(str(cluster_id))
        return live if live in self.clusters else None

    def _in(self, cluster_id: str | None, post_id: str) -> bool:
        """Whether the cluster (or the one it was merged into) counts the post: asked for
        every candidate of every post, so of a set built once per version of the cluster (a
        story's ``members`` run to thousands)."""
        cluster = self.clusters.get(self._live(cluster_id)) if cluster_id else None
        if cluster is None:
            return False
        doc, ids = self._member_sets.get(str(cluster["_id"]), (None, set[str]()))
        if doc is not cluster:
            ids = {str(cluster["_id"]), *(cluster.get("members") or ())}
            self._member_sets[str(cluster["_id"])] = (cluster, ids)
        return post_id in ids

    def _candidates(
        self, todo: list[tuple[Member, Doc]], listed: list[list[str]], views: list[str | None],
        batch: Mapping[str, Doc],
    ) -> dict[str, Doc]:  # fmt: skip
        """The listed posts to read: not those of the batch (read with it), nor those the
        stored cluster of a post's view counts (the crawl verified the copy; their cluster is
        known) — in a lone crawl, nearly every candidate — nor those still queued (not
        clustered yet: each finds this post when its own turn comes; a re-crawl among them,
        which a stored cluster counts, bridges its cluster to this post's then)."""
        need = sorted({
            post_id
            for (member, _), ids, view in zip(todo, listed, views, strict=True)
            for post_id in ids
            if post_id != member.id and post_id not in batch and not self._in(view, post_id)
        })  # fmt: skip
        for start in range(0, len(need), READ):
            self.waiting.update(self.store.still_queued(need[start : start + READ]))
        # a listed post waiting in the queue finds this one when its turn comes by reading
        # its bands, which a fresh post would not do unless told to
        self.recheck.update(p for p in need if p in self.waiting)
        wanted = [p for p in need if p not in self.waiting]
        read: dict[str, Doc] = {}
        for start in range(0, len(wanted), READ):
            read.update(self.store.candidate_posts(wanted[start : start + READ]))
        self._read([str(d["cluster_id"]) for d in read.values() if d.get("cluster_id")])
        return read

    def _read(self, wanted: list[str]) -> None:
        """The clusters ``wanted`` (those not read yet), following merges (reads of a few
        hundred ids each)."""
        ids = sorted(set(wanted) - self.seen)
        self.seen.update(ids)
        for start in range(0, len(ids), READ):
            self.alias.update(self.store.cluster_aliases(ids[start : start + READ]))
        live = sorted({self.alias.get(i, i) for i in ids} - set(self.clusters))
        for start in range(0, len(live), READ):
            self.clusters.update(self.store.get_clusters(live[start : start + READ]))

    def _counted_in(self, post_id: str, cluster_id: object) -> str | None:
        """The stored cluster that counts the post already (a step placed it), else None: its
        cluster fields are the crawl's view, or those of a cluster of one."""
        if not cluster_id:
            return None
        live = self._live(str(cluster_id))
        cluster = self.clusters.get(live)
        return live if cluster is not None and docs.has_member(cluster, post_id) else None

    def _live(self, cluster_id: str) -> str:
        while cluster_id in self.alias:
            cluster_id = self.alias[cluster_id]
        return cluster_id

    def _members(self, member: Member, candidates: list[Doc]) -> list[Member]:
        """The candidates clustered already, each with its live cluster."""
        found: list[Member] = []
        for doc in candidates:
            post_id = str(doc["_id"])
            cluster_id = self.assigned.get(post_id)
            if cluster_id is None and post_id not in self.waiting:
                cluster_id = str(doc.get("cluster_id") or post_id)
            cand = Member.from_document(doc)
            if post_id == member.id or not cluster_id or cand is None:
                continue  # itself, or still queued: it finds this post when its turn comes
            cand.cluster_id = self._live(cluster_id)
            found.append(cand)
        return found

    def _assign(self, member: Member, candidates: list[Doc], trusted: str | None) -> str:
        """Place the post with its verified copies among ``candidates``, and in ``trusted``
        (the stored cluster of its view, which counts a listed candidate) besides."""
        copies = copies_by_cluster(member, self._members(member, candidates), self.limit)
        if trusted is not None and self._live(trusted) in self.clusters:
            copies.setdefault(self._live(trusted), (member, 1.0))
        if not copies:
            lone = docs.founded(member.id, member.fields())
            self._place(member.id, lone)
            return "new"
        parts = [self.clusters.get(cid) or docs.founded(cid, cand.fields())
                 for cid, (cand, _sim) in copies.items()]  # fmt: skip
        survivor, *rest = sorted(parts, key=docs.order)
        for part in rest:
            survivor = self._absorb(survivor, part)
        survivor = docs.joined(survivor, member.fields())
        self._keep(survivor)
        self._place(member.id, survivor)
        return "joined"

    def _bridge(self, member: Member, candidates: list[Doc], known: str) -> None:
        """A re-crawled post keeps its cluster, merged with those of its verified copies that
        were clustered while it waited in the queue (a copy another process stored at once)."""
        copies = copies_by_cluster(member, self._members(member, candidates), self.limit)
        live = self._live(known)
        if not copies or set(copies) == {live} or live not in self.clusters:
            return
        parts = [self.clusters.get(cid) or docs.founded(cid, cand.fields())
                 for cid, (cand, _sim) in copies.items() if cid != live]  # fmt: skip
        survivor, *rest = sorted([self.clusters[live], *parts], key=docs.order)
        for part in rest:
            survivor = self._absorb(survivor, part)
        self._keep(survivor)
        self.assigned[member.id] = str(survivor["_id"])

    def _absorb(self, survivor: Doc, part: Doc) -> Doc:
        into, gone = str(survivor["_id"]), str(part["_id"])
        after = docs.combined(survivor, part)
        self.alias[gone] = into
        self.merged[gone] = into
        for absorbed, target in list(self.merged.items()):
            if target == gone:
                self.merged[absorbed] = into
        self.clusters.pop(gone, None)
        self.changed.discard(gone)
        for post_id in [gone, *(part.get("members") or ())]:
            self.posts.setdefault(str(post_id), {})["cluster_id"] = into
            if str(post_id) in self.assigned:
                self.assigned[str(post_id)] = into
        return after

    def _keep(self, cluster: Doc) -> None:
        self.clusters[str(cluster["_id"])] = cluster
        self.changed.add(str(cluster["_id"]))

    def _place(self, post_id: str, cluster: Mapping[str, Any]) -> None:
        """The post's cluster fields: the cluster as it stands when the post joins."""
        self.assigned[post_id] = str(cluster["_id"])
        self.posts[post_id] = {
            "cluster_id": str(cluster["_id"]),
            "cluster_size": int(cluster.get("size") or 1),
            "cluster_sites": sorted(cluster.get("sites") or ()),
            "cluster_first_id": cluster.get("first_post_id"),
        }

    def writes(self, queued: list[Doc]) -> ClusterWrites:
        """What to write: the changed clusters, the merges, and the posts whose cluster fields
        differ from those stored (a new post's are the crawl's view, mostly the same)."""
        stored = {str(d["_id"]): d for d in queued}
        posts = {}
        for post_id, fields in self.posts.items():
            now = {**fields, "cluster_id": self._live(str(fields["cluster_id"]))}
            before = stored.get(post_id)
            if before is None or any(before.get(f) != v for f, v in now.items()):
                posts[post_id] = now
        return ClusterWrites(
            clusters=[self.clusters[c] for c in sorted(self.changed) if c in self.clusters],
            merged={gone: self._live(into) for gone, into in self.merged.items()},
            posts=posts,
            done=[str(d["_id"]) for d in queued],
            recheck=sorted(self.recheck),
        )
