"""Stage 5: write posts in batches, idempotently by ``_id``; spool batches to disk when the
database is down and replay them on the next run. Bookmarks are saved only after the posts
they cover were written.

Every store call (and every spool write) runs on the store's writer thread, off the reactor;
while a MongoDB server is away its circuit breaker fails them at once, so a batch goes to the
spool without waiting. What the breaker did while this crawler ran is counted in the stats
``opinion/store/breaker/<event>`` (events of :mod:`opinion_spiders.stores.breaker`)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable
from opinion_spiders.stores.breaker import CLOSED
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines._base import Stage

logger = logging.getLogger(__name__)
BREAKER_STATS = "opinion/store/breaker/"


class StorePipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.batch_size = max(1, crawler.settings.getint("OPINION_STORE_BATCH_SIZE", 200))
        self.spool = Spool(spool_dir(crawler.settings))
        self.batch: list[dict[str, Any]] = []
        self.spooled = False
        self.breaker_seen: dict[str, int] = {}

    async def open_spider(self) -> None:
        breaker = self.runtime.store.breaker
        if breaker is not None:
            self.breaker_seen = breaker.snapshot()
            if breaker.state != CLOSED:
                self.stats.set_value(BREAKER_STATS + "open_at_start", 1)
        replayed = await self.in_writer(self._replay)
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
            self.batch.append(item.to_document())
            if len(self.batch) >= self.batch_size:
                await self.flush()
        return item

    async def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        new = await self.in_writer(self._write, batch)
        if new is None:
            self.spooled = True
            self.stats.inc_value("opinion/store/spooled", len(batch))
            return
        self.stats.inc_value("opinion/store/written", len(batch))
        self.stats.inc_value("opinion/store/new", new)

    def _write(self, batch: list[dict[str, Any]]) -> int | None:
        """How many posts were new; None when the batch went to the spool."""
        try:
            return self.runtime.store.upsert_posts(batch)
        except StoreUnavailable as exc:
            logger.error("store unavailable, %d posts spooled to disk: %s", len(batch), exc)
            self.spool.append(batch)
            return None

    async def close_spider(self) -> None:
        await self.flush()
        completed = getattr(self.spider, "completed", None)
        if completed and not self.spooled:
            await self.in_writer(self._save_state, self.spider.site.name, dict(completed))
        self._count_breaker()

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
