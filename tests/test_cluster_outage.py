"""Cluster writes through a store outage: the joins and merges the store could not take wait in
memory up to a limit, then in the spool behind the posts; once the store is back (in the same
run, or when the next run replays the spool) every cluster is what a run without the outage
stores, and no post names a cluster that is not there."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.clusters import Clusterer, Member, signature
from opinion_spiders.items import Post
from opinion_spiders.stores import Store, open_store
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.mongo import MongoStore
from opinion_spiders.stores.spool import Spool, read_batch
from pipelines.cluster import ClusterPipeline
from pipelines.store import StorePipeline
from servers.ferretdb import free_port

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SITES = ("demo-forum", "demo-bar", "demo-portal")
LIMIT = 3
#: What a cluster document is compared on (the in-run index follows the same rules).
FIELDS = ("size", "sites", "site_count", "first_post_id", "first_key", "last_seen", "merged_from")

Row = tuple[str, str, str, datetime]  # post id, site, text, published


def _corpus() -> list[Row]:
    """Eight texts with five lightly edited copies each, and three texts in three parts (two
    partial reposts, then the full text that bridges their clusters: a merge), in an order
    fixed by a seed."""
    rng = random.Random(20261125)

    def hanzi(n: int) -> str:
        return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))

    def at() -> datetime:
        return T0 + timedelta(minutes=rng.randint(0, 600))

    rows: list[Row] = []
    for topic in range(8):
        base = hanzi(90)
        for copy in range(5):
            text = list(base)
            for _ in range(3):
                text[rng.randrange(len(text))] = hanzi(1)
            rows.append((f"t{topic}:{copy}", SITES[copy % 3], "".join(text), at()))
    rng.shuffle(rows)
    for bridge in range(3):
        x, y, z = hanzi(50), hanzi(30), hanzi(50)
        rows.insert(2 + bridge, (f"b{bridge}:x", "demo-forum", x + y, at()))
        rows.insert(4 + bridge, (f"b{bridge}:x2", "demo-bar", "转自论坛" + x + y, at()))
        rows.insert(6 + bridge, (f"b{bridge}:z", "demo-portal", y + z, at()))
        rows.insert(len(rows) // 2 + bridge, (f"b{bridge}:full", "demo-forum", x + y + z, at()))
    return rows


ROWS = _corpus()


def _post(row: Row) -> Post:
    pid, site, text, published = row
    return Post(site=site, kind="forum", url=f"http://x/{pid}", title="转", content=text,
                author="网友", published_at=published, time=published,
                crawled_at=published + timedelta(hours=1), id=pid)  # fmt: skip


def _member(row: Row) -> tuple[Member, Any]:
    pid, site, text, published = row
    sig = signature(text)
    assert sig is not None
    return Member(pid, site, sig.minhash, "网友", published, published + timedelta(hours=1)), sig


def _post_doc(row: Row, cluster_id: str) -> dict[str, Any]:
    doc = _post(row).to_document()
    doc["cluster_id"] = cluster_id
    return doc


def _clustered(store: Store) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The stored clusters (by id, the compared fields) and each post's cluster_id."""
    clusters = {c["_id"]: {f: c.get(f) for f in FIELDS} for c in store.find_clusters(limit=1000)}
    posts = {p["_id"]: p["cluster_id"] for p in store.find_posts(sort="time", limit=1000)}
    return clusters, posts


def _assert_complete(store: Store) -> None:
    """Every post that shares its cluster_id with another names a stored cluster of that many
    copies; a post alone keeps its own id and has no cluster document."""
    clusters, posts = _clustered(store)
    sizes = Counter(posts.values())
    assert {cid: c["size"] for cid, c in clusters.items()} == {
        cid: n for cid, n in sizes.items() if n > 1
    }


