"""The crawl's garbage-collector policy: a higher youngest threshold, start-up frozen."""

from __future__ import annotations

import ctypes
import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.config import load_config
from opinion_spiders.crawling.gc_policy import (
    DEFAULT_THRESHOLD,
    GcPolicy,
    collect_less,
    limit_arenas,
    malloc_trim,
)


@pytest.fixture(autouse=True)
def _gc_as_it_was() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_gc_policy_raises_the_threshold_and_freezes_start_up_when_a_spider_opens() -> None:
    gc.set_threshold(700, 10, 10)
    policy = GcPolicy.from_crawler(get_crawler())
    assert gc.get_threshold() == (DEFAULT_THRESHOLD, 10, 10)
    assert gc.get_freeze_count() == 0
    policy.spider_opened()
    assert gc.get_freeze_count() > 1000  # Scrapy, the settings … are out of the sweeps


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_the_freeze_frees_the_young_garbage_rather_than_keep_it_for_ever() -> None:
    """The freeze sweeps the young generations first (a full sweep of start-up cost the crawl
    process 70 ms before its first request): garbage made since the last sweeps is freed,
    not frozen."""
    policy = GcPolicy.from_crawler(get_crawler())  # youngest swept every 100,000 objects
    node = _Node()
    gone = weakref.ref(node)
    del node
    policy.spider_opened()
    assert gc.get_freeze_count() > 1000
    assert gone() is None


def test_gc_policy_leaves_the_collector_alone_at_zero_and_says_what_is_wrong_below() -> None:
    gc.set_threshold(700, 10, 10)
    policy = GcPolicy.from_crawler(get_crawler(settings_dict={"OPINION_GC_THRESHOLD": 0}))
    policy.spider_opened()
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
    assert policy.trimming is not None and policy.trimming.running  # glibc: still trims
    policy.spider_closed()
    assert not policy.trimming.running
    with pytest.raises(
        ValueError,
        match=r"OPINION_GC_THRESHOLD: -1 is not a count of objects \(0: Python's own settings\); write e.g. 10000",
    ):
        GcPolicy.from_crawler(get_crawler(settings_dict={"OPINION_GC_THRESHOLD": -1}))


def test_gc_policy_in_a_page_worker_follows_the_setting() -> None:
    gc.set_threshold(700, 10, 10)
    collect_less(load_config({"OPINION_GC_THRESHOLD": "0"}).gc_threshold)
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
    collect_less(load_config({"OPINION_GC_THRESHOLD": "5000"}).gc_threshold)
    assert gc.get_threshold() == (5000, 10, 10) and gc.get_freeze_count() > 0


def _anon_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("RssAnon:"))


def test_malloc_trim_gives_back_the_free_pages_malloc_keeps() -> None:
    """128 MB in 64 kB blocks, all freed but the last (which keeps the heap from shrinking
    by itself): the memory stays with the process until the trim."""
    trim = malloc_trim()
    assert trim is not None, "glibc's malloc_trim: the crawl's memory policy needs it here"
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(2000)]
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    for block in blocks[:-1]:
        libc.free(block)
    held = _anon_mb()
    trim()
    assert _anon_mb() < held - 100
    libc.free(blocks[-1])


def test_limit_arenas_is_taken_by_glibc() -> None:
    """The crawl's threads share 2 malloc arenas (mallopt answers 1 when it took the value)."""
    assert limit_arenas() is True


def test_the_crawls_child_processes_start_without_scrapy() -> None:
    """A page worker and the events process import this module (``collect_less``) but not
    Scrapy or Twisted: with them, a worker took 0.2 s more to start, while its crawl waited
    for the first pages to be read. Their modules and a runtime built from the project's
    settings, in a fresh interpreter."""
    code = (
        "import sys, settings\n"
        "import opinion_spiders.crawling.page_workers.__main__ as worker\n"
        "import opinion_spiders.crawling.events_process.__main__\n"
        "from opinion_spiders.runtime import Runtime\n"
        "runtime = Runtime({k: getattr(settings, k) for k in dir(settings) if k.isupper()})\n"
        "worker.warm_up(runtime)\n"
        "print(sorted(m for m in ('scrapy', 'twisted') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
