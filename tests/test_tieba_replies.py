"""Replies inside a Tieba floor (楼中楼): read where a browser's page holds them, fetched from
the floor's ``/p/comment`` fragment where the server's page only counts them."""

from __future__ import annotations

from datetime import UTC, datetime

from opinion_spiders.adapters import Page
from opinion_spiders.analysis.search import search_fields
from opinion_spiders.core.posts import match_fields
from opinion_spiders.sites import Site
from plugins.tieba import TiebaAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
SITE = Site(name="linjiang", kind="postbar", engine="tieba", start_urls=("x",))
THREAD = "https://tieba.baidu.com/p/9123456789"


def _page(name: str, url: str, meta: dict[str, object] | None = None) -> Page:
    text = (REAL / name).read_text("utf-8")
    return Page(url, text, "thread", SITE, datetime(2024, 6, 15, tzinfo=UTC), meta=meta or {})


def test_floors_followed_by_the_replies_inside_them() -> None:
    """A page a browser built holds each floor's first replies (single-quoted ``data-field``):
    each reply a post after its floor, signed, dated and numbered as its floor, answering it
    (``reply_to``) — the opening post's floor too; the floor's own text without them."""
    parsed = TiebaAdapter().parse(_page("written_tieba_thread_replies.html", THREAD))
    posts = parsed.posts
    assert [(p.floor, p.reply_to) for p in posts[:4]] == [
        (1, None), (1, "148800000001"), (1, "148800000001"), (2, None),
    ]  # fmt: skip
    assert [p.author for p in posts[1:3]] == ["菜篮子大妈", "临江老街坊"]
    assert posts[1].content == "天天绕路，腿都走细了。"
    assert posts[2].content == "回复 菜篮子大妈 :可不是嘛，老人家最不方便。"  # whom it answers
    assert posts[1].published_text == "2024-6-12 09:02" and posts[1].post_id == "148800100001"
    assert posts[1].url == f"{THREAD}?pid=148800000001&cid=148800100001#148800100001"
    assert posts[1].thread_id == "9123456789" and posts[1].title == "城东菜市场什么时候改造完？"
    assert posts[0].content.endswith("有没有人知道什么时候能完工？")
    assert len(posts) == 1 + 2 + 1 + 10 + 1 and posts[-1].floor == 3
    assert {p.kind for p in posts} == {"postbar"}


def test_a_floor_with_more_replies_than_shown_links_to_the_rest() -> None:
    """Floor 2 counts 13 replies and shows 10: a link to its fragment's second page, keyed by
    the floor with its count as state (a crawl asks again only for new replies); floor 1 shows
    all its replies and floor 3 has none: no link."""
    parsed = TiebaAdapter().parse(_page("written_tieba_thread_replies.html", THREAD))
    (link,) = parsed.links
    assert link.url == "https://tieba.baidu.com/p/comment?tid=9123456789&pid=148800000002&pn=2"
    assert (link.role, link.key, link.state) == ("thread", "replies:9123456789:148800000002", "13")
    assert link.meta == {
        "tid": "9123456789", "pid": "148800000002", "floor": 2, "title": "城东菜市场什么时候改造完？",
    }  # fmt: skip


def test_server_page_links_every_floor_that_counts_replies() -> None:
    """The server's page (a real one: ``tieba/pc_thread_raw_terraria_p5837869242``) shows no
    reply: each floor counting replies links to its fragment's first page, after the pager."""
    text = (ROOT / "tests/pages/tieba/pc_thread_raw_terraria_p5837869242/page.html").read_text()
    page = Page("https://tieba.baidu.com/p/5837869242", text, "thread", SITE, datetime.now(UTC))
    parsed = TiebaAdapter().parse(page)
    assert not any(p.reply_to for p in parsed.posts)
    fragments = [lk for lk in parsed.links if "/p/comment?" in lk.url]
    assert len(fragments) == 26 and all(lk.url.endswith("&pn=1") for lk in fragments)
    floors = {p.post_id: p.floor for p in parsed.posts}
    assert all(floors[lk.meta["pid"]] == lk.meta["floor"] for lk in fragments)
    assert parsed.links[0].url.endswith("/p/5837869242?pn=2")


def test_fragment_page_of_a_floors_replies() -> None:
    """The fragment (``/p/comment``, JSON ``data-field``): its replies, in the floor its link
    named; its pager's next page while there is one."""
    meta = {
        "tid": "9123456789",
        "pid": "148800000002",
        "floor": 2,
        "title": "城东菜市场什么时候改造完？",
    }
    url = "https://tieba.baidu.com/p/comment?tid=9123456789&pid=148800000002&pn=1"
    parsed = TiebaAdapter().parse(_page("written_tieba_floor_replies_fragment.html", url, meta))
    assert [p.author for p in parsed.posts] == ["老王修车", "临江老街坊", "城建小透明"]
    assert {(p.floor, p.reply_to, p.thread_id) for p in parsed.posts} == {
        (2, "148800000002", "9123456789")
    }
    assert parsed.posts[2].published_text == "2024-6-14 16:30"
    assert [lk.url for lk in parsed.links] == [url.replace("pn=1", "pn=2")]
    last = url.replace("pn=1", "pn=2")
    assert (
        TiebaAdapter().parse(_page("written_tieba_floor_replies_fragment.html", last, meta)).links
        == []
    )


def test_fragment_without_its_link_takes_the_floor_from_its_address() -> None:
    """``opinion parse`` of a saved fragment: the thread and floor ids from its address."""
    url = "https://tieba.baidu.com/p/comment?tid=9123456789&pid=148800000002&pn=2"
    posts = TiebaAdapter().parse(_page("written_tieba_floor_replies_fragment.html", url)).posts
    assert {(p.thread_id, p.reply_to) for p in posts} == {("9123456789", "148800000002")}


def test_a_reply_in_the_opening_floor_is_not_matched_on_the_title() -> None:
    """Keyword rules read the thread's title on the opening post only: a reply inside floor 1
    carries the floor's number but is a reply."""
    posts = TiebaAdapter().parse(_page("written_tieba_thread_replies.html", THREAD)).posts
    assert "title" in match_fields(posts[0])
    assert posts[1].floor == 1 and "title" not in match_fields(posts[1])
    stored = {"floor": 1, "reply_to": posts[1].reply_to, "title": posts[1].title, "content": "x"}
    assert "title" not in search_fields(stored)  # nor searched on it
    assert "title" in search_fields({**stored, "reply_to": None})
