"""Weibo posts off the mobile site's page data (``plugins.weibo``): the post, its poster and
time, and the post a repost reposts — read with no browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.core.posts import prepare_post
from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.weibo import WeiboMobileAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
URL = "https://m.weibo.cn/detail/5041234567890123"


def test_weibo_repost_and_the_post_it_reposts() -> None:
    page = (REAL / "written_weibo_mobile_detail.html").read_bytes()
    reading, _ = read_page(page, URL, RUNTIME)
    assert (reading.reader, reading.kind) == ("weibo", "thread")
    repost, original = reading.parsed.posts
    assert (repost.author, repost.author_id, repost.post_id) == (
        "南湖边的小陈", "6012345678", "5041234567890123",
    )  # fmt: skip
    assert repost.content == "转发支持，希望早日完工 @城南居民甲"
    assert (original.author, original.floor) == ("城市晚报", 2)
    assert original.title == "老城区燃气管道改造延期？区住建局：六月底前全部完工"
    assert original.content.split("\n")[0].endswith("至今仍有路面开挖未恢复。")
    assert original.content.split("\n")[1].startswith("记者从区住建局了解到")
    assert (original.replies, original.votes) == (128, 512)
    at = prepare_post(original, "Asia/Shanghai", datetime(2026, 12, 5, tzinfo=UTC)).published_at
    assert at == datetime(2024, 6, 2, 9, 41, 5, tzinfo=timezone(timedelta(hours=8)))
    assert original.thread_id == original.post_id == "5040987654321098"


def test_weibo_engine_passes_over_other_pages() -> None:
    for name in ("written_weibo_post.html", "written_toutiao_article.html"):
        text = (REAL / name).read_text(encoding="utf-8")
        assert WeiboMobileAdapter.sniff(text, URL) == 0.0


def test_weibo_post_page_links_to_its_comments() -> None:
    """The comments come from the API the page calls: a link to its first page, keyed by the
    post with its comment count as state."""
    page = (REAL / "written_weibo_mobile_detail.html").read_bytes()
    reading, _ = read_page(page, URL, RUNTIME)
    (link,) = reading.parsed.links
    assert link.url == (
        "https://m.weibo.cn/comments/hotflow?id=5041234567890123&mid=5041234567890123&max_id_type=0"
    )
    assert (link.role, link.key, link.state) == ("thread", "comments:5041234567890123", "3")
    assert link.meta["mid"] == "5041234567890123"


def test_weibo_comments_from_the_api_and_the_replies_they_carry() -> None:
    """The API's JSON: each comment a post answering the Weibo post, the replies it carries
    after it answering the comment, each signed, dated and counted; the next page while
    ``max_id`` is not 0."""
    from opinion_spiders.adapters import Page
    from opinion_spiders.sites import Site

    url = (
        "https://m.weibo.cn/comments/hotflow?id=5041234567890123&mid=5041234567890123&max_id_type=0"
    )
    text = (REAL / "written_weibo_comments_hotflow.json").read_text("utf-8")
    site = Site(name="weibo", kind="forum", engine="weibo", start_urls=(URL,))
    meta = {"mid": "5041234567890123", "title": "转发支持，希望早日完工"}
    page = Page(url, text, "thread", site, datetime(2026, 12, 5, tzinfo=UTC), meta=meta)
    parsed = WeiboMobileAdapter().parse(page)
    posts = parsed.posts
    assert [p.author for p in posts] == ["城南居民甲", "夜跑的小周", "热心市民老马", "城市观察员"]
    assert [p.reply_to for p in posts] == [
        "5041234567890123", "5041239000000001", "5041239000000001", "5041234567890123",
    ]  # fmt: skip
    assert posts[0].content == "住在城南的表示路面挖了一个月了，下雨天根本没法走"
    assert posts[1].content == "回复@城南居民甲:同感，晚上还没有路灯"
    assert posts[3].content.startswith("六月底能完工就好，别再延期了")
    assert (posts[0].votes, posts[0].replies, posts[0].post_id) == (45, 2, "5041239000000001")
    assert {p.thread_id for p in posts} == {"5041234567890123"}
    assert posts[0].url == "https://m.weibo.cn/detail/5041234567890123#comment-5041239000000001"
    assert posts[0].title == "转发支持，希望早日完工" and posts[0].floor is None
    at = prepare_post(posts[0], "Asia/Shanghai", datetime(2026, 12, 5, tzinfo=UTC)).published_at
    assert at == datetime(2024, 6, 4, 10, 2, 11, tzinfo=timezone(timedelta(hours=8)))
    (more,) = parsed.links
    assert more.url == (
        "https://m.weibo.cn/comments/hotflow?id=5041234567890123&mid=5041234567890123"
        "&max_id_type=0&max_id=138276521023456"
    )
    assert more.meta == meta


def test_weibo_comments_api_refusing_is_a_clear_error() -> None:
    """The API's refusal (``ok`` 0, a message) is no comment and says so."""
    site = Site(name="weibo", kind="forum", engine="weibo", start_urls=(URL,))
    text = '{"ok": 0, "msg": "请求过于频繁，歇歇吧"}'
    page = Page(URL, text, "thread", site, datetime(2026, 12, 5, tzinfo=UTC))
    parsed = WeiboMobileAdapter().parse(page)  # the pace wall is a notice, a block signal
    assert (parsed.page_type, parsed.notice_kind, parsed.posts) == ("notice", "captcha", [])
    page = Page(URL, '{"ok": 0, "msg": "暂无数据"}', "thread", site, datetime.now(UTC))
    with pytest.raises(ParseError, match="暂无数据"):
        WeiboMobileAdapter().parse(page)


