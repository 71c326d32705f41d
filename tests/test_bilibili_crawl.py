"""A crawl of a Bilibili video through a loopback proxy (``http_proxy``) that answers every
host from saved pages: the video's page leads to the comments API on ``api.bilibili.com``, a
comment that carries few of its replies to its replies' pages, and every comment and reply is
stored answering what it answers. Pages written by hand in the site's shapes
(``tests/reading_pages/written_bilibili_*``). No name is looked up, nothing leaves 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._proc import ROOT, crawl_site
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"
VIDEO = "http://www.bilibili.com/video/BV1Ab4y1X7Zz"
ROUTES = [
    (
        re.compile(r"^http://www\.bilibili\.com/video/BV1Ab4y1X7Zz$"),
        PAGES / "written_bilibili_video.html",
    ),
    (
        re.compile(r"^http://api\.bilibili\.com/x/v2/reply/reply\?"),
        PAGES / "written_bilibili_reply_reply.json",
    ),
    (re.compile(r"^http://api\.bilibili\.com/x/v2/reply\?"), PAGES / "written_bilibili_reply.json"),
]


@pytest.fixture
def proxy() -> Iterator[PageSite]:
    with PageSite(ROUTES, "text/html; charset=utf-8") as site:
        yield site


def test_crawl_reads_a_video_its_comments_and_their_replies(
    proxy: PageSite, tmp_path: Path
) -> None:
    stored = crawl_site(
        tmp_path, "bili",
        f'kind = "forum"\nengine = "bilibili"\nstart_urls = ["{VIDEO}"]\nconcurrency = 2',
        env={"http_proxy": proxy.url, "no_proxy": ""},
    )  # fmt: skip
    api = sorted(hit.split("?")[0] for hit in proxy.hits if "api.bilibili.com/x/" in hit)
    # the first page of comments and the second; the first comment's replies, page 1 and 2
    assert (
        api
        == ["http://api.bilibili.com/x/v2/reply"] * 2
        + ["http://api.bilibili.com/x/v2/reply/reply"] * 2
    )
    posts = {p["post_id"]: p for p in stored}
    assert posts["BV1Ab4y1X7Zz"]["author"] == "通勤观察员小刘"
    assert len(posts) == 1 + 8  # the video, 7 comments and replies in the list, 1 more reply
    assert posts["214500000103"]["reply_to"] == "214500000001"
    assert posts["214500000002"]["reply_to"] == "BV1Ab4y1X7Zz"
    assert {p["thread_id"] for p in posts.values()} == {"BV1Ab4y1X7Zz"}
