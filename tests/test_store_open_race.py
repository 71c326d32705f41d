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
