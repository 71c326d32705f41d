"""What every stage shares: the crawler, its runtime and its stats."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site


class Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.runtime = Runtime.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def site_of(self, name: str) -> Site:
        return self.runtime.sites[name]
