"""Stage 3¾: note the sensitive periods active at the post's time on ``post.periods``.

Before scoring (the periods plugin adds their weight) and alerting (which may scale its
threshold by their factors). Off when the calendar is empty.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.items import Post
from opinion_spiders.watch.config import calendar_from_settings
from opinion_spiders.watch.periods import periods_document
from pipelines._base import Stage


class PeriodPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.calendar = calendar_from_settings(crawler.settings)
        if not self.calendar.periods:
            raise NotConfigured("no sensitive periods (OPINION_WATCH_PERIODS)")

    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        when = item.time or item.published_at or item.crawled_at
        if when is not None:
            item.periods = periods_document(self.calendar, when)
        for period in item.periods:
            self.stats.inc_value(f"opinion/periods/period/{period['id']}")
        return item
