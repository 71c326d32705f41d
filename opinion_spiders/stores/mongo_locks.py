"""Per-document locks for a MongoDB-wire server whose updates are not atomic.

Why: FerretDB 1.24 runs an update (``update_one``, ``find_one_and_update``, ``delete_one``) as
a query, then a write of the whole document by ``_id``; two processes that ``$inc`` one
document at once lose increments (measured: 333 of 600). Its one atomic step is an insert
against the unique ``_id``, so a lock is an inserted document in ``cluster_locks`` and each
cluster update runs while holding its cluster's lock. MongoDB applies an update to one
document atomically and needs none of this (:func:`needs_locks` tells them apart).

A lock carries a lease: one left by a process that died is taken over once expired.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from opinion_spiders.stores.base import StoreUnavailable

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
