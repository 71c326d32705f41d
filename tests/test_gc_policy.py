"""The crawl's garbage-collector policy: a higher youngest threshold, start-up frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from opinion_spiders.config import load_config
from opinion_spiders.crawling.gc_policy import DEFAULT_THRESHOLD, GcPolicy, collect_less


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


def test_gc_policy_is_off_at_zero_and_says_what_is_wrong_below() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(NotConfigured):
        GcPolicy.from_crawler(get_crawler(settings_dict={"OPINION_GC_THRESHOLD": 0}))
    assert gc.get_threshold() == (700, 10, 10)
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
