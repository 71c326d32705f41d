"""Stage 5: write posts in batches, idempotently by ``_id``; spool batches to disk when the
database is down and replay them on the next run. Bookmarks are saved only after the posts
they cover were written.

Later stages send nothing that cites a post before it is durable: :meth:`durable` writes the
open batch soon when it holds one of the posts — within :data:`DURABLE_WAIT` seconds, or once
no post has come for :data:`DURABLE_IDLE`, not at once, so the alerting posts of that moment
share one write — and waits for the batches on
their way, saying whether they were ``stored`` or ``spooled``. (Written at once, the alerting
posts of ``bench.site``'s crawl cut its batches short, 494 writes of 27 posts on average; on
the embedded store a post costs 357 µs written 40 at a time against 212 µs 200 at a time, as
each commit rewrites the band-index pages its posts' random band keys land on.) The
``alert`` of the posts that raised or joined an alert is set with the next batch
(:meth:`note_alert`, one ``_id`` update each) — spooled, behind the posts, once this crawler
spooled a batch, so a replay keeps the order.

Every store call (and every spool write) runs on the store's writer thread, off the reactor;
while a MongoDB server is away its circuit breaker fails them at once, so a batch goes to the
spool without waiting. What the breaker did while this crawler ran is counted in the stats
``opinion/store/breaker/<event>`` (events of :mod:`opinion_spiders.stores.breaker`).

Bookmarks are saved when the spider has closed, knowing why: only a walk that ``finished``
saves its threads'. A listing walk stops at the first page with no changed thread, so the
threads a walk cut short (Ctrl-C, Redis lost, blocked) had read on the first listing pages
would hide, in the next run, every thread on the pages it never reached; after such a walk
the next run walks them all again (only a block's pause is kept)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakSet

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from opinion_spiders.crawling.spiders import PAUSE_KEY
from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable, store_uri
from opinion_spiders.stores.breaker import CLOSED
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines._base import Stage

logger = logging.getLogger(__name__)
BREAKER_STATS = "opinion/store/breaker/"
#: Where a post went (:meth:`StorePipeline.durable`): the store, or the spool on disk.
STORED, SPOOLED = "stored", "spooled"
#: Seconds an open batch holding a post that :meth:`StorePipeline.durable` waits for may still
#: take in more posts before it is written (unless it fills first).
DURABLE_WAIT = 0.25
#: Seconds without a new post after which that batch is written sooner: the moment's posts
#: have come (a crawl's last page, a polite crawl between pages).
DURABLE_IDLE = 0.05
#: Written batches that :meth:`StorePipeline.durable` still tells apart (besides every batch
#: on its way): a post asked about soon after its batch was written gets its own answer.
RECENT_BATCHES = 16

_ATTR = "_opinion_store_stage"
#: every live store stage of the process (see sharing_store)
_STAGES: WeakSet[StorePipeline] = WeakSet()


@dataclass
class _Batch:
    docs: list[dict[str, Any]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    #: resolved with STORED or SPOOLED once the batch is written (set when it is flushed)
    done: asyncio.Future[str] | None = None


class StorePipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.batch_size = self.runtime.config.store_batch_size
        self.spool = Spool(spool_dir(crawler.settings))
        self.open = _Batch()
        self.writing: list[_Batch] = []
        self.recent: deque[_Batch] = deque(maxlen=RECENT_BATCHES)
        self.alerts: dict[str, dict[str, Any]] = {}
        #: the timed writes of open batches that posts of theirs wait for (see :meth:`durable`)
        self._soon: set[asyncio.Future[None]] = set()
        #: when the last post came (the event loop's clock)
        self._came = 0.0
        self.spooled = False
        self._behind_spool = False
        self.breaker_seen: dict[str, int] = {}
        #: set once :meth:`open_spider` has replayed the spool (the cluster stage waits for it)
        self.replayed = asyncio.Event()
        setattr(crawler, _ATTR, self)
        _STAGES.add(self)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler: Crawler) -> StorePipeline | None:
        """The crawler's store stage (None when ITEM_PIPELINES has none): later stages await
        its :meth:`durable` before they send what cites a post."""
        stage: StorePipeline | None = getattr(crawler, _ATTR, None)
        return stage

    @classmethod
    def sharing_store(cls, crawler: Crawler) -> list[StorePipeline]:
        """The store stages of every crawler of the process on the same store as ``crawler``
        (the event stage's detector counts their posts too)."""
        uri = store_uri(crawler.settings)
        return [s for s in list(_STAGES) if store_uri(s.crawler.settings) == uri]

    async def open_spider(self) -> None:
        breaker = self.runtime.store.breaker
        if breaker is not None:
            self.breaker_seen = breaker.snapshot()
            if breaker.state != CLOSED:
                self.stats.set_value(BREAKER_STATS + "open_at_start", 1)
        try:
            replayed = await self.in_writer(self._replay)
        finally:
            self.replayed.set()
        if replayed:
            self.stats.inc_value("opinion/store/replayed", replayed)
        if self.spool.damaged:
            self.stats.inc_value("opinion/store/spool_damaged", len(self.spool.damaged))

    def _replay(self) -> int:
        try:
            return self.spool.replay(self.runtime.store)
        except StoreUnavailable as exc:
            logger.warning("store still unavailable, spool kept: %s", exc)
            return 0

    async def process_item(self, item: object) -> object:
        if isinstance(item, Post):
            doc = item.to_document()
            if doc.get("alert") is None:  # set by note_alert; a re-crawl keeps the stored one
                doc.pop("alert", None)
            self.open.docs.append(doc)
            self.open.ids.add(item.id)
            self._came = asyncio.get_running_loop().time()
            if len(self.open.docs) >= self.batch_size:
                await self.flush()
        return item

    async def durable(self, ids: Collection[str] | None = None) -> str:
        """Wait until the posts ``ids`` (None: every post this stage has seen) are stored or
        spooled, writing the open batch within :data:`DURABLE_WAIT` if it holds one (now, for
        None); SPOOLED if any was spooled."""
        if ids is None:
            await self.flush()
        elif not self.open.ids.isdisjoint(ids):
            await self._written_soon(self.open)
        wanted = None if ids is None else set(ids)
        known = [*self.writing, *self.recent]
        batches = [b for b in known if b.done and (wanted is None or b.ids & wanted)]
        outcomes = [await b.done for b in batches if b.done]
        if wanted is not None and wanted - set().union(*(b.ids for b in batches)):
            outcomes.append(SPOOLED if self.spooled else STORED)  # written long ago
        return SPOOLED if SPOOLED in outcomes else STORED

    def note_alert(self, post_id: str, alert: Mapping[str, Any]) -> None:
        """Set ``alert`` on the stored post ``post_id`` with the next batch."""
        self.alerts[post_id] = dict(alert)

    async def _written_soon(self, batch: _Batch) -> None:
        """Wait for the open ``batch`` to be written, which happens within
        :data:`DURABLE_WAIT` seconds (sooner if it fills, or once no post has come for
        :data:`DURABLE_IDLE`); raises what its write raised."""
        if batch.done is None:  # the first post of the batch waited for: its write is timed
            batch.done = asyncio.get_running_loop().create_future()
            timer = asyncio.ensure_future(self._flush_later(batch))
            self._soon.add(timer)
            timer.add_done_callback(self._soon.discard)
        await asyncio.shield(batch.done)

    async def _flush_later(self, batch: _Batch) -> None:
        """Write ``batch`` within :data:`DURABLE_WAIT`, sooner once no post has come for
        :data:`DURABLE_IDLE`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DURABLE_WAIT
        while self.open is batch and (now := loop.time()) < deadline:
            quiet = now - self._came
            if quiet >= DURABLE_IDLE:
                break
            await asyncio.sleep(min(DURABLE_IDLE - quiet, deadline - now))
        if self.open is batch:  # not written yet (a full batch, or the close, writes it)
            with contextlib.suppress(Exception):  # its waiters get it from batch.done
                await self.flush()

    async def flush(self) -> None:
        batch, self.open = self.open, _Batch()
        alerts, self.alerts = self.alerts, {}
        if not batch.docs and not alerts:
            return
        if batch.done is None:
            batch.done = asyncio.get_running_loop().create_future()
        self.writing.append(batch)
        try:
            new = await self.in_writer(self._write, batch.docs, alerts)
        except BaseException as exc:
            batch.done.set_exception(exc)
            batch.done.exception()  # retrieved: this caller reports it, awaiters get it too
            raise
        finally:
            self.writing.remove(batch)
            self.recent.append(_Batch(ids=batch.ids, done=batch.done))  # the ids, not the docs
        spooled = new is None
        batch.done.set_result(SPOOLED if spooled else STORED)
        if alerts:
            self.stats.inc_value("opinion/store/post_alerts", len(alerts))
        if not batch.docs:
            return
        if spooled:
            self.spooled = True
            self.stats.inc_value("opinion/store/spooled", len(batch.docs))
            return
        self.stats.inc_value("opinion/store/written", len(batch.docs))
        self.stats.inc_value("opinion/store/new", new)

    def _write(self, batch: list[dict[str, Any]], alerts: dict[str, dict[str, Any]]) -> int | None:
        """How many posts were new; None when the batch went to the spool. The posts' alerts
        follow the posts: to the spool too once one of this crawler's batches is there (only
        the writer thread reads and sets ``_behind_spool``, in the order of the batches)."""
        store, new = self.runtime.store, None
        try:
            new = store.upsert_posts(batch) if batch else 0
            if alerts and not self._behind_spool:
                store.set_post_alerts(alerts)
                return new
        except StoreUnavailable as exc:
            if new is None:
                logger.error("store unavailable, %d posts spooled to disk: %s", len(batch), exc)
                self.spool.append(batch)
                self._behind_spool = True
        if alerts:
            docs = [{"_id": post_id, "alert": alert} for post_id, alert in alerts.items()]
            self.spool.append(docs, "set_post_alerts")
        return new

    async def close_spider(self) -> None:
        await self.flush()
        for timer in list(self._soon):
            timer.cancel()  # their batches are written: nothing left for them to do
        self.recent.clear()  # every post is written: nothing left to tell apart
        self._count_breaker()

    async def _spider_closed(self, spider: Spider, reason: str) -> None:
        """Save the bookmarks of the posts written (none once a batch was spooled): every
        thread's when the walk finished, else only a pause (see the module's docstring)."""
        completed = dict(getattr(spider, "completed", None) or {})
        if reason != "finished":
            completed = {k: v for k, v in completed.items() if k == PAUSE_KEY}
        if completed and not self.spooled:
            await self.in_writer(self._save_state, spider.site.name, completed)

    def _save_state(self, site: str, completed: dict[str, str]) -> None:
        try:
            self.runtime.store.save_state(site, completed)
        except StoreUnavailable as exc:
            logger.error("bookmarks not saved (next run re-walks those threads): %s", exc)

    def _count_breaker(self) -> None:
        breaker = self.runtime.store.breaker
        if breaker is None:
            return
        for event, count in breaker.snapshot().items():
            if count > self.breaker_seen.get(event, 0):
                self.stats.set_value(BREAKER_STATS + event, count - self.breaker_seen.get(event, 0))
