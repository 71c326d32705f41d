"""Distributed mode as a user runs it: several `opinion crawl` processes started at the same time,
sharing one Redis (``OPINION_REDIS_URL``) and one store, against the demo forum and portal."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis

from opinion_spiders.demo.server import DemoServer
from opinion_spiders.stores import Store, open_store
from servers.ferretdb import free_port
from servers.redis_server import RedisServer
from tests._proc import BIN, ROOT, run_opinion
from tests.fault_runs import Crawl, start_crawl

SITES = ("demo-forum", "demo-portal")
SUMMED = ("opinion/pages", "opinion/pages/thread", "opinion/pages/article", "opinion/store/written")
DONE = re.compile(r"done (\S+): (\d+) pages, (\d+) posts")
CONTENT_PAGE = re.compile(r"Crawled \(200\) <GET \S+(?:viewthread|/article/)")
FETCHED = re.compile(r"^(\S+ \S+) \S+ DEBUG: Crawled \(200\) <GET \S+viewthread", re.MULTILINE)
#: Log lines with milliseconds, to time the fetches.
MS_LOG = ("-s", "LOG_FORMAT=%(asctime)s.%(msecs)03d [%(name)s] %(levelname)s: %(message)s")
#: Slower pages, so that a process started a moment later still finds work to share.
SLOW = ("-s", "DOWNLOAD_DELAY=0.2")


def _pages(crawl: Crawl) -> int:
    return sum(int(m.group(2)) for m in DONE.finditer(crawl.log()))


def _together(folder: Path, env: dict[str, str], *args: str, count: int = 2) -> list[Crawl]:
    """``count`` processes started at once; each must finish cleanly."""
    crawls = [start_crawl(folder, f"p{n}", env, *SITES, *args) for n in range(count)]
    for crawl in crawls:
        code, log = crawl.finish()
        assert code == 0, log[-5000:]
    return crawls


def _wait_for_content_pages(crawl: Crawl, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(CONTENT_PAGE.findall(crawl.log())) < count:
        assert crawl.proc.poll() is None, f"the crawl ended early:\n{crawl.log()[-3000:]}"
        assert time.monotonic() < deadline, f"no {count} pages in {timeout}s"
        time.sleep(0.1)


def _summed(runs: list[dict[str, Any]]) -> Counter[str]:
    return Counter({k: sum(int(r["stats"].get(k, 0)) for r in runs) for k in SUMMED})


def _story_alerts(store: Store) -> set[str]:
    """The alerts on threads and clusters. Not the event (burst) alerts: each process counts
    bursts in the posts it crawled, so those depend on how the work was split."""
    return {a["_id"] for a in store.find_alerts(limit=1000) if not a["_id"].startswith("event:")}


def _env(store: str, demo: str, redis_url: str) -> dict[str, str]:
    return {"OPINION_STORE": store, "OPINION_DEMO_URL": demo, "OPINION_REDIS_URL": redis_url}


@pytest.fixture(scope="module")
def alone(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One process alone, without Redis: what it fetches and stores from the session's demo."""
    uri = f"embedded://{tmp_path_factory.mktemp('alone') / 'store'}"
    run_opinion("crawl", *SITES, env=_env(uri, demo_url, ""))
    store = open_store(uri)
    try:
        runs = store.find_runs(limit=100)
        return {
            "posts": store.count("posts"),
            "alerts": store.count("alerts"),
            "stories": _story_alerts(store),
            "stats": _summed(runs),
            "forum": _summed([r for r in runs if r["site"] == "demo-forum"]),
        }
    finally:
        store.close()


def test_distributed_two_processes_fetch_each_page_once(
    demo_url: str, mongo_uri: str, redis_url: str, alone: dict[str, Any], tmp_path: Path
) -> None:
    """Into one MongoDB: every post stored once, every page fetched once across both."""
    uri = f"{mongo_uri.rstrip('/')}/dist_{uuid.uuid4().hex[:10]}"
    store = open_store(uri)
    # no ensure_schema() first: both processes create the fresh database's collections at once
    crawls = _together(tmp_path, _env(uri, demo_url, redis_url), *SLOW)
    try:
        assert store.count("posts") == alone["posts"] > 100
        assert _story_alerts(store) == alone["stories"] != set()
        runs = store.find_runs(limit=100)
    finally:
        store.close()
    assert sorted(r["site"] for r in runs) == sorted(SITES * 2)
    assert {r["finish_reason"] for r in runs} == {"finished"}
    assert {r["stats"]["opinion/redis/run"] for r in runs} == {1}
    assert _summed(runs) == alone["stats"], "each page once, each post written once"
    assert all(_pages(crawl) > 0 for crawl in crawls), "both processes did part of the work"
    assert redis.Redis.from_url(redis_url).keys("*:run:*") == []


