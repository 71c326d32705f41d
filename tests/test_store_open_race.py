"""Crawl processes (scrapyd runs the forum, portal and post-bar spiders apart) start at the
same moment on one fresh embedded store: every one of them must open it."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from opinion_spiders.stores.embedded import EmbeddedStore

OPENERS = 6


def _open(path: Path, start: Barrier, errors: multiprocessing.Queue[str]) -> None:
    start.wait()  # everything is imported: the openers meet the file at the same moment
    try:
        EmbeddedStore(path).close()
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        errors.put(repr(exc))


def test_store_embedded_opened_by_many_processes_at_once(tmp_path: Path) -> None:
    """Switching a new file to WAL needs it alone, and SQLite does not wait for that: before
    the fix, six processes on one fresh store failed with "database is locked" in most
    rounds."""
    ctx = multiprocessing.get_context("spawn")
    failures: list[str] = []
    for round_ in range(8):
        path = tmp_path / f"store{round_}"
        start, errors = ctx.Barrier(OPENERS), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(path, start, errors)) for _ in range(OPENERS)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=120)
        assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
        while not errors.empty():
            failures.append(errors.get())
    assert failures == []


def _write_then_wait(path: Path, written: multiprocessing.Queue[str]) -> None:
    store = EmbeddedStore(path)
    store.insert_alert({"_id": "a1", "status": "pending", "created_at": None})
    written.put("committed")
    multiprocessing.Event().wait(120)  # killed here, the connection still open


def test_store_embedded_commit_survives_kill_without_fsync_per_commit(tmp_path: Path) -> None:
    """The WAL is synced at checkpoints, not per commit (``synchronous = NORMAL``, 1): a
    crawl commits per post, and a synced commit cost five times as much. What is committed
    still survives the process being killed."""
    store = EmbeddedStore(tmp_path)
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    store.close()
    ctx = multiprocessing.get_context("spawn")
    written = ctx.Queue()
    proc = ctx.Process(target=_write_then_wait, args=(tmp_path, written))
    proc.start()
    assert written.get(timeout=60) == "committed"
    proc.kill()
    proc.join(timeout=60)
    reopened = EmbeddedStore(tmp_path)
    assert reopened.get_alert("a1") is not None
    reopened.close()
