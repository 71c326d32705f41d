"""The event detector in a process of its own (``OPINION_EVENTS_PROCESS``): the same events
as in the crawl process, and a crawl that goes on when that process dies or never starts."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.items import Post
from opinion_spiders.stores import open_store
from pipelines.events import EventPipeline


def _posts() -> list[Post]:
    """A rule that fires every eight hours for two days, then six times in an hour, among
    posts of a busy site: one burst of the rule (and of the site's words)."""
    burst_at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    times = [burst_at - timedelta(hours=h, minutes=10) for h in range(46, 2, -8)]
    quiet = [(t, False) for t in times] + [
        (burst_at - timedelta(hours=h, minutes=m), None) for h in range(46, 1, -1)
        for m in (20, 40)
    ]  # fmt: skip
    burst = [(burst_at + timedelta(minutes=i), True) for i in range(6)]
    posts = []
    for n, (when, rule) in enumerate(sorted(quiet, key=lambda q: q[0]) + burst):
        matches = [{"rule": "petition", "name": "群体维权"}] if rule is not None else []
        posts.append(Post(
            site="demo-forum", kind="forum", url=f"http://x/{n}", title=f"帖子 {n}",
            content="讨薪" if rule else "天气", id=f"demo-forum:{n}:{n}", thread_id=str(n),
            time=when, published_at=when, crawled_at=when, matches=matches,
            terms=["农民工", "讨薪"] if rule else ["天气"],
        ))  # fmt: skip
    return posts


def _settings(folder: Path, process: bool) -> dict[str, Any]:
    return {
        "OPINION_STORE": f"embedded://{folder}", "OPINION_EVENTS_PROCESS": process,
        "OPINION_EVENTS_BATCH": 25, "OPINION_EVENTS_MIN_INTERVAL": 0,
        "OPINION_EVENTS_MAX_SHARE": 1, "OPINION_WEBHOOK_URL": "",
    }  # fmt: skip


async def _crawl(stage: EventPipeline, posts: list[Post], kill_after: int | None = None) -> None:
    """Each post stored, then counted, as the store stage and this one do in a crawl."""
    store = stage.runtime.store
    await stage.open_spider()
    for n, post in enumerate(posts):
        if n == kill_after:
            await _kill(stage)
        store.upsert_posts([post.to_document()])
        await stage.process_item(post)
        if (aside := stage.shared.aside) is not None:
            await aside  # posts come slower than looks here: each look sees the same posts
    await stage.close_spider()


async def _kill(stage: EventPipeline) -> None:
    """Kill the stage's events process once it has started (as in a crawl, by then), and
    wait for it to end."""
    assert stage.shared.starting is not None
    await stage.shared.starting
    assert stage.shared.remote is not None
    os.kill(stage.shared.remote.pid, signal.SIGKILL)
    await stage.shared.remote.proc.wait()


def _events(folder: Path) -> list[tuple[Any, ...]]:
    store = open_store(f"embedded://{folder}")
    try:
        return sorted((e["_id"], e["count"], tuple(e["post_ids"])) for e in store.find_events())
    finally:
        store.close()


def test_events_process_writes_the_events_the_crawl_process_would(tmp_path: Path) -> None:
    """The same posts through the stage with the detector here and in the events process:
    the same events, and the process ends with the crawl."""
    stages = {}
    for process in (False, True):
        stage = EventPipeline(get_crawler(settings_dict=_settings(tmp_path / str(process),
                                                                  process)))  # fmt: skip
        stages[process] = stage
        asyncio.run(_crawl(stage, _posts()))
    remote_events = _events(tmp_path / "True")
    assert remote_events == _events(tmp_path / "False")
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in remote_events)
    stats = stages[True].stats
    assert stats.get_value("opinion/events/process_lost") is None
    assert stats.get_value("opinion/events/events") == stages[False].stats.get_value(
        "opinion/events/events"
    )
    assert stages[True].shared.remote is None  # stopped by the last crawler to close