def _fetch_times(crawl: Crawl) -> list[float]:
    """When each content page was fetched (log lines carry milliseconds, see MS_LOG)."""
    stamps = [m.group(1) for m in FETCHED.finditer(crawl.log())]
    return [datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f").timestamp() for s in stamps]


def test_distributed_second_process_joining_a_run_under_way_takes_its_share(
    demo_url: str, redis_url: str, alone: dict[str, Any], tmp_path: Path
) -> None:
    """The second process joins once the first is fetching threads; each time (three runs) both
    fetch threads, neither sits idle while the other still holds work it has not started, and
    each page is fetched once. (A process used to take the whole shared queue at once, up to
    CONCURRENT_REQUESTS, and work through it at the site's pace while the other waited.)"""
    client = redis.Redis.from_url(redis_url)
    args = ("demo-forum", "-s", "DOWNLOAD_DELAY=0.4", "-s", "LOG_LEVEL=DEBUG", *MS_LOG)
    for number in range(3):
        uri = f"embedded://{tmp_path / f'store{number}'}"
        env = _env(uri, demo_url, redis_url)
        first = start_crawl(tmp_path / str(number), "first", env, *args)
        _wait_for_content_pages(first, 1)
        second = start_crawl(tmp_path / str(number), "second", env, *args)
        for crawl in (first, second):
            code, log = crawl.finish()
            assert code == 0, log[-5000:]
        times = [_fetch_times(crawl) for crawl in (first, second)]
        assert all(times), f"run {number}: each process fetched threads: {list(map(len, times))}"
        end = max(max(t) for t in times)
        # from its first thread to the run's last one, each process fetches at the site's pace
        # (0.4 s; the other holds at most the one request it is about to start) — on a loaded
        # machine at the pace the two reach: a gap is at most 2.5 s or five of their usual
        # gaps (the fault this catches left one process idle for the rest of the run)
        gaps = sorted(b - a for t in times for a, b in itertools.pairwise(t))
        allowed = max(2.5, 5 * gaps[len(gaps) // 2]) if gaps else 2.5
        idle = max(b - a for t in times for a, b in itertools.pairwise([*t, end]))
        assert idle < allowed, f"run {number}: a process waited {idle:.1f}s for work"
        store = open_store(uri)
        try:
            posts = store.count("posts")
            runs = store.find_runs(limit=10)
        finally:
            store.close()
        assert _summed(runs) == alone["forum"], "each page once, each post written once"
        assert posts == alone["forum"]["opinion/store/written"]
        assert client.keys("*:run:*") == []


def _add_post(server: DemoServer, fields: dict[str, str]) -> None:
    body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"{server.base_url}/admin/posts", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201


def test_distributed_next_run_reads_listings_again_and_finds_new_posts(
    fresh_demo_server: DemoServer, redis_url: str, tmp_path: Path
) -> None:
    """The shared seen set lasts one run: the next run re-reads listings, and the bookmarks in
    the (embedded, shared) store decide which threads are walked again."""
    uri = f"embedded://{tmp_path / 'store'}"
    env = _env(uri, fresh_demo_server.base_url, redis_url)
    _together(tmp_path / "first", env)
    store: Store = open_store(uri)
    try:
        total = store.count("posts")
        first = store.find_runs(limit=100)
        thread = next(p for p in store.find_posts(limit=500) if p["site"] == "demo-forum")
        _add_post(fresh_demo_server, {"target": "forum", "thread": thread["thread_id"],
                                      "content": "分布式回帖：楼主说的拆迁补偿问题我也遇到了。"})  # fmt: skip
        _add_post(fresh_demo_server, {"target": "portal", "title": "分布式测试通知",
                                      "content": "关于开展分布式采集测试工作的通知全文。"})  # fmt: skip
        _together(tmp_path / "second", env)
        assert store.count("posts") == total + 2
        posts = store.find_posts(limit=5000)
        assert any("分布式回帖" in p["content"] for p in posts)
        assert any(p["title"] == "分布式测试通知" for p in posts)
        runs = store.find_runs(limit=100)
    finally:
        store.close()
    # Each process records a run of each site. Two processes started together on a slow
    # machine may not share a site's run: one may finish the small portal before the other
    # joins it, which then opens the next shared run. So the rounds are told by their runs,
    # and each site's second round reads under a shared run after the first round's.
    second = [r for r in runs if r["_id"] not in {f["_id"] for f in first}]
    assert len(first) == len(second) == 4
    for site in SITES:
        numbers = [[r["stats"]["opinion/redis/run"] for r in rs if r["site"] == site]
                   for rs in (first, second)]  # fmt: skip
        assert min(numbers[1]) > max(numbers[0]), f"{site}: a new shared run, {numbers}"
    for site in SITES:
        listings = [r["stats"].get("opinion/pages/index", 0) for r in second if r["site"] == site]
        assert sum(listings) >= 1, f"{site}: listings read again in the second run"
    content = ("opinion/pages/thread", "opinion/pages/article")
    again = sum(_summed(second)[k] for k in content)
    assert 0 < again < sum(_summed(first)[k] for k in content), "only changed threads walked"
    assert sum(r["stats"].get("opinion/incremental/skipped", 0) for r in second) > 0


def test_distributed_dead_process_leaves_its_requests_to_the_other(
    demo_url: str, redis_url: str, alone: dict[str, Any], tmp_path: Path
) -> None:
    """One of two processes is killed mid-crawl (SIGKILL): the other takes over what it had
    queued and what it had taken, and every post still reaches the store."""
    uri = f"embedded://{tmp_path / 'store'}"
    env = _env(uri, demo_url, redis_url)
    slow = (*SITES, *SLOW, "-s", "OPINION_REDIS_WORKER_TIMEOUT=3")
    victim = start_crawl(tmp_path, "victim", env, *slow, "-s", "LOG_LEVEL=DEBUG")
    survivor = start_crawl(tmp_path, "survivor", env, *slow)
    _wait_for_content_pages(victim, 3)
    victim.proc.kill()
    victim.proc.wait(timeout=30)
    code, log = survivor.finish()
    assert code == 0, log[-5000:]
    store = open_store(uri)
    try:
        assert store.count("posts") == alone["posts"]
        runs = store.find_runs(limit=100)
    finally:
        store.close()
    assert sorted(r["site"] for r in runs) == sorted(SITES), "the killed process recorded none"
    assert sum(r["stats"].get("opinion/redis/requeued", 0) for r in runs) > 0


def test_distributed_unreachable_redis_stops_the_crawl_at_start(
    demo_url: str, tmp_path: Path
) -> None:
    """`opinion crawl`: one line naming the URL and what to check, exit 2. `scrapy crawl` (as
    scrapyd runs it): one error line, and the run is recorded as stopped for that reason."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    uri = f"embedded://{tmp_path / 'store'}"
    env = _env(uri, demo_url, url)
    proc = run_opinion("crawl", "demo-forum", env=env, check=False, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"opinion: error: OPINION_REDIS_URL: {url}: ")
    assert "check that redis-server runs there" in lines[0]

    scrapy = subprocess.run(
        [str(BIN / "scrapy"), "crawl", "forum", "-a", "site=demo-forum"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    errors = [line for line in scrapy.stderr.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1 and f"OPINION_REDIS_URL {url}: Redis does not answer" in errors[0]
    assert "Traceback" not in scrapy.stderr
    store = open_store(uri)
    try:
        runs = store.find_runs(limit=10)
        assert [r["finish_reason"] for r in runs] == ["redis_unavailable"]
        assert store.count("posts") == 0
    finally:
        store.close()


def test_distributed_redis_lost_midway_keeps_what_was_collected(
    demo_url: str, tmp_path: Path
) -> None:
    """Redis stops mid-crawl: the crawl stops with one error line and exit 1, and every post
    it had parsed is in the store."""
    uri = f"embedded://{tmp_path / 'store'}"
    with RedisServer() as server:
        env = _env(uri, demo_url, server.url)
        crawl = start_crawl(tmp_path, "lost", env, "demo-forum", *SLOW, "-s", "LOG_LEVEL=DEBUG")
        _wait_for_content_pages(crawl, 3)
    code, log = crawl.finish()
    assert code == 1, log[-3000:]
    errors = [line for line in log.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1 and "lost Redis redis://127.0.0.1:" in errors[0], errors
    assert "Traceback" not in log
    store = open_store(uri)
    try:
        (run,) = store.find_runs(limit=10)
        assert run["finish_reason"] == "redis_unavailable"
        assert store.count("posts") == run["stats"]["opinion/store/written"] > 0
    finally:
        store.close()
