"""The circuit breaker around a database server: one timeout per outage, then fail at once;
a background probe after a back-off closes it again. The clock and the probe runner are
injected, so nothing here sleeps."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors
import pytest

from opinion_spiders.stores.base import StoreUnavailable
from opinion_spiders.stores.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, breaker_for
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.spool import Spool, read_batch
from servers.ferretdb import FerretDBProcess, free_port
from tests._proc import BIN, ROOT, run_opinion
from tests.test_store_contract import post


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Probes:
    """Probes started by the breaker, run when the test says so."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []

    def __call__(self, run: Callable[[], None]) -> None:
        self.waiting.append(run)

    def run_all(self) -> None:
        waiting, self.waiting = self.waiting, []
        for run in waiting:
            run()


def down() -> None:
    raise StoreUnavailable("still down")


def up() -> None:
    return None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def probes() -> Probes:
    return Probes()


@pytest.fixture
def breaker(clock: Clock, probes: Probes) -> CircuitBreaker:
    return CircuitBreaker("test server", backoff=10, max_backoff=40, clock=clock,
                          start_probe=probes)  # fmt: skip


def test_breaker_closed_lets_calls_through(breaker: CircuitBreaker, probes: Probes) -> None:
    for _ in range(3):
        breaker.check(down)
        breaker.succeeded()
    assert breaker.state == CLOSED and probes.waiting == []
    assert set(breaker.snapshot().values()) == {0}


def test_breaker_opens_on_first_failure_and_then_fails_fast(
    breaker: CircuitBreaker, clock: Clock, probes: Probes, caplog: pytest.LogCaptureFixture
) -> None:
    breaker.check(down)
    breaker.failed(OSError("connection refused\nand a long topology description"))
    assert breaker.state == OPEN
    clock.now += 9.9
    for _ in range(5):
        with pytest.raises(StoreUnavailable, match="connection refused") as err:
            breaker.check(down)
    assert "circuit open, next probe in 0 s" in str(err.value)
    assert "topology" not in str(err.value)
    assert probes.waiting == []
    counts = breaker.snapshot()
    assert counts["opened"] == 1 and counts["unreachable"] == 1 and counts["failed_fast"] == 5
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "posts go to the spool" in caplog.text


def test_breaker_calls_failing_together_open_it_once(
    breaker: CircuitBreaker, caplog: pytest.LogCaptureFixture
) -> None:
    """Calls in flight on several threads when the server went away each time out; the
    breaker opens (and says so) once."""
    for _ in range(3):
        breaker.check(down)
    for _ in range(3):
        breaker.failed(OSError("refused"))
    counts = breaker.snapshot()
    assert counts["opened"] == 1 and counts["unreachable"] == 3
    assert caplog.text.count("unreachable:") == 1


def test_breaker_half_opens_after_backoff_with_one_background_probe(
    breaker: CircuitBreaker, clock: Clock, probes: Probes
) -> None:
    breaker.failed(OSError("refused"))
    clock.now += 10
    with pytest.raises(StoreUnavailable):
        breaker.check(down)  # starts the probe, and still fails at once
    assert breaker.state == HALF_OPEN and len(probes.waiting) == 1
    for _ in range(3):  # while the probe runs: no second probe, no waiting
        with pytest.raises(StoreUnavailable, match="circuit half_open"):
            breaker.check(down)
    assert len(probes.waiting) == 1 and breaker.snapshot()["probes"] == 1


def test_breaker_failed_probe_reopens_with_doubled_backoff_up_to_the_max(
    breaker: CircuitBreaker, clock: Clock, probes: Probes
) -> None:
    breaker.failed(OSError("refused"))
    waits = []
    for _ in range(4):
        clock.now += 1000
        with pytest.raises(StoreUnavailable):
            breaker.check(down)
        probes.run_all()
        assert breaker.state == OPEN
        start = clock.now
        while True:  # find when the next probe starts, a second at a time
            clock.now += 1
            with pytest.raises(StoreUnavailable):
                breaker.check(down)
            if probes.waiting:
                break
        waits.append(clock.now - start)
        probes.run_all()
    assert waits == [20, 40, 40, 40]
    counts = breaker.snapshot()
    assert counts["opened"] == 1 and counts["probes_failed"] == 8 and counts["closed"] == 0


