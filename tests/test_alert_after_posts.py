"""An alert goes out only after the posts it cites are durable — stored, or spooled while the
store is down — and every post that raised or grew an alert says so in ``posts.alert``.
Whole crawls of the demo forum and portal (`opinion crawl`), each alert checked at the moment
the webhook receiver gets it."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.alerting import AlertPolicy, retry_pending
from opinion_spiders.items import Post
from opinion_spiders.stores import Store, open_store
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool, read_batch
from pipelines.alert import AlertPipeline
from pipelines.store import DURABLE_IDLE, DURABLE_WAIT, RECENT_BATCHES, StorePipeline
from plugins.channels import WebhookChannel
from servers.ferretdb import FerretDBProcess, free_port
from tests._proc import run_opinion
from tests.fixtures_ferretdb import store_uri_on
from tests.receivers import Answer, WebhookReceiver

SITES = ("demo-forum", "demo-portal")


def cited(alert: dict[str, Any]) -> set[str]:
    """The posts an alert names: its first post and the story's or event's latest ones."""
    return {alert["post_id"], *(alert.get("post_ids") or ())} - {None}


class StoreWatchingReceiver(WebhookReceiver):
    """Records, for each alert as it arrives, which of its posts are not yet where they must
    be (``missing_at``: what ``where_missing(post ids)`` returned then)."""

    def __init__(self) -> None:
        super().__init__()
        self.where_missing: Any = None
        self.missing_at: dict[str, set[str]] = {}

    def check(self, request: dict[str, Any]) -> Answer | None:
        alert = request["json"]
        if alert.get("type") in ("post", "event"):
            self.missing_at[alert["id"]] = self.where_missing(cited(alert))
        return None


@pytest.fixture
def receiver() -> Iterator[StoreWatchingReceiver]:
    receiver = StoreWatchingReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(params=["embedded", "mongodb"])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_on(request, tmp_path, "after")


def _crawl(env: dict[str, str]) -> str:
    return run_opinion("crawl", *SITES, env=env, timeout=300).stderr


def _post_alerts(store: Store) -> list[dict[str, Any]]:
    return [a for a in store.find_alerts(limit=1000) if a.get("type") == "post"]


def _alerted_posts(store: Store) -> dict[str, str]:
    """post _id -> the alert id its ``alert`` field names."""
    posts = store.find_posts(sort="time", limit=10_000)
    return {p["_id"]: p["alert"]["id"] for p in posts if p.get("alert")}


def test_alert_goes_out_after_its_posts_are_stored_and_posts_name_their_alert(
    store_uri: str, demo_url: str, receiver: StoreWatchingReceiver, tmp_path: Path
) -> None:
    store = open_store(store_uri)
    try:
        receiver.where_missing = lambda ids: {i for i in ids if store.get_post(i) is None}
        env = {"OPINION_STORE": store_uri, "OPINION_DEMO_URL": demo_url,
               "OPINION_WEBHOOK_URL": receiver.url, "OPINION_DATA_DIR": str(tmp_path)}  # fmt: skip
        _crawl(env)
        kinds = {r["json"]["type"] for r in receiver.requests}
        assert {"post", "event"} <= kinds, kinds
        assert receiver.missing_at and not any(receiver.missing_at.values()), receiver.missing_at
        assert {
            r["json"].get("durable") for r in receiver.requests if r["json"]["type"] == "post"
        } == {"stored"}

        alerts = _post_alerts(store)
        assert alerts and all(a["durable"] == "stored" for a in alerts)
        alerted = _alerted_posts(store)
        for alert in alerts:  # the story's posts are those that raised or grew it
            named = {p for p, a in alerted.items() if a == alert["_id"]}
            assert named == set(alert["post_ids"]) and len(named) == alert["posts"], alert["_id"]
        assert set(alerted.values()) == {a["_id"] for a in alerts}
        first = store.get_post(alerts[-1]["post_id"])
        assert first is not None and first["alert"]["status"] in ("sent", "pending", "held")

        _crawl(env)  # a re-crawl raises nothing new and keeps every post's alert
        assert _alerted_posts(store) == alerted
    finally:
        store.close()


def test_alert_with_the_store_down_goes_out_after_its_posts_are_spooled_and_replays(
    demo_url: str, receiver: StoreWatchingReceiver, tmp_path: Path
) -> None:
    """MongoDB down for the whole crawl: each alert still goes out, once its posts are in
    the spool, saying so; replayed into a store, the posts, the ledger and ``posts.alert`` are
    all there, as after a crawl with the store up."""
    dead = f"mongodb://127.0.0.1:{free_port()}/opinion?serverSelectionTimeoutMS=200"
    env = {"OPINION_STORE": dead, "OPINION_DEMO_URL": demo_url,
           "OPINION_WEBHOOK_URL": receiver.url, "OPINION_DATA_DIR": str(tmp_path)}  # fmt: skip
    spool = Spool(spool_dir(env))

    def not_spooled(ids: set[str]) -> set[str]:
        spooled = set()
        for path in spool.files():
            op, docs = read_batch(path)
            if op == "upsert_posts":
                spooled |= {d["_id"] for d in docs}
        return ids - spooled

    receiver.where_missing = not_spooled
    stderr = _crawl(env)
    posts_alerts = [r["json"] for r in receiver.requests if r["json"]["type"] == "post"]
    assert posts_alerts, stderr[-3000:]
    assert receiver.missing_at and not any(receiver.missing_at.values()), receiver.missing_at
    assert {a["durable"] for a in posts_alerts} == {"spooled"}, stderr[-3000:]
    sent = [a["id"] for a in posts_alerts if not a.get("escalated_at")]
    assert len(sent) == len(set(sent)), f"a story alerted twice in one process: {sent}"
    spooled = sum(int(n) for n in re.findall(r"(\d+) of them spooled", stderr))
    assert spooled > 0, stderr[-3000:]

    live = open_store(f"embedded://{tmp_path / 'live'}")
    try:
        spool.replay(live)
        assert spool.pending() == 0
        assert live.count("posts") == spooled, stderr[-3000:]
        alerts = {a["_id"]: a for a in _post_alerts(live)}
        assert set(alerts) == {a["id"] for a in posts_alerts}, stderr[-3000:]
        assert all(live.get_post(p) for a in alerts.values() for p in cited(a))
        undelivered = [a for a in alerts.values() if a["deliveries"]["webhook"]["status"] != "sent"]
        assert not undelivered, undelivered
        alerted = _alerted_posts(live)
        for alert in alerts.values():
            named = {p for p, a in alerted.items() if a == alert["_id"]}
            assert named == set(alert["post_ids"]) and len(named) == alert["posts"], (
                alert, named, stderr[-3000:])  # fmt: skip
    finally:
        live.close()


def test_store_stage_durable_waits_for_a_batch_still_queued_behind_many(tmp_path: Path) -> None:
    """A post in a batch still waiting for the writer, behind more batches than the store
    stage keeps as recent, is not called durable before it is written — then it is, with the
    alert stage's ``alert`` set on it by the next batch."""
    uri = f"embedded://{tmp_path / 'store'}"
    crawler = get_crawler(settings_dict={"OPINION_STORE": uri, "OPINION_STORE_BATCH_SIZE": 1})
    stage = StorePipeline.from_crawler(crawler)
    now = datetime.now(UTC)
    posts = [Post(site="demo-forum", kind="forum", url=f"http://x/t/{n}", title="强拆",
                  id=f"demo-forum:{n}:1", crawled_at=now) for n in range(2 * RECENT_BATCHES)]  # fmt: skip
    server_stuck = threading.Event()

    async def run() -> tuple[bool, str]:
        await stage.open_spider()
        stuck = asyncio.ensure_future(stage.in_writer(server_stuck.wait))
        flushes = [asyncio.ensure_future(stage.process_item(post)) for post in posts]
        first = asyncio.ensure_future(stage.durable([posts[0].id]))
        for _ in range(20):
            await asyncio.sleep(0)
        early = first.done()
        server_stuck.set()
        await asyncio.gather(stuck, *flushes)
        where = await first
        stage.note_alert(posts[0].id, {"id": "post:demo-forum:0:1", "tier": "notice"})
        await stage.close_spider()
        return early, where

    try:
        early, where = asyncio.run(run())
        assert not early and where == "stored"
        store = stage.runtime.store
        assert store.count("posts") == len(posts)
        first = store.get_post(posts[0].id)
        assert first is not None and first["alert"]["id"] == "post:demo-forum:0:1"
    finally:
        server_stuck.set()
        stage.runtime.close()


