"""A circuit breaker for a database server: an outage costs one timeout, not one per call.

Why: pymongo waits out its server-selection timeout (5 s) on every call while MongoDB is down,
and a crawl makes store calls per post. After the first call that could not reach the server
the breaker *opens*: every call fails at once with :class:`StoreUnavailable`, so posts go
straight to the spool. Once a back-off is over, the next call starts one *probe* in a thread
of its own (the breaker is *half-open* while it runs; calls still fail at once); the first
probe that reaches the server *closes* it, a failed one opens it again for twice the back-off
(at most :data:`MAX_BACKOFF`). No caller ever waits for a probe.

One breaker per server URI in a process (:func:`breaker_for`): every crawler, stage and
command of a process that talks to that server shares what one of them learnt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from weakref import WeakValueDictionary

from opinion_spiders.stores.base import StoreUnavailable

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
#: Seconds from opening to the first probe; doubled after each failed probe, up to MAX_BACKOFF.
BACKOFF = 10.0
MAX_BACKOFF = 120.0
#: What a breaker counts (stats ``opinion/store/breaker/<event>``): openings, probes started,
#: failed probes, closings, calls failed at once, and calls that waited and failed.
EVENTS = ("opened", "probes", "probes_failed", "closed", "failed_fast", "unreachable")

Probe = Callable[[], object]


def _in_thread(run: Callable[[], None]) -> None:
    threading.Thread(target=run, name="opinion-store-probe", daemon=True).start()


class CircuitBreaker:
    """Thread-safe; ``clock`` (monotonic seconds) and ``start_probe`` (how a probe is run:
    a daemon thread) are injectable, so the state machine is tested without waiting."""

    def __init__(
        self,
        name: str,
        *,
        backoff: float = BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
        start_probe: Callable[[Callable[[], None]], None] = _in_thread,
    ) -> None:
        self.name = name
        self.backoff = backoff
        self.max_backoff = max(max_backoff, backoff)
        self.state = CLOSED
        self.counts = dict.fromkeys(EVENTS, 0)
        self._clock = clock
        self._start_probe = start_probe
        self._lock = threading.Lock()
        self._delay = backoff
        self._retry_at = 0.0
        self._down_since = 0.0
        self._error = ""

    def check(self, probe: Probe) -> None:
        """Before a call: return while closed; else raise StoreUnavailable at once, first
        starting ``probe`` (which raises StoreUnavailable when the server is still away)
        if the back-off is over and no probe runs."""
        if self.state == CLOSED:  # the common case, without the lock
            return
        with self._lock:
            if self.state == CLOSED:
                return
            self.counts["failed_fast"] += 1
            now = self._clock()
            start = self.state == OPEN and now >= self._retry_at
            if start:
                self.state = HALF_OPEN
                self.counts["probes"] += 1
            wait = max(0.0, self._retry_at - now)
            message = (
                f"{self.name} unreachable for {now - self._down_since:.0f} s (not waiting: "
                f"circuit {self.state}, next probe in {wait:.0f} s): {self._error}"
            )
        if start:
            self._start_probe(lambda: self._run_probe(probe))
        raise StoreUnavailable(message)

    def failed(self, error: object) -> None:
        """A call could not reach the server (it waited out the driver's timeout)."""
        with self._lock:
            self.counts["unreachable"] += 1
            if self.state != CLOSED:
                return
            self.state = OPEN
            self.counts["opened"] += 1
            self._down_since = self._clock()
            self._delay = self.backoff
            self._retry_at = self._down_since + self._delay
            self._error = _first_line(error)
        logger.error(
            "%s unreachable: store calls now fail at once and posts go to the spool; "
            "probing every %.0f-%.0f s in the background (%s)",
            self.name, self.backoff, self.max_backoff, self._error,
        )  # fmt: skip

    def succeeded(self) -> None:
        """A call (or probe) reached the server."""
        if self.state == CLOSED:
            return
        with self._lock:
            if self.state == CLOSED:
                return
            self.state = CLOSED
            self.counts["closed"] += 1
            down = self._clock() - self._down_since
        logger.warning(
            "%s reachable again after %.0f s: store calls resume; spooled batches are "
            "replayed when the next crawl starts", self.name, down,
        )  # fmt: skip

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def _run_probe(self, probe: Probe) -> None:
        try:
            probe()
        except StoreUnavailable as exc:
            with self._lock:
                self.counts["probes_failed"] += 1
                if self.state != HALF_OPEN:
                    return
                self.state = OPEN
                self._delay = min(self._delay * 2, self.max_backoff)
                self._retry_at = self._clock() + self._delay
            logger.debug("%s still unreachable, next probe in %.0f s: %s",
                         self.name, self._delay, exc)  # fmt: skip
        except Exception:  # noqa: BLE001 - the server answered, if not as hoped: calls say how
            self.succeeded()
        else:
            self.succeeded()


def _first_line(error: object) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


_BREAKERS: WeakValueDictionary[str, CircuitBreaker] = WeakValueDictionary()
_REGISTRY_LOCK = threading.Lock()


def breaker_for(key: str, name: str) -> CircuitBreaker:
    """The process's breaker for server ``key`` (its URI), made on first use and kept while
    a store holds it; ``name`` is how logs and errors show the server (no password)."""
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = CircuitBreaker(name)
            _BREAKERS[key] = breaker
        return breaker
