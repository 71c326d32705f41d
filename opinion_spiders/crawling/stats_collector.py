"""The crawl's stats collector (``STATS_CLASS``): Scrapy's in-memory one, less the cost of
its deprecation shim.

Scrapy's ``StatsCollector.__getattribute__`` wraps its methods to warn about a ``spider``
argument, and runs for every attribute read on the collector, ``self._stats`` inside each
method included (a failed lookup, an exception caught, each time): ~1.8 µs for an
``inc_value`` that is a dict update, and a crawl counts several stats for every post and
page on the thread that sets its pace (~120,000 calls in a 3,000-page crawl). Here attribute
reads are Python's own (0.13 µs an ``inc_value``); the methods are Scrapy's, and a
``spider`` argument is still accepted (and ignored, as Scrapy's ignore it), without the
warning.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class CrawlStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` with plain attribute access."""

    __getattribute__ = object.__getattribute__
