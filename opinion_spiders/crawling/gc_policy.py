"""Python's garbage collector tuned for a long crawl: what start-up built is frozen out of
its sweeps, and the youngest sweep runs every ``OPINION_GC_THRESHOLD`` new objects instead
of every 700.

Why: a crawl keeps growing state (the event detector's ~70 counts a post, the in-run
indexes) and makes many short-lived objects a page; with Python's defaults the collector
took about a third of the event detector's per-post CPU on a 13k-post replay (4.1 → 2.6 s
with a threshold of 10,000), and with 10,000 a third of the crawl process's sweep time still
went on the middle generation: 100,000 took the crawl process's sweeps on ``bench.site``'s
3,179 pages from 0.90–1.02 to 0.33–0.44 s (the page worker's and the events process's stay
under 0.2 s either way). Freezing what exists once the spiders are open (Scrapy,
lxml, the dictionary, the rules) keeps the full sweeps to what the crawl made; the freeze
sweeps the young generations first, not the oldest (a full sweep then cost the crawl process
70 ms before its first request), so start-up's few old cycles (~600 objects) stay. Nothing
else is collected later than it would be by reference counting: only cycles wait a little
longer.
Frozen objects are never swept, so this fits a process that runs one crawl (``opinion crawl``,
a scrapyd job, the page workers), as the project's do; one that ran crawl after crawl would
freeze the cyclic leftovers of the earlier ones (set ``OPINION_GC_THRESHOLD = 0`` there).

And the memory freed is given back: every minute of a crawl, glibc's ``malloc_trim`` returns
the free pages malloc holds to the system (:func:`malloc_trim`, whatever the threshold).
"""

from __future__ import annotations

import ctypes
import gc
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opinion_spiders.config import config_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
#: Objects allocated (less those freed) between two sweeps of the youngest generation.
DEFAULT_THRESHOLD = 100_000
#: Seconds between two returns of malloc's free memory to the system.
TRIM_INTERVAL = 60.0
#: malloc arenas the threads of a crawl process share (glibc's ``M_ARENA_MAX``, option -8).
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8


def malloc_trim() -> Callable[[], int] | None:
    """glibc's ``malloc_trim(0)``, which gives the system back the free pages malloc holds in
    every arena (None elsewhere). A long crawl frees big temporary buffers (an event look's
    arrays and lists, the store's batches) on several threads; glibc keeps the freed pages, so
    the anonymous memory crept up between looks while the live data did not (bench.memory:
    malloc's free memory 14 -> 170 MB from 50,000 to 100,000 posts)."""
    trim = _glibc("malloc_trim", [ctypes.c_size_t])
    return None if trim is None else (lambda: int(trim(0)))


def limit_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """glibc's ``mallopt(M_ARENA_MAX, arenas)``: the threads of the process share that many
    malloc arenas instead of up to 8 per core, so memory one thread freed serves the next
    allocation of another (a crawl allocates on the reactor thread, the store's writer thread
    and the worker threads). Takes effect for arenas not made yet; False where it cannot."""
    mallopt = _glibc("mallopt", [ctypes.c_int, ctypes.c_int])
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, arenas))


def _glibc(name: str, argtypes: list[Any]) -> Any:
    """glibc's function ``name`` returning an int, or None where there is none."""
    try:
        function = getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = argtypes, ctypes.c_int
    return function


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
    # The young generations' garbage is not frozen; the oldest generation is not swept for
    # it: a full sweep of what start-up built took 70 ms of the crawl process's CPU before
    # its first request, to free ~600 objects (the command line's parsers), frozen instead.
    gc.collect(1)
    gc.freeze()


class GcPolicy:
    """The extension: the threshold when the crawler is made, the freeze when its spider
    opens (each spider of a process freezes what exists by then), and malloc's free memory
    given back every :data:`TRIM_INTERVAL` seconds while it runs (with any threshold)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcPolicy:
        # Scrapy here, not at the top: the page workers and the events process import this
        # module for collect_less, and without Scrapy and Twisted they start 0.2 s sooner.
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        threshold = config_of(crawler.settings).gc_threshold
        limit_arenas()
        policy = cls(freeze=threshold > 0)
        if threshold == 0 and policy.trim is None:
            raise NotConfigured("OPINION_GC_THRESHOLD is 0: Python's own collector settings")
        if threshold > 0:
            apply_threshold(threshold)
        crawler.signals.connect(policy.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(policy.spider_closed, signal=signals.spider_closed)
        return policy

    def __init__(self, freeze: bool = True) -> None:
        self.freeze = freeze
        self.trim = malloc_trim()
        self.trimming: Any = None

    def spider_opened(self) -> None:
        if self.freeze:
            _freeze()
        if self.trim is not None:
            from twisted.internet import task

            self.trimming = task.LoopingCall(self.trim)
            self.trimming.start(TRIM_INTERVAL, now=False)

    def spider_closed(self) -> None:
        if self.trimming is not None and self.trimming.running:
            self.trimming.stop()
