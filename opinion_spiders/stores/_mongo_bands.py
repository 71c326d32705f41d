"""The near-duplicate band index on MongoDB: collection ``bands``, one document per LSH band
key — ``{_id: <band key>, posts: [<post _id>, …]}`` — so a post's candidates are two reads
by primary key: its band documents, then the posts they name (at most a few times the
candidate limit), each as one ``$in`` on ``_id`` (MongoDB) or one ``{_id: value}`` query per
document (FerretDB, see :func:`by_id`).

Why not a multikey index on ``posts.minhash_bands``: a query on it is a secondary-index read
(on FerretDB 1.24 a scan of every post), where a primary-key read is what every
MongoDB-wire server answers best. A band lists about :data:`CAPACITY` posts, the first
stored (later copies still find those): a text reposted thousands of times keeps small band
documents and a bounded lookup. A band document is written when a batch of posts is:
inserted when new (most keys are), else extended with ``$addToSet`` filtered on ``_id`` alone
(one update for the keys that get the same posts, by ``$in``) — unless a lookup saw it full
(writers elsewhere may add a few more meanwhile). Which keys are there
already, this process mostly knows (:class:`KnownBands`): each post's lookup read its band
documents just before its batch is written, and the process wrote the others itself. Those
go straight to the update (an upsert, in case one went meanwhile), so the insert meets a
duplicate key only when another process wrote the key since: FerretDB 1.24 writes an
insert that meets one document by document, several times slower than in one go.
A post rewritten with other bands stays listed under its old ones; the lookup checks each
candidate's current ``minhash_bands``, so such a stale entry is never returned.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import UpdateMany, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from opinion_spiders.stores.base import CANDIDATE_FIELDS

Doc = dict[str, Any]
COLLECTION = "bands"
#: Posts a band document lists at most (a batch may add its own past it once).
CAPACITY = 100
#: Candidate posts read per lookup, as a multiple of the caller's limit (stale entries and
#: posts not stored yet are dropped after the read).
_READ_FACTOR = 4


class KnownBands:
    """Band keys this process knows to be stored: seen by a lookup or written here (the
    newest ``size`` of them), and apart, those seen listing :data:`CAPACITY` posts, which the
    writes skip (the oldest forgotten past ``size``). An update filtered on anything besides
    ``_id`` would scan on FerretDB. The crawl's lookups tell it what they saw from a thread of
    their own, beside the writes that ask it: its changes take a lock (a key found present,
    then trimmed away by the other thread before it moved to the end, raised ``KeyError``);
    asking whether it holds a key needs none."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        # OrderedDicts: the oldest key goes in O(1) (``popitem``), where ``next(iter(d))`` on
        # a dict whose front was deleted walks the dead slots (27 s of a 133 s cluster step)
        self.full: OrderedDict[str, None] = OrderedDict()
        self.present: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def saw(self, key: str, listed: int) -> None:
        """A lookup read the band document ``key``, listing ``listed`` posts (it is stored:
        the caller says so with :meth:`stored`, once for every key it read)."""
        if listed >= CAPACITY:
            with self._lock:
                self.full[key] = None
                _trim(self.full, self.size)

    def stored(self, keys: Sequence[str]) -> None:
        present = self.present
        with self._lock:
            for key in keys:
                if key in present:
                    present.move_to_end(key)
                else:
                    present[key] = None
            _trim(present, self.size)


def _trim(keys: OrderedDict[str, None], size: int) -> None:
    while len(keys) > size:
        keys.popitem(last=False)


