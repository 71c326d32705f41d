"""Threads taken down after they were stored (删帖): a site with ``revisit_hours`` reads its
recently stored threads again at the start of each crawl, and one that now answers with a
deleted notice (or HTTP 404) has its opening post marked ``removed``. A loopback board of
written pages (``tests/reading_pages/written_board_thread_list.html``, each row's thread the
written V2EX topic) crawled twice, two of its threads taken down in between."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from tests._proc import ROOT, run_opinion
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"
TAKEN_DOWN = """<html><head><meta charset="utf-8"><title>提示信息</title></head><body>
<div class="alert_error"><p>根据相关法律法规和政策，该内容未予显示。</p></div></body></html>"""


@pytest.fixture
def board(tmp_path: Path) -> Iterator[PageSite]:
    notice = tmp_path / "notice.html"
    notice.write_text(TAKEN_DOWN, encoding="utf-8")
    routes: list[tuple[re.Pattern[str], Path | None]] = [
        (re.compile(r"^/forum-1-\d+\.html$"), PAGES / "written_board_thread_list.html"),
        (re.compile(r"^/thread-\d+-1-1\.html$"), PAGES / "written_v2ex_topic.html"),
    ]
    with PageSite(routes, "text/html; charset=utf-8") as site:
        site.notice = notice  # type: ignore[attr-defined]
        site.routes = routes  # type: ignore[attr-defined]
        yield site


def test_revisit_marks_the_threads_taken_down(board: PageSite, tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.town-bbs]\nkind = "forum"\nengine = "generic"\n'
        f'start_urls = ["{board.url}/forum-1-1.html"]\nmax_listing_pages = 1\nconcurrency = 4\n'
        "revisit_hours = 87600\n",  # the written topic's posts are dated 2024
        encoding="utf-8",
    )
    uri = f"embedded://{tmp_path / 'store'}"
    env = {"OPINION_STORE": uri}
    run_opinion("crawl", "town-bbs", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
    # two threads are taken down: one says so, one is gone (404)
    board.routes.insert(0, (re.compile(r"^/thread-1003-1-1\.html$"), board.notice))  # type: ignore[attr-defined]
    board.routes.insert(0, (re.compile(r"^/thread-1005-1-1\.html$"), None))  # type: ignore[attr-defined]
    board.hits.clear()
    run_opinion("crawl", "town-bbs", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
    # the board's rows did not change: the threads were walked again only as revisits
    assert sorted(h for h in board.hits if h.startswith("/thread-")) == [
        f"/thread-{n}-1-1.html" for n in range(1000, 1008)
    ]
    store = open_store(uri)
    try:
        posts = store.find_posts(sort="time", limit=1000)
    finally:
        store.close()
    removed = {
        p["url"].split("#")[0].rsplit("/", 1)[1]: p["removed"] for p in posts if p.get("removed")
    }
    assert sorted(removed) == ["thread-1003-1-1.html", "thread-1005-1-1.html"]
    assert removed["thread-1003-1-1.html"]["notice"] == "根据相关法律法规和政策，该内容未予显示。"
    assert removed["thread-1005-1-1.html"]["notice"] == "HTTP 404"
    assert all(p["floor"] == 1 for p in posts if p.get("removed"))
    assert len(posts) == 8 * 4  # nothing stored was lost


def test_revisit_hours_is_declared_as_hours() -> None:
    from opinion_spiders.errors import ConfigError
    from opinion_spiders.sites import site_from_mapping

    table = {"kind": "forum", "engine": "generic", "start_urls": ["https://bbs.example.cn/"]}
    assert site_from_mapping("bbs", table, "sites.toml").revisit_hours == 0
    assert site_from_mapping("bbs", {**table, "revisit_hours": 48}, "s").revisit_hours == 48
    for bad in (-1, "48h", True):
        with pytest.raises(ConfigError, match="revisit_hours"):
            site_from_mapping("bbs", {**table, "revisit_hours": bad}, "sites.toml")


def test_revisit_of_a_portal_reads_its_articles_as_articles(tmp_path: Path) -> None:
    """A portal's stored articles are revisited as articles: one still there is read again
    (not taken for a list page), one gone (404) is marked."""
    roll = tmp_path / "roll.html"
    roll.write_text(
        '<html><head><meta charset="utf-8"><title>滚动</title></head><body><ul>'
        '<li><a href="/c/2024-05-10/doc-inausehc2630922.shtml">城市有轨电车之困</a> 2024-05-10</li>'
        '<li><a href="/c/2024-05-11/doc-inausehc2630923.shtml">城市有轨电车之困（二）</a> 2024-05-11</li>'
        "</ul></body></html>",
        encoding="utf-8",
    )
    article = ROOT / "tests/pages/portal/news_sina_2024/page.html"
    routes: list[tuple[re.Pattern[str], Path | None]] = [
        (re.compile(r"/roll\.html$"), roll),
        (re.compile(r"/c/2024-05-1\d/doc-\w+\.shtml$"), article),
        (re.compile(r"comment\.sina\.com\.cn"), None),  # its comments: none here
    ]
    with PageSite(routes, "text/html; charset=utf-8") as site:
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[sites.news]\nkind = "portal"\nengine = "portal"\nstart_urls = ["{site.url}/roll.html"]\n'
            "revisit_hours = 87600\nconcurrency = 2\n",
            encoding="utf-8",
        )
        uri = f"embedded://{tmp_path / 'store'}"
        # through the page site as a proxy: the article's comment link names no host looked up
        env = {"OPINION_STORE": uri, "http_proxy": site.url, "no_proxy": ""}
        run_opinion("crawl", "news", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
        first = _stored(uri)
        routes.insert(0, (re.compile(r"doc-inausehc2630923"), None))
        run_opinion("crawl", "news", "-s", f"OPINION_SITES_FILES={sites}", env=env, timeout=300)
    posts = _stored(uri)
    assert set(posts) == {"doc-inausehc2630922", "doc-inausehc2630923"}
    assert posts["doc-inausehc2630923"]["removed"]["notice"] == "HTTP 404"
    kept = posts["doc-inausehc2630922"]
    # read again, as an article: stored anew
    assert "removed" not in kept and kept["crawled_at"] > first["doc-inausehc2630922"]["crawled_at"]


def _stored(uri: str) -> dict[str, dict[str, object]]:
    store = open_store(uri)
    try:
        return {str(p["post_id"]): p for p in store.find_posts(sort="time", limit=100)}
    finally:
        store.close()