def test_weibo_comments_last_page_links_nowhere() -> None:
    """``max_id`` 0 — a number or a string — is the last page: no link to another."""
    url = (
        "https://m.weibo.cn/comments/hotflow?id=5041234567890123&mid=5041234567890123&max_id_type=0"
    )
    site = Site(name="weibo", kind="forum", engine="weibo", start_urls=(URL,))
    text = (REAL / "written_weibo_comments_hotflow.json").read_text("utf-8")
    for last in ('"max_id": 0,', '"max_id": "0",'):
        body = text.replace('"max_id": 138276521023456,', last)
        assert last in body
        page = Page(url, body, "thread", site, datetime(2026, 12, 5, tzinfo=UTC))
        parsed = WeiboMobileAdapter().parse(page)
        assert len(parsed.posts) == 4 and parsed.links == []


SEARCH = (
    "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D"
    "%E5%9F%8E%E5%8D%97%E8%A1%97%E9%81%93&page_type=searchall"
)


def test_weibo_search_cards_are_posts_with_their_comments() -> None:
    """A page of the mobile site's card lists (a search's results; an account's posts come
    alike): each post card's ``mblog`` a post at its own page, the post a repost reposts
    after it, a link to the comments of those that have some; a post the list cuts short
    (``isLongText``) is a link to its page; the next page from ``cardlistInfo.page``."""
    site = Site(name="weibo", kind="forum", engine="weibo", start_urls=(SEARCH,))
    text = (REAL / "written_weibo_search_cards.json").read_text(encoding="utf-8")
    page = Page(SEARCH, text, "listing", site, datetime(2026, 12, 5, tzinfo=UTC))
    parsed = WeiboMobileAdapter().parse(page)
    assert [(p.post_id, p.floor) for p in parsed.posts] == [
        ("5041300000000001", 1), ("5041300000000002", 1), ("5041300000000003", 1),
        ("5041300000000002", 2),
    ]  # fmt: skip
    first = parsed.posts[0]
    assert first.url == "https://m.weibo.cn/detail/5041300000000001"
    assert first.content == "#城南街道#老旧小区加装电梯的公示贴出来了，一楼还是不同意。"
    assert (first.author, first.replies) == ("城南居民甲", 12)
    assert parsed.posts[3].url == "https://m.weibo.cn/detail/5041300000000003#5041300000000002"
    links = [(link.key, link.state, link.role) for link in parsed.links]
    assert links == [
        ("comments:5041300000000001", "12", "thread"),
        ("comments:5041300000000003", "2", "thread"),
        ("status:5041300000000004", "57", "thread"),
        (None, None, "listing"),
    ]
    assert parsed.links[2].url == "https://m.weibo.cn/detail/5041300000000004"
    assert parsed.links[3].url == f"{SEARCH}&page=2"
    # the second page names the third
    page.url = f"{SEARCH}&page=2"
    page.text = text.replace('"page": 2', '"page": 3')
    assert WeiboMobileAdapter().parse(page).links[-1].url == f"{SEARCH}&page=3"
