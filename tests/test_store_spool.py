"""When the database is down, batches wait on disk and replay into the store without loss."""

from __future__ import annotations

import json
import multiprocessing
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from opinion_spiders.stores.base import Store, StoreUnavailable
from opinion_spiders.stores.embedded import EmbeddedStore
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.spool import Spool, read_batch
from servers.ferretdb import free_port
from tests._proc import run_opinion
from tests.test_store_contract import T0, match, post


@pytest.fixture
def dead_store() -> MongoStore:
    """A MongoStore pointed at a port where nothing listens, with a short timeout."""
    return MongoStore(f"mongodb://127.0.0.1:{free_port()}/", "opinion", timeout_ms=300)


def test_mongo_store_unreachable_raises_store_unavailable(dead_store: MongoStore) -> None:
    with pytest.raises(StoreUnavailable):
        dead_store.upsert_posts([post("demo-forum", "1", "1")])
    with pytest.raises(StoreUnavailable):
        dead_store.insert_alert({"_id": "a1", "created_at": T0})
    with pytest.raises(StoreUnavailable):
        dead_store.save_state("demo-forum", {"1": "2"})
    dead_store.close()


def test_spool_keeps_batches_and_replays_without_loss(
    tmp_path: Path, dead_store: MongoStore, any_store: Store
) -> None:
    spool = Spool(tmp_path / "spool")
    batches = [[post("demo-forum", str(b), str(i)) for i in range(3)] for b in range(4)]
    batches[1][0]["matches"] = [match("corruption")]
    for batch in batches:
        assert spool.write(dead_store, batch) is False
    assert spool.write(dead_store, [{"_id": "a1", "created_at": T0}], op="insert_alert") is False
    assert (
        spool.write(dead_store, [{"site": "demo-forum", "states": {"3": "1"}}], "save_state")
        is False
    )
    assert spool.pending() == 6

    assert spool.replay(any_store) == 6
    assert spool.pending() == 0
    assert any_store.count("posts") == 12 and any_store.count("alerts") == 1
    assert any_store.load_state("demo-forum") == {"3": "1"}
    stored = any_store.get_post(batches[1][0]["_id"])
    assert stored is not None and stored["matches"] == batches[1][0]["matches"]
    assert stored["published_at"] == T0 and stored["published_at"].tzinfo is not None
    dead_store.close()


def test_spool_replay_keeps_what_the_store_refused(tmp_path: Path, dead_store: MongoStore) -> None:
    spool = Spool(tmp_path)
    first = spool.append([post("demo-forum", "1", "1")])
    spool.append([post("demo-forum", "1", "2")])
    with pytest.raises(StoreUnavailable):
        spool.replay(dead_store)
    assert spool.pending() == 2 and first.exists()
    dead_store.close()


def test_spool_file_preserves_datetimes(tmp_path: Path) -> None:
    when = datetime(2026, 11, 25, 12, 0, 0, 5000, tzinfo=UTC) + timedelta(days=1)
    path = Spool(tmp_path).append([{"_id": "x", "at": when, "nested": [{"at": when}]}])
    op, [doc] = read_batch(path)
    assert op == "upsert_posts"
    assert doc == {"_id": "x", "at": when, "nested": [{"at": when}]}