def _baseline(store: Store) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The run without an outage: each post clustered, then written, into ``store``."""
    clusterer = Clusterer()
    for row in ROWS:
        member, sig = _member(row)
        result = clusterer.assign(member, sig, store)
        store.upsert_posts([_post_doc(row, result.cluster.id)])
    clustered = _clustered(store)
    assert any(c["merged_from"] for c in clustered[0].values()), "the corpus bridges clusters"
    assert sum(c["size"] for c in clustered[0].values()) >= 40
    return clustered


@pytest.fixture
def twin(any_store: Store, tmp_path: Path) -> Iterator[Store]:
    """An empty store of the same kind as ``any_store``, for the run without an outage."""
    if not isinstance(any_store, MongoStore):
        store = open_store(f"embedded://{tmp_path / 'twin'}")
        yield store
        store.close()
        return
    host, port = any_store.client.address  # type: ignore[misc]
    name = f"test_twin_{uuid.uuid4().hex[:12]}"
    mongo = MongoStore(f"mongodb://{host}:{port}/", name)
    yield mongo
    mongo.client.drop_database(name)
    mongo.close()


@pytest.mark.parametrize("back", ["mid-run", "next run"])
def test_cluster_pending_writes_past_the_limit_wait_in_the_spool(
    any_store: Store, twin: Store, tmp_path: Path, back: str
) -> None:
    """The store goes down after a few posts, for more joins and merges than LIMIT: at most
    LIMIT calls wait in memory, the rest in the spool. The store comes back either during the
    run (the next join replays the spool, then memory) or only for the next run (the calls
    still in memory are spooled at the end and the spool is replayed as a whole): the clusters
    and the posts' cluster ids are those of the run without an outage."""
    expected = _baseline(twin)
    spool = Spool(tmp_path / "spool")
    down = MongoStore("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200", "x")
    clusterer = Clusterer(spool=spool, pending_limit=LIMIT)
    start, end = 6, (len(ROWS) - 6 if back == "mid-run" else len(ROWS))
    most_in_memory = most_spooled = 0
    try:
        for n, row in enumerate(ROWS):
            store: Store = down if start <= n < end else any_store
            member, sig = _member(row)
            result = clusterer.assign(member, sig, store)
            if store is down:
                spool.append([_post_doc(row, result.cluster.id)])  # as the store stage does
            else:
                any_store.upsert_posts([_post_doc(row, result.cluster.id)])
            most_in_memory = max(most_in_memory, clusterer.pending)
            most_spooled = max(most_spooled, clusterer.spooled)
        assert 0 < most_in_memory <= LIMIT, "pending cluster writes in memory past the limit"
        assert most_spooled > 2 * LIMIT, "the outage made more cluster writes than the limit"
        if back == "next run":
            assert clusterer.flush(down) is False
            left = clusterer.pending
            assert clusterer.spool_pending() == left and clusterer.pending == 0
            written = [read_batch(path) for path in spool.files()]
            spooled = sum(len(docs) for op, docs in written if op == "cluster_writes")
            assert spooled == clusterer.spooled >= most_spooled
        else:
            assert clusterer.flush(any_store) is True
            assert clusterer.pending == clusterer.spooled == 0
            assert not [p for p in spool.files() if read_batch(p)[0] == "cluster_writes"]
    finally:
        down.close()
    spool.replay(any_store)  # the next run's start: the posts, and any cluster writes left
    assert spool.pending() == 0
    assert _clustered(any_store) == expected
    _assert_complete(any_store)


@pytest.fixture
def uris(any_store: Store, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two URIs of fresh stores of ``any_store``'s kind: the healthy run's, the live one."""
    if not isinstance(any_store, MongoStore):
        yield f"embedded://{tmp_path / 'healthy'}", f"embedded://{tmp_path / 'live'}"
        return
    host, port = any_store.client.address  # type: ignore[misc]
    names = [f"test_{kind}_{uuid.uuid4().hex[:12]}" for kind in ("healthy", "live")]
    yield f"mongodb://{host}:{port}/{names[0]}", f"mongodb://{host}:{port}/{names[1]}"
    for name in names:
        any_store.client.drop_database(name)  # type: ignore[attr-defined]


def _crawl_stages(settings: dict[str, Any], rows: list[Row]) -> tuple[int, int]:
    """The cluster and store stages of one crawler over ``rows``; the most cluster writes that
    waited in memory, and how many were spooled when the crawler closed."""
    crawler = get_crawler(settings_dict=settings)
    cluster, store = ClusterPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    most = 0

    async def run() -> None:
        nonlocal most
        await store.open_spider()
        for row in rows:
            item = await cluster.process_item(_post(row))
            await store.process_item(item)
            most = max(most, cluster.clusterer.pending)
        for stage in (cluster, store):
            await stage.close_spider()

    try:
        asyncio.run(run())
    finally:
        cluster.runtime.close()
    assert crawler.stats is not None
    return most, int(crawler.stats.get_value("opinion/cluster/spooled", 0))


def test_cluster_stage_with_the_store_down_keeps_pending_writes_bounded(
    uris: tuple[str, str], tmp_path: Path
) -> None:
    """A crawl with MongoDB down throughout and ``OPINION_CLUSTER_PENDING_LIMIT`` small: the
    cluster writes in memory never pass it, none is left unwritten when the crawler closes, and
    the spool replayed into a live store gives the clusters of the same crawl on a healthy
    store."""
    healthy_uri, live_uri = uris
    healthy = {"OPINION_STORE": healthy_uri, "OPINION_DATA_DIR": str(tmp_path / "healthy")}
    _crawl_stages(healthy, ROWS)
    dead = f"mongodb://127.0.0.1:{free_port()}/opinion?serverSelectionTimeoutMS=200"
    settings = {"OPINION_STORE": dead, "OPINION_DATA_DIR": str(tmp_path / "down"),
                "OPINION_CLUSTER_PENDING_LIMIT": LIMIT, "OPINION_STORE_BATCH_SIZE": 4}  # fmt: skip
    most, spooled = _crawl_stages(settings, ROWS)
    assert 0 < most <= LIMIT and spooled > 2 * LIMIT
    expected, live = open_store(healthy_uri), open_store(live_uri)
    try:
        Spool(spool_dir(settings)).replay(live)
        assert _clustered(live) == _clustered(expected)
        _assert_complete(live)
    finally:
        expected.close()
        live.close()