def test_events_process_that_dies_leaves_the_counting_to_the_crawl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Killed mid-crawl: one ERROR line, a stat, and the crawl's own detector goes on (the
    posts before it died are not counted again), so the burst that comes after is found."""
    stage = EventPipeline(get_crawler(settings_dict=_settings(tmp_path, True)))
    posts = _posts()
    with caplog.at_level(logging.ERROR, logger="pipelines.events"):
        asyncio.run(_crawl(stage, posts, kill_after=len(posts) - 10))
    assert stage.stats.get_value("opinion/events/process_lost") == 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "pipelines.events"]
    assert "events process ended (exit status -9)" in line
    assert "counted in the crawl process from now on" in line
    assert any(e[0].startswith("rule:petition:") for e in _events(tmp_path))


def test_events_process_that_dies_leaves_the_posts_it_was_not_sent_to_the_crawl(
    tmp_path: Path,
) -> None:
    """Killed with a burst's posts still waiting to be sent to it (posts go in batches): the
    crawl counts them itself once it takes over, so the burst is found — though the store
    held them when the crawl read its baseline."""
    settings = {**_settings(tmp_path, True), "OPINION_EVENTS_BATCH": 1000}  # the close looks
    stage = EventPipeline(get_crawler(settings_dict=settings))
    posts = _posts()
    asyncio.run(_crawl(stage, posts, kill_after=len(posts) - 6))  # the burst: the last six
    assert stage.stats.get_value("opinion/events/process_lost") == 1
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path))


def test_events_process_that_dies_before_its_look_leaves_the_posts_it_was_sent_to_the_crawl(
    tmp_path: Path,
) -> None:
    """Killed after it was sent a burst's posts and before it looked at them (a backfill: the
    burst's hour comes first): the crawl reads those posts back by ``_id`` once it takes
    over and counts them itself, so the burst is found."""
    settings = {**_settings(tmp_path, True), "OPINION_EVENTS_BATCH": 1000}  # the close looks
    stage = EventPipeline(get_crawler(settings_dict=settings))
    posts = _posts()
    burst_first = posts[-6:] + posts[:-6]  # sent with the first batch of 64
    asyncio.run(_crawl(stage, burst_first, kill_after=len(posts) - 10))
    assert stage.stats.get_value("opinion/events/process_lost") == 1
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path))


def test_events_process_that_dies_before_recording_its_bursts_leaves_them_to_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its look found the burst and before it recorded it: the crawl reads the
    posts that look saw back by ``_id`` once it takes over, finds the burst and records it."""
    from opinion_spiders.crawling.events_process import EventsProcess

    record = EventsProcess.record
    killed = []

    async def dies_first(self: EventsProcess, now: datetime) -> tuple[dict[str, int], float]:
        if not killed:
            os.kill(self.pid, signal.SIGKILL)
            await self.proc.wait()
            killed.append(self.pid)
        return await record(self, now)

    monkeypatch.setattr(EventsProcess, "record", dies_first)
    settings = {**_settings(tmp_path, True), "OPINION_EVENTS_BATCH": 1000}  # the close looks
    stage = EventPipeline(get_crawler(settings_dict=settings))
    asyncio.run(_crawl(stage, _posts()))
    assert killed, "no look of the events process found a burst to record"
    assert stage.stats.get_value("opinion/events/process_lost") == 1
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path))


def test_events_process_keeps_the_ids_of_the_posts_no_look_has_seen(tmp_path: Path) -> None:
    """The crawl's side keeps the ids of the posts sent since the last look asked (and only
    the newest ``SEED_LIMIT``): a look that finds no burst forgets those sent before it was
    asked."""
    from opinion_spiders.crawling.events_process import SEND_BATCH, EventsProcess

    docs = [post.to_document() for post in _posts()]

    async def run() -> tuple[list[str], list[str]]:
        remote = await EventsProcess.start(_settings(tmp_path, True))
        try:
            await remote.seed()
            for doc in docs[:SEND_BATCH]:
                remote.add(doc)  # a batch: sent
            found, _ = await remote.bursts(datetime.now(UTC))  # seen: no burst among them
            assert found == 0
            for doc in docs[SEND_BATCH : SEND_BATCH + 10]:
                remote.add(doc)  # fewer than a batch: not sent
            unsent = [str(d["_id"]) for d in remote.take_unsent()]
            for doc in docs[:SEND_BATCH]:
                remote.add(doc)  # a batch sent again, no look since
            return remote.take_unlooked(), unsent
        finally:
            await remote.stop()

    unlooked, unsent = asyncio.run(run())
    assert unsent == [str(d["_id"]) for d in docs[SEND_BATCH : SEND_BATCH + 10]]
    assert unlooked == [str(d["_id"]) for d in docs[:SEND_BATCH]]


def test_events_process_keeps_the_ids_a_look_with_bursts_saw_until_they_are_recorded(
    tmp_path: Path,
) -> None:
    """A look that finds bursts has not finished with its posts until the bursts are
    recorded: their ids are kept until then (a process dying in between takes the bursts
    with it), and forgotten after."""
    from opinion_spiders.crawling.events_process import EventsProcess

    docs = [post.to_document() for post in _posts()]

    async def run() -> tuple[int, list[str], list[str]]:
        remote = await EventsProcess.start(_settings(tmp_path, True))
        try:
            await remote.seed()
            for doc in docs:
                remote.add(doc)
            now = datetime.now(UTC)
            found, _ = await remote.bursts(now)
            kept = list(remote.unlooked)
            await remote.record(now)
            return found, kept, list(remote.unlooked)
        finally:
            await remote.stop()

    found, kept, after = asyncio.run(run())
    assert found > 0
    assert kept == [str(d["_id"]) for d in docs]
    assert after == []


