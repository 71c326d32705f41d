"""Stage 2: drop posts already seen in this run (same ``_id``, or same text on one site)."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from opinion_spiders.core.dedup import Deduplicator
from opinion_spiders.items import Post
from pipelines._base import Stage


class DedupPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.dedup = Deduplicator()

    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        reason = self.dedup.duplicate_reason(item)
        if reason:
            self.stats.inc_value(f"opinion/dedup/dropped/{reason}")
            # Counted above; a re-read thread drops many, and a warning logs the whole post.
            raise DropItem(f"duplicate ({reason}): {item.id}", log_level="DEBUG")
        return item
