"""The shared run of the distributed mode on a real Redis, without a crawl: who gets which
request, when a run is over, what happens to the work of a process that died; and the
components' settings."""

from __future__ import annotations

import time

import pytest
import redis
from scrapy import Request, Spider
from scrapy.core.engine import ExecutionEngine
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from opinion_spiders.crawling.addons import SCHEDULER, DistributedAddon
from opinion_spiders.crawling.distributed import RedisScheduler, site_key
from opinion_spiders.crawling.redis_run import SharedRun, check_url, safe_url
from opinion_spiders.errors import ConfigError
from opinion_spiders.sites import Site
from servers.ferretdb import free_port
from servers.redis_server import RedisServer

BASE = "opinion:{forum:test-site:0123456789}"


def _run(url: str, worker: str, timeout: float = 30.0) -> SharedRun:
    return SharedRun(redis.Redis.from_url(url), BASE, worker, timeout)


def _drain(run: SharedRun) -> list[bytes]:
    out = []
    while (payload := run.pop()) is not None:
        out.append(payload)
    return out


def test_shared_run_gives_each_request_to_one_process(redis_url: str) -> None:
    """Priority first, then first in first out; two processes never get the same request."""
    a, b = _run(redis_url, "a"), _run(redis_url, "b")
    assert a.join() == b.join() == "1"
    for n in range(6):
        a.push(f"req{n}".encode(), priority=0)
    a.push(b"urgent", priority=5)
    taken = [a.pop(), b.pop(), a.pop()] + _drain(b)
    assert taken == [b"urgent", b"req0", b"req1", b"req2", b"req3", b"req4", b"req5"]
    assert a.offer(b"page", 0, "fp1") and not b.offer(b"page", 0, "fp1")
    assert b.pop() == b"page" and a.pop() is None


def test_shared_run_is_over_only_when_queue_empty_and_nobody_busy(redis_url: str) -> None:
    a, b = _run(redis_url, "a"), _run(redis_url, "b")
    a.join(), b.join()
    a.push(b"listing", priority=0)
    assert a.pop() == b"listing"
    assert not b.idle(), "a is still working on the listing and may queue threads"
    a.push(b"thread", priority=0)
    assert not a.idle(), "a thread is queued"
    assert b.pop() == b"thread" and not a.idle()
    assert b.idle() and a.idle()
    assert not a.leave() and b.leave()
    client = redis.Redis.from_url(redis_url)
    assert sorted(client.keys("*")) == [f"{BASE}:runs".encode(), f"{BASE}:seq".encode()]


def test_shared_run_after_the_end_starts_afresh(redis_url: str) -> None:
    """A later run reads listings again: its seen set starts empty."""
    a = _run(redis_url, "a")
    a.join()
    assert a.offer(b"listing", 0, "listing-page-1") and a.pop() == b"listing"
    assert a.idle() and a.leave()
    c = _run(redis_url, "c")
    assert c.join() == "2" and c.queued() == 0
    assert c.offer(b"listing", 0, "listing-page-1") and c.queued() == 1


def test_shared_run_is_not_over_while_a_seen_request_waits_to_be_queued_or_run(
    redis_url: str,
) -> None:
    """Two processes start together and both offer the site's start page: whichever offered it
    first has it queued in the same step, so the other can never find the run empty with
    nobody busy and end it before it began (it did when seen and queued were two steps)."""
    a, b = _run(redis_url, "a"), _run(redis_url, "b")
    a.join(), b.join()
    assert a.offer(b"start", 0, "start-page") and not b.offer(b"start", 0, "start-page")
    assert not b.idle(), "the start page is queued"
    assert b.offer(b"start", 0, None) and b.queued() == 2, "not to be filtered: queued again"
    assert _drain(b) == [b"start", b"start"] and not a.idle() and b.idle()
    # a request only one process can run (no payload) makes that process busy until it idles
    c, d = _run(redis_url, "c"), _run(redis_url, "d")
    assert c.join() == d.join() == "2"
    assert c.offer(None, 0, "local-only") and c.queued() == 0
    assert not d.offer(None, 0, "local-only")
    assert not d.idle(), "c holds a request of this run"
    assert c.idle() and d.idle()


def test_shared_run_joining_while_it_ends_starts_a_new_one(redis_url: str) -> None:
    a = _run(redis_url, "a")
    a.join()
    assert a.idle()  # over, but a has not left yet
    c = _run(redis_url, "c")
    assert c.join() == "2"
    c.push(b"start", priority=0)
    assert a.leave(), "a was the last of run 1: its keys go"
    assert redis.Redis.from_url(redis_url).get(f"{BASE}:run") == b"2"
    assert c.pop() == b"start" and c.idle()


