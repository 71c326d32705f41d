"""A crawl of a Weibo post on loopback: the post's page (its data in ``$render_data``) links
to the comments API the page calls, and the API's JSON pages give the comments — each stored
answering the post, the replies they carry answering them. Pages written by hand in
``tests/reading_pages/`` (the mobile post page, a page of the comments API)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._proc import ROOT, crawl_site
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"
MID = "5041234567890123"
ROUTES = [
    (re.compile(rf"^/detail/{MID}$"), PAGES / "written_weibo_mobile_detail.html"),
    (re.compile(r"^/comments/hotflow\?"), PAGES / "written_weibo_comments_hotflow.json"),
]


@pytest.fixture
def weibo() -> Iterator[PageSite]:
    with PageSite(ROUTES, "text/html; charset=utf-8") as site:
        yield site


def test_crawl_reads_a_weibo_post_and_its_comments(weibo: PageSite, tmp_path: Path) -> None:
    stored = crawl_site(
        tmp_path, "weibo-m",
        f'kind = "forum"\nengine = "weibo"\nstart_urls = ["{weibo.url}/detail/{MID}"]\n'
        "concurrency = 2",
    )  # fmt: skip
    api = [h for h in weibo.hits if h.startswith("/comments/hotflow?")]
    # the first page, then the next by max_id (answered with the same page here: its next
    # address is the one already asked for, so the crawl stops)
    assert api == [
        f"/comments/hotflow?id={MID}&mid={MID}&max_id_type=0",
        f"/comments/hotflow?id={MID}&mid={MID}&max_id_type=0&max_id=138276521023456",
    ]
    posts = {p["post_id"]: p for p in stored}
    assert posts[MID]["author"] == "南湖边的小陈" and posts[MID]["reply_to"] is None
    comments = [p for p in posts.values() if p["reply_to"]]
    assert sorted(p["author"] for p in comments) == [
        "城南居民甲",
        "城市观察员",
        "夜跑的小周",
        "热心市民老马",
    ]
    assert {p["reply_to"] for p in comments} == {MID, "5041239000000001"}
    assert all(p["thread_id"] == MID and p["published_at"] for p in comments)
