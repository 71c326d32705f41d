"""What every stage shares: the crawler, its runtime, its stats and its store's writer."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ParamSpec, Self, TypeVar

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.stores import store_uri
from opinion_spiders.stores.writer import StoreWriter, writer_for

P = ParamSpec("P")
T = TypeVar("T")


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

    @cached_property
    def writer(self) -> StoreWriter:
        """The writer thread of this crawl's store, shared with the other crawlers on it."""
        return writer_for(store_uri(self.crawler.settings))

    async def in_writer(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on the store's writer thread (store calls never run on the reactor)."""
        return await self.writer.call(fn, *args, **kwargs)
