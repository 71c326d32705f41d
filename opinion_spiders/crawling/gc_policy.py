"""Python's garbage collector tuned for a long crawl: what start-up built is frozen out of
its sweeps, and the youngest sweep runs every ``OPINION_GC_THRESHOLD`` new objects instead
of every 700.

Why: a crawl keeps growing state (the event detector's ~70 counts a post, the in-run
indexes) and makes many short-lived objects a page; with Python's defaults the collector
took about a third of the event detector's per-post CPU on a 13k-post replay (4.1 → 2.6 s
with a threshold of 10,000). Freezing what exists once the spiders are open (Scrapy,
lxml, the dictionary, the rules) keeps the full sweeps to what the crawl made. Nothing is
collected later than it would be by reference counting: only cycles wait a little longer.
Frozen objects are never swept, so this fits a process that runs one crawl (``opinion crawl``,
a scrapyd job, the page workers), as the project's do; one that ran crawl after crawl would
freeze the cyclic leftovers of the earlier ones (set ``OPINION_GC_THRESHOLD = 0`` there).
"""

from __future__ import annotations

import gc
import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.config import config_of

logger = logging.getLogger(__name__)
#: Objects allocated (less those freed) between two sweeps of the youngest generation.
DEFAULT_THRESHOLD = 10_000


def apply_threshold(threshold: int) -> None:
    """Sweep the youngest generation every ``threshold`` objects (the older ones as before)."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(threshold, middle, oldest)


def collect_less(threshold: int) -> None:
    """The policy in a process that is no crawler (a page worker), once it has started:
    ``threshold`` as the checked setting gives it (0: Python's own settings)."""
    if threshold > 0:
        apply_threshold(threshold)
        _freeze()


def _freeze() -> None:
    gc.collect()  # what start-up left as garbage is not frozen
    gc.freeze()


class GcPolicy:
    """The extension: the threshold when the crawler is made, the freeze when its spider
    opens (each spider of a process freezes what exists by then)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcPolicy:
        threshold = config_of(crawler.settings).gc_threshold
        if threshold == 0:
            raise NotConfigured("OPINION_GC_THRESHOLD is 0: Python's own collector settings")
        apply_threshold(threshold)
        policy = cls()
        crawler.signals.connect(policy.spider_opened, signal=signals.spider_opened)
        return policy

    def spider_opened(self) -> None:
        _freeze()
