"""The crawl's stats collector: Scrapy's in-memory one with plain attribute access."""

from __future__ import annotations

import warnings

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from opinion_spiders.crawling.runner import project_settings
from opinion_spiders.crawling.stats_collector import CrawlStatsCollector


def test_stats_collector_counts_as_scrapys_and_is_the_crawls() -> None:
    assert load_object(project_settings()["STATS_CLASS"]) is CrawlStatsCollector
    stats = CrawlStatsCollector(get_crawler())
    assert isinstance(stats, MemoryStatsCollector)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation shim in the way
        stats.inc_value("opinion/pages")
        stats.inc_value("opinion/pages", 2)
        stats.inc_value("opinion/posts", start=10)
        stats.max_value("peak", 3)
        stats.max_value("peak", 1)
        stats.min_value("low", 5)
        stats.min_value("low", 7)
        stats.set_value("reason", "finished")
    assert stats.get_stats() == {
        "opinion/pages": 3, "opinion/posts": 11, "peak": 3, "low": 5, "reason": "finished",
    }  # fmt: skip
    assert stats.get_value("missing", 0) == 0