def test_shared_run_dead_process_work_goes_back_to_the_queue(redis_url: str) -> None:
    """Everything a dead process took is fetched again (its posts may not have been stored)."""
    a, b = _run(redis_url, "a", timeout=1.0), _run(redis_url, "b", timeout=1.0)
    a.join(), b.join()
    for n in range(3):
        a.push(f"req{n}".encode(), priority=0)
    assert a.pop() == b"req0"
    assert a.idle() is False  # done with req0, but req1 and req2 are queued
    assert a.pop() == b"req1"  # ... and then a dies without a word
    b.beat()
    time.sleep(1.2)
    assert not b.idle() and b.requeued == 2
    assert _drain(b) == [b"req0", b"req1", b"req2"]
    assert b.idle() and b.leave()


def test_shared_run_with_only_dead_processes_is_abandoned(redis_url: str) -> None:
    a = _run(redis_url, "a", timeout=1.0)
    a.join()
    a.push(b"left-behind", priority=0)
    time.sleep(1.2)
    c = _run(redis_url, "c")
    assert c.join() == "2" and c.queued() == 0


def test_site_key_differs_by_spider_site_and_definition() -> None:
    forum = Site("f", "forum", "discuz", ("http://a/forum.php",))
    keys = {
        site_key("forum", forum),
        site_key("forum", Site("g", "forum", "discuz", ("http://a/forum.php",))),
        site_key("forum", Site("f", "forum", "discuz", ("http://b/forum.php",))),
        site_key("postbar", forum),
    }
    assert len(keys) == 4
    assert site_key("forum", forum) == site_key("forum", forum)
    assert site_key("forum", forum).startswith("opinion:{forum:f:")
    # a site's search is part of its definition; two that only search differ by it
    searching = Site("s", "portal", "portal", (), search_urls=("http://a/s?q={query}",))
    other = Site("s", "portal", "portal", (), search_urls=("http://b/s?q={query}",))
    assert site_key("forum", searching) != site_key("forum", other)


def test_redis_url_errors_name_the_url_and_hide_the_password() -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(ConfigError) as err:
        check_url(url)
    message = str(err.value)
    assert message.startswith("OPINION_REDIS_URL: redis://:***@127.0.0.1:")
    assert "s3cret" not in message and "check that redis-server runs" in message
    assert "\n" not in message
    with pytest.raises(ConfigError, match="not a Redis URL"):
        check_url("http://127.0.0.1:6379/")
    assert safe_url("redis://u:p@h:1/2") == "redis://u:***@h:1/2"


def test_redis_addon_switches_the_scheduler_only_when_a_url_is_set(redis_url: str) -> None:
    off = Settings({"SCHEDULER": "scrapy.core.scheduler.Scheduler"})
    DistributedAddon().update_settings(off)
    assert off["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    on = Settings({"OPINION_REDIS_URL": redis_url})
    DistributedAddon().update_settings(on)
    assert on["SCHEDULER"] == SCHEDULER
    with pytest.raises(ConfigError, match="needs OPINION_REDIS_URL"):
        RedisScheduler.from_crawler(get_crawler(settings_dict={}))
    scheduler = RedisScheduler.from_crawler(
        get_crawler(settings_dict={"OPINION_REDIS_URL": redis_url})
    )
    assert scheduler.url == redis_url and not scheduler.has_pending_requests()


def test_redis_scheduler_counts_the_requests_lost_with_redis() -> None:
    """Redis gone mid-crawl: a request the process can neither queue nor give back (new links,
    one it took and had not started) is counted in ``opinion/redis/dropped``."""
    with RedisServer() as server:
        crawler = get_crawler(Spider, settings_dict={"OPINION_REDIS_URL": server.url})
        crawler.engine = ExecutionEngine(crawler, lambda _spider: None)  # not crawling
        scheduler = RedisScheduler.from_crawler(crawler)
        scheduler.open(Spider("lost"))
        assert scheduler.enqueue_request(Request("http://a.test/1"))
        assert scheduler.run is not None and scheduler.run.pop() is not None
        scheduler.local.append(Request("http://a.test/1"))  # taken; Redis goes before it starts
    assert not scheduler.enqueue_request(Request("http://a.test/2"))
    assert scheduler.failed.startswith("lost Redis")
    assert not scheduler.enqueue_request(Request("http://a.test/3"))
    scheduler.close("redis_unavailable")
    assert crawler.stats is not None
    assert crawler.stats.get_value("opinion/redis/dropped") == 3
    assert crawler.stats.get_value("opinion/redis/enqueued") == 1
