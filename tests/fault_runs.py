"""What the fault tests share: the generated forum they crawl, `opinion crawl` started in the
background, and what an analyst reads from a store (posts, clusters, alerts, ``posts.alert``,
runs) compared with what a clean run of the same site stored; and a store whose alert ledger
is lost mid-delivery (:class:`LedgerLostAfterInsert`)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors
import pytest

from opinion_spiders.stores import Store, StoreUnavailable, open_store
from tests._proc import BIN, ROOT, run_opinion
from tests.forum_corpus import SITE, Corpus, CorpusServer

#: Slow enough that a fault lands with part of the posts stored, and batches long enough that
#: it lands while an alert raised in the ledger waits for its posts' next batch to set `alert`.
SLOW = (
    "-s", "OPINION_STORE_BATCH_SIZE=50", "-s", "AUTOTHROTTLE_ENABLED=false",
    "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
)  # fmt: skip
_EVENT_BUCKET = re.compile(r":\d{4}-\d\d-\d\dT\d\d:\d\dZ$")
DONE = re.compile(r"done (\S+): (\d+) pages, (\d+) posts")
#: A notification as the log channel (always on) delivers it.
SENT = "[opinion_spiders.alerts] WARNING: ALERT "


def reposted_forum() -> Corpus:
    """133 pages (index, 12 listing pages, 120 threads), 438 posts, 15 of them reposts of
    earlier ones: 15 clusters, 17 alerts."""
    return Corpus(hostile=False, boards=3, threads_per_board=40, reposts=15)


@pytest.fixture(scope="session")
def reposted_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CorpusServer, Path]]:
    """:func:`reposted_forum` served on loopback, and a sites file naming it."""
    server = CorpusServer(reposted_forum())
    try:
        yield server, server.sites_file(tmp_path_factory.mktemp("reposted"))
    finally:
        server.close()


@pytest.fixture(scope="session")
def clean_run(
    reposted_site: tuple[CorpusServer, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """What one process with nothing going wrong stores of ``reposted_site`` (embedded)."""
    server, sites = reposted_site
    uri = f"embedded://{tmp_path_factory.mktemp('clean') / 'store'}"
    log = run_opinion("crawl", *site_args(sites), env={"OPINION_STORE": uri}).stderr
    clean = {**outcome(uri), "sent": notifications(log)}
    assert clean["count"] == len(server.corpus.readable_posts()) == 438
    assert len(clean["clusters"]) == 15 and clean["alert_count"] == clean["sent"] == 17
    return clean


@dataclass
class Crawl:
    """One `opinion crawl` process in the background, its stderr in a file."""

    proc: subprocess.Popen[bytes]
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def finish(self, timeout: float = 240) -> tuple[int, str]:
        return self.proc.wait(timeout=timeout), self.log()

    def stop(self) -> None:
        """SIGKILL if it still runs (a test's clean-up)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def start_crawl(folder: Path, name: str, env: dict[str, str], *args: str) -> Crawl:
    """``opinion crawl ARGS`` with ``env`` added, its output in ``folder/name.err``."""
    folder.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    err = folder / f"{name}.err"
    with err.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "opinion"), "crawl", *args],
            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=out,
            start_new_session=True,  # a process group of its own, as in a terminal
        )  # fmt: skip
    return Crawl(proc, err)


def stored_posts(uri: str) -> int:
    """Posts in the store now; 0 while it does not exist yet or does not answer."""
    if uri.startswith("mongodb://"):
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            uri, serverSelectionTimeoutMS=1000, socketTimeoutMS=2000
        )
        try:
            return client.get_default_database()["posts"].count_documents({})
        except pymongo.errors.PyMongoError:
            return 0
        finally:
            client.close()
    try:
        store = open_store(uri)
    except Exception:  # noqa: BLE001 - the crawl has not created it yet
        return 0
    try:
        return store.count("posts")
    finally:
        store.close()


