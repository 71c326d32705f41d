"""Discuz!'s Archiver (``archiver/?tid-TID.html``), read by the ``discuz`` engine (its
``archiver`` version): each post a ``p.author`` line (poster, ``发表于`` time) followed by its
text, loose in ``div#content``; a board's page lists its threads as ``?tid-TID.html`` links.
The thread page is written by hand in the Archiver's shape
(``tests/reading_pages/written_discuz_archiver_gbk.html``)."""

from __future__ import annotations

import pytest

from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
THREAD = "http://bbs.hucheng-bike.com/archiver/?tid-201388.html"


@pytest.mark.parametrize("role", ["thread", "auto"])
def test_archiver_thread_posts_follow_their_author_lines(role: str) -> None:
    body = (REAL / "written_discuz_archiver_gbk.html").read_bytes()
    reading, _ = read_page(body, THREAD, RUNTIME, role=role)
    assert (reading.reader, reading.kind) == ("discuz", "thread")
    posts = reading.parsed.posts
    assert [p.author for p in posts] == [
        "风一样的骑士", "单车老张", "风一样的骑士", "湖边小鹿", "单车老张",
    ]  # fmt: skip
    assert [p.published_text for p in posts][:2] == ["2024-5-12 10:14", "2024-5-12 10:40"]
    assert [p.floor for p in posts] == [1, 2, 3, 4, 5]
    assert {p.thread_id for p in posts} == {"201388"}
    assert {p.adapter_version for p in posts} == {"archiver"}
    assert posts[0].title == "周末骑行环湖一圈的路线分享，附补给点"
    assert posts[0].content.startswith("上周六和车友一起骑了环湖一圈")
    assert posts[0].content.endswith("公路车建议推行。")
    assert posts[0].content.count("\n") == 3
    assert posts[3].content == (
        "收藏了，下个月准备带孩子骑半圈，从湖滨公园到渔港码头这一段应该比较平缓吧？\n"
        "孩子十岁，平时能骑二三十公里。"
    )


def test_archiver_board_lists_its_threads() -> None:
    body = (
        "<html><head><title>骑行天地 - 湖城骑行网 - Powered by Discuz! Archiver</title></head>"
        '<body><div id="nav"><a href="archiver/">Archiver</a> &rsaquo; 骑行天地</div>'
        '<div id="content"><ul><li><a href="?tid-201388.html">周末骑行环湖一圈</a> (4篇回复)</li>'
        '<li><a href="?tid-201301.html">新手买车求推荐</a> (12篇回复)</li></ul></div>'
        '<div class="page"><a href="?fid-36.html&amp;page=2">2</a></div></body></html>'
    ).encode()
    url = "http://bbs.hucheng-bike.com/archiver/?fid-36.html"
    reading, _ = read_page(body, url, RUNTIME, role="listing")
    assert reading.reader == "discuz"
    links = reading.parsed.links
    assert [(link.role, link.key) for link in links] == [
        ("thread", "thread:201388"), ("thread", "thread:201301"), ("listing", None),
    ]  # fmt: skip
    assert links[0].url == "http://bbs.hucheng-bike.com/archiver/?tid-201388.html"
    assert links[2].url == "http://bbs.hucheng-bike.com/archiver/?fid-36.html&page=2"