def _counting_store_stage(
    tmp_path: Path, *, batch_size: int, posts: int
) -> tuple[StorePipeline, list[Post], list[int]]:
    """A store stage on a fresh embedded store that notes the size of each write, and
    ``posts`` posts that alert (by title) for it."""
    uri = f"embedded://{tmp_path / 'store'}"
    settings = {"OPINION_STORE": uri, "OPINION_STORE_BATCH_SIZE": batch_size}
    stage = StorePipeline.from_crawler(get_crawler(settings_dict=settings))
    now = datetime.now(UTC)
    made = [Post(site="demo-forum", kind="forum", url=f"http://x/t/{n}", title="强拆",
                 id=f"demo-forum:{n}:1", crawled_at=now) for n in range(posts)]  # fmt: skip
    store, writes = stage.runtime.store, []
    upsert = store.upsert_posts
    store.upsert_posts = lambda docs: writes.append(len(docs)) or upsert(docs)  # type: ignore[method-assign]
    return stage, made, writes


def test_store_stage_durable_posts_of_one_moment_share_one_write(tmp_path: Path) -> None:
    """Posts waited for within DURABLE_WAIT of each other are written together, with the
    posts that came between them, in one write that comes within the wait — not one write
    each; a batch that fills first is written at once, and its waiter answered then (and the
    next batch waited for gets a timed write of its own while that one's timer still runs)."""
    stage, posts, writes = _counting_store_stage(tmp_path, batch_size=8, posts=12)
    store = stage.runtime.store

    async def run() -> tuple[list[str], float, float]:
        await stage.open_spider()
        started = time.monotonic()
        await stage.process_item(posts[0])
        first = asyncio.ensure_future(stage.durable([posts[0].id]))
        await stage.process_item(posts[1])
        await stage.process_item(posts[2])
        third = asyncio.ensure_future(stage.durable([posts[2].id]))
        answers = list(await asyncio.gather(first, third))
        waited = time.monotonic() - started
        started = time.monotonic()
        await stage.process_item(posts[3])
        filled = asyncio.ensure_future(stage.durable([posts[3].id]))
        for post in posts[4:11]:  # the last of them fills the batch: written at once
            await stage.process_item(post)
        answers.append(await filled)
        at_once = time.monotonic() - started
        await stage.process_item(posts[11])
        answers.append(await asyncio.wait_for(stage.durable([posts[11].id]), 4 * DURABLE_WAIT))
        await stage.close_spider()
        return answers, waited, at_once

    try:
        answers, waited, at_once = asyncio.run(run())
        assert answers == ["stored", "stored", "stored", "stored"]
        assert writes == [3, 8, 1]  # the moment's three posts, a full batch, the last post
        assert DURABLE_IDLE * 0.8 <= waited < DURABLE_WAIT + 2.0  # once no post came
        assert at_once < DURABLE_WAIT * 0.8
        assert store.count("posts") == len(posts)
    finally:
        stage.runtime.close()


