"""The demo sites: what they serve, in which encoding, and how posts are added."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from opinion_spiders.demo.server import ZONE, DemoServer

SEED = datetime(2026, 11, 25, 10, 0, tzinfo=ZONE)
BAR = "/tieba/f?kw=%E4%B8%B4%E6%B1%9F"


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def post_json(url: str, body: bytes) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def seeded() -> Iterator[DemoServer]:
    """A server with a frozen clock, so relative times are exact."""
    with DemoServer(seed_time=SEED, broken_pages=True) as server:
        yield server


@pytest.mark.parametrize(
    "path",
    [
        "/forum/forum.php",
        "/forum/forum.php?mod=forumdisplay&fid=2&page=3",
        "/forum/forum.php?mod=viewthread&tid=1002&page=2",
        "/portal/index.html",
        "/portal/list_2.html",
        "/portal/article/1001.html",
        "/portal/rss.xml",
        BAR,
        "/tieba/p/9100000002?pn=2",
        "/tieba/static/tieba_frs.js",
    ],
)
def test_demo_server_serves_pages(demo_url: str, path: str) -> None:
    status, _ctype, body = fetch(demo_url + path)
    assert status == 200 and len(body) > 300


def test_demo_server_robots_allows_all(demo_url: str) -> None:
    status, _ctype, body = fetch(demo_url + "/robots.txt")
    assert status == 200 and body == b"User-agent: *\nAllow: /\n"


def test_demo_server_unknown_pages_are_404(demo_url: str) -> None:
    for path in ("/nope", "/portal/article/999.html", "/tieba/p/1", "/portal/list_9.html"):
        assert fetch(demo_url + path)[0] == 404, path


def test_demo_server_forum_pages_are_gbk_bytes(demo_url: str) -> None:
    status, ctype, body = fetch(demo_url + "/forum/forum.php?mod=viewthread&tid=1002")
    assert status == 200 and ctype == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert '<meta charset="gbk" />' in text
    assert "城南街道旧改拆迁，补偿款拖了半年还没到位" in text


def test_demo_server_forum_has_discuz_paging(demo_url: str) -> None:
    def page(path: str) -> str:
        return fetch(demo_url + "/forum/" + path)[2].decode("gbk")

    board = [page(f"forum.php?mod=forumdisplay&fid=2&page={n}") for n in (1, 2, 3)]
    rows = [len(re.findall(r'<tbody id="(?:stick|normal)thread_\d+"', p)) for p in board]
    assert rows == [11, 10, 2]  # one sticky thread on page 1, then 10 threads a page
    assert 'class="nxt"' in board[1] and 'class="nxt"' not in board[2]
    assert "<em>14</em><sup>#</sup>" in page("forum.php?mod=viewthread&tid=1002&page=2")


def test_demo_server_tieba_bar_html_has_no_thread_data(demo_url: str) -> None:
    """The bar page is a script shell: titles and ids only arrive through the JSON call."""
    status, _ctype, body = fetch(demo_url + BAR)
    html = body.decode("utf-8")
    assert status == 200 and '<ul id="thread_list"' in html and "tieba_frs.js" in html
    assert "j_thread_list" not in html.replace("j_threadlist", "") and "/p/" not in html
    assert "工地老板拖欠工资" not in html and "data-rendered" not in html
    api = json.loads(fetch(demo_url + "/tieba/api/threads?kw=%E4%B8%B4%E6%B1%9F&pn=0")[2])
    assert api["total"] == 15 and len(api["threads"]) == 10 and api["next_pn"] == 10
    assert api["threads"][0]["is_top"] is True


def test_demo_server_relative_times_follow_seed_time(seeded: DemoServer) -> None:
    forum = fetch(seeded.base_url + "/forum/forum.php?mod=viewthread&tid=1002&page=2")[2]
    assert '<span title="2026-11-25 09:56:00">4&nbsp;分钟前</span>' in forum.decode("gbk")
    bar = fetch(seeded.base_url + "/tieba/p/9100000002?pn=2")[2].decode("utf-8")
    assert '<span class="tail-info">3分钟前</span>' in bar
    assert re.search(r'<span class="tail-info">昨天 \d\d:\d\d</span>', bar) is None
    bar1 = fetch(seeded.base_url + "/tieba/p/9100000002")[2].decode("utf-8")
    assert '<span class="tail-info">昨天 19:00</span>' in bar1


def test_demo_server_broken_pages_are_listed(seeded: DemoServer) -> None:
    listing = fetch(seeded.base_url + "/forum/forum.php?mod=forumdisplay&fid=2")[2].decode("gbk")
    assert "关于城东片区规划的讨论" in listing
    thread = fetch(seeded.base_url + "/forum/forum.php?mod=viewthread&tid=1030")[2]
    assert "postmessage_" not in thread.decode("gbk")
    portal = fetch(seeded.base_url + "/portal/list_1.html")[2].decode("utf-8")
    assert "article/1013.html" in portal
    assert "<h1>" not in fetch(seeded.base_url + "/portal/article/1013.html")[2].decode("utf-8")


def test_demo_server_add_post_over_http_bumps_thread(fresh_demo_server: DemoServer) -> None:
    base = fresh_demo_server.base_url
    body = json.dumps({"target": "forum", "thread": "1010", "content": "菜市场周末也开门吗？"})
    status, result = post_json(base + "/admin/posts", body.encode())
    assert status == 201 and result["thread"] == "1010"
    assert result["url"] == base + "/forum/forum.php?mod=viewthread&tid=1010"
    listing = fetch(base + "/forum/forum.php?mod=forumdisplay&fid=2")[2].decode("gbk")
    first_normal = re.search(r'<tbody id="normalthread_(\d+)"', listing)
    assert first_normal and first_normal.group(1) == "1010"
    row = listing[listing.index('id="normalthread_1010"') :]
    assert re.search(r'class="xi2">2</a>', row[:2000])
    thread = fetch(result["url"])[2].decode("gbk")
    assert "菜市场周末也开门吗？" in thread and "新用户" in thread


def test_demo_server_add_post_in_python_creates_threads(fresh_demo_server: DemoServer) -> None:
    base = fresh_demo_server.base_url
    bar = fresh_demo_server.add_post("postbar", title="新帖子标题", content="正文", author="甲")
    article = fresh_demo_server.add_post("portal", title="新公告", content="第一段\n第二段")
    api = json.loads(fetch(base + "/tieba/api/threads?kw=%E4%B8%B4%E6%B1%9F&pn=0")[2])
    assert [t["title"] for t in api["threads"][:2]] == [
        "【吧规】临江吧发帖规范及举报通道",
        "新帖子标题",
    ]
    assert str(api["threads"][1]["id"]) == bar["thread"]
    assert "新帖子标题" in fetch(bar["url"])[2].decode("utf-8")
    assert "<p>第二段</p>" in fetch(article["url"])[2].decode("utf-8")
    assert "新公告" in fetch(base + "/portal/rss.xml")[2].decode("utf-8")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid UTF-8 JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"target": "blog", "content": "x", "title": "t"}', "target must be one of"),
        (b'{"target": "forum", "title": "t"}', "'content' is required"),
        (b'{"target": "forum", "content": "x"}', "needs a title"),
        (b'{"target": "forum", "thread": "424242", "content": "x"}', "no forum thread"),
        (b'{"target": "forum", "content": "x", "title": "t", "colour": 1}', "unknown field"),
        (b'{"target": "portal", "thread": "1001", "content": "x"}', "take no replies"),
    ],
)
def test_demo_server_add_post_rejects_bad_input(
    fresh_demo_server: DemoServer, body: bytes, message: str
) -> None:
    status, result = post_json(fresh_demo_server.base_url + "/admin/posts", body)
    assert status == 400 and message in result["error"]


def test_demo_server_python_add_post_rejects_unknown_thread(demo_server: DemoServer) -> None:
    with pytest.raises(KeyError):
        demo_server.add_post("postbar", thread="1", content="x")
