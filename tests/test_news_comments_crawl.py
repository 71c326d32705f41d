"""A crawl of a Sina article on loopback follows the article to its comments on another host
(the comment API the page calls, ``comment.sina.com.cn``): the crawl's requests go through a
proxy on loopback (``http_proxy``), which answers every host from saved pages — the article
a real page (``tests/pages/portal/news_sina_2024/``), the API's page written by hand in its
shape (``tests/reading_pages/written_sina_comments_page_info.json``). No name is looked up
and nothing leaves 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._proc import ROOT, crawl_site
from tests.receivers import PageSite

ARTICLE = "/c/2024-05-10/doc-inausehc2630922.shtml"
#: The article on a host of its own, reached through the proxy like the API.
NEWS = "http://news.example.test"
ROLL = f"""<html><head><meta charset="utf-8"><title>滚动新闻</title></head><body><ul>
<li><a href="{NEWS}{ARTICLE}">城市有轨电车之困：一边争相上马，一边接连叫停</a> 2024-05-10</li>
</ul></body></html>"""


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[PageSite]:
    roll = tmp_path / "roll.html"
    roll.write_text(ROLL, encoding="utf-8")
    routes = [
        (re.compile(r"/roll/index\.shtml$"), roll),
        (
            re.compile(re.escape(ARTICLE) + "$"),
            ROOT / "tests/pages/portal/news_sina_2024/page.html",
        ),
        (
            re.compile(r"^http://comment\.sina\.com\.cn/page/info\?"),
            ROOT / "tests/reading_pages/written_sina_comments_page_info.json",
        ),
    ]
    with PageSite(routes, "text/html; charset=utf-8") as site:
        yield site


def test_crawl_follows_an_article_to_its_comments(proxy: PageSite, tmp_path: Path) -> None:
    posts = crawl_site(
        tmp_path, "sina",
        f'kind = "portal"\nengine = "portal"\nstart_urls = ["{NEWS}/roll/index.shtml"]\n'
        "concurrency = 2",
        env={"http_proxy": proxy.url, "no_proxy": ""},
    )  # fmt: skip
    api = [hit for hit in proxy.hits if "/page/info?" in hit]
    # the first page, then the second (23 comments shown, 20 a page), answered alike here
    assert [re.search(r"[?&]page=(\d+)", hit).group(1) for hit in api] == ["1", "2"]  # type: ignore[union-attr]
    (article,) = [p for p in posts if not p["reply_to"]]
    assert article["post_id"] == "doc-inausehc2630922"
    comments = [p for p in posts if p["reply_to"]]
    assert len(comments) == 4
    assert {p["thread_id"] for p in comments} == {"doc-inausehc2630922"}
    assert {p["title"] for p in comments} == {article["title"]}
    assert sum(p["reply_to"] == "doc-inausehc2630922" for p in comments) == 2
    assert all(p["url"].startswith(f"{NEWS}{ARTICLE}#comment-") for p in comments)