def test_breaker_closes_when_a_probe_reaches_the_server(
    breaker: CircuitBreaker, clock: Clock, probes: Probes, caplog: pytest.LogCaptureFixture
) -> None:
    breaker.failed(OSError("refused"))
    clock.now += 30
    with pytest.raises(StoreUnavailable):
        breaker.check(up)
    probes.run_all()
    assert breaker.state == CLOSED
    breaker.check(down)  # passes: calls go to the server again
    assert "reachable again after 30 s" in caplog.text
    breaker.failed(OSError("refused again"))  # a new outage: opened (and logged) again
    assert breaker.state == OPEN
    counts = breaker.snapshot()
    assert counts["opened"] == 2 and counts["closed"] == 1 and counts["probes"] == 1


def test_breaker_a_probe_answered_with_an_error_closes_it(
    breaker: CircuitBreaker, clock: Clock, probes: Probes
) -> None:
    """A server that answers, even with an error (a refused login), is no outage: the calls
    themselves report what is wrong."""

    def refused() -> None:
        raise PermissionError("auth failed")

    breaker.failed(OSError("refused"))
    clock.now += 10
    with pytest.raises(StoreUnavailable):
        breaker.check(refused)
    probes.run_all()
    assert breaker.state == CLOSED


def test_breaker_one_per_server_in_a_process() -> None:
    first = breaker_for("mongodb://a/", "a")
    assert breaker_for("mongodb://a/", "a") is first
    assert breaker_for("mongodb://b/", "b") is not first


# -- on a real server ------------------------------------------------------------------------
@pytest.fixture
def stopped_server(tmp_path: Path) -> Iterator[FerretDBProcess]:
    """A FerretDB with a port of its own, not started yet."""
    server = FerretDBProcess(tmp_path / "ferretdb", port=free_port())
    yield server
    server.stop()


def test_mongo_store_outage_costs_one_timeout_then_a_probe_recovers(
    stopped_server: FerretDBProcess, clock: Clock, probes: Probes
) -> None:
    """MongoStore on a port where nothing listens: one call waits and fails, the next ones
    fail without reaching the driver; once the server is up, a probe closes the breaker and
    writes go through."""
    uri = f"mongodb://127.0.0.1:{stopped_server.port}/"
    store = MongoStore(uri, "opinion", timeout_ms=300)
    store.breaker = CircuitBreaker("test", backoff=10, clock=clock, start_probe=probes)
    try:
        with pytest.raises(StoreUnavailable, match="MongoDB unreachable"):
            store.upsert_posts([post("demo-forum", "1", "1")])
        for n in range(20):
            with pytest.raises(StoreUnavailable, match="not waiting"):
                store.upsert_posts([post("demo-forum", "1", str(n))])
        counts = store.breaker.snapshot()
        assert counts["unreachable"] == 1 and counts["failed_fast"] == 20

        stopped_server.start()
        clock.now += 10
        with pytest.raises(StoreUnavailable):
            store.count("posts")  # starts the probe
        probes.run_all()
        assert store.breaker.state == CLOSED
        assert store.upsert_posts([post("demo-forum", "1", "1")]) == 1
        assert store.count("posts") == 1
    finally:
        store.close()


