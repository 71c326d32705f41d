"""The built-in adapters on pages fetched from the demo sites."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from opinion_spiders.adapters import Adapter, Page, Parsed
from opinion_spiders.demo.server import DemoServer
from opinion_spiders.errors import ParseError
from opinion_spiders.sites import Site
from plugins.discuz import DiscuzAdapter
from plugins.portal import PortalAdapter
from plugins.tieba import TiebaAdapter

FORUM = Site(name="demo-forum", kind="forum", engine="discuz", start_urls=("x",))
PORTAL = Site(name="demo-portal", kind="portal", engine="portal", start_urls=("x",))
BAR = Site(name="demo-bar", kind="postbar", engine="tieba", start_urls=("x",), render_js=True)
BAR_PATH = "/tieba/f?kw=%E4%B8%B4%E6%B1%9F"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--virtual-time-budget=5000",
    "--dump-dom",
)


def fetch_page(url: str, role: str, site: Site, meta: dict[str, object] | None = None) -> Page:
    with urllib.request.urlopen(url, timeout=10) as resp:
        charset = resp.headers.get_content_charset() or "utf-8"
        text = resp.read().decode("gb18030" if charset == "gbk" else charset)
    return Page(url, text, role, site, datetime.now(UTC), meta=dict(meta or {}))


def parse(adapter: Adapter, url: str, role: str, site: Site) -> Parsed:
    return adapter.parse(fetch_page(url, role, site))


@pytest.fixture(scope="module")
def broken() -> Iterator[DemoServer]:
    with DemoServer(broken_pages=True) as server:
        yield server


def test_discuz_board_index_links_each_board(demo_url: str) -> None:
    parsed = parse(DiscuzAdapter(), demo_url + "/forum/forum.php", "index", FORUM)
    assert [(lk.role, lk.meta["board"]) for lk in parsed.links] == [
        ("listing", "民生杂谈"),
        ("listing", "教育交通"),
    ]
    assert parsed.links[0].url == demo_url + "/forum/forum.php?mod=forumdisplay&fid=2"


def test_discuz_listing_keys_threads_by_reply_count(demo_url: str) -> None:
    url = demo_url + "/forum/forum.php?mod=forumdisplay&fid=2"
    parsed = parse(DiscuzAdapter(), url, "listing", FORUM)
    threads = [lk for lk in parsed.links if lk.role == "thread"]
    assert len(threads) == 11 and threads[0].meta["sticky"] and not threads[1].meta["sticky"]
    first = next(lk for lk in threads if lk.meta["tid"] == "1002")
    assert first.key == "thread:1002" and first.state == "13"
    assert first.url == demo_url + "/forum/forum.php?mod=viewthread&tid=1002"
    assert first.meta["title"] == "城南街道旧改拆迁，补偿款拖了半年还没到位"
    assert (first.meta["replies"], first.meta["views"], first.meta["author"]) == (
        13,
        3862,
        "城南居民",
    )
    assert first.meta["published_text"].startswith("20")  # the absolute title, not "3 天前"
    assert parsed.links[-1].role == "listing" and parsed.links[-1].url.endswith("&page=2")
    last = parse(DiscuzAdapter(), url + "&page=3", "listing", FORUM)
    assert len(last.links) == 2 and all(lk.role == "thread" for lk in last.links)


def test_discuz_thread_reads_floors(demo_url: str) -> None:
    url = demo_url + "/forum/forum.php?mod=viewthread&tid=1002"
    parsed = parse(DiscuzAdapter(), url, "thread", FORUM)
    posts = parsed.posts
    assert [p.floor for p in posts] == list(range(1, 11))
    assert {p.title for p in posts} == {"城南街道旧改拆迁，补偿款拖了半年还没到位"}
    first = posts[0]
    assert (first.author, first.thread_id, first.replies, first.views) == (
        "城南居民",
        "1002",
        13,
        3862,
    )
    assert first.author_id and first.post_id and first.url == f"{url}#pid{first.post_id}"
    assert first.content.startswith("我家在城南街道老粮站宿舍") and "\n" in first.content
    assert first.published_text.startswith("20") and first.published_at is None
    assert (first.site, first.kind, first.adapter, first.adapter_version) == (
        "demo-forum", "forum", "discuz", "x3",
    )  # fmt: skip
    assert posts[1].replies is None
    assert parsed.links[0].role == "thread" and parsed.links[0].url == url + "&page=2"
    assert parsed.links[0].key is None


def test_discuz_thread_content_drops_quote_edit_note_and_signature(demo_url: str) -> None:
    url = demo_url + "/forum/forum.php?mod=viewthread&tid=1002"
    posts = parse(DiscuzAdapter(), url, "thread", FORUM).posts
    assert posts[2].content == "听说隔壁楼有几户没签字的被强拆了，大家商量着要去市里上访。"
    assert posts[3].content == "先别冲动，我明天再去街道问一次，有结果了告诉大家。"


def test_discuz_second_thread_page_has_no_next(demo_url: str) -> None:
    url = demo_url + "/forum/forum.php?mod=viewthread&tid=1002&page=2"
    parsed = parse(DiscuzAdapter(), url, "thread", FORUM)
    assert [p.floor for p in parsed.posts] == [11, 12, 13, 14] and parsed.links == []
    assert parsed.posts[0].replies is None


def test_discuz_missing_thread_is_a_notice(demo_url: str) -> None:
    url = demo_url + "/forum/forum.php?mod=viewthread&tid=424242"
    parsed = parse(DiscuzAdapter(), url, "thread", FORUM)
    assert parsed.page_type == "notice" and parsed.posts == []
    assert parsed.notice == "抱歉，指定的主题不存在或已被删除或正在被审核"


def test_discuz_broken_thread_raises_no_posts(broken: DemoServer) -> None:
    url = broken.base_url + "/forum/forum.php?mod=viewthread&tid=1030"
    with pytest.raises(ParseError) as err:
        parse(DiscuzAdapter(), url, "thread", FORUM)
    assert err.value.reason == "no_posts"


def test_portal_index_links_articles_and_column(demo_url: str) -> None:
    parsed = parse(PortalAdapter(), demo_url + "/portal/index.html", "index", PORTAL)
    articles = [lk for lk in parsed.links if lk.role == "article"]
    assert len(articles) == 5 and articles[0].key == "article:1001"
    assert [lk.url for lk in parsed.links if lk.role == "listing"] == [
        demo_url + "/portal/list_1.html"
    ]


def test_portal_list_pages_and_next(demo_url: str) -> None:
    first = parse(PortalAdapter(), demo_url + "/portal/list_1.html", "listing", PORTAL)
    articles = [lk for lk in first.links if lk.role == "article"]
    assert len(articles) == 8 and articles[0].state and len(articles[0].state) == 10
    assert articles[0].meta["title"] == "市政府召开常务会议 研究部署冬季安全生产工作"
    assert [lk.url for lk in first.links if lk.role == "listing"] == [
        demo_url + "/portal/list_2.html"
    ]
    second = parse(PortalAdapter(), demo_url + "/portal/list_2.html", "listing", PORTAL)
    assert len(second.links) == 4 and all(lk.role == "article" for lk in second.links)


def test_portal_feed_links_every_article(demo_url: str) -> None:
    parsed = parse(PortalAdapter(), demo_url + "/portal/rss.xml", "index", PORTAL)
    assert len(parsed.links) == 12 and parsed.posts == []
    assert {lk.key for lk in parsed.links} == {f"article:{n}" for n in range(1001, 1013)}
    assert all(lk.role == "article" and "+0800" in lk.meta["published_text"] for lk in parsed.links)


def test_portal_article_reads_headline_body_time_source(demo_url: str) -> None:
    url = demo_url + "/portal/article/1002.html"
    (post,) = parse(PortalAdapter(), url, "article", PORTAL).posts
    assert post.title == "市纪委监委通报3起违反中央八项规定精神典型问题"
    assert post.source == "市纪委监委" and post.url == url and post.thread_id == "1002"
    assert post.content.count("\n") == 2 and "挪用公款" in post.content
    assert "打印本页" not in post.content and "字号" not in post.content
    assert post.published_at is not None and post.published_at.utcoffset() is not None
    assert post.published_text == post.published_at.strftime("%Y-%m-%d %H:%M")


def test_portal_broken_article_raises_no_article(broken: DemoServer) -> None:
    with pytest.raises(ParseError) as err:
        parse(PortalAdapter(), broken.base_url + "/portal/article/1013.html", "article", PORTAL)
    assert err.value.reason == "no_article"


def test_tieba_raw_bar_page_asks_for_rendering(demo_url: str) -> None:
    with pytest.raises(ParseError) as err:
        parse(TiebaAdapter(), demo_url + BAR_PATH, "listing", BAR)
    assert err.value.reason == "not_rendered"


def test_tieba_bar_page_rendered_by_chromium(demo_url: str) -> None:
    """The DOM a real browser builds from the shell page is what the adapter reads."""
    url = demo_url + BAR_PATH
    cmd = ["chromium", *CHROMIUM_FLAGS, url]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    page = Page(url, dom, "listing", BAR, datetime.now(UTC))
    assert (
        '<ul id="thread_list" class="threadlist_bright j_threadlist_bright" data-rendered="1">'
        in dom
    )
    links = TiebaAdapter().parse(page).links
    threads = [lk for lk in links if lk.role == "thread"]
    assert len(threads) == 10 and threads[0].meta["sticky"] and threads[0].state == "0"
    assert threads[1].key and threads[1].key.startswith("thread:91000000")
    assert links[-1].role == "listing" and links[-1].render_js and links[-1].url.endswith("pn=10")


def test_tieba_thread_reads_floors_and_next_page(demo_url: str) -> None:
    url = demo_url + "/tieba/p/9100000002"
    parsed = parse(TiebaAdapter(), url, "thread", BAR)
    posts = parsed.posts
    assert [p.floor for p in posts] == list(range(1, 11))  # the ad floor is skipped
    first = posts[0]
    assert first.title == "工地老板拖欠工资，几十个工人去劳动局讨薪"
    assert (first.author, first.thread_id, first.replies) == ("临江打工人", "9100000002", 11)
    assert first.author_id and first.url == f"{url}#{first.post_id}"
    assert "讨薪" in first.content and first.published_text and first.published_at is None
    assert (first.kind, first.adapter) == ("postbar", "tieba")
    assert parsed.links[0].url == url + "?pn=2" and parsed.links[0].role == "thread"
    second = parse(TiebaAdapter(), url + "?pn=2", "thread", BAR)
    assert [p.floor for p in second.posts] == [11, 12] and second.links == []
    assert second.posts[-1].published_text.endswith(("分钟前", "小时前"))


def test_tieba_replies_inside_a_floor_come_from_its_fragment(demo_url: str) -> None:
    """The demo thread's opening floor counts 12 replies (楼中楼) its page does not hold: the
    thread page links to the floor's fragment, whose two pages give the 12 replies in floor 1,
    each answering the floor; a floor without replies links to none."""
    url = demo_url + "/tieba/p/9100000002"
    parsed = parse(TiebaAdapter(), url, "thread", BAR)
    first = parsed.posts[0]
    (fragment,) = [lk for lk in parsed.links if "/p/comment?" in lk.url]
    assert fragment.url == (f"{demo_url}/tieba/p/comment?tid=9100000002&pid={first.post_id}&pn=1")
    assert (fragment.key, fragment.state) == (f"replies:9100000002:{first.post_id}", "12")
    replies, link = [], fragment
    while True:
        page = TiebaAdapter().parse(fetch_page(link.url, "thread", BAR, link.meta))
        replies += page.posts
        if not page.links:
            break
        (link,) = page.links
    assert len(replies) == 12 and {(r.floor, r.reply_to) for r in replies} == {(1, first.post_id)}
    assert replies[0].author == "河西老张" and replies[0].content.startswith("先把考勤记录")
    assert replies[2].content.startswith("回复 骑车上班族 :")
    assert all(r.published_text and r.thread_id == "9100000002" for r in replies)
