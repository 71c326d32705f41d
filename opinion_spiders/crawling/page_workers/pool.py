"""The crawl's side of its page workers: processes started from the same Python, fed the
fetched pages in turn, their answers awaited on the event loop.

One set of workers per process and ``OPINION_*`` settings, shared by every crawler with those
settings (``opinion crawl A B C``) and stopped with the last of them. A worker that dies takes
the page it was reading with it (counted as ``reader_crashed``; one stopped for taking longer
than ``OPINION_PAGE_READ_TIMEOUT``: ``reader_timeout``) and is replaced; after
:data:`MAX_RESTARTS` replacements, or when none starts, the crawl reads its pages itself, as
it does with ``OPINION_PAGE_WORKERS = 0``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from opinion_spiders.config import config_of
from opinion_spiders.crawling.children import (
    Adopted,
    NotStarted,
    adopt_child,
    handed_settings,
    start_child,
    start_early,
)
from opinion_spiders.crawling.frames import frame, read_async
from opinion_spiders.crawling.page_workers.work import Fetched, Outcome

logger = logging.getLogger(__name__)

#: Workers started in all beyond the count asked for, before the crawl reads pages itself.
MAX_RESTARTS = 3
#: Seconds a worker has to build its runtime, and to end once its crawl is done.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
MODULE = "opinion_spiders.crawling.page_workers"
_POOLS: dict[str, PageWorkers] = {}
#: Workers started before any crawler asked for them (:func:`start_workers_early`), by the key
#: of their settings: the pool of those settings takes them as it fills.
_EARLY: dict[str, list[subprocess.Popen[bytes]]] = {}


class WorkerGone(Exception):
    """The worker ended or never started: the page is read in the crawl process."""


class ReaderCrashed(Exception):
    """The worker died reading this page."""

    reason = "reader_crashed"


class ReaderTimedOut(ReaderCrashed):
    """The worker took longer than ``OPINION_PAGE_READ_TIMEOUT`` over this page, and was
    stopped (a pathological page must not hold up every page queued behind it)."""

    reason = "reader_timeout"


def worker_count(settings: Mapping[str, Any]) -> int:
    """``OPINION_PAGE_WORKERS``: a count, or ``auto`` (one fewer than the cores this process
    may use, at most 4; none on one core)."""
    count = config_of(settings).page_workers
    if count == "auto":
        return max(0, min(4, len(os.sched_getaffinity(0)) - 1))
    return count


def _key(settings: Mapping[str, Any]) -> str:
    """What a pool is shared by: crawlers of one process differ in Scrapy's per-spider
    settings (a site that renders keeps its browser handler); what reading needs is the
    project's own."""
    ours = sorted((k, repr(v)) for k, v in settings.items() if k.startswith("OPINION_"))
    return hashlib.sha256(repr(ours).encode("utf-8")).hexdigest()


def start_workers_early(settings: Mapping[str, Any]) -> None:
    """Start the page workers of a crawl with ``settings`` now, while the crawl process
    builds Scrapy and its spiders: a worker takes ~1 s to import, build its runtime and
    warm up, and a crawl that started it from its first spider waited that long for its
    first pages to be read. The pool of the same settings takes them as it fills; the ones
    no pool took are stopped by :func:`stop_early_workers`."""
    count = worker_count(settings)
    if count == 0:
        return
    try:
        settings_frame = handed_settings(settings)
    except Exception:  # noqa: BLE001 - the pool says why, when it starts its own
        return
    for _ in range(count):
        try:
            _EARLY.setdefault(_key(settings), []).append(start_early(MODULE, settings_frame))
        except OSError as exc:
            logger.warning("a page worker did not start early: %s", exc)
            return


def stop_early_workers() -> None:
    """End the early workers no pool took (their stdin closed, they end by themselves)."""
    for early in _EARLY.values():
        for proc in early:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    _EARLY.clear()


def read_timeout(settings: Mapping[str, Any]) -> float:
    """``OPINION_PAGE_READ_TIMEOUT``: seconds a worker may spend on one page (0: no limit)."""
    return config_of(settings).page_read_timeout


