"""Page workers: the crawl's pages read, and their posts' own work done, in processes of their
own — with the same posts stored as when the crawl reads its pages itself, a worker that dies
costing only the page it was reading, and a crawl that reads its pages itself when no worker
can run."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.crawling.page_workers import (
    AHEAD,
    Fetched,
    Outcome,
    PageWorkers,
    pool,
    start_workers_early,
    stop_early_workers,
    worker_count,
)
from opinion_spiders.crawling.page_workers.pool import MAX_RESTARTS
from opinion_spiders.demo.server import DemoServer
from opinion_spiders.errors import ConfigError
from opinion_spiders.plugin_manager import builtin_plugins
from opinion_spiders.stores import open_store
from tests._proc import run_opinion

SETTINGS: dict[str, Any] = {
    "OPINION_PLUGINS": [*builtin_plugins(), "tests.worker_plugin"],
    "OPINION_ENTRYPOINTS_ENABLED": False,
    "OPINION_PAGE_WORKERS": 1,
}


TEXT = "城北片区集体土地征收补偿安置方案公示以后，不少村民反映补偿标准偏低，希望街道尽快答复。"


def _page(name: str, text: str = TEXT) -> Fetched:
    body = f"<html><head><title>{name}</title></head><body><p>{text}</p></body></html>"
    return Fetched(
        site="crashing", url=f"http://127.0.0.1:9/t/{name}", role="thread", status=200,
        content_type="text/html; charset=gbk", body=body.encode("gbk"),
    )  # fmt: skip


def _read(*names: str, settings: dict[str, Any] = SETTINGS) -> list[Outcome | None]:
    """Each page read by the workers in turn (a name with ``+`` joins pages sent together)."""

    async def scenario() -> list[Outcome | None]:
        workers = PageWorkers.acquire(settings)
        assert workers is not None
        out: list[Outcome | None] = []
        try:
            for name in names:
                out += await asyncio.gather(*(workers.read(_page(n)) for n in name.split("+")))
        finally:
            await workers.release()
        return out

    return asyncio.run(scenario())


def test_a_worker_reads_the_page_and_does_the_posts_work_ahead() -> None:
    (outcome,) = _read("p1")
    assert outcome is not None and outcome.failure is None and outcome.codec == "gb18030"
    assert outcome.parsed is not None
    (post,) = outcome.parsed.posts
    assert post.content == TEXT
    assert post.ahead == list(AHEAD)
    assert post.id.startswith("crashing:") and post.id.endswith(":p1")
    assert post.content_hash and post.day
    assert "补偿" in post.terms and post.minhash and len(post.minhash_bands) > 1
    assert "ahead" not in post.to_document()


def test_a_worker_that_dies_costs_the_page_it_was_reading_and_is_replaced() -> None:
    first, crashed, sent_with_it, after = _read("p1", "crash+p2", "p3")
    assert first is not None and first.parsed is not None
    assert crashed is not None and crashed.parsed is None and crashed.failure is not None
    assert crashed.failure[0] == "reader_crashed" and "exit status 7" in crashed.failure[1]
    assert sent_with_it is None, "a page queued behind the crash is read by the crawl itself"
    assert after is not None and after.parsed is not None and after.parsed.posts[0].ahead


def test_a_page_that_takes_too_long_costs_that_page_only() -> None:
    settings = {**SETTINGS, "OPINION_PAGE_READ_TIMEOUT": 3}
    started = time.monotonic()
    hung, after = _read("hang", "p1", settings=settings)
    assert time.monotonic() - started < 30, "the worker was stopped, not waited for"
    assert hung is not None and hung.failure is not None
    assert hung.failure[0] == "reader_timeout" and "over 3 s" in hung.failure[1]
    assert after is not None and after.parsed is not None and after.parsed.posts[0].ahead


def test_workers_that_keep_dying_leave_the_pages_to_the_crawl(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crashes = 1 + MAX_RESTARTS  # every worker started dies on its first page
    with caplog.at_level(logging.ERROR):
        *crashed, last = _read(*["crash"] * crashes, "p1")
    assert [o.failure[0] if o and o.failure else o for o in crashed] == ["reader_crashed"] * crashes
    assert last is None
    assert "read in the crawl process from now on" in caplog.text


def test_a_worker_that_cannot_start_leaves_the_pages_to_the_crawl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-sites.toml"
    settings = {**SETTINGS, "OPINION_SITES_FILES": [str(missing)]}
    with caplog.at_level(logging.ERROR):
        assert _read("p1", settings=settings) == [None]
    assert "a page worker did not start" in caplog.text and "no-such-sites.toml" in caplog.text


def test_the_worker_count_setting(caplog: pytest.LogCaptureFixture) -> None:
    assert worker_count({"OPINION_PAGE_WORKERS": "3"}) == 3
    assert worker_count({"OPINION_PAGE_WORKERS": 0}) == 0
    assert 0 <= worker_count({}) <= 4
    with pytest.raises(
        ConfigError,
        match=r"OPINION_PAGE_WORKERS: many is not a count of workers \(0: the crawl reads its pages itself\) or auto",
    ):
        worker_count({"OPINION_PAGE_WORKERS": "many"})
    with pytest.raises(
        ConfigError,
        match=r"OPINION_PAGE_READ_TIMEOUT: -1 is not a number of seconds \(0: no limit\)",
    ):
        PageWorkers.acquire({"OPINION_PAGE_WORKERS": 1, "OPINION_PAGE_READ_TIMEOUT": "-1"})
    assert PageWorkers.acquire({"OPINION_PAGE_WORKERS": 0}) is None
    with caplog.at_level(logging.WARNING):
        assert PageWorkers.acquire({"OPINION_PAGE_WORKERS": 1, "X": lambda: 0}) is None
    assert "settings cannot be handed to a page worker" in caplog.text


def test_crawlers_with_the_same_project_settings_share_their_workers() -> None:
    """``opinion crawl A B``: a site that renders keeps Scrapy's browser handler, another does
    not, and both hand their pages to the same workers; other project settings, other ones."""
    forum = PageWorkers.acquire({**SETTINGS, "DOWNLOAD_HANDLERS": {}})
    bar = PageWorkers.acquire({**SETTINGS, "DOWNLOAD_HANDLERS": {"http": "playwright"}})
    other = PageWorkers.acquire({**SETTINGS, "OPINION_FULL_RECRAWL": True})
    assert forum is not None and other is not None
    assert bar is forum and forum.users == 2 and other is not forum

    async def release() -> None:
        for workers in (forum, bar, other):
            await workers.release()

    asyncio.run(release())
    again = PageWorkers.acquire(SETTINGS)
    assert again is not None and again is not forum, "the last crawler stopped them"
    asyncio.run(again.release())


def _stored(base: Path, server: DemoServer, workers: int) -> tuple[dict[str, Any], dict[str, Any]]:
    uri = f"embedded://{base / f'workers{workers}'}"
    env = {"OPINION_STORE": uri, "OPINION_DEMO_URL": server.base_url}
    run_opinion("crawl", "demo-forum", "demo-portal", "-s", f"OPINION_PAGE_WORKERS={workers}",
                env=env, timeout=300)  # fmt: skip
    store = open_store(uri)
    try:
        # The cluster fields follow which copy was crawled first, which timing decides.
        skip = {"crawled_at", "first_seen_at", "last_seen_at", "cluster_id", "cluster_size",
                "cluster_sites", "cluster_first_id", "alert", "score", "contributions"}  # fmt: skip
        posts = {p["_id"]: {k: v for k, v in p.items() if k not in skip}
                 for p in store.find_posts(sort="time", limit=10_000)}  # fmt: skip
        stats: dict[str, Any] = {}
        for run in store.find_runs(limit=10):
            for key, value in run["stats"].items():
                stats[key] = stats.get(key, 0) + value
    finally:
        store.close()
    return posts, stats


def test_a_crawl_stores_the_same_posts_with_and_without_page_workers(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    alone, alone_stats = _stored(tmp_path, demo_server, 0)
    helped, helped_stats = _stored(tmp_path, demo_server, 1)
    assert len(alone) > 50 and alone == helped
    assert "opinion/page_workers/pages" not in alone_stats
    assert helped_stats["opinion/page_workers/pages"] == helped_stats["opinion/pages"]
    counted = ("opinion/pages", "opinion/yield/posts", "item_scraped_count")
    assert {k: alone_stats.get(k) for k in counted} == {k: helped_stats.get(k) for k in counted}


def _children(name: str) -> list[int]:
    """This process's live children running ``name`` (zombies are not running)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and name in cmdline:
            found.append(int(proc.name))
    return found