def test_mongo_store_a_server_that_stops_answering_costs_one_operation_timeout(
    stopped_server: FerretDBProcess,
) -> None:
    """A server frozen mid-crawl (SIGSTOP: the connection stays open, nothing answers) fails
    the call after the operation timeout instead of holding the writer for ever, and the
    breaker then fails the next calls at once."""
    uri = stopped_server.start()
    store = MongoStore(uri, "opinion", timeout_ms=1000, operation_timeout_ms=1500)
    try:
        assert store.upsert_posts([post("demo-forum", "1", "1")]) == 1
        stopped_server.freeze()
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="MongoDB unreachable"):
            store.upsert_posts([post("demo-forum", "1", "2")])
        assert time.monotonic() - started < 15
        with pytest.raises(StoreUnavailable, match="not waiting"):
            store.upsert_posts([post("demo-forum", "1", "3")])
    finally:
        stopped_server.thaw()
        store.close()


# -- a crawl that loses its MongoDB ----------------------------------------------------------
def _stored_posts(uri: str) -> int:
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=2000
    )
    try:
        return client["opinion"]["posts"].count_documents({})
    except pymongo.errors.PyMongoError:
        return 0
    finally:
        client.close()


def test_crawl_survives_mongodb_stopped_mid_run(
    stopped_server: FerretDBProcess, demo_url: str, tmp_path: Path
) -> None:
    """The operator's case: MongoDB goes away while a crawl runs. The crawl finishes, the
    breaker opened once, a handful of calls waited out the timeout (not one per post), the
    rest of the posts and the run record are in the spool; the next run, with MongoDB back,
    replays them: every post of the first run is stored."""
    base = stopped_server.start()
    store = f"{base}opinion?serverSelectionTimeoutMS=2000&connectTimeoutMS=2000"
    env = {
        **os.environ, "PYTHONUNBUFFERED": "1", "OPINION_STORE": store,
        "OPINION_DATA_DIR": str(tmp_path / "data"), "OPINION_DEMO_URL": demo_url,
    }  # fmt: skip
    slow = [
        "-s", "OPINION_STORE_BATCH_SIZE=5", "-s", "AUTOTHROTTLE_ENABLED=false",
        "-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    ]  # fmt: skip
    crawl = subprocess.Popen(
        [str(BIN / "opinion"), "crawl", "demo-forum", *slow], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while _stored_posts(base) < 5 and crawl.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert crawl.poll() is None, "the crawl ended before MongoDB was stopped"
        stopped_server.stop()
        _out, err = crawl.communicate(timeout=240)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    found = re.search(r"done demo-forum: \d+ pages, (\d+) posts \(\d+ new, (\d+) of them spooled",
                      err)  # fmt: skip
    assert found, err[-3000:]
    posts, spooled = int(found.group(1)), int(found.group(2))
    assert 0 < spooled < posts

    spool = Spool(spool_dir({"OPINION_STORE": store, "OPINION_DATA_DIR": env["OPINION_DATA_DIR"]}))
    batches = [read_batch(path) for path in spool.files()]
    assert sum(len(docs) for op, docs in batches if op == "upsert_posts") == spooled
    (run,) = [doc for op, docs in batches if op == "record_run" for doc in docs]
    stats = run["stats"]
    breaker = {k: v for k, v in stats.items() if k.startswith("opinion/store/breaker/")}
    assert breaker["opinion/store/breaker/opened"] == 1, breaker
    assert "opinion/store/breaker/closed" not in breaker
    # each spooled batch of 5 is a call that failed at once; a handful of calls (those in
    # flight on their threads when the server went) waited out the timeout
    assert breaker["opinion/store/breaker/failed_fast"] >= spooled // 5, (breaker, spooled)
    assert breaker["opinion/store/breaker/unreachable"] <= 5 < spooled // 5, (breaker, spooled)

    stopped_server.start()
    run_opinion("crawl", "demo-forum", env=env)
    assert spool.pending() == 0
    assert _stored_posts(base) == posts
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(base)
    try:
        runs = {doc["_id"]: doc for doc in client["opinion"]["runs"].find({})}
    finally:
        client.close()
    assert runs[run["_id"]]["stats"] == stats
    assert len(runs) == 2