def test_events_taken_over_count_nothing_while_the_baseline_is_read(tmp_path: Path) -> None:
    """The crawl takes over from a dead events process and reads the baseline on a worker
    thread while a page's posts keep coming: they wait, and are counted once it is read —
    never beside it, from two threads — each once."""
    stage = EventPipeline(get_crawler(settings_dict={**_settings(tmp_path, True),
                                                     "OPINION_EVENTS_BATCH": 1000}))  # fmt: skip
    detector, seeding, beside = stage.detector, threading.Event(), []
    seed, add = detector.seed, detector.add

    def slow_seed(store: Any, now: datetime | None = None) -> int:
        seeding.set()
        try:
            time.sleep(0.3)
            return seed(store, now)
        finally:
            seeding.clear()

    def watched_add(post: Any) -> bool:
        if seeding.is_set():
            beside.append(post["_id"])
        return add(post)

    detector.seed, detector.add = slow_seed, watched_add  # type: ignore[method-assign]
    posts = _posts()

    async def crawl() -> None:
        store = stage.runtime.store
        await stage.open_spider()
        await _kill(stage)

        async def one(n: int, post: Post) -> None:
            await asyncio.sleep(0.005 * n)
            store.upsert_posts([post.to_document()])
            await stage.process_item(post)

        await asyncio.gather(*(one(n, post) for n, post in enumerate(posts)))
        await stage.close_spider()

    asyncio.run(crawl())
    assert stage.stats.get_value("opinion/events/process_lost") == 1
    assert beside == []
    assert set(detector.bursts_of.records) == {p.id for p in posts}
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path))


def test_events_take_over_found_by_a_second_caller_is_waited_for(tmp_path: Path) -> None:
    """Two callers find the process gone at once (a post's send, a look in flight): the
    second goes on only once the first caller's take-over has read the baseline — else it
    would look with the detector while a worker thread still counts into it."""
    from opinion_spiders.crawling.events_process import EventsProcessGone

    stage = EventPipeline(get_crawler(settings_dict=_settings(tmp_path, True)))
    seed = stage.detector.seed

    def slow_seed(store: Any, now: datetime | None = None) -> int:
        time.sleep(0.3)
        return seed(store, now)

    stage.detector.seed = slow_seed  # type: ignore[method-assign]

    async def run() -> bool:
        await stage.open_spider()
        await _kill(stage)
        first = asyncio.ensure_future(stage._take_over(EventsProcessGone("gone")))
        await asyncio.sleep(0.05)  # the first has begun: the process is no longer the remote
        await stage._take_over(EventsProcessGone("gone"))
        read = stage.detector.seeded and stage.shared.starting.done()
        await first
        await stage.close_spider()
        return read

    assert asyncio.run(run())


def test_events_process_that_does_not_start_leaves_the_counting_to_the_crawl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    stage = EventPipeline(get_crawler(settings_dict=_settings(tmp_path, True)))
    with caplog.at_level(logging.ERROR, logger="pipelines.events"):
        asyncio.run(_crawl(stage, _posts()))
    [line] = [r.getMessage() for r in caplog.records if r.name == "pipelines.events"]
    assert re.fullmatch(r"the events process did not start: exit status \d+; "
                        r"events are counted in the crawl process", line)  # fmt: skip
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path))


def test_crawlers_do_not_wait_for_the_events_process_and_lose_no_post_meanwhile(
    tmp_path: Path,
) -> None:
    """Two crawlers on one store (``opinion crawl A B``): the first starts the events process
    and neither waits for it to be ready; the posts both count meanwhile wait and are sent
    once it is, so the events are those of the detector in the crawl process."""
    posts = _posts()
    crawlers = {}

    async def crawl(process: bool) -> None:
        folder = tmp_path / str(process)
        stages = [EventPipeline(get_crawler(settings_dict=_settings(folder, process)))
                  for _ in range(2)]  # fmt: skip
        crawlers[process] = stages
        store = stages[0].runtime.store
        for stage in stages:
            await stage.open_spider()
        if process:
            starting = stages[0].shared.starting
            assert starting is not None and not starting.done()
            assert stages[1].shared is stages[0].shared
        for n, post in enumerate(posts):
            store.upsert_posts([post.to_document()])
            await stages[n % 2].process_item(post)
        for stage in stages:
            await stage.close_spider()

    for process in (False, True):
        asyncio.run(crawl(process))
    assert _events(tmp_path / "True") == _events(tmp_path / "False")
    assert any(e[0].startswith("rule:petition:") and e[1] == 6 for e in _events(tmp_path / "True"))
    assert crawlers[True][0].stats.get_value("opinion/events/process_lost") is None


def test_children_are_handed_the_settings_as_plain_data(tmp_path: Path) -> None:
    """Scrapy keeps its dict settings as Scrapy objects; handed over as they are, they made the
    events process import Scrapy and Twisted while reading its settings. Handed as plain data,
    a child reads the same values without importing Scrapy."""
    import subprocess

    from opinion_spiders.crawling.children import handed_settings

    settings = get_crawler(settings_dict=_settings(tmp_path, True)).settings
    read = (
        "import pickle, sys\n"
        "from opinion_spiders.crawling.frames import read_frame\n"
        "got = read_frame(sys.stdin.buffer)\n"
        "sys.stdout.buffer.write(pickle.dumps((got, 'scrapy' in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", read], input=handed_settings(settings), capture_output=True,
        check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    import pickle

    got, imported_scrapy = pickle.loads(done.stdout)
    assert not imported_scrapy
    assert got == settings.copy_to_dict()
    assert got["OPINION_STORE"] == f"embedded://{tmp_path}"
    assert type(got["ITEM_PIPELINES"]) is dict