def _children_once_started(name: str, wait: float = 10.0) -> list[int]:
    """:func:`_children` once one of them runs ``name``. ``Popen`` returns when the child's
    ``exec`` closes its close-on-exec pipe, which the kernel does before it sets up the new
    program's arguments: for a moment after, the child's command line reads empty."""
    deadline = time.monotonic() + wait
    while not (found := _children(name)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_workers_started_early_are_taken_by_their_pool() -> None:
    """``opinion crawl`` starts its page workers before Scrapy and the spiders are built; the
    pool of the same project settings takes them instead of starting its own, and reads with
    them as with its own."""
    start_workers_early(SETTINGS)
    try:
        [early] = pool._EARLY[pool._key(SETTINGS)]
        found = _children_once_started("page_workers")
        assert found == [early.pid], f"the early worker's exit status: {early.poll()}"
        (outcome,) = _read("p1", settings={**SETTINGS, "DOWNLOAD_HANDLERS": {}})
    finally:
        stop_early_workers()
    assert outcome is not None and outcome.parsed is not None
    assert outcome.parsed.posts[0].ahead == list(AHEAD)
    assert pool._EARLY == {}
    assert early.poll() is not None, "taken, and stopped with its pool"
    assert _children("page_workers") == []


def test_workers_started_early_that_no_pool_takes_are_stopped() -> None:
    """Other project settings (or a crawl that stopped before its spiders opened): the early
    workers end, and the pool starts workers of its own."""
    start_workers_early(SETTINGS)
    [early] = pool._EARLY[pool._key(SETTINGS)]
    (outcome,) = _read("p1", settings={**SETTINGS, "OPINION_FULL_RECRAWL": True})
    assert outcome is not None and outcome.parsed is not None
    assert early.poll() is None, "not taken: still waiting for pages"
    stop_early_workers()
    assert early.poll() is not None and pool._EARLY == {}
    assert _children("page_workers") == []


def test_a_crawl_that_stops_before_it_starts_leaves_no_early_worker(tmp_path: Path) -> None:
    from opinion_spiders.crawling.runner import project_settings, run_crawls

    settings = project_settings({**SETTINGS, "OPINION_STORE": f"embedded://{tmp_path}"})
    with pytest.raises(ConfigError, match="no-such-site"):
        run_crawls(["no-such-site"], settings, progress=False)
    assert pool._EARLY == {}
    assert _children("page_workers") == []
