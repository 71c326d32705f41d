"""The cluster step's collections on MongoDB: the queue, the merge records and the leases.

Why so plain: clusters have one writer, the cluster step, which holds a lease (``leases``)
and decides joins and merges in Python (:mod:`opinion_spiders.stores.cluster_docs`). The
store only writes what it decided, as idempotent writes that each name one ``_id``: no
``$inc``, no conditional update, no lock. FerretDB 1.24 (the test server) loses concurrent
``$inc``s (it runs an update as a read, then a write by ``_id``) and scans the whole
collection for any filter but a bare ``_id``; with a single writer and ``_id`` writes, neither
matters. Every write goes in commands of ``chunk`` statements (FerretDB hangs on a command of
100, see :data:`._mongo_bands.FERRETDB_CHUNK`).

- ``cluster_queue``: ``{_id: post id, queued_at, seq}`` (``seq``: the post's place in its
  ``upsert_posts`` call, whose entries share ``queued_at``), written by ``upsert_posts``
  before the posts, taken off by ``write_clusters`` (``done``); ``recheck: true`` where a
  step asked for the post's bands to be read again, or the post was queued again. (A post
  whose bands were each a new document listing it alone is stored with ``bands_fresh: true``:
  its bands are written before it.) A crash between the two
  writes leaves a queue entry for a post that is not there, rather than a stored post nobody
  clusters. A post still being written by another process is in that state too for a moment,
  so an entry whose post is missing is taken off only once it is :data:`QUEUE_GRACE` old.
  The queue is read oldest first with a ``limit`` (on FerretDB, which would sort the whole
  queue in Go, the first ``limit`` entries in insertion order, sorted here: see
  :func:`_oldest`); its posts are then read by ``_id``.
- ``cluster_merges``: ``{_id: absorbed id, into: where it went}``. Records are never moved
  when their target is absorbed in turn (finding them would be a filter on ``into``, a scan
  on FerretDB): :func:`aliases` follows a chain hop by hop, each hop one ``_id`` read for
  every id at once. A survivor is the earliest first publisher, so it is rarely absorbed
  later, and chains stay short.
- ``leases``: ``{_id: name, holder, expires}`` (tiny: any filter is fine).
- ``cluster_journal``: one document, ``{_id: "step", clusters, merged, posts, done}``: a
  step's writes, inserted whole before any of them is made and deleted once all are. A single
  document's write is atomic on every MongoDB-wire server, so a step's writes are all or
  nothing: one cut short (a kill, a lost server) is finished from the journal by the next
  ``queued_posts`` or ``write_clusters``, before anything else is read. Without it a step
  done again on a different batch (new posts came meanwhile) could leave a cluster written by
  the first try that no post names.

A cluster lists its posts in its own document (``members``); ``cluster_members`` and
``cluster_locks`` of the earlier design are no longer read or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DeleteOne, ReplaceOne, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from opinion_spiders.stores import _mongo_bands as band_index
from opinion_spiders.stores.base import CANDIDATE_FIELDS, CLUSTER_FIELDS, FRESH, ClusterWrites

Doc = dict[str, Any]
QUEUE = "cluster_queue"
MERGES = "cluster_merges"
LEASES = "leases"
JOURNAL = "cluster_journal"
#: Collections of the cluster step, besides ``clusters`` (created with the schema).
COLLECTIONS = (QUEUE, MERGES, LEASES, JOURNAL)
#: collection -> index key lists (the queue is read oldest first)
INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    QUEUE: [[("queued_at", ASCENDING), ("seq", ASCENDING), ("_id", ASCENDING)]],
}
#: How old a queue entry whose post is missing must be before it is taken off: longer than
#: one ``upsert_posts`` call takes to write its posts after its queue entries.
QUEUE_GRACE = timedelta(minutes=10)
#: Queue entries taken off in one ``delete_many`` (an ``$in`` on ``_id``: FerretDB answers it
#: from its index, or by reading the queue, which holds one step's posts or a crawl's at most).
DONE_CHUNK = 500
#: Merge records followed from one id at most (a longer chain ends where the walk stopped).
HOPS = 64


# -- the queue ---------------------------------------------------------------------------------
def queue(db: Database[Doc], post_ids: Sequence[str]) -> None:
    """Queue posts for the cluster step, in their order; an entry there already stays where
    it is, its bands to be read again."""
    now = datetime.now(UTC)
    entries = [{"_id": p, "queued_at": now, "seq": i} for i, p in enumerate(post_ids)]
    _recheck(db, [str(i) for i in band_index.insert_new(db[QUEUE], entries)])


def _recheck(db: Database[Doc], post_ids: Sequence[str]) -> None:
    """Mark queued posts ``recheck: true`` (their bands to be read when their turn comes)."""
    for start in range(0, len(post_ids), DONE_CHUNK):  # an $in on _id: answered by the index
        ids = list(post_ids[start : start + DONE_CHUNK])
        db[QUEUE].update_many({"_id": {"$in": ids}}, {"$set": {"recheck": True}})


def queued(
    db: Database[Doc], limit: int, *, one_by_one: bool, chunk: int, natural: bool = False
) -> list[Doc]:
    """Up to ``limit`` queued posts, oldest entry first, with the candidate and cluster fields
    and ``minhash_bands``; entries whose post is missing are skipped, and taken off once old.
    ``natural``: the first ``limit`` entries in the order the server keeps them, sorted here
    (see :func:`_oldest`)."""
    finish(db, chunk)
    if limit <= 0:
        return []
    entries = _oldest(db[QUEUE], limit, natural)
    ids = [str(e["_id"]) for e in entries]
    fields = dict.fromkeys((*CANDIDATE_FIELDS, *CLUSTER_FIELDS, "minhash_bands", FRESH), 1)
    found = band_index.by_id(db.posts, ids, fields, one_by_one) if ids else {}
    old = datetime.now(UTC) - QUEUE_GRACE
    gone = [
        DeleteOne({"_id": e["_id"]})
        for e in entries
        if str(e["_id"]) not in found and _older(e.get("queued_at"), old)
    ]
    band_index.write_chunked(db[QUEUE], gone, chunk)
    for entry in entries:
        doc = found.get(str(entry["_id"]))
        if doc is not None and (doc.pop(FRESH, None) is True and not entry.get("recheck")):
            doc[FRESH] = True
    return [found[i] for i in ids if i in found]


def _oldest(queue: Collection[Doc], limit: int, natural: bool) -> list[Doc]:
    """The ``limit`` oldest queue entries, in queue order. MongoDB reads them from the queue's
    index. FerretDB 1.24 sorts in Go after reading every document (it hands SQLite only a sort
    on ``$natural``, which it refuses on a collection that is not capped), so each read cost
    the whole queue — 0.23 s at 13,000 entries, 1.6 s at 100,000 (a backlog after an outage),
    and a queue is drained a ``limit`` at a time. Asked for no sort, it hands SQLite the
    ``limit``: the first entries in the order they were inserted (0.02–0.03 s at either
    size), which is queue order for one writer; entries of writers inserting at once are
    sorted within what was read."""
    if not natural:
        order = [("queued_at", ASCENDING), ("seq", ASCENDING), ("_id", ASCENDING)]
        return list(queue.find({}).sort(order).limit(limit))
    entries = list(queue.find({}, limit=limit, batch_size=limit))
    entries.sort(key=lambda e: (e.get("queued_at") or _EPOCH, e.get("seq") or 0, str(e["_id"])))
    return entries


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _older(when: Any, than: datetime) -> bool:
    return not isinstance(when, datetime) or when < than


# -- the cluster step's writes -----------------------------------------------------------------
def write(db: Database[Doc], writes: ClusterWrites, chunk: int) -> None:
    """:meth:`~opinion_spiders.stores.base.Store.write_clusters`: the journal first (a step
    cut short before is finished), then each part by ``_id``, in the contract's order, then
    the journal deleted."""
    _check(writes)
    finish(db, chunk)
    db[JOURNAL].insert_one({"_id": "step", **_journal(writes)})
    finish(db, chunk)


def finish(db: Database[Doc], chunk: int) -> None:
    """Make the writes of a journaled step (one cut short, or the one just journaled) and
    delete the journal; nothing when there is none."""
    entry = db[JOURNAL].find_one({"_id": "step"})
    if entry is None:
        return
    _apply(db, _from_journal(entry), chunk)
    db[JOURNAL].delete_one({"_id": "step"})


def _journal(writes: ClusterWrites) -> Doc:
    """A step's writes as one document: ids as values, not keys (an id may hold a dot, which
    a key may not), in objects, not pairs (FerretDB stores no nested arrays)."""
    return {
        "clusters": list(writes.clusters),
        "merged": [{"gone": gone, "into": into} for gone, into in writes.merged.items()],
        "posts": [{"_id": post_id, "set": dict(f)} for post_id, f in writes.posts.items()],
        "done": list(writes.done),
        "recheck": list(writes.recheck),
    }


def _from_journal(entry: Doc) -> ClusterWrites:
    return ClusterWrites(
        clusters=list(entry.get("clusters") or ()),
        merged={str(m["gone"]): str(m["into"]) for m in entry.get("merged") or ()},
        posts={str(p["_id"]): dict(p["set"]) for p in entry.get("posts") or ()},
        done=[str(d) for d in entry.get("done") or ()],
        recheck=[str(r) for r in entry.get("recheck") or ()],
    )


def _check(writes: ClusterWrites) -> None:
    for post_id, fields in writes.posts.items():
        unknown = set(fields) - set(CLUSTER_FIELDS)
        if unknown:
            raise ValueError(f"post {post_id!r}: not cluster fields: {sorted(unknown)}")
    for gone, into in writes.merged.items():
        if gone == into:
            raise ValueError(f"cluster {gone!r} cannot be merged into itself")


def _apply(db: Database[Doc], writes: ClusterWrites, chunk: int) -> None:
    put = [ReplaceOne({"_id": c["_id"]}, dict(c), upsert=True) for c in writes.clusters]
    band_index.write_chunked(db.clusters, put, chunk)
    records = [
        ReplaceOne({"_id": gone}, {"into": into}, upsert=True)
        for gone, into in writes.merged.items()
    ]
    band_index.write_chunked(db[MERGES], records, chunk)
    band_index.write_chunked(db.clusters, [DeleteOne({"_id": g}) for g in writes.merged], chunk)
    posts = [
        UpdateOne({"_id": post_id}, {"$set": dict(fields)})  # no upsert: a post not stored
        for post_id, fields in writes.posts.items()
        if fields  # MongoDB rejects an empty $set
    ]
    band_index.write_chunked(db.posts, posts, chunk)
    _recheck(db, writes.recheck)
    for start in range(0, len(writes.done), DONE_CHUNK):  # the queue is small: one command
        db[QUEUE].delete_many({"_id": {"$in": list(writes.done[start : start + DONE_CHUNK])}})


# -- following merges --------------------------------------------------------------------------
def aliases(merges: Collection[Doc], ids: Sequence[str], *, one_by_one: bool) -> dict[str, str]:
    """Where each merged-away id of ``ids`` went: the end of its chain of merge records, each
    hop one ``_id`` read of every id still walking (a cycle, which the writer never makes,
    ends the walk where it would repeat)."""
    at = {str(i): str(i) for i in ids}
    seen = {i: {i} for i in at}
    out: dict[str, str] = {}
    walking = list(at)
    for _ in range(HOPS):
        if not walking:
            break
        here = list(dict.fromkeys(at[i] for i in walking))
        found = band_index.by_id(merges, here, {"into": 1}, one_by_one)
        still = []
        for origin in walking:
            record = found.get(at[origin])
            into = str(record["into"]) if record is not None else None
            if into is None or into in seen[origin]:
                continue
            seen[origin].add(into)
            at[origin] = out[origin] = into
            still.append(origin)
        walking = still
    return out


def live(db: Database[Doc], cluster_id: str, *, one_by_one: bool) -> Doc | None:
    """The cluster document, or the one at the end of its merges; None when there is none."""
    doc = db.clusters.find_one({"_id": cluster_id})
    if doc is not None:
        return doc
    into = aliases(db[MERGES], [cluster_id], one_by_one=one_by_one).get(cluster_id)
    return db.clusters.find_one({"_id": into}) if into is not None else None


# -- leases ------------------------------------------------------------------------------------
def take_lease(leases: Collection[Doc], name: str, holder: str, seconds: float) -> bool:
    """Insert the lease; on a duplicate key renew it if it is ours, or remove it if it
    expired and try the insert once more.

    On FerretDB an update or delete is a read, then a write by ``_id``, so two processes
    taking over one expired lease at once may both succeed; the one whose lease was deleted
    under it finds out at its next renewal (the renewal matches nothing: False). The holder
    renews before each step, so two writers overlap by one step at most, and the writes are
    idempotent."""
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=seconds)
    for _ in range(2):
        try:
            leases.insert_one({"_id": name, "holder": holder, "expires": expires})
            return True
        except DuplicateKeyError:
            held = leases.find_one({"_id": name})
        if held is None:
            continue  # released meanwhile
        if held.get("holder") == holder:
            renew = {"$set": {"expires": expires}}
            return leases.update_one({"_id": name, "holder": holder}, renew).matched_count == 1
        if not _expired(held.get("expires"), now):
            return False
        old = {"_id": name, "holder": held.get("holder"), "expires": held.get("expires")}
        leases.delete_one(old)
    return False


def _expired(expires: Any, now: datetime) -> bool:
    """Whether a lease ran out (one without a time, never written so, counts as run out)."""
    return not isinstance(expires, datetime) or expires <= now


def release_lease(leases: Collection[Doc], name: str, holder: str) -> None:
    leases.delete_one({"_id": name, "holder": holder})
