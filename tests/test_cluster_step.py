"""The cluster step, the single writer of clusters: whatever the number of crawler processes,
kills, cut-short steps and outages, one story is one cluster, every copy is counted once, and
no post names a cluster that is not there.

The corpus: eight texts with five lightly edited copies each, and three texts in three parts
(two partial reposts and the full text that bridges them), in an order fixed by a seed. Its
stories are known by construction (the post id's prefix), so every test compares the stored
clusters with them, not with another run of the code."""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing
import os
import random
import signal
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.clusters import LEASE, Clusterer, ClusterStep, Member, signature
from opinion_spiders.items import Post
from opinion_spiders.stores import Store, StoreUnavailable, open_store
from opinion_spiders.stores.base import CLUSTER_FIELDS, FRESH, ClusterWrites
from opinion_spiders.stores.factory import spool_dir
from opinion_spiders.stores.spool import Spool
from pipelines.cluster import ClusterPipeline
from pipelines.store import StorePipeline
from servers.ferretdb import free_port
from tests._proc import run_opinion

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SITES = ("demo-forum", "demo-bar", "demo-portal")

Row = tuple[str, str, str, datetime]  # post id, site, text, published


def _corpus() -> list[Row]:
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
#: The stories by construction: the posts sharing an id prefix.
STORIES = {frozenset(r[0] for r in ROWS if r[0].split(":")[0] == s)
           for s in {r[0].split(":")[0] for r in ROWS}}  # fmt: skip


def _post(row: Row) -> Post:
    pid, site, text, published = row
    return Post(site=site, kind="forum", url=f"http://x/{pid}", title="转", content=text,
                author="网友", published_at=published, time=published,
                crawled_at=published + timedelta(hours=1), id=pid)  # fmt: skip


def _doc(row: Row) -> dict[str, Any]:
    """The post as the crawl stores it: with its signature (the store queues it)."""
    sig = signature(row[2])
    assert sig is not None
    doc = _post(row).to_document()
    doc.update(minhash=sig.encoded, minhash_bands=list(sig.bands))
    return doc


