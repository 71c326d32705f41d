"""The events process: the event detector of a crawl in a process of its own.

Counting every post under its words and keys, and looking for bursts in those counts, took
about a quarter of the crawl process's CPU (``bench.profile``), on the thread that runs
Scrapy. With ``OPINION_EVENTS_PROCESS`` (``auto``: when the process may use two cores or
more) the events stage sends the posts it counts to this process in batches and asks it to
look, and the crawl process keeps to fetching, the store and what needs the store. The stage
decides when to look and waits for the posts an event alert cites to be stored, as before;
the process finds the bursts, writes the events and raises their alerts.

One process per crawl process and store, shared by the crawlers on that store, stopped with
the last of them. If it dies, or never starts, the stage counts events in the crawl process
from then on (see ``pipelines.events``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opinion_spiders.config import config_of
from opinion_spiders.crawling.children import NotStarted, handed_settings, start_child
from opinion_spiders.crawling.frames import frame, read_async
from opinion_spiders.events.detect import SEED_FIELDS, SEED_LIMIT
from opinion_spiders.stores import StoreUnavailable

logger = logging.getLogger(__name__)

#: Posts sent to the process in one message (and before each look, whatever are left).
SEND_BATCH = 64
#: Seconds the process has to build its runtime, and to end once its crawl is done.
START_TIMEOUT = 120.0
#: Seconds to wait for the exit status of a process whose answers stopped.
EXIT_WAIT = 1.0
STOP_TIMEOUT = 30.0
#: What the detector reads of a post: the rest (the text, the HTML) is not sent.
FIELDS = ("_id", *SEED_FIELDS)


class EventsProcessGone(Exception):
    """The process ended, or never started: the crawl counts events itself."""


def wanted(settings: Mapping[str, Any]) -> bool:
    """``OPINION_EVENTS_PROCESS``: on, off, or ``auto`` (on when the process may use two
    cores or more)."""
    setting = config_of(settings).events_process
    if setting == "auto":
        return len(os.sched_getaffinity(0)) >= 2
    return bool(setting)


def counted(post: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a post's document that the detector reads."""
    return {k: post[k] for k in FIELDS if k in post}


class EventsProcess:
    """The crawl's side: posts sent in batches, one request answered at a time."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.unsent: list[dict[str, Any]] = []
        #: ids of the posts sent that no finished look has seen (the newest
        #: :data:`SEED_LIMIT`), and how many were ever sent: a crawl taking over reads them
        #: back. A look that found bursts has finished once they are recorded: a process that
        #: dies in between takes them with it, and the crawl must find them again.
        self.unlooked: deque[str] = deque(maxlen=SEED_LIMIT)
        self._sent = 0
        #: the posts sent when the look whose bursts wait to be recorded was asked
        self._seen_upto: int | None = None
        self._asking = asyncio.Lock()

    @classmethod
    async def start(cls, settings: Mapping[str, Any]) -> EventsProcess:
        why = "the events process did not start"
        try:
            settings_frame = handed_settings(settings)
        except Exception as exc:  # noqa: BLE001 - e.g. a setting holding a lambda
            raise EventsProcessGone(f"{why}: settings cannot be handed over "
                                    f"({type(exc).__name__}: {exc})") from None  # fmt: skip
        try:
            proc = await start_child(
                "opinion_spiders.crawling.events_process", settings_frame, START_TIMEOUT
            )
        except NotStarted as exc:
            raise EventsProcessGone(f"{why}: {exc}") from None
        return cls(proc)

    def add(self, post: Mapping[str, Any]) -> None:
        """Count a post (sent with the next batch)."""
        self.unsent.append(counted(post))
        if len(self.unsent) >= SEND_BATCH:
            self._send_unsent()

    def take_unsent(self) -> list[dict[str, Any]]:
        """The posts not sent yet (the process is gone): they are the caller's now."""
        unsent, self.unsent = self.unsent, []
        return unsent

    def take_unlooked(self) -> list[str]:
        """The ids of the posts sent that no finished look has seen (the process is
        gone)."""
        ids = list(self.unlooked)
        self.unlooked.clear()
        return ids

    def _send_unsent(self) -> None:
        if self.unsent:
            self._write(("add", self.unsent))  # kept when the process is gone
            self.unlooked.extend(str(post["_id"]) for post in self.unsent)
            self._sent += len(self.unsent)
            self.unsent = []

    def _looked(self, upto: int) -> None:
        """A look saw the first ``upto`` posts ever sent: they are no longer unlooked."""
        first = self._sent - len(self.unlooked)  # the number of the oldest id held
        for _ in range(max(0, min(len(self.unlooked), upto - first))):
            self.unlooked.popleft()

    def _write(self, message: tuple[Any, ...]) -> None:
        stdin = self.proc.stdin
        if stdin is None or stdin.is_closing() or self.proc.returncode is not None:
            raise EventsProcessGone(self._gone())
        stdin.write(frame(message))

    async def _ask(self, *request: Any) -> tuple[Any, ...]:
        """Send the posts not sent yet, then the request; its answer."""
        async with self._asking:
            try:
                self._send_unsent()
                upto = self._sent
                self._write(request)
                assert self.proc.stdout is not None
                answer: tuple[Any, ...] = await read_async(self.proc.stdout)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                # its exit status, for the message: the pipe closes a moment before it is known
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.proc.wait(), EXIT_WAIT)
                raise EventsProcessGone(self._gone()) from exc
        if answer[0] == "unavailable":
            raise StoreUnavailable(answer[1])
        if answer[0] == "error":
            raise RuntimeError(f"the events process failed to {request[0]}: {answer[1]}")
        if request[0] == "look":  # bursts found: seen once they are recorded
            self._seen_upto = upto if answer[1] else None
            if not answer[1]:
                self._looked(upto)
        elif request[0] == "record" and self._seen_upto is not None:
            self._looked(self._seen_upto)
            self._seen_upto = None
        return answer

    def _gone(self) -> str:
        status = self.proc.returncode
        return "the events process ended" + ("" if status is None else f" (exit status {status})")

    async def seed(self) -> int:
        """Read the baseline from the store (once per detector): how many posts."""
        return int((await self._ask("seed"))[1])

    async def bursts(self, now: datetime) -> tuple[int, float]:
        """Look for bursts: how many there are (held for :meth:`record`), and the CPU seconds
        the look took."""
        _, count, spent = await self._ask("look", now)
        return int(count), float(spent)

    async def record(self, now: datetime) -> tuple[dict[str, int], float]:
        """Write the bursts of the last look as events and raise their alerts: what was done,
        and the CPU seconds it took."""
        _, done, spent = await self._ask("record", now)
        return dict(done), float(spent)

    async def stop(self) -> None:
        """End the process once it has served what it was sent."""
        stdin = self.proc.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            logger.error("the events process did not end in %g s: stopped", STOP_TIMEOUT)
            self.proc.kill()
            await self.proc.wait()
