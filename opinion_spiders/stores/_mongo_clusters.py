"""Near-duplicate clusters on MongoDB with single-document atomic updates only: FerretDB 1.24
has neither multi-document transactions nor pipeline updates.

A join is one ``find_one_and_update``: ``$inc`` size and ``$max`` last_seen, plus ``$push``
of the site guarded by ``sites: {$ne: site}`` so ``site_count`` moves in the same update.
When the copy was published earlier, a second update sets the first-publisher fields,
filtered on ``first_key > its key``, so only an earlier copy ever wins. A new cluster is an
insert; losing the insert race (duplicate key) means counting again as a join.

A merge claims each absorbed cluster by setting ``merged_into`` (every update filters on
"not merged", so nothing lands on it afterwards and the claimed document is final), folds it
into the survivor with updates that are idempotent (the size only while the survivor's
``merged_from`` lacks it; sites guarded by ``$ne``; the first publisher by ``first_key``),
points its posts at the survivor and deletes it. A call that meets a claimed document
finishes that fold first, so a merge cut short by a crash is finished by the next call that
touches the cluster, and a join never lands in a cluster that is being folded away. Claims
go from the later first publisher to the earlier one (the filter checks it), and a first
publisher only gets earlier, so merges never form a cycle.

A lone post (no document yet) has no document to claim: founding its cluster and merging it
away both insert its id, and both look for a merge record (``merged_from``) after the insert
and back off if one appeared. What is left is a race within one round trip of two such
inserts, which can count that post twice.

Where a merged-away id went is kept in ``cluster_merges`` (``_id`` = the absorbed id, ``into``
= where it went, chains followed hop by hop), written before the absorbed document is deleted.
Every lookup of an id that has no document — each new cluster asks — is then one ``_id`` read
of a collection as small as the number of merges, not a query on the survivors'
``merged_from`` lists, which FerretDB answers by scanning every cluster.

A cluster's posts are listed by ``_id`` in ``cluster_members`` (its founder, whose id it
bears, aside): a fold reads the list and moves those posts by ``_id``. A filter on
``posts.cluster_id`` is an index read on MongoDB but a read of every post on FerretDB (3.8–4.5 s
a merge at 13,000 posts); only a cluster stored before the lists were kept is still found that
way.

On FerretDB every update runs under the cluster's lock, and every read and write names the
``_id`` alone (see :mod:`.mongo_locks`): it scans the collection for any other filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from opinion_spiders.stores import _mongo_bands as band_index
from opinion_spiders.stores import cluster_docs as docs
from opinion_spiders.stores.mongo_locks import AtomicWrites, Choice

Doc = dict[str, Any]
LIVE: Doc = {"merged_into": {"$exists": False}}
MERGES = "cluster_merges"
#: A cluster's posts besides its founder: ``{_id: cluster id, posts: [post _id, …]}``.
MEMBERS = "cluster_members"
#: Post ids read or moved in one command (the project's FerretDB build pushes down 1,000).
ID_CHUNK = 1000
#: Redirects followed / races retried before giving up (each needs another writer's change).
HOPS = 32


class ClusterConflict(RuntimeError):
    """A cluster kept changing under one call longer than :data:`HOPS` retries."""


class MongoClusters:
    """The ``clusters`` collection's joins and merges; ``writes`` makes its conditional
    writes (FerretDB's :class:`~.mongo_locks.LockedWrites`, else atomic ones)."""

    def __init__(
        self, db: Database[Doc], writes: AtomicWrites, *, one_by_one: bool = False,
        chunk: int = band_index.FERRETDB_CHUNK,
    ) -> None:  # fmt: skip
        """``one_by_one``: update posts by ``_id`` one statement each, not with an ``$in``
        (a FerretDB that scans for ``$in``, see :func:`._mongo_bands.by_id`), ``chunk``
        statements a command."""
        self.db = db
        self.coll = writes.collection
        self.merges = db[MERGES]
        self.members = db[MEMBERS]
        self.writes = writes
        self.locks = writes.locks
        self.one_by_one = one_by_one
        self.chunk = chunk

    # -- join --------------------------------------------------------------------------------
    def join(self, cluster_id: str, founder: Mapping[str, Any], member: Mapping[str, Any]) -> Doc:
        for _ in range(HOPS):
            doc = self._count(cluster_id, member)
            if doc is not None:
                self._list(str(doc["_id"]), [str(member["_id"])])
                return self._offer_first(doc, docs.first_fields(member))
            fresh = docs.joined(docs.founded(cluster_id, founder), member)
            if self._insert(fresh) and not self._undo_if_merged(fresh):
                self._list(cluster_id, [str(member["_id"])])
                return fresh
        raise ClusterConflict(cluster_id)

    def _count(self, cluster_id: str, member: Mapping[str, Any]) -> Doc | None:
        """Size, site and last_seen of one more copy; None when there is no such cluster."""
        site = str(member.get("site") or "")
        seen = _max_seen(member.get("crawled_at"))
        known: Choice = ({"sites": site}, {"$inc": {"size": 1}, **seen})
        grow = {"$inc": {"size": 1, "site_count": 1}, "$push": {"sites": site}, **seen}
        new: Choice = ({"sites": {"$ne": site}}, grow)
        for _ in range(HOPS):
            doc, live = self._apply(cluster_id, [known, new])
            if doc is not None or live is None:
                return doc
            cluster_id = live  # the site arrived between the two filters: count again
        raise ClusterConflict(cluster_id)

    def _offer_first(self, doc: Doc, first: Doc) -> Doc:
        """The cluster after offering ``first`` as its first publisher (taken if earlier)."""
        if first["first_key"] >= self._ensure_key(doc):
            return doc
        earlier: Choice = ({"first_key": {"$gt": first["first_key"]}}, {"$set": first})
        after, live = self._apply(str(doc["_id"]), [earlier])
        if after is not None:
            return after
        return self.get(live or str(doc["_id"])) or doc  # an even earlier copy got there

    def _ensure_key(self, doc: Doc) -> str:
        """A document stored before ``first_key`` existed gets it now (from first_* fields)."""
        if not doc.get("first_key"):
            doc["first_key"] = docs.key_of(doc)
            unset = {"_id": doc["_id"], "first_key": {"$exists": False}}
            self._update(unset, {"$set": {"first_key": doc["first_key"]}})
        return str(doc["first_key"])

    def _undo_if_merged(self, fresh: Doc) -> bool:
        """True (and the new document deleted) when its founder, a lone post, was merged into
        another cluster between our look and our insert: the caller goes there instead."""
        if self._alias(str(fresh["_id"])) is None:
            return False
        return self.writes.delete({"_id": fresh["_id"], "size": fresh["size"], **LIVE})

    # -- merge -------------------------------------------------------------------------------
    def merge(self, clusters: Mapping[str, Mapping[str, Any]]) -> Doc:
        if not clusters:
            raise ValueError("merge_clusters needs at least one cluster")
        for _ in range(HOPS):
            parts = self._gather(clusters)
            (survivor, stored), *rest = sorted(parts.values(), key=lambda p: docs.order(p[0]))
            if not rest:
                return survivor
            if not stored and not (self._insert(survivor) and not self._undo_if_merged(survivor)):
                continue  # it was founded, or merged, meanwhile: look again
            for part, part_stored in rest:
                self._absorb(survivor, part, part_stored)
            return self.get(str(survivor["_id"])) or survivor
        raise ClusterConflict(next(iter(clusters)))

    def _gather(self, clusters: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[Doc, bool]]:
        """Live id -> (document, stored?); a lone post (no document) as a cluster of one."""
        parts: dict[str, tuple[Doc, bool]] = {}
        for cluster_id, founder in clusters.items():
            live = self._resolve(cluster_id)
            doc = self.coll.find_one({"_id": live}) if live else None
            if doc is not None and "merged_into" not in doc:
                self._ensure_key(doc)
                parts.setdefault(str(live), (doc, True))
            else:
                parts.setdefault(cluster_id, (docs.founded(cluster_id, founder), False))
        return parts

    def _absorb(self, survivor: Doc, part: Doc, stored: bool) -> None:
        """Claim ``part`` for ``survivor``, then fold it. A part that meanwhile got an earlier
        first publisher than the survivor, or was claimed by another merge, is left alone."""
        into, key = str(survivor["_id"]), docs.key_of(survivor)
        if not stored:
            claim = {**part, "merged_into": into}
            if self._insert(claim):
                if self._alias(str(part["_id"])) is None:
                    self._fold(claim)
                else:  # another merge took this lone post between our look and our claim
                    self.writes.delete({"_id": part["_id"], "merged_into": into})
                return
        later = {"$or": [{"first_key": {"$gt": key}}, {"first_key": key, "_id": {"$gt": into}}]}
        claimed = self._update(
            {"_id": part["_id"], **LIVE, **later}, {"$set": {"merged_into": into}}
        )
        if claimed is not None:
            self._fold(claimed)

    def _fold(self, claimed: Doc) -> str:
        """Add a claimed cluster to the one it was claimed for, point its posts there and
        delete it; each step is idempotent, so any caller may finish a fold."""
        gone, into = str(claimed["_id"]), str(claimed["merged_into"])
        absorbed = [gone, *(claimed.get("merged_from") or ())]
        count: Choice = ({"merged_from": {"$ne": gone}}, {
            "$inc": {"size": int(claimed.get("size") or 1)},
            "$addToSet": {"merged_from": {"$each": absorbed}},
            **_max_seen(claimed.get("last_seen")),
        })  # fmt: skip
        _doc, live = self._apply(into, [count])
        if live is None:  # nowhere to go (claims keep their target): leave it claimed
            return into
        for site in claimed.get("sites") or ():
            add = {"$push": {"sites": site}, "$inc": {"site_count": 1}}
            self._apply(live, [({"sites": {"$ne": site}}, add)])
        first = {name: claimed.get(name) for name in docs.FIRST}
        first["first_key"] = docs.key_of(claimed)
        self._apply(live, [({"first_key": {"$gt": first["first_key"]}}, {"$set": first})])
        posts = self._posts_of(claimed)
        if posts is None:
            self._repoint(gone, live)
        else:
            self._move(posts, absorbed, live)
        self.merges.update_one({"_id": gone}, {"$set": {"into": live}}, upsert=True)
        self.members.delete_one({"_id": gone})
        self.writes.delete({"_id": gone, "merged_into": {"$exists": True}})
        return into

    # -- which posts a cluster has ------------------------------------------------------------
    def _list(self, cluster_id: str, post_ids: Sequence[str]) -> None:
        """Add posts to the cluster's member list (its founder, whose id it bears, is not
        listed: it is always a member)."""
        ids = [p for p in dict.fromkeys(post_ids) if p != cluster_id]
        if ids:
            add = {"$addToSet": {"posts": {"$each": ids}}}
            self.members.update_one({"_id": cluster_id}, add, upsert=True)

    def _posts_of(self, cluster: Doc) -> list[str] | None:
        """The posts that carry the cluster's id: its founder and the posts listed for it; None
        for a cluster of several copies without a list (stored before lists were kept)."""
        cluster_id = str(cluster["_id"])
        listed = self.members.find_one({"_id": cluster_id})
        if listed is None and int(cluster.get("size") or 1) > 1:
            return None
        return [cluster_id, *(str(p) for p in (listed or {}).get("posts") or ())]

    def _move(self, posts: list[str], absorbed: list[str], into: str) -> None:
        """The posts of a folded cluster (those still carrying its id, or an id it absorbed)
        take ``into``, and are listed there; again if ``into`` was merged away meanwhile. Reads
        and writes by ``_id``: FerretDB scans every post for a filter on ``cluster_id``."""
        old = set(absorbed)
        for _ in range(HOPS):
            self._list(into, posts)
            for start in range(0, len(posts), ID_CHUNK):
                chunk = posts[start : start + ID_CHUNK]
                found = band_index.by_id(self.db.posts, chunk, {"cluster_id": 1}, self.one_by_one)
                ours = [i for i, doc in found.items() if doc.get("cluster_id") in old]
                self._set_cluster(ours, into)
            live = self._resolve(into)
            if live is None or live == into:
                return
            old, into = {into}, live

    def _set_cluster(self, post_ids: list[str], into: str) -> None:
        if not post_ids:
            return
        move = {"$set": {"cluster_id": into}}
        if self.one_by_one:
            ops = [UpdateOne({"_id": i}, move) for i in post_ids]
            band_index.write_chunked(self.db.posts, ops, self.chunk)
        else:
            self.db.posts.update_many({"_id": {"$in": post_ids}}, move)

    def _repoint(self, gone: str, into: str) -> None:
        """Posts of ``gone`` take ``into``; again if ``into`` was merged away meanwhile. For a
        cluster without a member list: MongoDB answers it from the ``cluster_id`` index."""
        old = [gone]
        for _ in range(HOPS):
            self.db.posts.update_many({"cluster_id": {"$in": old}}, {"$set": {"cluster_id": into}})
            live = self._resolve(into)
            if live is None or live == into:
                return
            old, into = [into], live

    # -- following merges --------------------------------------------------------------------
    def _apply(self, cluster_id: str, choices: Sequence[Choice]) -> tuple[Doc | None, str | None]:
        """The first update whose filter the live cluster matches, following merges:
        (document after, its id); (None, id) when the live cluster matched none; (None, None)
        when there is no such cluster."""
        for _ in range(HOPS):
            live = [({**LIVE, **extra}, update) for extra, update in choices]
            doc, found = self.writes.update_first(cluster_id, live)
            if doc is not None:
                return doc, cluster_id
            if found is not None and "merged_into" not in found:
                return None, cluster_id
            nxt = self._fold(found) if found is not None else self._alias(cluster_id)
            if nxt is None:
                return None, None
            cluster_id = nxt
        raise ClusterConflict(cluster_id)

    def _resolve(self, cluster_id: str) -> str | None:
        """The live cluster ``cluster_id`` is now, finishing folds on the way; None if none."""
        return self._apply(cluster_id, [])[1]

    def get(self, cluster_id: str) -> Doc | None:
        """The cluster or the one it went to, read only (a fold in progress is not finished)."""
        for _ in range(HOPS):
            doc = self.coll.find_one({"_id": cluster_id})
            if doc is not None and "merged_into" not in doc:
                return doc
            nxt = str(doc["merged_into"]) if doc is not None else self._alias(cluster_id)
            if nxt is None:
                return None
            cluster_id = nxt
        return None

    def _alias(self, cluster_id: str) -> str | None:
        """Where a merged-away ``cluster_id`` went (one hop), from ``cluster_merges``."""
        record = self.merges.find_one({"_id": cluster_id})
        return str(record["into"]) if record else None

    def forward_posts(self, posts: Sequence[Doc]) -> None:
        """Posts written with a cluster id that was merged away get the surviving id."""
        ids = list({p["cluster_id"] for p in posts if isinstance(p.get("cluster_id"), str)})
        if not ids:
            return
        moved: dict[str, str] = {}
        for record in self.merges.find({"_id": {"$in": ids}}):
            live = self.get(str(record["_id"]))
            if live is not None:
                moved[str(record["_id"])] = str(live["_id"])
        for post in posts:
            if post.get("cluster_id") in moved:
                post["cluster_id"] = moved[post["cluster_id"]]

    # -- single-document writes --------------------------------------------------------------
    def _update(self, query: Doc, update: Doc) -> Doc | None:
        return self.writes.update(query, update)

    def _insert(self, doc: Doc) -> bool:
        try:
            self.coll.insert_one(dict(doc))
        except DuplicateKeyError:
            return False
        return True


def _max_seen(seen: Any) -> Doc:
    return {"$max": {"last_seen": seen}} if seen is not None else {}
