"""Stage 5: write posts in batches, idempotently by ``_id``; spool batches to disk when the
database is down and replay them on the next run. Bookmarks are saved only after the posts
they cover were written."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from opinion_spiders.items import Post
from opinion_spiders.stores import StoreUnavailable
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines._base import Stage

logger = logging.getLogger(__name__)


class StorePipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.batch_size = max(1, crawler.settings.getint("OPINION_STORE_BATCH_SIZE", 200))
        self.spool = Spool(spool_dir(crawler.settings))
        self.batch: list[dict[str, Any]] = []
        self.spooled = False

    def open_spider(self) -> None:
        try:
            replayed = self.spool.replay(self.runtime.store)
        except StoreUnavailable as exc:
            logger.warning("store still unavailable, spool kept: %s", exc)
            replayed = 0
        if replayed:
            self.stats.inc_value("opinion/store/replayed", replayed)
        if self.spool.damaged:
            self.stats.inc_value("opinion/store/spool_damaged", len(self.spool.damaged))

    def process_item(self, item: object) -> object:
        if isinstance(item, Post):
            self.batch.append(item.to_document())
            if len(self.batch) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        try:
            new = self.runtime.store.upsert_posts(batch)
        except StoreUnavailable as exc:
            logger.error("store unavailable, %d posts spooled to disk: %s", len(batch), exc)
            self.spool.append(batch)
            self.spooled = True
            self.stats.inc_value("opinion/store/spooled", len(batch))
            return
        self.stats.inc_value("opinion/store/written", len(batch))
        self.stats.inc_value("opinion/store/new", new)

    def close_spider(self) -> None:
        self.flush()
        completed = getattr(self.spider, "completed", None)
        if completed and not self.spooled:
            try:
                self.runtime.store.save_state(self.spider.site.name, completed)
            except StoreUnavailable as exc:
                logger.error("bookmarks not saved (next run re-walks those threads): %s", exc)
