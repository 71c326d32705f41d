"""Discuz! X3's touch template (``mobile=2``), read by the ``discuz`` engine (its
``x3-touch`` version): a thread's ``div.plc`` floors signed, dated and numbered by their
``ul.authi``; a board's plain list read as any board's rows, keyed by thread id. Pages written
by hand in the template's shape (``tests/reading_pages/written_discuz_touch_*.html``)."""

from __future__ import annotations

import pytest

from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
THREAD = "https://bbs.example.cn/forum.php?mod=viewthread&tid=12345&mobile=2"
BOARD = "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=2&mobile=2"
SITE = Site(name="bbs", kind="forum", engine="discuz", start_urls=(BOARD,))


@pytest.mark.parametrize("role", ["thread", "auto"])
def test_touch_thread_floors(role: str) -> None:
    body = (REAL / "written_discuz_touch_thread.html").read_bytes()
    reading, _ = read_page(body, THREAD, RUNTIME, role=role, site=SITE)
    assert reading.reader == "discuz"  # no fall back to the generic reader: no layout alarm
    posts = reading.parsed.posts
    assert [(p.author, p.author_id, p.floor, p.post_id) for p in posts] == [
        ("城南居民", "1001", 1, "1001"), ("夜猫子", "1002", 2, "1002"), ("宝妈", "1003", 3, "1003"),
    ]  # fmt: skip
    assert {p.adapter_version for p in posts} == {"x3-touch"}
    assert {p.thread_id for p in posts} == {"12345"}
    assert posts[0].title == "老城区燃气管道改造延期"
    assert posts[0].content == "小区门口的路挖开两个月了，一直没恢复，问了街道也说不清楚。"
    assert posts[2].published_text == "2024-5-12 11:02"


@pytest.mark.parametrize("role", ["listing", "index"])
def test_touch_board_rows_keyed_by_thread(role: str) -> None:
    body = (REAL / "written_discuz_touch_board.html").read_bytes()
    reading, _ = read_page(body, BOARD, RUNTIME, role=role, site=SITE)
    assert reading.reader == "discuz"
    threads = [link for link in reading.parsed.links if link.role == "thread"]
    assert [link.key for link in threads] == ["thread:12345", "thread:12290", "thread:12001"]
    assert threads[0].url == (
        "https://bbs.example.cn/forum.php?mod=viewthread&tid=12345&extra=page%3D1&mobile=2"
    )
    (nxt,) = [link for link in reading.parsed.links if link.role == "listing"]
    assert nxt.url == "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=2&page=2&mobile=2"
