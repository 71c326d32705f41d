"""Fault suite: a hostile corpus. `opinion crawl` reads a generated forum of 526 pages in which
19 threads are served the way real forums fail (tests/forum_corpus.py): every readable post is
stored once, in its own text, and every page that yields nothing is counted with its reason."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from opinion_spiders.stores import open_store
from tests._proc import run_opinion
from tests.forum_corpus import HOSTILE_KINDS, SITE, Corpus, CorpusServer

#: Where each hostile page that yields nothing is counted: its reason in the run's
#: ``parse_failures`` (with its URL), else the stat that counts it.
DROPPED = {
    "truncated": "unreadable",
    "deep_nesting": "unreadable",  # libxml2 stops at 256 levels: the floors are not in the tree
    "binary": "unreadable",
    "json": "unreadable",
    "empty": "unreadable",
    "image": "not_html",
    "pdf": "not_html",
    "captcha": "notice_captcha",
    "huge": "opinion/fetch/failed/too_large",
    "redirect_loop": "opinion/fetch/failed/redirect_loop",
    "http_503": "opinion/fetch/http/503",
    "http_403": "opinion/site/block_signals/http_403",
    "http_429": "opinion/site/block_signals/http_429",
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    corpus = Corpus(hostile=True)
    server = CorpusServer(corpus)
    folder = tmp_path_factory.mktemp("corpus")
    uri = f"embedded://{folder / 'store'}"
    started = time.monotonic()
    try:
        proc = run_opinion(
            "crawl", SITE, "-s", f"OPINION_SITES_FILES={server.sites_file(folder)}",
            "-s", "OPINION_RETRY_BACKOFF_BASE=0.1", env={"OPINION_STORE": uri}, check=False,
        )  # fmt: skip
    finally:
        server.close()
    store = open_store(uri)
    try:
        yield {
            "corpus": corpus, "proc": proc, "seconds": time.monotonic() - started,
            "posts": store.find_posts(limit=100_000), "count": store.count("posts"),
            "runs": store.find_runs(limit=10), "hits": server.hits,
        }  # fmt: skip
    finally:
        store.close()


def test_hostile_corpus_every_readable_post_stored_once_in_its_own_text(
    crawled: dict[str, Any],
) -> None:
    corpus: Corpus = crawled["corpus"]
    expected = corpus.readable_posts()
    assert corpus.pages() >= 500 and len(expected) > 1500
    proc = crawled["proc"]
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr
    assert re.search(
        rf"done {SITE}: 523 pages, {len(expected)} posts \({len(expected)} new\), \d+ alerts, "
        r"8 unreadable pages\n",
        proc.stderr,
    ), proc.stderr[-2000:]
    stored = {p["_id"]: p for p in crawled["posts"]}
    assert crawled["count"] == len(crawled["posts"]) == len(stored), "a duplicate _id"
    assert set(stored) == set(expected), "a post lost, or one that is none"
    wrong = {i: (stored[i]["content"], p.text) for i, p in expected.items()
             if (stored[i]["content"], stored[i]["author"]) != (p.text, p.author)}  # fmt: skip
    assert not wrong, f"mojibake or changed text: {list(wrong.items())[:3]}"
    by_kind = {t.kind: t for t in corpus.threads.values()}
    for kind in ("gbk_declared_utf8", "big5_declared_gbk", "latin1_declared_utf8", "no_charset"):
        thread = by_kind[kind]
        assert all(stored[p.id]["title"] == thread.title for p in thread.posts), kind
    (run,) = crawled["runs"]
    # the GBK, Big5 and cp1252 pages under a wrong charset: read right, and counted
    assert run["stats"]["opinion/encoding/corrected"] == 3


def test_hostile_corpus_every_page_that_yields_nothing_is_counted_with_its_reason(
    crawled: dict[str, Any],
) -> None:
    corpus: Corpus = crawled["corpus"]
    (run,) = crawled["runs"]
    stats = run["stats"]
    assert run["finish_reason"] == "finished" and run["health"] == []
    tids = {t.kind: t.tid for t in corpus.threads.values() if t.kind != "good"}
    assert sorted(DROPPED) == sorted(k for k, readable in HOSTILE_KINDS.items() if not readable)
    reasons = {int(f["url"].rsplit("tid=", 1)[1]): f["reason"] for f in run["parse_failures"]}
    for kind, reason in DROPPED.items():
        if reason.startswith("opinion/"):
            assert stats.get(reason) == 1, (kind, reason)
        else:
            assert reasons.get(tids[kind]) == reason, (kind, reasons)
    assert len(reasons) == stats["opinion/parse/failed"] == 8
    # each page of the site fetched and read, or counted as not fetched: none dropped unsaid
    fetched = stats["opinion/pages"]
    not_fetched = stats["opinion/fetch/failed"] + stats["opinion/fetch/http"]
    assert (fetched, not_fetched) == (523, 3) and fetched + not_fetched == corpus.pages()
    assert stats["opinion/site/block_signals"] == 3
    # 429 and 503 were retried (RETRY_TIMES = 2), the 20 MB page was not fetched twice
    path = "/forum.php?mod=viewthread&tid={}"
    assert crawled["hits"][path.format(tids["http_429"])] == 3
    assert crawled["hits"][path.format(tids["http_503"])] == 3
    assert crawled["hits"][path.format(tids["huge"])] == 1
    assert crawled["seconds"] < 90
