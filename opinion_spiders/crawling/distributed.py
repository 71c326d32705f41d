"""Distributed crawling: with ``OPINION_REDIS_URL`` set, every crawl process of a site (on one
machine or many, e.g. several scrapyd nodes) takes its requests from one queue in Redis and
checks them against one set of seen fingerprints, so each page of a run is fetched once in
total, and a process that dies leaves its queued (and its unfinished) requests to the others.

Why our own scheduler on redis-py, not scrapy-redis 0.9.1 (last release 2024; tried with Scrapy
2.19): its seen set either persists (``SCHEDULER_PERSIST``), so the next run finds every listing
"seen" and fetches nothing, or is flushed, with the queue, by the *first* process that closes
while the others still use both; its keys are per spider name, so two forum sites would share a
queue; a plain ``Spider`` gets no shared idle handling (only ``RedisSpider``, which knows
``start_requests`` alone); and it passes the deprecated ``spider`` argument to the stats on
every request. Here a run is shared while it lasts, then ends (``redis_run``): the queue is not
kept between runs, because the crawl is incremental — listings are read again every run, and
the store's bookmarks decide which threads are walked.

Requests travel as Scrapy's ``Request.to_dict``, pickled (as in Scrapy's disk queues and in
scrapy-redis): only trusted processes may write to that Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import socket
import uuid
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Self

import redis
from scrapy import Request, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import request_from_dict
from twisted.internet.task import LoopingCall

from opinion_spiders.crawling.addons import SCHEDULER
from opinion_spiders.crawling.redis_run import SharedRun, connect, safe_url, unreachable
from opinion_spiders.errors import ConfigError

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: How often an idle process looks for work in the shared queue and beats its heart (seconds).
POLL_INTERVAL = 0.5
UNAVAILABLE = "redis_unavailable"


def site_key(spider: str, site: Any) -> str:
    """Redis key prefix of one spider and site, with a digest of the site's definition: crawls
    of another site, or of the same name defined differently, never share a queue."""
    declared = [site.kind, site.engine, list(site.start_urls)]
    if site.search_urls:  # a site that searches (or only searches) is defined by that too
        declared.append(list(site.search_urls))
    definition = json.dumps(declared, ensure_ascii=False)
    digest = hashlib.sha1(definition.encode("utf-8")).hexdigest()[:10]
    return f"opinion:{{{spider}:{site.name}:{digest}}}"


class RedisDupeFilter(BaseDupeFilter):
    """Scrapy's request fingerprints, kept in the shared run's seen set."""

    def __init__(self, run: SharedRun, crawler: Crawler) -> None:
        self.run = run
        self.crawler = crawler
        self.debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        self.logged = False

    def fingerprint(self, request: Request) -> str | None:
        """The fingerprint the run's seen set keeps; None for a request not to be filtered."""
        if request.dont_filter:
            return None
        return self.crawler.request_fingerprinter.fingerprint(request).hex()

    def log(self, request: Request, spider: Spider) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("opinion/redis/filtered")
        if self.debug or not self.logged:
            more = "" if self.debug else " - no more duplicates will be shown"
            logger.debug("Filtered duplicate request (seen by this run): %s%s", request, more)
            self.logged = True


