"""The circuit breaker around a database server: one timeout per outage, then fail at once;
a background probe after a back-off closes it again. The clock and the probe runner are
injected, so nothing here sleeps."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores.base import StoreUnavailable
from opinion_spiders.stores.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, breaker_for
from opinion_spiders.stores.ferretdb import FerretDBProcess, free_port
from opinion_spiders.stores.mongo import MongoStore
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