def test_spool_rejects_unknown_operation(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Spool(tmp_path).append([{"_id": "x"}], op="drop_everything")


def test_embedded_store_shared_by_threads_and_connections(tmp_path: Path) -> None:
    """Several crawlers (threads, each its own store object) write one file without loss."""
    stores = [EmbeddedStore(tmp_path) for _ in range(4)]

    def crawl(n: int) -> None:
        for b in range(10):
            stores[n].upsert_posts([post(f"site-{n}", str(b), str(i)) for i in range(5)])

    threads = [threading.Thread(target=crawl, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores[0].count("posts") == 200
    assert stores[0].upsert_posts([post("site-0", "0", "0")]) == 0
    for store in stores:
        store.close()


def _crawl_process(path: str, n: int) -> None:
    store = EmbeddedStore(Path(path))
    for b in range(10):
        store.upsert_posts([post(f"proc-{n}", str(b), str(i)) for i in range(5)])
    store.save_state(f"proc-{n}", {str(b): "1" for b in range(10)})
    store.close()


def test_embedded_store_shared_by_processes(tmp_path: Path) -> None:
    """Several crawler processes on one file: WAL plus busy timeouts, no 'database is locked'."""
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_crawl_process, args=(str(tmp_path), n)) for n in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    store = EmbeddedStore(tmp_path)
    assert store.count("posts") == 150 and store.count("crawl_state") == 30
    store.close()


def test_spool_damaged_file_is_set_aside_and_the_rest_replayed(
    tmp_path: Path, any_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch cut short (or not JSON, or empty) no longer holds the batches behind it."""
    spool = Spool(tmp_path / "spool")
    spool.append([post("demo-forum", "1", "1")])
    cut = spool.append([post("demo-forum", "1", str(i)) for i in range(2, 5)])
    cut.write_text(cut.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    spool.append([post("demo-forum", "1", "5")])
    empty = spool.directory / "99999999999999999998-1-000000.jsonl"
    empty.write_text("", encoding="utf-8")
    garbage = spool.directory / "99999999999999999999-1-000000.jsonl"
    garbage.write_bytes(b"\xff\xfe not json")
    assert spool.pending() == 5

    assert spool.replay(any_store) == 2
    assert any_store.count("posts") == 2
    assert spool.pending() == 0
    assert sorted(p.name for p in spool.damaged_dir.iterdir()) == sorted(
        p.name for p in (cut, empty, garbage)
    )
    assert len(spool.damaged) == 3
    assert "repair it and move it back" in caplog.text


def test_crawl_goes_on_past_a_damaged_spool_file(tmp_path: Path, demo_url: str) -> None:
    """The operator's case: a damaged batch in the spool of the store a crawl writes to."""
    env = {
        "OPINION_STORE": f"embedded://{tmp_path / 'store'}",
        "OPINION_DATA_DIR": str(tmp_path / "data"),
        "OPINION_DEMO_URL": demo_url,
    }
    spool = Spool(spool_dir(env))
    spool.append([post("demo-forum", "old", "1")])
    spool.directory.joinpath("00000000000000000001-1-000000.jsonl").write_text(
        '{"op": "upsert_posts", "count": 3}\n{"_id": "cut', encoding="utf-8"
    )
    run_opinion("crawl", "demo-forum", env=env)
    store = open_store(env["OPINION_STORE"])
    assert store.get_post(post("demo-forum", "old", "1")["_id"]) is not None
    assert store.count("posts") > 1
    (run,) = store.find_runs(limit=1)
    assert run["stats"]["opinion/store/spool_damaged"] == 1
    store.close()
    assert [p.name for p in spool.damaged_dir.iterdir()] == ["00000000000000000001-1-000000.jsonl"]
    assert spool.pending() == 0


def test_crawl_with_the_store_down_spools_and_says_so(tmp_path: Path, demo_url: str) -> None:
    """MongoDB down from the start: the crawl still runs (without bookmarks), every post is
    spooled to disk, and the summary line counts them instead of saying "0 posts"."""
    dead = f"mongodb://127.0.0.1:{free_port()}/opinion?serverSelectionTimeoutMS=200"
    env = {"OPINION_STORE": dead, "OPINION_DATA_DIR": str(tmp_path), "OPINION_DEMO_URL": demo_url}
    proc = run_opinion("crawl", "demo-forum", env=env)
    found = re.search(
        r"done demo-forum: \d+ pages, (\d+) posts \(0 new, (\d+) of them spooled", proc.stderr
    )
    assert found and int(found.group(1)) == int(found.group(2)) > 0, proc.stderr[-2000:]
    spool = Spool(spool_dir(env))
    spooled = sum(
        len(read_batch(path)[1]) for path in spool.files() if read_batch(path)[0] == "upsert_posts"
    )
    assert spooled == int(found.group(1))
    assert "Traceback" not in proc.stderr


def test_spool_cluster_calls_of_an_older_version_are_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Versions before the cluster step spooled their cluster calls: the cluster step now
    clusters the posts themselves, so such a batch is dropped with a warning (and does not
    stop the posts behind it)."""
    spool = Spool(tmp_path / "spool")
    founder = {"_id": "forum:1:1", "site": "demo-forum", "author": "网友",
               "published_at": T0.isoformat(), "crawled_at": T0.isoformat()}  # fmt: skip
    join = {"call": "join_cluster", "cluster_id": "forum:1:1", "founder": founder,
            "member": {**founder, "_id": "bar:1:1", "site": "demo-bar"}}  # fmt: skip
    (tmp_path / "spool").mkdir()
    (tmp_path / "spool" / "00000000000000000000-1-000000.jsonl").write_text(
        '{"op": "cluster_writes", "count": 1}\n' + json.dumps(join) + "\n"
    )
    spool.append([{"_id": "forum:1:1", "content": "x", "crawled_at": T0}])
    store = EmbeddedStore(tmp_path / "store")
    try:
        assert spool.replay(store) == 2 and spool.pending() == 0
        assert store.count("posts") == 1 and store.count("clusters") == 0
    finally:
        store.close()
    assert "dropped 1 spooled cluster calls of an older version" in caplog.text
