"""A crawl of a PTT board on loopback: every request carries the board's consent cookie
(``over18=1``), the board's page leads to its articles, and each article is stored with its
pushes answering it. Pages written by hand in PTT's markup (``tests/reading_pages/``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._proc import ROOT, crawl_site
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"
ROUTES = [
    (re.compile(r"^/bbs/Gossiping/index\d*\.html$"), PAGES / "written_ptt_board.html"),
    (
        re.compile(r"^/bbs/Gossiping/M\.1715480433\.A\.1F2\.html$"),
        PAGES / "written_ptt_article.html",
    ),
]


@pytest.fixture
def ptt() -> Iterator[PageSite]:
    with PageSite(ROUTES, "text/html; charset=utf-8") as site:
        yield site


def test_crawl_reads_a_ptt_board_with_its_consent_cookie(ptt: PageSite, tmp_path: Path) -> None:
    posts = crawl_site(
        tmp_path, "ptt-gossiping",
        f'kind = "forum"\nengine = "ptt"\ntimezone = "Asia/Taipei"\nconcurrency = 2\n'
        f'start_urls = ["{ptt.url}/bbs/Gossiping/index.html"]',
    )  # fmt: skip
    pages = [(hit, cookie) for hit, cookie in zip(ptt.hits, ptt.cookies, strict=True)
             if hit != "/robots.txt"]  # fmt: skip
    assert {hit for hit, _ in pages} >= {
        "/bbs/Gossiping/index.html",
        "/bbs/Gossiping/index39211.html",
        "/bbs/Gossiping/M.1715480433.A.1F2.html",
    }
    assert all("over18=1" in cookie for _, cookie in pages), pages
    article = [p for p in posts if p["post_id"] == "M.1715480433.A.1F2"]
    assert len(article) == 1 and article[0]["author"] == "riverside99"
    pushes = [p for p in posts if p["reply_to"] == "M.1715480433.A.1F2"]
    assert sorted(p["author"] for p in pushes) == [
        "bluebird0812", "kaohsiungcat", "sunmoonlake", "tainan5566", "tainan5566",
    ]  # fmt: skip
    assert all(p["published_at"] for p in pushes)