class RedisScheduler(BaseScheduler):
    """The request queue of a site's run, shared in Redis by every process crawling it, with
    its duplicate filter (``DUPEFILTER_CLASS`` does not apply: the filter is the run's)."""

    def __init__(self, crawler: Crawler, url: str, timeout: float) -> None:
        self.crawler = crawler
        self.url = url
        self.timeout = timeout
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.client: redis.Redis | None = None
        self.run: SharedRun | None = None
        self.df: RedisDupeFilter | None = None
        self.spider: Spider | None = None
        self.local: deque[Request] = deque()
        self.handoff: Request | None = None
        #: Requests that reached a download slot (the others wait in the downloader middlewares).
        self.placed: weakref.WeakSet[Request] = weakref.WeakSet()
        self.feed_due = False
        self.waiting = False
        self.failed = ""
        self.loop = LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("OPINION_REDIS_URL") or ""
        if not url:
            raise ConfigError("SCHEDULER", SCHEDULER, "needs OPINION_REDIS_URL")
        timeout = crawler.settings.getfloat("OPINION_REDIS_WORKER_TIMEOUT", 60.0)
        scheduler = cls(crawler, str(url), max(timeout, 2 * POLL_INTERVAL))
        crawler.signals.connect(scheduler._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(scheduler._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler._placed, signal=signals.request_reached_downloader)
        return scheduler

    def _stat(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"opinion/redis/{key}", count)

    def open(self, spider: Spider) -> None:
        self.spider = spider
        site = getattr(spider, "site", None)
        name = site.name if site is not None else spider.name
        try:
            self.client = connect(self.url)
            base = site_key(spider.name, site) if site is not None else f"opinion:{{{name}}}"
            run = SharedRun(self.client, base, self.worker, self.timeout)
            number = run.join()
        except ConfigError as exc:
            self.failed = str(exc)
        except redis.RedisError as exc:
            self.failed = f"OPINION_REDIS_URL {safe_url(self.url)}: {unreachable(exc)}"
        if self.failed:
            logger.error("%s; the crawl of %s stops", self.failed, name)
            return
        self.run, self.df = run, RedisDupeFilter(run, self.crawler)
        self.crawler.stats.set_value("opinion/redis/run", int(number))
        logger.info("site %s: shared run %s in Redis %s", name, number, safe_url(self.url))
        self.loop.start(POLL_INTERVAL, now=False).addErrback(
            lambda failure: logger.error("shared-queue poll stopped: %s", failure.value)
        )

    def _spider_opened(self, spider: Spider) -> None:
        if self.failed:
            raise CloseSpider(UNAVAILABLE)

    def close(self, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        if self.run is not None and not self.failed:
            try:
                self._give_back()
                if self.run.leave():
                    logger.info("shared run %s is over; its Redis keys are removed", self.run.run)
            except redis.RedisError as exc:
                logger.warning("could not leave the shared run in Redis: %s", exc)
        if self.local:
            self._stat("dropped", len(self.local))  # taken, not started, nowhere to give back
            self.local.clear()
        self._stat("requeued", self.run.requeued if self.run else 0)
        if self.client is not None:
            self.client.close()

    def _give_back(self) -> None:
        """Requests taken but not started (a crawl stopped early) go back to the queue."""
        assert self.run is not None
        while self.local:
            request = self.local.popleft()
            payload, _problem = self._encode(request)
            if payload is None:
                self._stat("dropped")  # only this process could run it
            else:
                self.run.push(payload, request.priority)

    def has_pending_requests(self) -> bool:
        return bool(self.local)

    def enqueue_request(self, request: Request) -> bool:
        if request is self.handoff:
            self.handoff = None
            self.local.append(request)
            return True
        if self.failed or self.run is None or self.df is None:
            self._stat("dropped")
            return False
        payload, problem = self._encode(request)
        try:  # the seen check and the queueing are one step: see SharedRun.offer
            offered = self.run.offer(payload, request.priority, self.df.fingerprint(request))
        except redis.RedisError as exc:
            self._lost(exc)
            self._stat("dropped")
            return False
        if not offered:
            assert self.spider is not None
            self.df.log(request, self.spider)
            return False
        if payload is None:
            logger.warning("not shared through Redis, fetched here: %s (%s)", request, problem)
            self._stat("unshared")
            self.local.append(request)
            return True
        self._stat("enqueued")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            self.waiting = False
            return self.local.popleft()
        if self.failed or self.run is None or self._holding():
            return None
        try:
            payload = self.run.pop()
        except redis.RedisError as exc:
            self._lost(exc)
            return None
        request = self._decode(payload) if payload is not None else None
        if request is not None:
            self.waiting = False
            self._stat("dequeued")
        return request

    def _holding(self) -> bool:
        """This process holds a request it cannot start yet: take no more, leave them to the
        other processes. Waiting are the requests in a slot's queue (for the site's delay or
        concurrency) and those not yet in a slot (in the downloader middlewares, e.g. behind
        robots.txt). The slot queues alone do not tell: a request reaches its slot a reactor
        turn after the engine took it, so the engine's burst of ``next_request`` calls would
        take the whole shared queue (up to ``CONCURRENT_REQUESTS``) and leave the other
        processes idle while this one works through it at the site's pace."""
        engine = self.crawler.engine
        if engine is None:
            return False
        downloader = engine.downloader
        return any(slot.queue for slot in downloader.slots.values()) or any(
            request not in self.placed for request in downloader.active
        )

    def _placed(self, request: Request, spider: Spider) -> None:
        """A request reached its download slot; once the slot has started it, this process
        may have room for the next one (the engine itself asks only when a download ends)."""
        self.placed.add(request)
        if not self.feed_due:
            self.feed_due = True
            call_later(0, self._feed_due)

    def _feed_due(self) -> None:
        self.feed_due = False
        try:
            self._feed()
        except redis.RedisError as exc:
            self._lost(exc)

    def _feed(self) -> bool:
        """Hand the engine a request from the shared queue if this process can start it now;
        True when it did."""
        run, engine = self.run, self.crawler.engine
        if run is None or self.failed or engine is None or engine.spider is None:
            return False
        if self.local or self._holding() or engine.needs_backout():
            return False
        payload = run.pop()
        request = self._decode(payload) if payload is not None else None
        if request is None:
            return False
        self.waiting = False
        self._stat("dequeued")
        self.handoff = request
        engine.crawl(request)
        return True

    def _encode(self, request: Request) -> tuple[bytes | None, str]:
        """Pickled ``to_dict``, or None and why for a request only this process can run."""
        try:
            return pickle.dumps(request.to_dict(spider=self.spider), protocol=5), ""
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
            return None, str(exc)

    def _decode(self, payload: bytes) -> Request | None:
        try:
            return request_from_dict(pickle.loads(payload), spider=self.spider)
        except Exception as exc:  # noqa: BLE001 - one unreadable request must not end the crawl
            logger.error(
                "dropped a shared request this process cannot read (%s: %s); do all crawl "
                "processes run the same opinion-spiders version?", type(exc).__name__, exc
            )  # fmt: skip
            self._stat("unreadable")
            return None

    def _spider_idle(self, spider: Spider) -> None:
        """This process has nothing left; wait while the run still has work anywhere."""
        if self.failed or self.run is None:
            return
        try:
            over = self.run.idle()
        except redis.RedisError as exc:
            self._lost(exc)
            return
        if not over:
            self.waiting = True
            raise DontCloseSpider

    def _tick(self) -> None:
        """Heartbeat; take a request that another process queued when there is room for it, or,
        while idle, close when the run is over (without waiting for Scrapy's 5-second idle
        check)."""
        run, engine = self.run, self.crawler.engine
        if run is None or self.failed or engine is None:
            return
        try:
            if not self.waiting:
                run.beat()
                self._feed()
            elif not self._feed() and run.idle() and engine.spider is not None:
                self.waiting = False
                deferred_from_coro(engine.close_spider_async(reason="finished"))
        except redis.RedisError as exc:
            self._lost(exc)

    def _lost(self, exc: BaseException) -> None:
        """Redis went away mid-crawl: stop this process cleanly (what it collected is stored)."""
        if self.failed:
            return
        self.failed = f"lost Redis {safe_url(self.url)} ({type(exc).__name__}: {exc})"
        logger.error("%s; closing the crawl, the next run takes up the rest", self.failed)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=UNAVAILABLE))
