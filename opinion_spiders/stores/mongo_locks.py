"""Per-document locks for a MongoDB-wire server whose updates are not atomic.

Why: FerretDB 1.24 runs an update (``update_one``, ``find_one_and_update``, ``delete_one``) as
a query, then a write of the whole document by ``_id``; two processes that ``$inc`` one
document at once lose increments (measured: 333 of 600). Its one atomic step is an insert
against the unique ``_id``, so a lock is an inserted document in ``cluster_locks`` and each
cluster update runs while holding its cluster's lock. MongoDB applies an update to one
document atomically and needs none of this (:func:`needs_locks` tells them apart).

A lock carries a lease: one left by a process that died is taken over once expired.

Every write that holds a lock is a primary-key write. FerretDB answers a filter from its
``_id`` index only when the filter is ``_id`` alone: ``{_id: x, merged_into: {$exists: false}}``
reads and decodes every document of the collection (measured in a crawl into FerretDB: the
cluster updates were 41 % of the server's CPU, nearly all of it decoding documents they did
not want). Under the lock nothing else changes the document, so :class:`LockedWrites` reads it
by ``_id``, checks the rest of the filter here (:func:`matches`) and writes by ``_id`` alone.
On MongoDB, :class:`AtomicWrites` sends the whole filter: the server checks it and writes in
one atomic step, found through the ``_id`` index.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from opinion_spiders.stores.base import StoreUnavailable

Doc = dict[str, Any]
#: (the rest of a filter besides ``_id``, an update)
Choice = tuple[Doc, Doc]
COLLECTION = "cluster_locks"
#: A holder is given this long; a cluster update takes milliseconds.
LEASE = timedelta(seconds=30)
#: Waiting longer than this for a lock reports the store as unavailable (the caller retries).
WAIT = 60.0


def needs_locks(build_info: Mapping[str, Any]) -> bool:
    """True for FerretDB (its ``buildInfo`` names its version), whose updates need locks."""
    return "ferretdbVersion" in build_info


class DocLocks:
    """``with locks.held(key):`` — at most one holder per key across processes."""

    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        token = uuid.uuid4().hex
        self._acquire(key, token)
        try:
            yield
        finally:
            self.collection.delete_one({"_id": key, "token": token})

    def _acquire(self, key: str, token: str) -> None:
        deadline = time.monotonic() + WAIT
        pause = 0.001
        while True:
            now = datetime.now(UTC)
            try:
                self.collection.insert_one({"_id": key, "token": token, "expires": now + LEASE})
                return
            except DuplicateKeyError:
                self._take_over_expired(key, now)
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"cluster {key!r} stayed locked for {WAIT:.0f}s")
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 0.05)

    def _take_over_expired(self, key: str, now: datetime) -> None:
        """Remove a lock whose holder died (its lease ran out); the next insert decides."""
        held = self.collection.find_one({"_id": key})
        expires = held.get("expires") if held else None
        if held is not None and isinstance(expires, datetime) and expires < now:
            self.collection.delete_one({"_id": key, "token": held.get("token")})


class NoLocks:
    """MongoDB: single-document updates are atomic already."""

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        yield


class AtomicWrites:
    """Conditional single-document writes where the server applies them atomically (MongoDB):
    the whole filter goes to the server, which finds the document by its ``_id``."""

    def __init__(self, collection: Collection[Doc]) -> None:
        self.collection = collection
        self.locks: DocLocks | NoLocks = NoLocks()

    def update_first(self, doc_id: str, choices: Sequence[Choice]) -> tuple[Doc | None, Doc | None]:
        """Apply the first update whose filter the document matches: (the document after it,
        None); when none matched (or there are none), (None, the document as read, or None
        when there is no document ``doc_id``)."""
        for extra, update in choices:
            after = self.update({"_id": doc_id, **extra}, update)
            if after is not None:
                return after, None
        return None, self.collection.find_one({"_id": doc_id})

    def update(self, query: Doc, update: Doc) -> Doc | None:
        """The document after ``update``, or None when no document matches ``query`` (which
        names one ``_id``)."""
        return self.collection.find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER
        )

    def delete(self, query: Doc) -> bool:
        return self.collection.delete_one(query).deleted_count == 1


class LockedWrites(AtomicWrites):
    """The same writes on a server without atomic updates (FerretDB): under the document's
    lock, a read by ``_id``, the filter checked by :func:`matches`, a write by ``_id``."""

    def __init__(self, collection: Collection[Doc], locks: DocLocks) -> None:
        super().__init__(collection)
        self.locks = locks

    def update_first(self, doc_id: str, choices: Sequence[Choice]) -> tuple[Doc | None, Doc | None]:
        if not choices:  # a read: no lock needed
            return None, self.collection.find_one({"_id": doc_id})
        with self.locks.held(doc_id):
            found = self.collection.find_one({"_id": doc_id})
            for extra, update in choices:
                if found is not None and matches(found, extra):
                    return self._write(doc_id, update), None
            return None, found

    def update(self, query: Doc, update: Doc) -> Doc | None:
        doc_id, rest = _split(query)
        with self.locks.held(doc_id):
            return self._write(doc_id, update) if self._matching(doc_id, rest) else None

    def delete(self, query: Doc) -> bool:
        doc_id, rest = _split(query)
        with self.locks.held(doc_id):
            if not self._matching(doc_id, rest):
                return False
            return self.collection.delete_one({"_id": doc_id}).deleted_count == 1

    def _matching(self, doc_id: str, rest: Doc) -> bool:
        """Whether the document is there and matches ``rest`` (read under the caller's lock)."""
        found = self.collection.find_one({"_id": doc_id})
        return found is not None and matches(found, rest)

    def _write(self, doc_id: str, update: Doc) -> Doc | None:
        return self.collection.find_one_and_update(
            {"_id": doc_id}, update, return_document=ReturnDocument.AFTER
        )


def _split(query: Doc) -> tuple[str, Doc]:
    rest = dict(query)
    return str(rest.pop("_id")), rest


def matches(doc: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether ``doc`` matches ``query`` as MongoDB decides, for what conditional writes use:
    top-level fields compared by value (an array field matches a value it holds), ``$exists``,
    ``$ne``, ``$gt``/``$gte``/``$lt``/``$lte`` between values of one kind (text, numbers,
    times), and ``$or``. Anything else is a ValueError, never a guess."""
    for key, cond in query.items():
        if key == "$or":
            if not any(matches(doc, branch) for branch in cond):
                return False
            continue
        if key.startswith("$") or "." in key:
            raise ValueError(f"matches: unsupported filter key {key!r}")
        present, value = key in doc, doc.get(key)
        if isinstance(cond, Mapping) and cond and all(str(op).startswith("$") for op in cond):
            if not all(_holds(op, arg, present, value) for op, arg in cond.items()):
                return False
        elif not _equals(present, value, cond):
            return False
    return True


def _equals(present: bool, value: Any, arg: Any) -> bool:
    if not present or value is None:
        return arg is None
    if isinstance(value, list) and not isinstance(arg, list):
        return any(_same(v, arg) for v in value)
    return _same(value, arg)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b) or _kind(a) == _kind(b) == "number" and a == b


ORDER = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b,
         "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b}  # fmt: skip


def _holds(op: str, arg: Any, present: bool, value: Any) -> bool:
    if op == "$exists":
        return present == bool(arg)
    if op == "$ne":
        return not _equals(present, value, arg)
    compare = ORDER.get(op)
    if compare is None:
        raise ValueError(f"matches: unsupported operator {op!r}")
    values = value if isinstance(value, list) else [value]
    kind = _kind(arg)
    if kind is None:
        raise ValueError(f"matches: cannot order by {arg!r}")
    return present and any(_kind(v) == kind and compare(v, arg) for v in values)


def _kind(value: Any) -> str | None:
    """MongoDB compares values of one kind only: $gt between a text and a number is false."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "time"
    return None