class _Worker:
    """One worker process and the pages sent to it, answered in the order sent."""

    def __init__(self, proc: asyncio.subprocess.Process | Adopted, timeout: float) -> None:
        self.proc = proc
        self.waiting: deque[asyncio.Future[Outcome | None]] = deque()
        self.alive = True
        self.closing = False
        self.timeout = timeout
        self.overran = False
        #: when the page at the head of ``waiting`` began to be read
        self.head_since = time.monotonic()
        self.answers = asyncio.ensure_future(self._answer())
        self.watch = asyncio.ensure_future(self._watch()) if timeout > 0 else None

    @classmethod
    async def start(
        cls, settings_frame: bytes, timeout: float, early: subprocess.Popen[bytes] | None = None
    ) -> _Worker:
        """A worker started now, or ``early`` (:func:`start_workers_early`) taken over."""
        try:
            if early is not None:
                proc: asyncio.subprocess.Process | Adopted = await adopt_child(early, START_TIMEOUT)
            else:
                proc = await start_child(MODULE, settings_frame, START_TIMEOUT)
        except NotStarted as exc:
            raise WorkerGone(f"a page worker did not start: {exc}") from None
        return cls(proc, timeout)

    def send(self, fetched: Fetched) -> asyncio.Future[Outcome | None]:
        future: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        if not self.alive:
            future.set_exception(WorkerGone("page worker gone"))
            return future
        assert self.proc.stdin is not None
        if not self.waiting:
            self.head_since = time.monotonic()
        self.waiting.append(future)
        self.proc.stdin.write(frame(fetched))
        return future

    async def _answer(self) -> None:
        assert self.proc.stdout is not None
        try:
            while True:
                outcome = await read_async(self.proc.stdout)
                future = self.waiting.popleft()
                self.head_since = time.monotonic()
                if not future.done():
                    future.set_result(outcome)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        self.alive = False
        status = await self.proc.wait()
        if self.watch is not None:
            self.watch.cancel()
        if self.waiting and not self.closing:
            # Pages are read in the order sent: the first unanswered one was being read.
            if self.overran:
                error: ReaderCrashed = ReaderTimedOut(f"over {self.timeout:g} s")
            else:
                logger.error("a page worker died (exit status %s)", status)
                error = ReaderCrashed(f"exit status {status}")
            self.waiting.popleft().set_exception(error)
        while self.waiting:
            self.waiting.popleft().set_exception(WorkerGone("page worker gone"))

    async def _watch(self) -> None:
        """Stop the worker when one page takes longer than the timeout."""
        while self.alive:
            await asyncio.sleep(min(1.0, self.timeout / 4))
            if self.alive and self.waiting and time.monotonic() - self.head_since > self.timeout:
                self.overran = True
                logger.error("a page worker spent over %g s on one page: stopped", self.timeout)
                self.proc.kill()
                return

    async def stop(self) -> None:
        self.closing = True
        if self.watch is not None:
            self.watch.cancel()
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.proc.kill()
        await self.answers


class PageWorkers:
    """The page workers of one process and settings."""

    def __init__(self, key: str, count: int, settings_frame: bytes, timeout: float) -> None:
        self.key, self.count, self.settings_frame = key, count, settings_frame
        self.timeout = timeout
        self.workers: list[_Worker] = []
        self.started = 0
        self.users = 0
        self.broken = ""
        self._filling: asyncio.Future[None] | None = None

    @classmethod
    def acquire(cls, settings: Mapping[str, Any]) -> PageWorkers | None:
        """The workers for these settings (started on first use), or None when pages are
        read in the crawl process: no worker asked for, or settings a worker cannot be given."""
        count, timeout = worker_count(settings), read_timeout(settings)
        if count == 0:
            return None
        try:
            settings_frame = handed_settings(settings)
        except Exception as exc:  # noqa: BLE001 - e.g. a setting holding a lambda
            logger.warning("pages are read in the crawl process: settings cannot be handed "
                           "to a page worker (%s: %s)", type(exc).__name__, exc)  # fmt: skip
            return None
        key = _key(settings)
        pool = _POOLS.get(key) or _POOLS.setdefault(key, cls(key, count, settings_frame, timeout))
        pool.users += 1
        return pool

    async def read(self, fetched: Fetched) -> Outcome | None:
        """The page's outcome, or None when the crawl must read it itself."""
        worker = await self._pick()
        if worker is None:
            return None
        try:
            return await worker.send(fetched)
        except ReaderCrashed as exc:
            return Outcome(failure=(exc.reason, f"the page worker was lost reading it ({exc})"))
        except WorkerGone:
            return None

    def warm_up(self) -> None:
        """Start the workers now, while the crawl fetches its first pages."""
        live = sum(w.alive for w in self.workers)
        if (
            live < self.count
            and not self.broken
            and (self._filling is None or self._filling.done())
        ):
            self._filling = asyncio.ensure_future(self._fill())

    async def _pick(self) -> _Worker | None:
        self.warm_up()
        if self._filling is not None and not self._filling.done():
            await asyncio.shield(self._filling)
        live = [w for w in self.workers if w.alive]
        return min(live, key=lambda w: len(w.waiting)) if live else None

    async def _fill(self) -> None:
        self.workers = [w for w in self.workers if w.alive]
        while len(self.workers) < self.count:
            if self.started >= self.count + MAX_RESTARTS:
                self._break(f"{self.started} page workers started, and they keep dying")
                return
            self.started += 1
            early = _EARLY.get(self.key)
            try:
                self.workers.append(await _Worker.start(
                    self.settings_frame, self.timeout, early.pop(0) if early else None
                ))  # fmt: skip
            except WorkerGone as exc:
                self._break(str(exc))
                return

    def _break(self, why: str) -> None:
        self.broken = why
        logger.error("pages are read in the crawl process from now on: %s", why)

    async def release(self) -> None:
        """One crawler is done with the workers; the last stops them."""
        self.users -= 1
        if self.users > 0:
            return
        _POOLS.pop(self.key, None)
        if self._filling is not None:
            await asyncio.shield(self._filling)
        await asyncio.gather(*(w.stop() for w in self.workers))
        self.workers = []