def index_posts(
    bands: Collection[Doc], posts: Sequence[Mapping[str, Any]], known: KnownBands, chunk: int,
    *, one_by_one: bool = False,
) -> set[str]:  # fmt: skip
    """List each post under its band keys (before the posts are written: a lookup drops a
    listed post that is not stored); return the posts whose every band document this call
    inserted, listing that post alone (no document had the key, no other post of the batch
    has it). The documents there already are extended by :func:`extend`."""
    by_band: dict[str, list[str]] = {}
    for post in posts:
        for band in dict.fromkeys(post.get("minhash_bands") or ()):
            if str(band) not in known.full:
                by_band.setdefault(str(band), []).append(str(post["_id"]))
    if not by_band:
        return set()
    fresh = [{"_id": key, "posts": ids[:CAPACITY]} for key, ids in by_band.items()
             if key not in known.present]  # fmt: skip
    there = {str(key) for key in insert_new(bands, fresh)}
    extend(bands, {k: ids for k, ids in by_band.items() if k in there or k in known.present},
           chunk, one_by_one=one_by_one)  # fmt: skip
    known.stored(list(by_band))
    alone = {doc["_id"] for doc in fresh if len(doc["posts"]) == 1}.difference(there)
    return {
        str(post["_id"])
        for post in posts
        if post.get("minhash_bands") and alone.issuperset(map(str, post["minhash_bands"]))
    }


def extend(
    bands: Collection[Doc], listed: Mapping[str, list[str]], chunk: int, *, one_by_one: bool
) -> None:
    """Add the posts to the band documents of their keys, stored already (mostly: one may
    have gone meanwhile). The keys that get the same posts — a copy's bands its original
    had, the common case — share one update filtered on ``_id`` by ``$in``: a server answers
    it from its primary key as it does a read, and on FerretDB each update statement is a
    transaction of its own (timed: 0.37 ms a key updated alone, 0.20 ms in updates of twenty).
    When one matched no document (it went meanwhile), every key is written again by an
    upsert of its own. ``one_by_one`` (a released FerretDB, which scans for an ``$in``): one
    upsert a key."""
    if not listed:
        return

    def key_by_key() -> None:
        """An upsert a key: ``$addToSet`` twice lists a post once, and a key another process
        wrote since an update missed it gets the posts all the same."""
        upserts = [_extend({"_id": k}, ids, upsert=True) for k, ids in listed.items()]
        write_chunked(bands, upserts, chunk)

    if one_by_one:
        key_by_key()
        return
    same: dict[tuple[str, ...], list[str]] = {}
    for key, ids in listed.items():
        same.setdefault(tuple(ids), []).append(key)
    ops = [
        _extend({"_id": keys[0]}, list(ids), upsert=False) if len(keys) == 1
        else _extend({"_id": {"$in": keys}}, list(ids), upsert=False, many=True)
        for ids, keys in same.items()
    ]  # fmt: skip
    if write_chunked(bands, ops, chunk) < len(listed):  # one went meanwhile: key by key
        key_by_key()


def _extend(
    where: Mapping[str, Any], post_ids: list[str], *, upsert: bool, many: bool = False
) -> UpdateOne | UpdateMany:
    update = {"$addToSet": {"posts": {"$each": post_ids}}}
    if many:
        return UpdateMany(where, update, upsert=upsert)
    return UpdateOne(where, update, upsert=upsert)


def candidates_many(
    bands: Collection[Doc], posts: Collection[Doc], queries: Sequence[Sequence[str]],
    limit: int, known: KnownBands, *, one_by_one: bool = False,
) -> list[list[Doc]]:  # fmt: skip
    """For each list of band keys in ``queries``: up to ``limit`` posts listed under any of
    them that still carry one. Two reads for all the lists: the band documents of every key,
    then every post they list (up to the read limit of each list); ``one_by_one`` reads each
    ``_id`` with its own query (see :func:`by_id`)."""
    wanted = [list(dict.fromkeys(keys)) for keys in queries]
    chosen = listed_many(bands, wanted, limit, known, one_by_one=one_by_one)
    every_post = list(dict.fromkeys(post_id for ids in chosen for post_id in ids))
    if not every_post:
        return [[] for _ in queries]
    found = read_candidates(posts, every_post, one_by_one=one_by_one)
    return [
        _still_listed(found, ids, set(keys), limit)
        for keys, ids in zip(wanted, chosen, strict=True)
    ]