def _viewed(rows: list[Row], clusterer: Clusterer, store: Store | None) -> list[dict[str, Any]]:
    """The posts as the crawl stores them: each with the crawl's view of its cluster, from
    the store's clusters and this process's in-run index (``clusterer``), as the cluster
    stage gives it; ``crawled_at`` is when the view was taken, to the millisecond, as in a
    crawl."""
    docs = [_doc(r) for r in rows]
    pairs = []
    for doc in docs:
        now = datetime.now(UTC)
        doc["crawled_at"] = now.replace(microsecond=now.microsecond // 1000 * 1000)
        sig = signature(doc["content"])
        assert sig is not None
        pairs.append((Member(doc["_id"], doc["site"], sig.minhash, doc["author"],
                             doc["published_at"], doc["crawled_at"]), sig))  # fmt: skip
    for doc, view in zip(docs, clusterer.assign_many(pairs, store), strict=True):
        doc.update(view.post_fields())
    return docs


def _fields(store: Store) -> dict[str, dict[str, Any]]:
    posts = store.find_posts(sort="time", limit=1000)
    return {p["_id"]: {f: p.get(f) for f in CLUSTER_FIELDS} for p in posts}


def _assert_stories(store: Store) -> None:
    """One cluster per story, counting each copy once, on the sites its copies are on; every
    post names its cluster, which is stored (a story of several posts)."""
    posts = {p["_id"]: p for p in store.find_posts(sort="time", limit=1000)}
    assert len(posts) == len(ROWS)
    by_cluster: dict[str, set[str]] = {}
    for pid, post in posts.items():
        by_cluster.setdefault(post["cluster_id"], set()).add(pid)
    assert {frozenset(ids) for ids in by_cluster.values()} == STORIES
    clusters = {c["_id"]: c for c in store.find_clusters(limit=1000)}
    assert set(clusters) == set(by_cluster), "a post names a cluster that is not stored"
    for cluster_id, ids in by_cluster.items():
        cluster = clusters[cluster_id]
        assert cluster["size"] == len(ids), f"{cluster_id}: copies counted twice or lost"
        assert cluster["sites"] == sorted({posts[i]["site"] for i in ids})
        first = min(ids, key=lambda i: (posts[i]["published_at"], i))
        assert cluster["first_post_id"] == first
        assert sorted([cluster_id, *cluster["members"]]) == sorted(ids)
    assert store.count("clusters") == len(STORIES)
    assert store.queued_posts() == []


@pytest.fixture
def store_uri_of_kind(any_store: Store, tmp_path: Path) -> Iterator[str]:
    """A fresh store of ``any_store``'s kind, by URI (for other processes)."""
    from opinion_spiders.stores.mongo import MongoStore

    if not isinstance(any_store, MongoStore):
        yield f"embedded://{tmp_path / 'store'}"
        return
    host, port = any_store.client.address  # type: ignore[misc]
    name = f"test_step_{uuid.uuid4().hex[:12]}"
    yield f"mongodb://{host}:{port}/{name}"
    any_store.client.drop_database(name)


def test_cluster_step_one_batch_makes_one_cluster_per_story(any_store: Store) -> None:
    any_store.upsert_posts([_doc(r) for r in ROWS])
    assert len(any_store.queued_posts(1000)) == len(ROWS)
    result = ClusterStep(any_store).run()
    assert (result.posts, result.new + result.joined) == (len(ROWS), len(ROWS))
    assert result.new == len(STORIES)
    _assert_stories(any_store)


def test_cluster_step_after_every_post_merges_the_bridged_clusters(any_store: Store) -> None:
    """A step after each post (the way a standing step meets a trickle): the partial reposts
    start clusters of their own, and the full text, when it comes, merges them."""
    merged = 0
    for row in ROWS:
        any_store.upsert_posts([_doc(row)])
        merged += ClusterStep(any_store).run().merged
    assert merged == 3, "each bridged story merged once"
    _assert_stories(any_store)
    absorbed = [m for c in any_store.find_clusters(limit=100) for m in c["merged_from"]]
    for gone in absorbed:
        survivor = any_store.get_cluster(gone)
        assert survivor is not None and gone in survivor["merged_from"]


class _Recording:
    """A store that keeps the post fields each ``write_clusters`` sets, and the candidate
    posts the step reads."""

    def __init__(self, store: Store) -> None:
        self.store, self.posts, self.read = store, set[str](), list[str]()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def candidate_posts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.read.extend(ids)
        return self.store.candidate_posts(ids)

    def write_clusters(self, writes: ClusterWrites) -> None:
        self.posts.update(writes.posts)
        self.store.write_clusters(writes)


def test_cluster_step_keeps_the_crawls_view_where_it_agrees(any_store: Store) -> None:
    """A new post is stored with the crawl's view of its cluster: one process that saw every
    copy before it (as a lone crawl does) agrees with the step, which rewrites only the posts
    of the clusters it merged (the crawl never rewrites a stored post)."""
    clusterer = Clusterer()
    for start in range(0, len(ROWS), 9):
        any_store.upsert_posts(_viewed(ROWS[start : start + 9], clusterer, any_store))
    views = _fields(any_store)
    recording = _Recording(any_store)
    result = ClusterStep(recording, batch=25).run()  # type: ignore[arg-type]
    assert result.new == len(STORIES) + 3 and result.merged == 3  # the bridged parts
    _assert_stories(any_store)
    changed = {p for p, fields in _fields(any_store).items() if fields != views[p]}
    assert recording.posts == changed, "only the posts whose fields differ are rewritten"
    assert changed and all(p.startswith("b") for p in changed), "only the merges move posts"
    assert len(recording.read) < len(ROWS) // 4, "the step reads what the views do not vouch for"


class _Listing:
    """A store that keeps the posts whose bands the step reads (``band_listed``)."""

    def __init__(self, store: Store, queued: list[str]) -> None:
        self.store, self.queued, self.listed = store, queued, list[str]()
        self.posts = {tuple(d["minhash_bands"]): d["_id"] for d in map(_doc, ROWS)}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def queued_posts(self, limit: int = 1000) -> list[dict[str, Any]]:
        found = self.store.queued_posts(limit)
        self.queued.extend(str(d["_id"]) for d in found if d.get(FRESH))
        return found

    def band_listed(self, queries: list[list[str]], limit: int = 50) -> list[list[str]]:
        self.listed.extend(self.posts[tuple(q)] for q in queries)
        return self.store.band_listed(queries, limit)


def _stored(store: Store, docs: list[dict[str, Any]]) -> None:
    """The posts written as the crawl writes them: each looked up under its bands just before
    (the crawl's search for its copies), which is how the embedded store knows they are new."""
    store.band_listed([d["minhash_bands"] for d in docs])
    store.upsert_posts(docs)


def test_cluster_step_reads_no_bands_of_a_post_whose_bands_were_new(any_store: Store) -> None:
    """A post none of whose bands a stored post (or another of its batch) had when it was
    written is queued fresh: each post that shares a band was written after it and lists it,
    so the step reads the bands of the others only — and still makes one cluster per story."""
    for row in ROWS:
        _stored(any_store, [_doc(row)])
    earlier: set[str] = set()
    expected = set()
    for row in ROWS:
        bands = set(_doc(row)["minhash_bands"])
        if earlier.isdisjoint(bands):
            expected.add(row[0])
        earlier |= bands
    fresh: list[str] = []
    listing = _Listing(any_store, fresh)
    ClusterStep(listing, batch=10).run()  # type: ignore[arg-type]
    assert set(fresh) == expected and len(expected) >= len(STORIES)
    assert sorted(listing.listed) == sorted(r[0] for r in ROWS if r[0] not in expected)
    _assert_stories(any_store)


def test_cluster_step_joins_a_fresh_post_to_a_copy_of_its_batch_taken_before_it(
    any_store: Store,
) -> None:
    """A fresh post whose copy (written after it) comes first in the batch — crawled
    earlier, stored later, as by another process — is placed with the copy that listed it."""
    story = sorted((r for r in ROWS if r[0].startswith("t1:")), key=lambda r: r[0])
    first, copy = _doc(story[0]), _doc(story[1])
    copy["crawled_at"] = first["crawled_at"] - timedelta(minutes=5)
    _stored(any_store, [first])
    _stored(any_store, [copy])
    fresh = [bool(d.get(FRESH)) for d in any_store.queued_posts()]
    assert fresh == [True, False]
    result = ClusterStep(any_store).run()
    assert (result.new, result.joined) == (1, 1)
    [cluster] = any_store.find_clusters()
    assert sorted([cluster["_id"], *cluster["members"]]) == sorted([first["_id"], copy["_id"]])


def test_cluster_step_rechecks_a_fresh_post_a_copy_listed_while_it_waited(
    any_store: Store,
) -> None:
    """A copy taken in an earlier batch than a fresh post it lists (queued before it, its
    bands written after — two processes at once; here a post queued before and rewritten
    as a copy): the step asks for the fresh post's bands to be read, and it joins the copy."""
    story = sorted((r for r in ROWS if r[0].startswith("t2:")), key=lambda r: r[0])
    other = next(r for r in ROWS if r[0].startswith("t3:"))
    original = _doc(story[0])
    early = _doc((story[1][0], story[1][1], other[2], story[1][3]))
    _stored(any_store, [early])  # queued first, with another text
    _stored(any_store, [original])  # fresh
    _stored(any_store, [_doc(story[1])])  # rewritten as a copy: stays first, rechecked
    fresh = [bool(d.get(FRESH)) for d in any_store.queued_posts()]
    assert fresh == [False, True]
    result = ClusterStep(any_store, batch=1).run()
    assert (result.new, result.joined, result.batches) == (1, 1, 2)
    [cluster] = any_store.find_clusters()
    assert sorted([cluster["_id"], *cluster["members"]]) == sorted([story[0][0], story[1][0]])


def _write_elsewhere(uri: str, row: Row) -> None:
    """Another process writes one post."""
    store = open_store(uri)
    try:
        store.upsert_posts([_doc(row)])
    finally:
        store.close()


def test_embedded_store_remembers_new_bands_compactly(tmp_path: Path) -> None:
    """What the embedded store keeps for the fresh marks — the band lists its lookups found
    no post under, and the keys of each batch it wrote — takes a few bytes a key, not a
    Python object each: 64 batches of 80 posts and 40 lookups that were never written keep
    under 6 MB (20.5 MB when each batch's keys were a ``frozenset`` and each band list its
    32 texts)."""
    rng = random.Random(3)

    def bands() -> list[str]:
        return [f"{rng.getrandbits(64):016x}" for _ in range(32)]

    store = open_store(f"embedded://{tmp_path / 'store'}")
    try:
        store.ensure_schema()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for batch in range(64):
                store.band_listed([bands() for _ in range(40)])  # looked up, never written
                store.upsert_posts([
                    {"_id": f"s:{batch}:{i}", "site": "s", "kind": "forum", "content": "x",
                     "minhash_bands": bands()} for i in range(80)
                ])  # fmt: skip
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    finally:
        store.close()
    assert kept < 6_000_000, f"{kept / 1e6:.1f} MB kept"


def test_embedded_store_queues_fresh_what_a_lookup_saw_new_and_nothing_wrote_since(
    tmp_path: Path,
) -> None:
    """The embedded store's witness of new bands is the crawl's lookup just before the write;
    a post is queued fresh only if nothing gave any of its bands a row in between — which it
    can tell only of the rows its own process wrote."""
    uri = f"embedded://{tmp_path / 'store'}"
    store, beside = open_store(uri), open_store(uri)  # two connections of one process
    stories = {s: sorted((r for r in ROWS if r[0].startswith(f"{s}:")), key=lambda r: r[0])
               for s in ("t0", "t1", "t2", "t3", "t4", "t5")}  # fmt: skip
    t0, t1, t2, t3, t4, t5 = (stories[s] for s in sorted(stories))
    try:
        store.upsert_posts([_doc(t0[0])])  # no lookup before it: no witness
        store.band_listed([_doc(t1[0])["minhash_bands"]])
        _stored(beside, [_doc(t1[1])])  # a copy of it written in between, here: not fresh
        store.upsert_posts([_doc(t1[0])])
        _stored(store, [_doc(t2[0]), _doc(t2[1])])  # two copies in one batch: neither
        store.band_listed([_doc(t3[0])["minhash_bands"]])
        _stored(beside, [_doc(t4[0])])  # another story written in between, here: fresh
        store.upsert_posts([_doc(t3[0])])
        store.band_listed([_doc(t5[0])["minhash_bands"]])
        proc = multiprocessing.get_context("spawn").Process(
            target=_write_elsewhere, args=(uri, t0[2])
        )  # another story written in between by another process: not fresh (unknown rows)
        proc.start()
        proc.join(timeout=120)
        assert proc.exitcode == 0
        store.upsert_posts([_doc(t5[0])])
        fresh = {str(d["_id"]) for d in store.queued_posts() if d.get(FRESH)}
        assert fresh == {t1[1][0], t4[0][0], t3[0][0]}
        ClusterStep(store).run()
        assert not any(d.get(FRESH) for d in store.queued_posts())
    finally:
        store.close()
        beside.close()


def test_embedded_store_made_before_fresh_marks_opens_and_queues(tmp_path: Path) -> None:
    """A store file whose queue has no ``fresh`` column and no band generation (made before
    them) opens, queues and clusters as before."""
    import sqlite3

    uri = f"embedded://{tmp_path / 'store'}"
    open_store(uri).close()
    conn = sqlite3.connect(tmp_path / "store" / "opinion.sqlite3")
    conn.executescript("DROP TABLE cluster_queue; DROP TABLE band_gen;"
                       " CREATE TABLE cluster_queue (post_id TEXT PRIMARY KEY);")  # fmt: skip
    conn.close()
    store = open_store(uri)
    try:
        for row in ROWS:
            _stored(store, [_doc(row)])
        assert any(d.get(FRESH) for d in store.queued_posts(1000))
        ClusterStep(store).run()
        _assert_stories(store)
    finally:
        store.close()


def test_cluster_step_corrects_the_views_of_processes_that_did_not_see_each_other(
    any_store: Store,
) -> None:
    """Each post stored by a process that saw nothing else (its own in-run index, a store
    not clustered yet): every view says "a story of one"; the step, in batches that leave
    copies queued behind them, makes one cluster per story."""
    for row in ROWS:
        any_store.upsert_posts(_viewed([row], Clusterer(), None))
    assert all(f["cluster_size"] == 1 for f in _fields(any_store).values())
    ClusterStep(any_store, batch=7).run()
    _assert_stories(any_store)


def test_cluster_step_bridges_a_recrawled_post_to_a_copy_placed_while_it_waited(
    any_store: Store,
) -> None:
    """A new copy placed while the only copies it shares bands with wait in the queue again
    (re-crawled): it starts a cluster of its own; the re-crawled post, when its turn comes,
    keeps its cluster and merges the new copy's into it — one story, one cluster."""
    story = sorted((r for r in ROWS if r[0].startswith("t0:")), key=lambda r: r[0])
    first, second, copy = story[0], story[1], story[2]
    any_store.upsert_posts([_doc(first), _doc(second)])
    ClusterStep(any_store).run()
    any_store.upsert_posts([_doc(copy)])
    any_store.upsert_posts([_doc(first), _doc(second)])  # re-crawled: queued behind the copy
    result = ClusterStep(any_store, batch=1).run()
    assert (result.known, result.new, result.merged) == (2, 1, 1)
    posts = {p["_id"]: p for p in any_store.find_posts(limit=10)}
    [cluster] = any_store.find_clusters()
    assert {p["cluster_id"] for p in posts.values()} == {cluster["_id"]}
    assert cluster["size"] == 3 and sorted([cluster["_id"], *cluster["members"]]) == sorted(posts)


def test_cluster_step_again_changes_nothing(any_store: Store) -> None:
    """A post crawled again is queued again: the step knows it and counts nothing twice."""
    any_store.upsert_posts([_doc(r) for r in ROWS])
    ClusterStep(any_store).run()
    any_store.upsert_posts([_doc(r) for r in ROWS[:10]])
    again = ClusterStep(any_store).run()
    assert (again.posts, again.known, again.joined, again.new) == (10, 10, 0, 0)
    _assert_stories(any_store)


class _Failing:
    """A store whose first ``write_clusters`` fails (a killed process, a lost server); a
    store's write is all or nothing (see the store contract tests)."""

    def __init__(self, store: Store) -> None:
        self.store, self.failed = store, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def write_clusters(self, writes: ClusterWrites) -> None:
        if not self.failed:
            self.failed = True
            raise StoreUnavailable("cut short")
        self.store.write_clusters(writes)


def test_cluster_step_cut_short_leaves_its_posts_to_the_next(any_store: Store) -> None:
    """Steps that fail to write (their lease left to run out): their posts stay queued, and
    the next step makes every story's cluster, nothing counted twice."""
    for start in range(0, len(ROWS), 7):
        any_store.upsert_posts([_doc(r) for r in ROWS[start : start + 7]])
        with pytest.raises(StoreUnavailable):
            ClusterStep(_Failing(any_store), holder="cut").run()  # type: ignore[arg-type]
        any_store.release_lease(LEASE, "cut")  # as its lease would run out
        ClusterStep(any_store).run()
    _assert_stories(any_store)


def _crawler_process(uri: str, rows: list[Row], start: Any) -> None:
    """One crawler process: stores its posts in small batches, a step after each batch."""
    store = open_store(uri)
    start.wait(timeout=60)
    try:
        clusterer = Clusterer()
        for at in range(0, len(rows), 3):
            store.upsert_posts(_viewed(rows[at : at + 3], clusterer, store))
            ClusterStep(store).run(wait=60)
    finally:
        store.close()


def test_cluster_step_from_two_processes_makes_one_cluster_per_story(
    store_uri_of_kind: str,
) -> None:
    """Two crawler processes store the copies of the same stories at once, each running the
    step after every batch: one cluster per story, every copy counted once."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    halves = [ROWS[0::2], ROWS[1::2]]
    procs = [context.Process(target=_crawler_process, args=(store_uri_of_kind, rows, start))
             for rows in halves]  # fmt: skip
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
    assert [proc.exitcode for proc in procs] == [0, 0]
    store = open_store(store_uri_of_kind)
    try:
        _assert_stories(store)
    finally:
        store.close()


def _hold_the_step(uri: str, holding: Any) -> None:
    """A step that takes the lease and hangs (to be killed)."""
    store = open_store(uri)
    assert store.take_lease(LEASE, "doomed", 2.0)
    holding.set()
    time.sleep(600)


def test_cluster_step_left_by_a_killed_process_is_taken_over(store_uri_of_kind: str) -> None:
    """A process killed -9 while it held the step: the next step waits its lease out, then
    clusters every post (also those stored while the dead one held it)."""
    context = multiprocessing.get_context("spawn")
    holding = context.Event()
    doomed = context.Process(target=_hold_the_step, args=(store_uri_of_kind, holding))
    doomed.start()
    assert holding.wait(timeout=60)
    os.kill(doomed.pid or 0, signal.SIGKILL)
    doomed.join(timeout=30)
    store = open_store(store_uri_of_kind)
    try:
        store.upsert_posts([_doc(r) for r in ROWS])
        assert ClusterStep(store).run(wait=0).busy, "the dead holder's lease still runs"
        result = ClusterStep(store).run(wait=30)
        assert not result.busy and result.posts == len(ROWS)
        _assert_stories(store)
    finally:
        store.close()


def _crawl_stages(settings: dict[str, Any], rows: list[Row]) -> Any:
    """The cluster and store stages of one crawler over ``rows``; its stats."""
    crawler = get_crawler(settings_dict=settings)
    cluster, posts = ClusterPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)

    async def run() -> None:
        await asyncio.gather(cluster.open_spider(), posts.open_spider())
        for row in rows:
            await posts.process_item(await cluster.process_item(_post(row)))
        await asyncio.gather(cluster.close_spider(), posts.close_spider())

    try:
        asyncio.run(run())
    finally:
        cluster.runtime.close()
    assert crawler.stats is not None
    return crawler.stats


def test_cluster_stage_runs_the_step_when_the_crawler_closes(tmp_path: Path) -> None:
    settings = {"OPINION_STORE": f"embedded://{tmp_path / 'store'}",
                "OPINION_DATA_DIR": str(tmp_path), "OPINION_STORE_BATCH_SIZE": 4}  # fmt: skip
    stats = _crawl_stages(settings, ROWS)
    assert stats.get_value("opinion/cluster/step/posts") == len(ROWS)
    store = open_store(settings["OPINION_STORE"])
    try:
        _assert_stories(store)
    finally:
        store.close()


def test_cluster_stage_with_the_store_down_leaves_the_clusters_to_the_next_step(
    store_uri_of_kind: str, tmp_path: Path
) -> None:
    """A crawl with MongoDB down throughout: the posts go to the spool and the step cannot
    run; the next run's start replays the spool (which queues the posts) and its step makes
    every story's cluster."""
    dead = f"mongodb://127.0.0.1:{free_port()}/opinion?serverSelectionTimeoutMS=200"
    settings = {"OPINION_STORE": dead, "OPINION_DATA_DIR": str(tmp_path / "down"),
                "OPINION_STORE_BATCH_SIZE": 4}  # fmt: skip
    stats = _crawl_stages(settings, ROWS)
    assert stats.get_value("opinion/cluster/step/store_unavailable") == 1
    assert stats.get_value("opinion/store/spooled") == len(ROWS)
    live = open_store(store_uri_of_kind)
    try:
        Spool(spool_dir(settings)).replay(live)
        ClusterStep(live).run()
        _assert_stories(live)
    finally:
        live.close()


def test_opinion_cluster_clusters_the_queued_posts(tmp_path: Path) -> None:
    uri = f"embedded://{tmp_path / 'store'}"
    store = open_store(uri)
    try:
        store.upsert_posts([_doc(r) for r in ROWS])
    finally:
        store.close()
    done = run_opinion("cluster", "--json", env={"OPINION_STORE": uri})
    assert done.returncode == 0, done.stderr
    counts = Counter(json.loads(done.stdout))
    assert counts["posts"] == len(ROWS) and counts["new"] == len(STORIES)
    store = open_store(uri)
    try:
        _assert_stories(store)
    finally:
        store.close()
    again = run_opinion("cluster", env={"OPINION_STORE": uri})
    assert again.returncode == 0 and "clustered 0 posts" in again.stdout


def test_opinion_cluster_says_so_when_another_process_holds_the_step(tmp_path: Path) -> None:
    uri = f"embedded://{tmp_path / 'store'}"
    store = open_store(uri)
    try:
        assert store.take_lease(LEASE, "someone else", 600)
        done = run_opinion("cluster", "--wait", "0", env={"OPINION_STORE": uri}, check=False)
        assert done.returncode == 1
        assert "another process ran the step" in done.stdout
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["embedded", "mongodb"])
def test_cluster_stage_looks_up_and_steps_beside_the_store_writes(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """On either store the cluster stage's lookups and steps run on threads of their own: with
    the store's writer thread held up (a crawl's last seconds: the posts of the sites still
    running being written), a post still finds its cluster and a step still runs."""
    if kind == "embedded":
        uri = f"embedded://{tmp_path / 'store'}"
    else:
        uri = f"{request.getfixturevalue('mongo_uri')}beside_{uuid.uuid4().hex[:12]}"
    settings = {"OPINION_STORE": uri, "OPINION_DATA_DIR": str(tmp_path)}
    crawler = get_crawler(settings_dict=settings)
    cluster = ClusterPipeline.from_crawler(crawler)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        held.set()
        release.wait(timeout=60)

    async def run() -> tuple[Post, Post]:
        writing = asyncio.ensure_future(cluster.writer.call(hold))
        await asyncio.to_thread(held.wait, 30)
        try:
            await asyncio.wait_for(cluster.open_spider(), 30)  # the start's step
            story = sorted((r for r in ROWS if r[0].startswith("t1:")), key=lambda r: r[0])
            first = await asyncio.wait_for(cluster.process_item(_post(story[0])), 30)
            copy = await asyncio.wait_for(cluster.process_item(_post(story[1])), 30)
            assert not writing.done()
            return first, copy  # type: ignore[return-value]
        finally:
            release.set()
            await writing

    try:
        first, copy = asyncio.run(run())
    finally:
        cluster.runtime.close()
    assert cluster.lookups is not cluster.writer and cluster.steps is not cluster.writer
    assert copy.cluster_id == first.cluster_id == first.id and copy.cluster_size == 2
    assert crawler.stats is not None and crawler.stats.get_value("opinion/cluster/joined") == 1


def test_embedded_lookups_read_beside_an_open_write(tmp_path: Path) -> None:
    """The embedded store's cluster lookups read through a connection of their own: while
    another thread's write transaction is open they answer at once, with what was committed."""
    store = open_store(f"embedded://{tmp_path / 'store'}")
    first, copy = (_doc(r) for r in sorted(r for r in ROWS if r[0].startswith("t2:"))[:2])
    store.upsert_posts([first])
    opened, done = threading.Event(), threading.Event()

    def write_slowly() -> None:
        with store._write() as conn:  # noqa: SLF001 - an open transaction, held
            conn.execute("UPDATE band_gen SET gen = gen")
            opened.set()
            done.wait(timeout=30)

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        assert opened.wait(30)
        started = time.monotonic()
        [listed] = store.band_listed([copy["minhash_bands"]])
        assert listed == [first["_id"]] and time.monotonic() - started < 5
        assert set(store.candidate_posts(listed)) == {first["_id"]}
    finally:
        done.set()
        writer.join(timeout=30)
        store.close()
