"""Fault suite: MongoDB (a FerretDB of the test's own) stopped or frozen mid-crawl, once part of
the posts are stored. The crawl goes on into the spool; the server comes back during the crawl
or only after it, and the next run replays the spool: the store then holds what a clean run of the same
site stores — every post once, every alert once, the same clusters and ``posts.alert``."""

from __future__ import annotations

import os
import random
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest

from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool, read_batch
from servers.ferretdb import GO_GC_PERCENT, FerretDBProcess, free_port
from tests._proc import run_opinion
from tests.fault_runs import (
    DONE,
    SLOW,
    assert_same_as_clean,
    notifications,
    outcome,
    site_args,
    start_crawl,
    stored_posts,
    wait_until,
)
from tests.forum_corpus import SITE, CorpusServer

STOP_AT = 100
#: Pages at a pace that leaves the crawl running while the server is away: a frozen server
#: is woken once a store call has waited out its timeout (3 s), and the breaker's first probe
#: comes 10 s after it opened.
SLOWER = ("-s", "DOWNLOAD_DELAY=0.35")
#: What the crawl logs when its breaker opens, and when a probe closes it.
OPENED = "unreachable: store calls now fail at once"
CLOSED = "reachable again after"
SPOOLED = re.compile(r"done \S+: \d+ pages, \d+ posts \(\d+ new, (\d+) of them spooled")


@pytest.fixture
def ferretdb(tmp_path: Path) -> Iterator[FerretDBProcess]:
    """A FerretDB with a port and a data folder of its own, so the test can stop it."""
    server = FerretDBProcess(tmp_path / "ferretdb", port=free_port())
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("fault", "back"),
    [("stopped", "next run"), ("frozen", "mid-crawl")],
)
def test_mongodb_stopped_mid_crawl_loses_nothing(
    ferretdb: FerretDBProcess,
    reposted_site: tuple[CorpusServer, Path],
    clean_run: dict[str, Any],
    tmp_path: Path,
    fault: str,
    back: str,
) -> None:
    """``stopped``: the server process ends (SIGTERM) and starts again on its port;
    ``frozen``: SIGSTOP, its connections stay open and nothing answers, then SIGCONT once a
    store call has waited out the operation timeout (60 s by default, 3 s here) and the breaker
    opened; the breaker's probe then finds it back during the crawl."""
    server, sites = reposted_site
    total = len(server.corpus.readable_posts())
    base = ferretdb.start()
    uri = f"{base}faults?serverSelectionTimeoutMS=2000&connectTimeoutMS=2000&socketTimeoutMS=3000"
    env = {"OPINION_STORE": uri, "OPINION_DATA_DIR": str(tmp_path / "data")}
    crawl = start_crawl(tmp_path, "outage", env, *site_args(sites), *SLOW, *SLOWER)
    try:
        wait_until(f"{STOP_AT} posts stored", lambda: stored_posts(uri) >= STOP_AT, [crawl])
        if fault == "frozen":
            ferretdb.freeze()
            # the freeze lasts until it has cost a store call its timeout and a batch of posts
            # went to the spool, then the server wakes while the crawl still runs (woken at
            # once, a call sent before the freeze is answered and closes the breaker before any
            # post was spooled)
            wait_until("a store call timed out", lambda: OPENED in crawl.log(), [crawl])
            wait_until("posts spooled", lambda: _posts_spooled(env), [crawl])
            ferretdb.thaw()
            wait_until("a probe found the server", lambda: CLOSED in crawl.log(), [crawl])
        else:
            ferretdb.stop()  # SIGTERM: the server goes, the crawl keeps going
        code, log = crawl.finish()
    finally:
        crawl.stop()
        ferretdb.thaw()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log
    (done,) = DONE.findall(log)
    spooled = SPOOLED.search(log)
    assert spooled is not None and 0 < int(spooled.group(1)) < int(done[2]), log[-3000:]
    if back == "next run":
        ferretdb.start()
    assert STOP_AT <= stored_posts(uri) < total

    rerun = run_opinion("crawl", *site_args(sites), env=env)
    assert f"done {SITE}: " in rerun.stderr and "Traceback" not in rerun.stderr
    assert Spool(spool_dir(env)).pending() == 0
    after = outcome(uri)
    assert after["count"] == total
    assert_same_as_clean(after, clean_run, notifications(log, rerun.stderr))
    runs = sorted(after["runs"], key=lambda r: r["started_at"])
    assert [r["finish_reason"] for r in runs] == ["finished", "finished"]
    first, second = (r["stats"] for r in runs)
    assert first["opinion/store/breaker/opened"] == 1
    assert first.get("opinion/store/breaker/closed", 0) == (back == "mid-crawl")
    assert second["opinion/store/replayed"] > 0


