"""Fault suite: `opinion crawl` killed with SIGKILL mid-crawl and run again converges on what a
clean run of the same site stores — the same posts once each, the same alerts once each, the
same near-duplicate clusters (by membership and first publisher, not by id) and the same
``posts.alert``."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.stores import open_store
from tests._proc import BIN, ROOT, run_opinion
from tests.forum_corpus import SITE, Corpus, CorpusServer

#: Slow enough that the kill lands with part of the posts stored, and batches long enough that
#: it lands while an alert raised in the ledger waits for its posts' next batch to set `alert`.
SLOW = (
    "-s", "OPINION_STORE_BATCH_SIZE=50", "-s", "AUTOTHROTTLE_ENABLED=false",
    "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
)  # fmt: skip
KILL_AT = 100
_EVENT_BUCKET = re.compile(r":\d{4}-\d\d-\d\dT\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CorpusServer, Path]]:
    corpus = Corpus(hostile=False, boards=3, threads_per_board=40, reposts=15)
    server = CorpusServer(corpus)
    folder = tmp_path_factory.mktemp("kill")
    try:
        yield server, server.sites_file(folder)
    finally:
        server.close()


def _outcome(uri: str) -> dict[str, Any]:
    """What analysts read: posts, clusters (members, size, first publisher), alerts
    (stories and their posts), ``posts.alert``, runs."""
    store = open_store(uri)
    try:
        posts = store.find_posts(limit=100_000)
        members: dict[str, set[str]] = {}
        for post in posts:
            members.setdefault(str(post.get("cluster_id")), set()).add(post["_id"])
        clusters = {
            frozenset(members.get(c["_id"], ())): (c["size"], c["first_post_id"])
            for c in store.find_clusters(limit=100_000)
        }
        alerts = [(_EVENT_BUCKET.sub("", a["_id"]), sorted(a.get("post_ids") or []))
                  for a in store.find_alerts(limit=100_000)]  # fmt: skip
        return {
            "count": store.count("posts"), "ids": [p["_id"] for p in posts],
            "clusters": clusters, "alerts": sorted(alerts),
            "alert_count": store.count("alerts"),
            "post_alerts": sorted((p["_id"], p["alert"]["id"]) for p in posts if p.get("alert")),
            "runs": store.find_runs(limit=10),
        }  # fmt: skip
    finally:
        store.close()


def _stored(uri: str) -> int:
    try:
        store = open_store(uri)
    except Exception:  # noqa: BLE001 - the crawl has not created it yet
        return 0
    try:
        return store.count("posts")
    finally:
        store.close()


def test_crawl_killed_and_rerun_converges_on_a_clean_run(
    site: tuple[CorpusServer, Path], tmp_path: Path
) -> None:
    server, sites = site
    total = len(server.corpus.readable_posts())
    clean_uri = f"embedded://{tmp_path / 'clean'}"
    run_opinion(
        "crawl", SITE, "-s", f"OPINION_SITES_FILES={sites}", env={"OPINION_STORE": clean_uri}
    )
    clean = _outcome(clean_uri)
    assert clean["count"] == total and len(clean["clusters"]) == 15 and clean["alerts"]

    uri = f"embedded://{tmp_path / 'killed'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPINION_STORE": uri}
    with (tmp_path / "killed.err").open("wb") as err:
        crawl = subprocess.Popen(
            [str(BIN / "opinion"), "crawl", SITE, "-s", f"OPINION_SITES_FILES={sites}", *SLOW],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (stored := _stored(uri)) < KILL_AT and crawl.poll() is None:
            assert time.monotonic() < deadline, "no posts stored in 120 s"
            time.sleep(0.1)
        assert crawl.poll() is None, "the crawl ended before it was killed"
        crawl.kill()  # SIGKILL: no close_spider, no run record, the open batch lost
    finally:
        crawl.kill()
        crawl.wait(timeout=30)
    assert crawl.returncode == -9
    at_kill = _stored(uri)
    assert KILL_AT <= stored <= at_kill < total

    done = run_opinion(
        "crawl", SITE, "-s", f"OPINION_SITES_FILES={sites}", env={"OPINION_STORE": uri}
    )
    assert f"done {SITE}: " in done.stderr and "Traceback" not in done.stderr
    rerun = _outcome(uri)
    assert rerun["count"] == len(rerun["ids"]) == len(set(rerun["ids"])) == total
    assert sorted(rerun["ids"]) == sorted(clean["ids"]), "a post lost"
    assert rerun["clusters"] == clean["clusters"]
    assert rerun["alert_count"] == len(rerun["alerts"]) == len(clean["alerts"]), "alert twice"
    assert rerun["alerts"] == clean["alerts"]
    assert rerun["post_alerts"] == clean["post_alerts"]
    (run,) = rerun["runs"]  # the killed process recorded none
    assert run["finish_reason"] == "finished"
