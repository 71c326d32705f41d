"""Clusters shared by crawler processes: scrapyd runs the forum, portal and post-bar spiders as
separate processes against one store, and copies of one text reach them at the same time. Every
copy must be counted once — also one that joins a cluster while another process merges it
away — and the first publisher must be the earliest of them all."""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.clusters import Clusterer, Member, signature
from opinion_spiders.stores import Store, open_store
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.mongo_locks import COLLECTION, LEASE
from tests.fixtures_ferretdb import store_uri_on

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
TEXT = (
    "网传临江市南湖中学食堂使用过期食材，多名学生午饭后腹痛呕吐被送医，家长到学校讨说法，"
    "校方称正在配合市场监管部门调查，具体原因以官方通报为准。"
)
FOUNDER = "forum:1:1"
WORKERS = 2
JOINS = 120


def _published(worker: int, i: int) -> datetime:
    """Spread over the day before T0, so one of the copies beats the founder."""
    return T0 - timedelta(minutes=random.Random(f"{worker}:{i}").randint(0, 24 * 60))


def _join_copies(uri: str, worker: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One crawler process: its own in-run index, copies on its own site, the shared store."""
    store = open_store(uri)
    sig = signature(TEXT)
    assert sig is not None
    clusterer = Clusterer()
    start.wait(timeout=60)
    for i in range(JOINS):
        published = _published(worker, i)
        member = Member(f"site-{worker}:{i}", f"site-{worker}", sig.minhash, "网友",
                        published, published + timedelta(hours=2))  # fmt: skip
        clusterer.assign(member, sig, store)
    store.close()


@pytest.fixture(params=["embedded", "mongodb"])
def shared_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_uri_on(request, tmp_path, "race")


def test_cluster_joins_from_two_processes_are_all_counted(shared_uri: str) -> None:
    """Two processes join copies to one stored post's cluster at once: size = every copy."""
    sig = signature(TEXT)
    assert sig is not None
    store = open_store(shared_uri)
    store.upsert_posts([{
        "_id": FOUNDER, "site": "demo-forum", "content": TEXT, "author": "知情人",
        "published_at": T0, "crawled_at": T0, "time": T0, "minhash": sig.encoded,
        "minhash_bands": list(sig.bands), "cluster_id": FOUNDER,
    }])  # fmt: skip
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    procs = [context.Process(target=_join_copies, args=(shared_uri, n, start))
             for n in range(WORKERS)]  # fmt: skip
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=240)
    assert [proc.exitcode for proc in procs] == [0] * WORKERS
    try:
        cluster = store.get_cluster(FOUNDER)
        assert cluster is not None
        assert cluster["size"] == 1 + WORKERS * JOINS, "a join was lost"
        assert sorted(cluster["sites"]) == ["demo-forum", "site-0", "site-1"]
        assert cluster["site_count"] == 3
        copies = [(_published(w, i), f"site-{w}:{i}") for w in range(WORKERS) for i in range(JOINS)]
        published, first_id = min(copies, key=lambda c: (c[0], c[1]))  # crawled = published + 2h
        assert (cluster["first_post_id"], cluster["first_published_at"]) == (first_id, published)
        assert cluster["last_seen"] == max(p for p, _ in copies) + timedelta(hours=2)
    finally:
        store.close()


def _copy(pid: str, site: str, published: datetime) -> dict[str, Any]:
    return {"_id": pid, "site": site, "author": "网友", "published_at": published,
            "crawled_at": published + timedelta(hours=1)}  # fmt: skip


EARLY, LATE = (
    _copy("forum:1:1", "demo-forum", T0),
    _copy("portal:2:0", "demo-portal", T0 + timedelta(hours=1)),
)


def _join_late(uri: str, done: Any, start: multiprocessing.synchronize.Barrier) -> None:
    """Copies keep joining the later cluster, which the other process merges away meanwhile."""
    store = open_store(uri)
    start.wait(timeout=60)
    for i in range(JOINS):
        store.join_cluster(
            LATE["_id"], LATE, _copy(f"bar:{i}:1", "demo-bar", T0 + timedelta(hours=2))
        )
        with done.get_lock():
            done.value += 1
    store.close()


def _merge_midway(uri: str, done: Any, start: multiprocessing.synchronize.Barrier) -> None:
    """Joins to the earlier cluster, and merges the later one into it a third of the way in."""
    store = open_store(uri)
    start.wait(timeout=60)
    while done.value < JOINS // 3:
        time.sleep(0.001)
    for i in range(JOINS // 2):
        if i == 3:
            store.merge_clusters({LATE["_id"]: LATE, EARLY["_id"]: EARLY})
        store.join_cluster(
            EARLY["_id"], EARLY, _copy(f"wiki:{i}:1", "wiki", T0 + timedelta(hours=3))
        )
    store.close()


def test_cluster_join_during_a_merge_is_counted_in_the_survivor(shared_uri: str) -> None:
    """One process joins copies to a cluster that the other merges away midway: the survivor
    holds both clusters' copies and every join, once."""
    store: Store = open_store(shared_uri)
    store.join_cluster(
        EARLY["_id"], EARLY, _copy("forum:1:2", "demo-forum", T0 + timedelta(hours=5))
    )
    store.join_cluster(
        LATE["_id"], LATE, _copy("portal:2:1", "demo-portal", T0 + timedelta(hours=5))
    )
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(2), context.Value("i", 0)
    procs = [context.Process(target=work, args=(shared_uri, done, start))
             for work in (_join_late, _merge_midway)]  # fmt: skip
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=240)
    assert [proc.exitcode for proc in procs] == [0, 0]
    try:
        cluster = store.get_cluster(EARLY["_id"])
        assert cluster is not None
        assert cluster["size"] == 2 + 2 + JOINS + JOINS // 2, "a join was lost or counted twice"
        assert sorted(cluster["sites"]) == ["demo-bar", "demo-forum", "demo-portal", "wiki"]
        assert cluster["site_count"] == 4 and cluster["merged_from"] == [LATE["_id"]]
        assert cluster["first_post_id"] == EARLY["_id"]
        assert store.count("clusters") == 1 and store.get_cluster(LATE["_id"]) == cluster
    finally:
        store.close()


def test_cluster_lock_left_by_a_dead_process_is_taken_over(mongo_store: MongoStore) -> None:
    """FerretDB: a crawler killed while holding a cluster's lock does not block it for good."""
    mongo_store.ensure_schema()
    expired = datetime.now(UTC) - timedelta(seconds=1)
    mongo_store.db[COLLECTION].insert_one(
        {"_id": EARLY["_id"], "token": "dead", "expires": expired}
    )
    started = time.monotonic()
    joined = mongo_store.join_cluster(EARLY["_id"], EARLY, _copy("bar:1:1", "demo-bar", T0))
    assert joined["size"] == 2 and time.monotonic() - started < LEASE.total_seconds()
    assert mongo_store.db[COLLECTION].count_documents({}) == 0