def wait_until(
    what: str, ready: Callable[[], bool], crawls: list[Crawl], timeout: float = 120
) -> None:
    """Poll ``ready`` until it holds; fail when a crawl ended first or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    while not ready():
        for crawl in crawls:
            assert crawl.proc.poll() is None, (
                f"the crawl ended before {what}:\n{crawl.log()[-3000:]}"
            )
        assert time.monotonic() < deadline, f"not {what} in {timeout} s"
        time.sleep(0.1)


def outcome(uri: str) -> dict[str, Any]:
    """What analysts read: posts, clusters (members, size, first publisher), alerts (stories
    and their posts; an event alert without its time bucket), ``posts.alert``, runs."""
    store = open_store(uri)
    try:
        posts = store.find_posts(limit=100_000)
        members: dict[str, set[str]] = {}
        for post in posts:
            members.setdefault(str(post.get("cluster_id")), set()).add(post["_id"])
        found = store.find_clusters(limit=100_000)
        clusters = {
            frozenset(members.get(c["_id"], ())): (c["size"], c["first_post_id"]) for c in found
        }
        story = _story_names([members.get(c["_id"], set()) for c in found])
        alerts = [(story(_EVENT_BUCKET.sub("", a["_id"])), sorted(a.get("post_ids") or []))
                  for a in store.find_alerts(limit=100_000)]  # fmt: skip
        return {
            "count": store.count("posts"), "ids": [p["_id"] for p in posts],
            "clusters": clusters, "alerts": sorted(alerts),
            "alert_count": store.count("alerts"),
            "post_alerts": sorted(
                (p["_id"], story(p["alert"]["id"])) for p in posts if p.get("alert")
            ),
            "runs": store.find_runs(limit=100),
        }  # fmt: skip
    finally:
        store.close()


def _story_names(clusters: list[set[str]]) -> Callable[[str], str]:
    """Alert ids as a comparison across runs needs them. A story of copies is named after the
    thread of its cluster's first-crawled post (``cluster_story_key``): the original's thread
    when it was read first, the repost's when the crawl order put it first — and that order
    is the scheduler's, not the site's, in any run with more than one request in flight. So
    a ``thread:`` story of a thread holding a copy is named here by its cluster's members."""
    threads: dict[str, str] = {}
    for ids in clusters:
        name = "copies:" + ",".join(sorted(ids))
        for site, thread, *_ in (post_id.split(":") for post_id in ids):
            threads[f"thread:{site}:{thread}"] = name
    return lambda alert_id: threads.get(alert_id, alert_id)


def notifications(*logs: str) -> int:
    """Alerts delivered (by the log channel) in the crawls that wrote ``logs``."""
    return sum(log.count(SENT) for log in logs)


#: The address an alert delivered by the log channel links to (its story's post).
_ALERT_LINK = re.compile(re.escape(SENT) + r".*?链接：(\S+)")


def delivered_after_a_kill(killed: str, *others: str) -> int:
    """Alerts delivered (by the log channel) by a crawl killed with SIGKILL (``killed``, its
    log) and the crawls beside or after it (``others``), its last one counted once where
    another crawl sent it again. A channel's delivery is written to the ledger right after
    its send, and a process sends one alert at a time (``alerting.dispatch``'s lock): a kill
    between the two leaves that one alert pending, and the next retry sends it again — at
    least once, never lost. Any other alert delivered twice still counts twice."""
    sent = notifications(killed, *others)
    last = _ALERT_LINK.findall(killed)[-1:]
    if last and any(last[0] in _ALERT_LINK.findall(log) for log in others):
        sent -= 1
    return sent


def assert_same_as_clean(
    after: dict[str, Any], clean: dict[str, Any], sent: int, *, in_any_order: bool = False
) -> None:
    """0 posts lost, 0 duplicate posts, 0 duplicate alerts (stored, and ``sent``: delivered
    by the faulty crawls), the clean run's clusters and ``posts.alert``. ``in_any_order``:
    posts came in another order (two processes), so a repost may join the story of another
    thread of its cluster than in the clean run — the story a post joins is the one its
    cluster alerted first: then every alerted post is in one alert, as in the clean run."""
    assert sent == clean["sent"], "an alert delivered twice (or lost)"
    assert after["count"] == len(after["ids"]) == len(set(after["ids"])), "a post twice"
    assert sorted(after["ids"]) == sorted(clean["ids"]), "a post lost"
    assert after["clusters"] == clean["clusters"]
    assert after["alert_count"] == len(after["alerts"]) == len(clean["alerts"]), "alert twice"
    if in_any_order:
        alerted = sorted(i for _, ids in after["alerts"] for i in ids)
        assert alerted == sorted(i for _, ids in clean["alerts"] for i in ids)
        assert [p for p, _ in after["post_alerts"]] == [p for p, _ in clean["post_alerts"]]
        return
    assert after["alerts"] == clean["alerts"]
    assert after["post_alerts"] == clean["post_alerts"]


def site_args(sites: Path) -> tuple[str, ...]:
    return (SITE, "-s", f"OPINION_SITES_FILES={sites}")


class LedgerLostAfterInsert:
    """A real store whose alert ledger takes an alert's insert and then loses the store for
    every update of it: the store going away while the alert is delivered."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def update_alert(self, alert_id: str, fields: Any) -> None:
        raise StoreUnavailable("the store went away")