def test_store_stage_durable_batch_takes_posts_in_while_they_come_and_is_written_when_they_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post waited for while posts keep coming, each within DURABLE_IDLE of the last: its
    batch takes them in until DURABLE_WAIT, then is written. Once posts stop coming (a
    crawl's last page), the batch a post waits on is written DURABLE_IDLE after the last
    post, not DURABLE_WAIT after the wait began."""
    import pipelines.store

    idle, wait = 0.15, 0.6  # wider than the module's, for a busy machine's timers
    monkeypatch.setattr(pipelines.store, "DURABLE_IDLE", idle)
    monkeypatch.setattr(pipelines.store, "DURABLE_WAIT", wait)
    stage, posts, writes = _counting_store_stage(tmp_path, batch_size=100, posts=60)
    store = stage.runtime.store

    async def run() -> tuple[float, float, int]:
        loop = asyncio.get_running_loop()
        await stage.open_spider()
        started = loop.time()
        await stage.process_item(posts[0])
        first = asyncio.ensure_future(stage.durable([posts[0].id]))
        came = 1
        while not first.done():
            await asyncio.sleep(idle / 5)
            await stage.process_item(posts[came])
            came += 1
        streamed = loop.time() - started
        stopped = loop.time()
        assert await stage.durable([posts[came - 1].id]) == "stored"
        quiet = loop.time() - stopped
        await stage.close_spider()
        return streamed, quiet, came

    try:
        streamed, quiet, came = asyncio.run(run())
        assert wait * 0.9 <= streamed < wait + 2.0  # the stream kept the batch open to the cap
        assert len(writes) == 2 and writes[0] >= 5 and sum(writes) == came
        assert quiet < wait * 0.6  # written once the posts stopped, not at the cap
        assert store.count("posts") == came
    finally:
        stage.runtime.close()


def _thread_posts(thread: str) -> list[Post]:
    """A thread's two posts, each over the alert threshold: the first raises the thread's
    story, the second grows it."""
    now = datetime.now(UTC)
    return [Post(site="demo-forum", kind="forum", url=f"http://x/t/{thread}#{n}", title="强拆",
                 id=f"demo-forum:{thread}:{n}", thread_id=thread, score=60.0, crawled_at=now)
            for n in (1, 2)]  # fmt: skip


def _through_store_and_alert(settings: dict[str, Any], posts: list[Post]) -> Any:
    """The store and alert stages of a crawler on ``settings``, opened, given ``posts`` one
    after the other, and closed; the crawler (its stats)."""
    crawler = get_crawler(settings_dict=settings)
    stages = [StorePipeline.from_crawler(crawler), AlertPipeline.from_crawler(crawler)]

    async def run() -> None:
        for stage in stages:
            await stage.open_spider()
        for post in posts:
            for stage in stages:
                await stage.process_item(post)
        for stage in stages:
            await stage.close_spider()

    try:
        asyncio.run(run())
    finally:
        stages[0].runtime.close()
    return crawler


def test_alert_stage_with_the_store_down_spools_a_story_that_grew(
    tmp_path: Path, receiver: StoreWatchingReceiver
) -> None:
    """Store and alert stages with MongoDB down: a thread's first post raises its story, the
    second grows it; both ledger writes and both posts' ``alert`` reach the spool, so the
    replayed ledger counts two posts and both posts name the alert."""
    dead = f"mongodb://127.0.0.1:{free_port()}/opinion?serverSelectionTimeoutMS=200"
    settings = {"OPINION_STORE": dead, "OPINION_DATA_DIR": str(tmp_path),
                "OPINION_WEBHOOK_URL": receiver.url, "OPINION_ALERT_THRESHOLD": 25}  # fmt: skip
    receiver.where_missing = lambda ids: set()
    posts = _thread_posts("7")
    _through_store_and_alert(settings, posts)
    assert [r["json"]["id"] for r in receiver.requests] == ["thread:demo-forum:7"]
    assert receiver.requests[0]["json"]["durable"] == "spooled"
    live = open_store(f"embedded://{tmp_path / 'live'}")
    try:
        Spool(spool_dir(settings)).replay(live)
        (alert,) = _post_alerts(live)
        assert alert["posts"] == 2 and set(alert["post_ids"]) == {p.id for p in posts}
        assert _alerted_posts(live) == {p.id: "thread:demo-forum:7" for p in posts}
    finally:
        live.close()


class StoppingReceiver(WebhookReceiver):
    """Stops a database server the moment the first alert arrives: the store goes away
    between the alert's delivery and the ledger write that records it."""

    def __init__(self, server: FerretDBProcess) -> None:
        super().__init__()
        self.database = server

    def check(self, request: dict[str, Any]) -> Answer | None:
        if not self.requests:  # the first alert, before it is answered
            self.database.stop()
        return None


def test_alert_stage_store_lost_right_after_a_delivery_sends_the_story_once(
    tmp_path: Path,
) -> None:
    """MongoDB stops while an alert is being delivered, before the ledger records the
    delivery: the raise does not fail for it, the unwritten delivery is spooled, and the
    story's next post, met while the store is still down, grows it without sending it again.
    Replayed, the ledger holds the story sent once, with both posts, and a retry sends
    nothing. (Before, the failed raise fell back on the offline ledger, whose spooled insert
    the stored ledger's own entry shadowed: the story stayed pending, and the next retry —
    the crawl's last, once the store was back — sent it again.)"""
    first = FerretDBProcess(tmp_path / "ferretdb", port=free_port())
    uri = first.start()
    receiver = StoppingReceiver(first)
    dead_fast = f"{uri.split('?')[0]}?serverSelectionTimeoutMS=300&socketTimeoutMS=2000"
    settings = {"OPINION_STORE": dead_fast, "OPINION_DATA_DIR": str(tmp_path / "data"),
                "OPINION_WEBHOOK_URL": receiver.url, "OPINION_ALERT_THRESHOLD": 25,
                "OPINION_STORE_BATCH_SIZE": 1}  # fmt: skip
    posts = _thread_posts("8")
    try:
        crawler = _through_store_and_alert(settings, posts)
    finally:
        receiver.close()
        first.stop()  # stopped by the receiver already, unless the alert never came
    assert [r["json"]["id"] for r in receiver.requests] == ["thread:demo-forum:8"]
    assert crawler.stats.get_value("opinion/alert/ledger_spooled", 0) >= 1
    server = FerretDBProcess(tmp_path / "ferretdb", port=free_port())
    live = open_store(server.start())
    try:
        Spool(spool_dir(settings)).replay(live)
        (alert,) = _post_alerts(live)
        assert alert["status"] == "sent" and alert["deliveries"]["webhook"]["attempts"] == 1
        assert alert["posts"] == 2 and set(alert["post_ids"]) == {p.id for p in posts}
        later = datetime.now(UTC) + timedelta(days=1)
        channels = [WebhookChannel(receiver.url)]
        retried = retry_pending(live, channels, later, AlertPolicy(tiers=()))
        assert retried.sent == [] and retried.failed == [], "nothing left to send"
    finally:
        live.close()
        server.stop()