def _posts_spooled(env: dict[str, str]) -> bool:
    """Whether a batch of posts waits in the spool (alert ledger writes may be there first)."""
    return any(read_batch(f)[0] == "upsert_posts" for f in Spool(spool_dir(env)).files())


def test_ferretdb_keeps_acknowledged_writes_when_killed(ferretdb: FerretDBProcess) -> None:
    """The test server syncs its SQLite WAL at checkpoints, not per commit
    (``SQLITE_PRAGMAS``): every write it acknowledged is still there after SIGKILL — inserts,
    single updates (a commit each) and a bulk write — as the embedded store's are."""
    uri = ferretdb.start()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
    coll = client.durable.docs
    coll.insert_many([{"_id": f"d{i}", "n": i} for i in range(2000)])
    for i in range(0, 200, 2):
        coll.update_one({"_id": f"d{i}"}, {"$addToSet": {"tags": "seen"}})
    coll.bulk_write([pymongo.UpdateOne({"_id": f"d{i}"}, {"$set": {"n": -i}}) for i in range(10)])
    client.close()
    pid = ferretdb.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    ferretdb.stop()  # reaps it; the files are as the kill left them
    client = pymongo.MongoClient(ferretdb.start())
    try:
        coll = client.durable.docs
        assert coll.count_documents({}) == 2000
        assert coll.count_documents({"tags": "seen"}) == 100
        assert sorted(d["n"] for d in coll.find({"n": {"$lt": 0}})) == list(range(-9, 0))
    finally:
        client.close()


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(entry.split("=", 1) for entry in raw.split("\0") if "=" in entry)


def test_ferretdb_runs_with_the_collector_target_unless_one_is_set(
    ferretdb: FerretDBProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server's Go collector runs at ``GO_GC_PERCENT`` (``GOGC``); a ``GOGC`` in
    the environment it is started from is kept."""
    monkeypatch.delenv("GOGC", raising=False)
    ferretdb.start()
    assert ferretdb.pid is not None
    assert _environment(ferretdb.pid)["GOGC"] == GO_GC_PERCENT == "1000"
    ferretdb.stop()
    monkeypatch.setenv("GOGC", "150")
    ferretdb.start()
    assert ferretdb.pid is not None
    assert _environment(ferretdb.pid)["GOGC"] == "150"


def test_ferretdb_keeps_statement_journals_in_memory_and_checkpoints_every_20000_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SQLITE_PRAGMAS`` reach the server's SQLite: a statement inserting a hundred random
    ``_id`` values into a 20,000-document collection changes more index pages than SQLite
    keeps in memory by default, yet no temp file for its journal is made (the directory
    SQLite makes them in is never written), and the WAL grows past the 1,000 pages at which
    SQLite's default would have checkpointed and reused it."""
    temp = tmp_path / "sqlite-tmp"
    temp.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(temp))
    data = tmp_path / "ferretdb"
    rnd = random.Random(7)

    def ids(n: int) -> list[dict[str, str]]:
        return [{"_id": f"{rnd.getrandbits(64):016x}"} for _ in range(n)]

    with FerretDBProcess(data) as server:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(server.uri)
        try:
            coll = client.journal.docs
            coll.insert_many(ids(20_000))
            untouched = temp.stat().st_mtime_ns
            for _ in range(5):
                coll.insert_many(ids(100))
            assert coll.count_documents({}) == 20_500
        finally:
            client.close()
        assert temp.stat().st_mtime_ns == untouched
        assert not list(temp.iterdir())
        assert (data / "journal.sqlite-wal").stat().st_size > 2 * 1000 * 4096