def listed_many(
    bands: Collection[Doc], queries: Sequence[Sequence[str]], limit: int, known: KnownBands,
    *, one_by_one: bool = False,
) -> list[list[str]]:  # fmt: skip
    """For each list of band keys: the post ids listed under them (up to the read limit),
    from one read of every key's band document."""
    every_key = list(dict.fromkeys(key for keys in queries for key in keys))
    if not every_key or limit <= 0:
        return [[] for _ in queries]
    listed = by_id(bands, every_key, None, one_by_one)
    for key, band in listed.items():
        known.saw(key, len(band.get("posts") or ()))
    known.stored(list(listed))
    return [_listed_posts(listed, list(keys))[: limit * _READ_FACTOR] for keys in queries]


def read_candidates(
    posts: Collection[Doc], ids: list[str], *, one_by_one: bool = False
) -> dict[str, Doc]:
    """The posts ``ids`` with the candidate fields and their bands."""
    fields = dict.fromkeys((*CANDIDATE_FIELDS, "minhash_bands"), 1)
    return by_id(posts, ids, fields, one_by_one) if ids else {}


def _listed_posts(listed: Mapping[str, Doc], keys: list[str]) -> list[str]:
    return list(dict.fromkeys(str(p) for key in keys for p in listed.get(key, {}).get("posts", ())))


def _still_listed(
    found: Mapping[str, Doc], ids: list[str], keys: set[str], limit: int
) -> list[Doc]:
    """The posts ``ids`` that still carry one of ``keys`` (a post rewritten with other bands
    stays listed under its old ones), up to ``limit``, without their bands."""
    out = []
    for post_id in ids:
        doc = found.get(post_id)
        if doc is not None and keys.intersection(doc.get("minhash_bands") or ()):
            out.append({k: v for k, v in doc.items() if k != "minhash_bands"})
            if len(out) == limit:
                break
    return out


def by_id(
    collection: Collection[Doc], ids: list[str], fields: Mapping[str, int] | None,
    one_by_one: bool,
) -> dict[str, Doc]:  # fmt: skip
    """The documents with these ``_id``s: one ``$in`` query, or (``one_by_one``) one
    ``{_id: value}`` query each — FerretDB 1.24 answers only that form from its ``_id`` index
    and scans the collection for an ``$in``, while MongoDB answers both from its index."""
    if one_by_one:
        found = (collection.find_one({"_id": i}, fields) for i in ids)
        return {str(d["_id"]): d for d in found if d is not None}
    # all in the first reply: a cursor's getMore is one more round trip (the driver's default
    # first batch is 101 documents, and a lookup asks for a few hundred)
    cursor = collection.find({"_id": {"$in": ids}}, fields, batch_size=len(ids))
    return {str(d["_id"]): d for d in cursor}


#: Update statements sent in one command to FerretDB. FerretDB 1.24 keeps each statement's
#: query open until the command ends, on a pool of 100 SQLite connections, and each statement's
#: write needs one more: one command of 100 statements never ends (measured: 99 take 0.7 s, 100
#: time out), and two commands of 50 at once — two crawl processes, or the store's writer
#: thread and the events stage — stop the server for good, every connection held by a query
#: and each command waiting for one to write (measured: 3 threads of 50-statement commands
#: stalled at once; of 10, 95,000 statements in 8 s). In commands of 10, nine at once are safe.
FERRETDB_CHUNK = 10
#: MongoDB takes a bulk write of any size (the driver splits what the server cannot take).
MONGODB_CHUNK = 1000


def write_chunked(collection: Collection[Doc], ops: Sequence[Any], chunk: int) -> int:
    """``bulk_write`` (unordered) in commands of at most ``chunk`` operations; how many
    documents the updates matched."""
    matched = 0
    for start in range(0, len(ops), chunk):
        matched += collection.bulk_write(
            list(ops[start : start + chunk]), ordered=False
        ).matched_count
    return matched


def insert_new(collection: Collection[Doc], docs: list[Doc]) -> list[Any]:
    """Insert the documents; return the ``_id``s that were there already (duplicate keys),
    which the caller updates instead."""
    if not docs:
        return []
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        dup = [e["op"]["_id"] for e in errors if e.get("code") == 11000]
        if len(dup) != len(errors):
            raise
        return dup
    return []
