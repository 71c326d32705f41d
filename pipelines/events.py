"""Stage 7, the last: count each post in its time bucket per rule, watched entity, site,
near-duplicate cluster and word (in memory, no store call per post); look for bursts every
``OPINION_EVENTS_BATCH`` posts, at most once in ``OPINION_EVENTS_MIN_INTERVAL`` seconds (a
fast crawl looks at more posts at a time; both counted for the detector, whichever of its
crawlers brought the posts), a look that took long pausing the next so that looking takes at
most ``OPINION_EVENTS_MAX_SHARE`` of the time, and when the spider closes. A look finds the
bursts, writes them as ``events`` (one batched write after one ``_id`` read) and raises or
escalates each recent event's one alert, once the posts counted so far — by every crawler of
the process on this store — are stored or spooled (an event alert cites them). One look at a
time, beside the crawl (the post that made it due goes on): a look whose writes outlast the
interval (a slow server) holds the next one back, and the close waits for it. Of
crawlers sharing the detector, the last to close looks for all of them. The baseline
is read from the store once, when the first spider of the process opens; crawlers of one
process share one detector per store.

With ``OPINION_EVENTS_PROCESS`` (by default on two cores or more) the detector runs in the
events process (:mod:`opinion_spiders.crawling.events_process`): this stage sends it the
posts and asks it to look, and waits for the posts to be stored before it writes what it
found. If that process dies or does not start, the detector here takes over, with the stored
posts as baseline."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from weakref import WeakValueDictionary

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.config import config_of
from opinion_spiders.crawling.events_process import EventsProcess, EventsProcessGone, wanted
from opinion_spiders.crawling.gc_policy import malloc_trim
from opinion_spiders.crawling.progress import EVENT_ALERTS
from opinion_spiders.events.bursts import Burst
from opinion_spiders.events.detect import EventDetector
from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable, store_uri
from pipelines._base import Stage
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Shared:
    """A detector and when it was last looked at, shared by the crawlers of one store: five
    sites crawled at once look for bursts once an interval, not five times."""

    detector: EventDetector
    #: the events process counting in the detector's stead (None: the detector counts)
    remote: EventsProcess | None = None
    #: whether to start one, when the first crawler opens
    wants_remote: bool = False
    #: its start (and baseline), under way while the crawl runs; posts counted meanwhile
    #: wait in ``early`` (sent, or counted here if it never starts, once it is done)
    starting: asyncio.Task[None] | None = None
    early: list[dict[str, Any]] = field(default_factory=list)
    #: posts counted since the last look
    pending: int = 0
    looked_at: float = field(default_factory=time.monotonic)
    #: seconds the next look waits at least: the last look's CPU time beyond the share
    pause: float = 0.0
    #: crawlers open on the detector: the last to close looks for everyone
    open: int = 0
    #: held by the look in progress: one look at a time (a look's writes can outlast the
    #: interval on a slow server, and two looks would write the same events at once)
    looking: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: the look a post made due, under way beside the crawl (None: none is)
    aside: asyncio.Task[None] | None = None


#: store URI -> what its crawlers share; gone when the last of them is.
_SHARED: WeakValueDictionary[str, Shared] = WeakValueDictionary()
#: Gives malloc's free memory back after each look, which frees the biggest buffers of a
#: crawl (bench.memory: 423 MB held free again between two of the GC policy's minutely trims).
_TRIM = malloc_trim()


class EventPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler.settings)
        if not config.events_enabled:
            raise NotConfigured("OPINION_EVENTS_ENABLED is off")
        super().__init__(crawler)
        key = store_uri(crawler.settings)
        self.shared = _SHARED.get(key) or Shared(
            EventDetector.from_settings(crawler.settings), wants_remote=wanted(crawler.settings)
        )
        _SHARED[key] = self.shared
        self.detector = self.shared.detector
        self.batch = config.events_batch
        self.interval = config.events_min_interval
        share = config.events_max_share
        #: seconds of pause per CPU second a look took
        self.pause_per_second = (1 - share) / share

    async def open_spider(self) -> None:
        """Read the baseline; the first crawler starts the events process instead, which
        reads it there. That start is not waited for (a process to start and a baseline to
        read: ~0.8 s in which no page of this site was fetched)."""
        shared = self.shared
        shared.open += 1
        if shared.wants_remote:
            shared.wants_remote = False  # one try per detector: the first crawler's
            shared.starting = asyncio.ensure_future(self._start_remote())
        if shared.starting is not None:
            return
        seeded = await self._seed_here("start")
        if seeded is not None:
            self.stats.set_value("opinion/events/baseline_posts", seeded)

    async def _seed_here(self, goes: str) -> int | None:
        """The stored posts as the baseline of the detector in this process (None, and a
        warning that events ``goes`` without one, while the store is unavailable)."""
        try:
            return await asyncio.to_thread(self.detector.seed, self.runtime.store)
        except StoreUnavailable as exc:
            logger.warning("store unavailable, events %s without a baseline: %s", goes, exc)
            return None

    async def _start_remote(self) -> None:
        """Start the events process and have it read the baseline, then hand it the posts
        counted meanwhile — or count them here, with the stored posts as baseline, if it
        does not start."""
        shared = self.shared
        try:
            remote = await EventsProcess.start(self.crawler.settings)
        except (EventsProcessGone, OSError) as exc:  # OSError: no process could be made
            logger.error("%s; events are counted in the crawl process", exc)
            early, shared.early = shared.early, []
            await self._seed_here("start")
            for doc in early:
                self.detector.add(doc)
            return
        logger.info("events are counted in the events process (pid %d)", remote.pid)
        shared.remote = remote
        try:
            self.stats.set_value("opinion/events/baseline_posts", await remote.seed())
        except StoreUnavailable as exc:
            logger.warning("store unavailable, events start without a baseline: %s", exc)
        except RuntimeError as exc:  # the process could not read it
            logger.error("%s", exc)
        except EventsProcessGone as exc:
            await self._take_over(exc)
        early, shared.early = shared.early, []
        for doc in early:
            if shared.remote is not None:
                try:
                    shared.remote.add(doc)
                    continue
                except EventsProcessGone as exc:
                    await self._take_over(exc)
            self.detector.add(doc)  # taken over: counted here

    async def _take_over(self, exc: Exception) -> None:
        """The events process is gone: count here from now on, the stored posts as baseline,
        and the posts it never looked at — sent since its last finished look (one whose bursts
        it recorded, or that found none), or never sent (a post stored and counted as baseline
        is looked at when it comes again). The baseline is read on a worker thread: the posts
        that come meanwhile wait in ``early``, as while the process starts, so that no two
        threads count at once."""
        shared = self.shared
        if shared.remote is None:
            starting = shared.starting  # another caller's take-over: wait for it too
            if starting is not None and starting is not asyncio.current_task():
                await starting
            return
        remote, shared.remote = shared.remote, None
        logger.error("%s: events are counted in the crawl process from now on, with the "
                     "stored posts as baseline", exc)  # fmt: skip
        self.stats.set_value("opinion/events/process_lost", 1)
        shared.early[:0] = remote.take_unsent()
        shared.starting = asyncio.ensure_future(self._count_here(remote))
        await shared.starting

    async def _count_here(self, remote: EventsProcess) -> None:
        """Stop the events process, read the baseline here, then count the posts it was sent
        and never looked at (read back by ``_id``) and the posts waiting."""
        await remote.stop()
        await self._seed_here("go on")
        try:
            sent = await asyncio.to_thread(self._read_back, remote.take_unlooked())
        except StoreUnavailable as exc:
            logger.warning("store unavailable, the posts the events process was sent since "
                           "its last finished look are baseline only: %s", exc)  # fmt: skip
            sent = []
        early, self.shared.early = self.shared.early, []
        for doc in (*sent, *early):
            self.detector.add(doc)

    def _read_back(self, ids: list[str]) -> list[dict[str, Any]]:
        """The stored posts ``ids``, in their order (a take-over's, once)."""
        found = self.runtime.store.get_posts(ids)
        return [found[post_id] for post_id in ids if post_id in found]

    async def process_item(self, item: object) -> object:
        if isinstance(item, Post):
            shared = self.shared
            if shared.starting is not None and not shared.starting.done():
                shared.early.append(item.to_document())
                shared.pending += 1
            else:
                if shared.remote is not None:
                    try:
                        shared.remote.add(item.to_document())
                        shared.pending += 1
                    except EventsProcessGone as exc:
                        await self._take_over(exc)
                if shared.remote is None:  # here from the start, or from this post on
                    shared.pending += int(self.detector.add(item.to_document()))
            due = time.monotonic() - shared.looked_at >= max(self.interval, shared.pause)
            idle = shared.aside is None and not shared.looking.locked()
            if shared.pending >= self.batch and due and idle:
                shared.aside = asyncio.ensure_future(self._look_aside())
        return item

    async def _look_aside(self) -> None:
        """A look that a post made due, while the crawl goes on: the post is not held up
        for it (a look of the events process took ~1 s of a bench crawl's last seconds, and
        the crawler could not close meanwhile)."""
        try:
            await self.flush()
        except Exception:  # noqa: BLE001 - no item waits for it to say so
            logger.exception("looking for bursts failed; the next look tries again")
        finally:
            self.shared.aside = None

    async def close_spider(self) -> None:
        """The last crawler of the detector to close looks for bursts: a look rescans every
        key touched since the last one, and crawlers still running look again anyway. A
        look under way is waited for first."""
        self.shared.open -= 1
        if self.shared.open <= 0:
            if self.shared.aside is not None:
                await self.shared.aside
            await self.flush()
            remote, self.shared.remote = self.shared.remote, None
            if remote is not None:
                await remote.stop()

    async def flush(self) -> None:
        """Look for bursts now, once the look in progress (if any) is done; the interval and
        the pause count from the end of the look."""
        if self.shared.starting is not None:
            await self.shared.starting  # the posts counted meanwhile are in, wherever
        async with self.shared.looking:
            self.shared.pending, self.shared.looked_at = 0, time.monotonic()
            try:
                try:
                    await self._look()
                except EventsProcessGone as exc:
                    await self._take_over(exc)
                    await self._look()  # the look that was due, here
            except RuntimeError as exc:  # a request the events process failed
                logger.error("%s", exc)
            finally:
                self.shared.looked_at = time.monotonic()
                if _TRIM is not None and self.shared.remote is None:
                    _TRIM()

    async def _look(self) -> None:
        runtime, now, remote = self.runtime, datetime.now(UTC), self.shared.remote
        bursts: list[Burst] = []  # found here; the events process holds its own
        if remote is not None:
            found, spent = await remote.bursts(now)
        else:
            started = time.thread_time()
            bursts = self.detector.bursts(now)
            spent, found = time.thread_time() - started, len(bursts)
        self.shared.pause = spent * self.pause_per_second
        if not found:
            return
        for posts in StorePipeline.sharing_store(self.crawler):  # an event alert cites posts
            try:
                await posts.durable()
            except Exception as exc:  # noqa: BLE001 - the events still count
                logger.error("posts not written (%s); events recorded all the same", exc)
        try:
            if remote is not None:  # it looks at the bursts again when they are not written
                done, recording = await remote.record(now)
            else:
                done, recording = await asyncio.to_thread(
                    _timed, self.detector.record, bursts, runtime.store, runtime.channels, now
                )
            self.shared.pause = (spent + recording) * self.pause_per_second
        except StoreUnavailable as exc:
            logger.error("store unavailable, %d bursts not written: %s", found, exc)
            if remote is None:
                self.detector.retouch(bursts)
            return
        for name, value in done.items():
            self.stats.inc_value(f"opinion/events/{name}", value)
        if done.get("alerts"):
            self.stats.inc_value(EVENT_ALERTS, done["alerts"])


def _timed(fn: Callable[..., dict[str, Any]], *args: Any) -> tuple[dict[str, Any], float]:
    """What ``fn`` returns, and the CPU seconds it took on this thread."""
    started = time.thread_time()
    return fn(*args), time.thread_time() - started
