"""Batches that could not be written wait on disk, one JSON-lines file each, and replay later.

Why one file per batch: several processes may spool into one folder without interleaving,
a file appears only when complete (written aside, then renamed), and a replayed batch is
deleted on its own only after the store accepted it. Writes are idempotent, so a batch
replayed twice (a crash between write and delete) does no harm; still, a batch is replayed
under a lock on its file (``flock``, released by the kernel if the process dies), so two
processes (or two stages of one) never replay it both.

Clusters are never spooled: the cluster step writes them from the stored posts, and a
replayed post is queued for it like any other. ``cluster_writes`` batches left by versions
that spooled cluster calls are dropped on replay with a warning: their posts are replayed
(and queued) on their own.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from opinion_spiders.stores._docs import dumps, loads
from opinion_spiders.stores.base import Store, StoreUnavailable

Docs = Sequence[Mapping[str, Any]]
logger = logging.getLogger(__name__)
#: Sub-folder of the spool where unreadable batches are set aside.
DAMAGED = "damaged"

#: what can be spooled: store writes, each replayed from a list of documents
OPS = (
    "upsert_posts",
    "insert_alert",
    "record_run",
    "save_state",
    "update_alert",
    "set_post_alerts",
)
#: what older versions spooled, dropped on replay (see the module's docstring)
LEGACY_OPS = ("cluster_writes",)


def apply(store: Store, op: str, docs: list[dict[str, Any]]) -> None:
    """Perform one spooled write (every one is idempotent)."""
    if op == "upsert_posts":
        store.upsert_posts(docs)
        return
    if op == "set_post_alerts":
        store.set_post_alerts({doc["_id"]: doc["alert"] for doc in docs})
        return
    if op in LEGACY_OPS:
        logger.warning("dropped %d spooled cluster calls of an older version: the cluster "
                       "step clusters their posts", len(docs))  # fmt: skip
        return
    for doc in docs:
        if op == "insert_alert":
            store.insert_alert(doc)
        elif op == "record_run":
            store.record_run(doc)
        elif op == "save_state":
            store.save_state(doc["site"], doc["states"])
        elif op == "update_alert":
            store.update_alert(doc["_id"], doc["fields"])
        else:
            raise ValueError(f"cannot spool {op!r}; one of {OPS}")


_counter = itertools.count()


class Spool:
    """A folder of pending batches; ``append`` when the store is down, ``replay`` when it is up.

    ``save_state`` batches are ``[{"site": ..., "states": {...}}]``, ``update_alert``
    batches ``[{"_id": ..., "fields": {...}}]`` and ``set_post_alerts`` batches
    ``[{"_id": post id, "alert": {...}}]``; the others are the documents themselves.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        #: Batches set aside as damaged by this object's replays.
        self.damaged: list[Path] = []

    def append(self, docs: Docs, op: str = "upsert_posts") -> Path:
        """Write one batch to its own file (header line, then one document a line)."""
        if op not in OPS:
            raise ValueError(f"cannot spool {op!r}; one of {OPS}")
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_counter):06d}.jsonl"
        return _write_batch(self.directory / name, docs, op)

    def write(self, store: Store, docs: Docs, op: str = "upsert_posts") -> bool:
        """Write through ``store``; on StoreUnavailable spool the batch. True when written."""
        if op not in OPS:
            raise ValueError(f"cannot spool {op!r}; one of {OPS}")
        try:
            apply(store, op, [dict(d) for d in docs])
        except StoreUnavailable:
            self.append(docs, op)
            return False
        return True

    def files(self) -> list[Path]:
        """Pending batches, oldest first."""
        return sorted(self.directory.glob("*.jsonl")) if self.directory.is_dir() else []

    def pending(self) -> int:
        return len(self.files())

    @property
    def damaged_dir(self) -> Path:
        """Where a batch that cannot be read is set aside, for a person to look at."""
        return self.directory / DAMAGED

    def replay(self, store: Store) -> int:
        """Write pending batches in order, deleting each after success; return how many.

        Stops (raising StoreUnavailable) at the first batch the store cannot take, so the
        rest stay spooled in order. A batch that cannot be read (cut short, not JSON, a wrong
        header) is moved to :attr:`damaged_dir` with a warning and the batches behind it are
        replayed: one damaged file must not hold every later batch and crawl hostage.
        """
        done = 0
        for path in self.files():
            done += self.replay_batch(path, store)
        return done

    def replay_batch(self, path: Path, store: Store) -> bool:
        """Write one pending batch and delete it; True when this call replayed it.

        False when it is gone (replayed by another), set aside as damaged, or another replays
        it now. Raises StoreUnavailable when the store cannot take it (the batch stays).
        """
        handle = _claim(path)
        if handle is None:
            return False
        with handle:  # closing it releases the claim, after the file is deleted
            try:
                op, docs = read_batch(path)
            except (ValueError, IndexError, UnicodeDecodeError) as exc:
                self.set_aside(path, exc)
                return False
            apply(store, op, docs)
            path.unlink(missing_ok=True)
        return True

    def set_aside(self, path: Path, why: Exception) -> Path:
        self.damaged_dir.mkdir(parents=True, exist_ok=True)
        target = self.damaged_dir / path.name
        path.replace(target)
        self.damaged.append(target)
        logger.warning(
            "damaged spool file moved to %s (%s); repair it and move it back to %s to replay it",
            target, why, self.directory,
        )  # fmt: skip
        return target


def _write_batch(target: Path, docs: Docs, op: str) -> Path:
    """``target`` with a header line, then one document a line; written aside, then renamed
    (a reader sees the whole file or none)."""
    lines = [dumps({"op": op, "count": len(docs)}), *(dumps(doc) for doc in docs)]
    part = target.with_name(f"{target.name}.{os.getpid()}.part")
    with part.open("w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        out.flush()
        os.fsync(out.fileno())
    part.replace(target)
    return target


def _claim(path: Path) -> IO[bytes] | None:
    """The batch's file, open and locked by us; None when it is gone or locked by another (a
    batch's name is never reused, so a file still there once locked is the one opened)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    if not path.exists():  # replayed and deleted by another between our open and our lock
        handle.close()
        return None
    return handle


def read_batch(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """Header and documents of one spool file; a truncated file is an error, not a loss."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty spool file")
    header = loads(lines[0])
    if not isinstance(header, dict):
        raise ValueError(f"{path}: damaged spool file (no header)")
    docs = [loads(line) for line in lines[1:] if line]
    if header.get("op") not in (*OPS, *LEGACY_OPS) or header.get("count") != len(docs):
        raise ValueError(f"{path}: damaged spool file (header {header!r}, {len(docs)} docs)")
    return header["op"], docs
