"""The built-in adapters on real pages saved from real sites (``/work/shared/fixtures/real_pages``,
see its SOURCES.md); expected values are the ones read off the pages by eye."""

from __future__ import annotations

from datetime import UTC, datetime

from opinion_spiders.adapters import Page
from opinion_spiders.encoding import decode_html
from opinion_spiders.sites import Site
from plugins.discuz import DiscuzAdapter
from plugins.portal import PortalAdapter
from plugins.tieba import TiebaAdapter
from tests._proc import ROOT

REAL = ROOT.parent / "shared" / "fixtures" / "real_pages"
FORUM = Site(name="real-forum", kind="forum", engine="discuz", start_urls=("x",))
BAR = Site(name="real-bar", kind="postbar", engine="tieba", start_urls=("x",))
PORTAL = Site(name="real-portal", kind="portal", engine="portal", start_urls=("x",))


def real_page(name: str, url: str, role: str, site: Site) -> Page:
    """Decode as a crawl would: UTF-8 first, then the declared charset (GB family as gb18030)."""
    text = decode_html((REAL / name).read_bytes()).text
    return Page(url, text, role, site, datetime.now(UTC))


def test_discuz_real_viewthread_x33() -> None:
    url = "http://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38672"
    page = real_page("discuz_x33_viewthread_csolbbs_tid38672.html", url, "thread", FORUM)
    parsed = DiscuzAdapter().parse(page)
    posts = parsed.posts
    assert [p.post_id for p in posts] == ["53876", "53885", "53888", "53937"]
    assert [p.floor for p in posts] == [1, 2, 3, 4]
    first = posts[0]
    assert first.title == "建议对鼠神进行改版" and first.thread_id == "38672"
    assert (first.author, first.author_id) == ("前程往事", "142839")
    assert first.published_text == "2024-4-5 23:20:45"
    assert (first.views, first.replies) == (3481, 3)
    assert first.content.startswith("建议对鼠神进行改版，现在的鼠神说是传奇，跟别的传奇差太远了")
    assert "审核通过" not in first.content
    assert posts[2].content == "同质化太严重了就没意思了" and parsed.links == []


def test_discuz_real_forumdisplay_x32() -> None:
    page = real_page(
        "discuz_x32_forumdisplay_nsh163_fid9.html", "http://nsh.163.com/forum-9-1.html",
        "listing", FORUM,
    )  # fmt: skip
    links = DiscuzAdapter().parse(page).links
    threads = [lk for lk in links if lk.role == "thread"]
    assert len(threads) == 42 and sum(lk.meta["sticky"] for lk in threads) == 2
    sticky, normal = threads[0], threads[2]
    assert (sticky.key, sticky.state, sticky.url) == (
        "thread:202823", "4", "http://nsh.163.com/thread-202823-1-1.html",
    )  # fmt: skip
    assert sticky.meta["title"] == "2020年7月30日游戏服务器维护内容"
    assert (sticky.meta["author"], sticky.meta["views"]) == ("自在门小师妹", 3844)
    assert sticky.meta["published_text"] == "2020-7-30"  # the title of "3 天前"
    assert (normal.key, normal.state, normal.meta["author"]) == ("thread:202643", "22", "撅撅撅")
    assert normal.meta["title"] == "新买的机子老出现游戏卡屏或卡崩"
    assert links[-1].role == "listing" and links[-1].url == "http://nsh.163.com/forum-9-2.html"


def test_discuz_real_login_message_is_notice() -> None:
    page = real_page(
        "discuz_x32_message_loginok_chinaunix_gbk.html", "http://bbs.chinaunix.net/member.php",
        "listing", FORUM,
    )  # fmt: skip
    parsed = DiscuzAdapter().parse(page)
    assert parsed.page_type == "notice" and parsed.posts == [] and parsed.links == []
    assert "浏览器没有自动跳转" in parsed.notice


def test_discuz_real_forum_index_links_boards() -> None:
    page = real_page(
        "discuz_x32_forumindex_chinaunix_gbk.html", "http://bbs.chinaunix.net/", "index", FORUM
    )
    links = DiscuzAdapter().parse(page).links
    assert links[0].url == "http://bbs.chinaunix.net/forum-216-1.html"
    assert links[0].meta["board"] == "Linux新手园地" and all(lk.role == "listing" for lk in links)
    assert len({lk.url for lk in links}) == len(links) > 50


def test_tieba_real_rendered_bar_list() -> None:
    url = "https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE&ie=utf-8"
    page = real_page("tieba_pc_list_rendered_reyi.html", url, "listing", BAR)
    links = TiebaAdapter().parse(page).links
    threads = [lk for lk in links if lk.role == "thread"]
    assert len(threads) == 50
    first, third = threads[0], threads[2]
    assert (first.url, first.key, first.state) == (
        "https://tieba.baidu.com/p/6401593389", "thread:6401593389", "143",
    )  # fmt: skip
    assert first.meta["title"] == "【招聘】贴吧热议吧吧务邀请你的加入！！"
    assert first.meta["author"] == "烟给我烟" and first.meta["sticky"] is True
    assert (third.key, third.state, third.meta["author"]) == (
        "thread:6854540762",
        "531",
        "关注朋朋",
    )
    nxt = links[-1]
    assert nxt.role == "listing" and nxt.render_js and nxt.url.endswith("&pn=50")


def test_tieba_real_raw_bigpipe_bar_list() -> None:
    """Older raw pages hide the list in commented-out pagelets; it is read from there."""
    page = real_page(
        "tieba_pc_list_raw_bigpipe_fuji_20190612.html", "https://tieba.baidu.com/f?kw=fuji",
        "listing", BAR,
    )  # fmt: skip
    threads = [lk for lk in TiebaAdapter().parse(page).links if lk.role == "thread"]
    assert len(threads) == 41
    assert threads[0].key == "thread:6151250861" and threads[0].meta["author"] == "我要剧透"
    assert threads[1].meta["title"] == "腐姬在线版" and threads[1].state == "1207"


def test_tieba_real_thread_page() -> None:
    url = "https://tieba.baidu.com/p/5837869242"
    page = real_page("tieba_pc_thread_raw_terraria_p5837869242.html", url, "thread", BAR)
    parsed = TiebaAdapter().parse(page)
    posts = parsed.posts
    assert len(posts) == 30  # 31 div.l_post, one of them an ad
    first = posts[0]
    assert first.title == "【科普向】Tr冷僻物品及用途介绍" and first.thread_id == "5837869242"
    assert (first.post_id, first.floor) == ("121424076169", 1)
    assert (first.author, first.author_id) == ("传说的世纪", "2784774865")
    assert first.published_text == "2018-08-13 06:59" and first.replies == 2355
    assert first.content.startswith("LZ发现TR1.3")
    assert posts[5].author == "cwq67676" and posts[5].published_text == "2018-08-13 07:03"
    assert [lk.url for lk in parsed.links] == [url + "?pn=2"]


def test_portal_real_government_article() -> None:
    """A government CMS page whose ``<h1>`` is the site banner: the meta tags win."""
    url = "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml"
    (post,) = (
        PortalAdapter()
        .parse(real_page("gov_shanxi_portal_2019.html", url, "article", PORTAL))
        .posts
    )
    assert post.title == "山西品牌丝路行（南美站）正式启动"
    assert (post.published_text, post.source) == ("2019-09-18 06:23", "山西日报")
    assert post.thread_id == "t20190918_693227" and "山西品牌丝路行" in post.content
