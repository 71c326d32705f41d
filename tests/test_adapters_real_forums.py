"""Forum and post-bar adapters on real saved pages (``../shared/fixtures/real_pages``, values
from its SOURCES.md) and on sample pages written for this project (``tests/pages``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.encoding import decode_html
from opinion_spiders.items import Post
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from plugins._discuz_old import index_info
from plugins._notice import detect_notice
from plugins._tieba_mobile import bar_info
from plugins.discourse import DiscourseAdapter, follow_ups
from plugins.discuz import DiscuzAdapter
from plugins.generic_forum import GenericForumAdapter
from plugins.phpbb import PhpbbAdapter
from plugins.tieba import TiebaAdapter

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real_pages"
OWN = Path(__file__).resolve().parent / "pages"
SITE = Site(name="real", kind="forum", engine="x", start_urls=("x",))
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ADAPTERS: list[type[Adapter]] = [
    DiscuzAdapter, TiebaAdapter, PhpbbAdapter, DiscourseAdapter, GenericForumAdapter,
]  # fmt: skip


def load(path: Path, url: str, role: str, now: datetime = NOW) -> Page:
    text = decode_html(path.read_bytes()).text
    return Page(url, text, role, SITE, now)


def parse(adapter: Adapter, name: str, url: str, role: str, now: datetime = NOW) -> Parsed:
    path = REAL / name if (REAL / name).exists() else OWN / name
    assert path.exists(), f"missing fixture {path}"
    return adapter.parse(load(path, url, role, now))


def when(text: str, now: datetime = NOW) -> datetime | None:
    return parse_datetime(text, now, "Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def threads(links: list[Link]) -> list[Link]:
    return [lk for lk in links if lk.role == "thread"]


def test_real_pages_are_there() -> None:
    assert (REAL / "SOURCES.md").exists(), f"real pages missing at {REAL}"


# --- Discuz! -------------------------------------------------------------------------------

CSOL = "discuz_x33_viewthread_csolbbs_tid38672.html"
CSOL_URL = "https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38672"


@pytest.mark.parametrize("role", ["auto", "thread"])
def test_discuz_x33_viewthread_floors(role: str) -> None:
    parsed = parse(DiscuzAdapter(), CSOL, CSOL_URL, role)
    posts = parsed.posts
    assert len(posts) == 4 and [p.post_id for p in posts[:3]] == ["53876", "53885", "53888"]
    first = posts[0]
    assert (first.title, first.source, first.thread_id) == (
        "建议对鼠神进行改版",
        "建议反馈",
        "38672",
    )
    assert (first.author, first.author_id, first.floor) == ("前程往事", "142839", 1)
    assert when(first.published_text) == at(2024, 4, 5, 23, 20, 45)
    assert (first.views, first.replies) == (3481, 3)
    assert first.content.startswith("建议对鼠神进行改版，现在的鼠神说是传奇")
    assert {(p.adapter, p.adapter_version, p.confidence) for p in posts} == {("discuz", "x3", 1.0)}


NSH = "discuz_x32_forumdisplay_nsh163_fid9.html"


@pytest.mark.parametrize("role", ["auto", "listing"])
def test_discuz_x32_forumdisplay_sticky_and_normal(role: str) -> None:
    now = datetime(2020, 8, 2, 16, 0, tzinfo=SHANGHAI)
    links = parse(DiscuzAdapter(), NSH, "http://nsh.163.com/forum-9-1.html", role, now).links
    rows = threads(links)
    assert len(rows) == 42 and [lk.meta["sticky"] for lk in rows] == [True] * 2 + [False] * 40
    sticky, normal = rows[0], rows[2]
    assert sticky.url == "http://nsh.163.com/thread-202823-1-1.html"
    assert sticky.meta["title"] == "2020年7月30日游戏服务器维护内容"
    assert (sticky.meta["author"], sticky.meta["replies"], sticky.meta["views"]) == (
        "自在门小师妹", 4, 3844,
    )  # fmt: skip
    assert sticky.meta["shown_text"] == "3 天前"
    assert when(sticky.meta["published_text"], now) == at(2020, 7, 30, 0, 0)
    assert (normal.meta["tid"], normal.meta["author"], normal.meta["title"]) == (
        "202643", "撅撅撅", "新买的机子老出现游戏卡屏或卡崩",
    )  # fmt: skip
    assert (normal.meta["replies"], normal.meta["views"], normal.state) == (22, 1171, "22")
    assert when(normal.meta["published_text"], now) == at(2020, 7, 19, 0, 0)
    nxt = links[-1]
    assert nxt.role == "listing" and nxt.url == "http://nsh.163.com/forum-9-2.html"
    assert nxt.meta == {"forum": "旗亭酒肆/梦起三清", "threads": 78553, "today": 8, "pages": 500}


CU_INDEX = "discuz_x32_forumindex_chinaunix_gbk.html"


@pytest.mark.parametrize("role", ["auto", "index"])
def test_discuz_x32_board_index(role: str) -> None:
    page = load(REAL / CU_INDEX, "http://bbs.chinaunix.net/forum.php", role)
    links = DiscuzAdapter().parse(page).links
    assert all(lk.role == "listing" for lk in links) and links[0].meta["board"] == "Linux新手园地"
    assert links[0].url == "http://bbs.chinaunix.net/forum-216-1.html"
    rewritten = {lk.meta["fid"] for lk in links if "forum-" in lk.url}
    assert rewritten == set(re.findall(r"forum-(\d+)-1\.html", page.text)) and len(rewritten) == 69
    info = index_info(page)
    assert (info["user"], info["uid"], info["threads"], info["today"]) == (
        "80155365", "31553152", 1491978, 28,
    )  # fmt: skip
    assert info["newest_member"] == "raorao12345"
    featured = info["featured"]
    assert isinstance(featured, list) and len(featured) >= 36
    assert featured[0] == {
        "tid": "4298146",
        "title": "【技术解析】聊聊对子弹短信的看法",
        "url": "http://bbs.chinaunix.net/thread-4298146-1-1.html",
    }


@pytest.mark.parametrize("role", ["auto", "index", "thread"])
def test_discuz_login_message_is_a_login_notice(role: str) -> None:
    url = "http://bbs.chinaunix.net/member.php?mod=logging&action=login"
    parsed = parse(DiscuzAdapter(), "discuz_x32_message_loginok_chinaunix_gbk.html", url, role)
    assert (parsed.page_type, parsed.notice_kind, parsed.posts, parsed.links) == (
        "notice", "login", [], [],
    )  # fmt: skip
    assert "欢迎您回来，白手起家 80155365" in parsed.notice


@pytest.mark.parametrize("role", ["auto", "listing"])
def test_discuz7_forumdisplay_gbk(role: str) -> None:
    url = "http://bbs.example.cn/forumdisplay.php?fid=12"
    links = parse(DiscuzAdapter(), "discuz7/forumdisplay.html", url, role).links
    rows = threads(links)
    assert [lk.meta["tid"] for lk in rows] == ["88120", "90417", "90402", "90388"]
    assert [lk.meta["sticky"] for lk in rows] == [True, False, False, False]
    second = rows[1].meta
    assert (second["title"], second["author"], second["author_id"]) == (
        "东湖路口的红绿灯坏了三天，没人管吗？", "东湖老张", "20817",
    )  # fmt: skip
    assert (second["replies"], second["views"], second["version"]) == (23, 812, "7")
    assert links[-1].url == "http://bbs.example.cn/forumdisplay.php?fid=12&page=2"
    assert links[-1].meta == {"forum": "城事杂谈", "threads": 3568, "today": None, "pages": 179}


@pytest.mark.parametrize("role", ["auto", "thread"])
def test_discuz7_viewthread_gbk(role: str) -> None:
    url = "http://bbs.example.cn/viewthread.php?tid=90417"
    parsed = parse(DiscuzAdapter(), "discuz7/viewthread.html", url, role)
    posts = parsed.posts
    assert [(p.floor, p.post_id, p.author, p.author_id) for p in posts] == [
        (1, "1203361", "东湖老张", "20817"),
        (2, "1203378", "小二马", "52210"),
        (3, "1203402", "菜篮子", "31442"),
    ]
    assert {(p.title, p.thread_id, p.source, p.adapter_version) for p in posts} == {
        ("东湖路口的红绿灯坏了三天，没人管吗？", "90417", "城事杂谈", "7")
    }
    assert (posts[0].views, posts[0].replies) == (812, 23)
    assert when(posts[0].published_text) == at(2010, 11, 19, 8, 31)
    assert "家住东湖" not in posts[0].content  # signature
    assert posts[1].content == "我昨天晚上路过也是这样，交警就站在旁边指挥，累得够呛。"  # no quote
    assert posts[2].content == "刚看到市交管局微博回复了，说是控制器烧了，周五前换好。"
    assert [lk.url for lk in parsed.links] == [url + "&extra=page%3D1&page=2"]


def test_discuz7_deleted_thread_notice() -> None:
    url = "http://bbs.example.cn/viewthread.php?tid=1"
    parsed = parse(DiscuzAdapter(), "discuz7/message.html", url, "thread")
    assert (parsed.page_type, parsed.notice_kind) == ("notice", "deleted")
    assert parsed.notice.startswith("指定的主题不存在或已被删除")


# --- Tieba ---------------------------------------------------------------------------------

REYI = "tieba_pc_list_rendered_reyi.html"
REYI_URL = "https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE&ie=utf-8"


@pytest.mark.parametrize("role", ["auto", "listing"])
def test_tieba_pc_rendered_list(role: str) -> None:
    links = parse(TiebaAdapter(), REYI, REYI_URL, role).links
    rows = threads(links)
    assert len(rows) == 50 and {lk.meta["version"] for lk in rows} == {"pc-rendered-2020"}
    first, third = rows[0].meta, rows[2].meta
    assert (first["tid"], first["title"], first["author"], first["replies"], first["sticky"]) == (
        "6401593389", "【招聘】贴吧热议吧吧务邀请你的加入！！", "烟给我烟", 143, True,
    )  # fmt: skip
    assert (third["tid"], third["author"], third["replies"]) == ("6854540762", "关注朋朋", 531)
    assert links[-1].meta == {"bar": "贴吧热议吧", "members": 117453, "posts": 1448648}


FUJI = "tieba_pc_list_raw_bigpipe_fuji_20190612.html"


@pytest.mark.parametrize("role", ["auto", "listing"])
def test_tieba_pc_raw_bigpipe_list(role: str) -> None:
    links = parse(TiebaAdapter(), FUJI, "https://tieba.baidu.com/f?kw=fuji", role).links
    rows = threads(links)
    assert len(rows) == 41 and {lk.meta["version"] for lk in rows} == {"pc-raw-2019"}
    first, second = rows[0].meta, rows[1].meta
    assert (first["tid"], first["author"], first["sticky"]) == ("6151250861", "我要剧透", True)
    assert first["title"] == "以前永久有效的分享链接全部失效，度娘这是不想做网盘了？"
    assert (second["tid"], second["title"], second["replies"], second["sticky"]) == (
        "6133707237", "腐姬在线版", 1207, True,
    )  # fmt: skip
    assert links[-1].meta["bar"] == "腐姬吧" and links[-1].meta["members"] == 1020


MOBILE = "tieba_mobile_list_pingdingshanxueyuan.html"


@pytest.mark.parametrize("role", ["auto", "listing"])
def test_tieba_mobile_list_pinned_normal_and_ads(role: str) -> None:
    now = datetime(2018, 10, 18, 20, 0, tzinfo=SHANGHAI)
    url = "https://tieba.baidu.com/f?kw=%E5%B9%B3%E9%A1%B6%E5%B1%B1%E5%AD%A6%E9%99%A2&mo_device=1"
    page = load(REAL / MOBILE, url, role, now)
    rows = threads(TiebaAdapter().parse(page).links)
    pinned = [lk.meta for lk in rows if lk.meta["sticky"]]
    normal = [lk.meta for lk in rows if not lk.meta["sticky"]]
    assert [(m["tid"], m["title"]) for m in pinned] == [
        ("5916005664", "【兼职、二手、租房】2018-2019学年上学期校历第7周专用贴"),
        ("5888926467", "【吧务公告】新任小吧上任公示"),
    ]
    # SOURCES.md reads 47 normal items and one ad; the markup holds 48 and two ads (车置宝, 世纪明宇).
    assert len(normal) == 48 and not {"车置宝", "世纪明宇"} & {m["author"] for m in normal}
    first = normal[0]
    assert (first["tid"], first["title"], first["author"], first["replies"]) == (
        "5918293462", "平院的小可爱们来玩个游戏嗨一下", "野原小新君", 0,
    )  # fmt: skip
    assert when(first["published_text"], now) == at(2018, 10, 18, 18, 58)
    assert rows[0].url.startswith("https://tieba.baidu.com/p/5916005664")
    assert bar_info(page.text, page.selector) == {
        "bar": "平顶山学院吧", "members": 146000, "posts": 6571000,
    }  # fmt: skip


TERRARIA = "tieba_pc_thread_raw_terraria_p5837869242.html"


@pytest.mark.parametrize("role", ["auto", "thread"])
def test_tieba_pc_raw_thread(role: str) -> None:
    url = "https://tieba.baidu.com/p/5837869242"
    parsed = parse(TiebaAdapter(), TERRARIA, url, role)
    posts = parsed.posts
    assert len(posts) == 30
    first = posts[0]
    assert (first.title, first.post_id, first.floor) == (
        "【科普向】Tr冷僻物品及用途介绍", "121424076169", 1,
    )  # fmt: skip
    assert (first.author, first.author_id, first.replies) == ("传说的世纪", "2784774865", 2355)
    assert when(first.published_text) == at(2018, 8, 13, 6, 59)
    assert {p.adapter_version for p in posts} == {"pc-raw-2019"}
    assert parsed.links[0].url == url + "?pn=2" and parsed.links[0].meta["pages"] == 26


# --- phpBB, Discourse, generic --------------------------------------------------------------


@pytest.mark.parametrize("role", ["auto", "thread"])
def test_phpbb_prosilver_topic(role: str) -> None:
    url = "https://forums.debian.net/viewtopic.php?t=159270"
    posts = parse(PhpbbAdapter(), "phpbb_debian_t159270.html", url, role).posts
    assert [(p.floor, p.author, p.thread_id) for p in posts] == [
        (1, "contactopublico", "159270"),
        (2, "wizard10000", "159270"),
    ]
    assert [when(p.published_text) for p in posts] == [
        datetime(2024, 5, 20, 14, 17, 47, tzinfo=UTC),
        datetime(2024, 5, 21, 11, 4, 39, tzinfo=UTC),
    ]
    assert posts[0].title == "kernel compile eror chagelog" and posts[0].post_id == "799769"
    assert posts[0].content.startswith("After numerous previous kernel compilation")
    assert "Select all" not in posts[0].content


@pytest.mark.parametrize("role", ["auto", "thread"])
def test_discourse_rendered_topic(role: str) -> None:
    url = "https://forum.uipath.com/t/uipath-load-testing/739028/3"
    posts = parse(DiscourseAdapter(), "discourse_uipath_739028.html", url, role).posts
    assert [p.floor for p in posts] == [1, 3, 4, 5, 6, 7, 8]
    first, last = posts[0], posts[-1]
    assert (first.title, first.author, first.thread_id) == (
        "UiPath Load Testing", "robert.wagner", "739028",
    )  # fmt: skip
    assert first.published_at == datetime(2024, 5, 6, 9, 35, 7, 707000, tzinfo=UTC)
    assert when(first.published_text) == first.published_at
    assert last.author == "ali.koundi1"
    assert last.published_at == datetime.fromtimestamp(1716567970859 / 1000, tz=UTC)
    assert first.url == "https://forum.uipath.com/t/uipath-load-testing/739028/1"


def test_discourse_topic_json() -> None:
    url = "https://talk.example.org/t/night-bus-n12/20931.json"
    posts = parse(DiscourseAdapter(), "discourse/topic_20931.json", url, "thread").posts
    assert [(p.floor, p.post_id, p.author, p.author_id) for p in posts] == [
        (1, "88101", "haidian_resident", "412"),
        (2, "88130", "liwei", "98"),
    ]
    assert posts[0].title == "Night bus N12 suspended?" and posts[0].views == 213
    assert posts[1].content == (
        "The operator posted that the route is suspended until the road works finish in June."
    )
    assert posts[1].published_at == datetime(2024, 4, 18, 5, 40, 2, 4000, tzinfo=UTC)
    assert posts[0].url == "https://talk.example.org/t/night-bus-n12/20931/1"


def test_discourse_long_topic_json_asks_for_the_posts_it_left_out() -> None:
    """A topic's JSON holds its first 20 posts and the ids of all 25 (``post_stream.stream``):
    the adapter asks ``/t/ID/posts.json`` for the other 5, and that answer (posts only) gets
    its title and post addresses from the link's meta."""
    url = "https://talk.example.org/t/n12-night-bus/31337.json"
    topic = parse(DiscourseAdapter(), "discourse/topic_31337_long.json", url, "thread")
    assert [p.floor for p in topic.posts] == list(range(1, 21))
    assert topic.posts[0].views == 1024 and topic.posts[0].replies == 24
    (more,) = topic.links
    assert more.url == "https://talk.example.org/t/31337/posts.json?" + "&".join(
        f"post_ids[]={90000 + n}" for n in range(21, 26)
    )
    assert more.role == "thread" and more.meta["title"] == "N12 夜班车停运，临时接驳怎么坐？"
    path = OWN / "discourse/topic_31337_posts.json"
    page = Page(more.url, path.read_text(encoding="utf-8"), "thread", SITE, NOW, meta=more.meta)
    rest = DiscourseAdapter().parse(page)
    assert rest.links == [], "an answer to a follow-up asks for nothing more"
    assert [p.floor for p in rest.posts] == [21, 22, 23, 24, 25]
    last = rest.posts[-1]
    assert (last.title, last.thread_id, last.post_id) == (
        "N12 夜班车停运，临时接驳怎么坐？", "31337", "90025",
    )  # fmt: skip
    assert last.url == "https://talk.example.org/t/n12-night-bus/31337/25"
    assert last.content == "听说是道路施工，要到六月底。（第25楼）" and last.author == "xiaoming"


@pytest.mark.parametrize(
    ("loaded", "tid", "sizes"),
    [(20, "9", [20, 20, 5]), (1, "9", [20, 20, 20, 4]), (65, "9", []), (20, "", [])],
)
def test_discourse_follow_ups_come_in_chunks_of_twenty(
    loaded: int, tid: str, sizes: list[int]
) -> None:
    """A 65-post stream of which ``loaded`` came with the topic: the rest in 20s."""
    stream = list(range(1, 66))
    have = [{"id": i} for i in stream[:loaded]]
    links = follow_ups("https://d.example/t/x/9.json", "https://d.example/t/x/9", tid, "t",
                       stream, have)  # fmt: skip
    assert [link.url.count("post_ids[]") for link in links] == sizes
    asked = [int(m) for link in links for m in re.findall(r"post_ids\[\]=(\d+)", link.url)]
    assert asked == stream[loaded:] if sizes else asked == []


GENERIC = {
    "generic/flarum_discussion.html": (
        "小区地下车库渗水，物业一直推给开发商",
        ["兰亭七栋", "水韵二期", "物业客服小王"],
        at(2024, 6, 3, 9, 12, 40),
    ),
    "generic/mybb_showthread.html": (
        "高铁站接驳公交什么时候恢复？", ["赶早班车的人", "南站老司机"], at(2024, 3, 11, 7, 42),
    ),
    "generic/nodebb_topic.html": (
        "老旧小区加装电梯，一楼住户不同意怎么办",
        ["城西老李", "加梯过来人", "城西老李"],
        datetime(2024, 3, 3, 5, 0, tzinfo=UTC),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_generic_engine_finds_post_blocks(name: str) -> None:
    title, authors, first_time = GENERIC[name]
    posts = parse(GenericForumAdapter(), name, "https://bbs.example.cn/t/1", "auto").posts
    assert [p.author for p in posts] == authors and {p.title for p in posts} == {title}
    assert when(posts[0].published_text) == first_time
    assert {(p.adapter, p.confidence) for p in posts} == {("generic", 0.5)}
    assert all(len(p.content) > 10 and "发表" not in p.content for p in posts)


def test_generic_engine_drops_quotes() -> None:
    posts = parse(GenericForumAdapter(), "generic/flarum_discussion.html", "https://x/d/1", "auto")
    assert (
        posts.posts[2].content.startswith("各位业主好") and "质量问题" not in posts.posts[2].content
    )


# --- notice pages ---------------------------------------------------------------------------

BAIDU_WALL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度安全验证</title>
<script src="https://wappass.baidu.com/static/machine/js/api/mkd.js"></script></head>
<body><div class="timeout hide"><p class="timeout-title">网络不给力，请稍后重试</p></div>
<div class="vcode-body"><p class="vcode-title">请完成下方验证后继续操作</p>
<div class="vcode-spin"><div class="vcode-spin-button"></div><p>拖动左侧滑块使图片为正</p></div></div>
</body></html>"""
CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<div id="challenge-stage"></div><noscript>Enable JavaScript and cookies to continue</noscript>
<script>(function(){window._cf_chl_opt={cvId:'3'};})();</script></div></body></html>"""
TIEBA_DELETED = """<html><head><meta charset="UTF-8"><title>贴吧404</title></head><body>
<div id="com_userbar"><a href="//tieba.baidu.com">百度贴吧</a></div><div class="page404">
<h2>很抱歉，该贴已被删除。</h2><p>返回 <a href="//tieba.baidu.com/f?kw=x">x吧</a></p></div></body></html>"""
NO_PERMISSION = """<html><head><meta charset="gbk"><title>提示信息 - 江城社区</title></head>
<body><div id="messagetext" class="alert_error"><p>抱歉，您需要登录后才能查看该版块</p>
<p class="alert_btnleft"><a href="member.php?mod=logging&action=login">登录</a></p></div></body></html>"""
JS_REDIRECT = """<html><head><title></title><script>window.location.href = "https://bbs.example.cn/forum.php";</script></head>
<body>正在跳转……</body></html>"""
META_REFRESH = """<html><head><meta http-equiv="refresh" content="0;url=/forum.php"></head><body></body></html>"""


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        (BAIDU_WALL, "captcha"),
        (CHALLENGE, "captcha"),
        (TIEBA_DELETED, "deleted"),
        (NO_PERMISSION, "no_permission"),
        (JS_REDIRECT, "redirect"),
        (META_REFRESH, "redirect"),
    ],
)
def test_notice_pages_are_told_by_kind(html: str, kind: str) -> None:
    found = detect_notice(html, "https://bbs.example.cn/thread-1-1-1.html")
    assert found is not None and found[0] == kind
    for adapter in (DiscuzAdapter(), TiebaAdapter(), PhpbbAdapter(), GenericForumAdapter()):
        page = Page("https://bbs.example.cn/x", html, "thread", SITE, NOW)
        parsed = adapter.parse(page)
        assert (parsed.page_type, parsed.notice_kind, parsed.posts) == ("notice", kind, [])


def test_notice_words_inside_a_post_stay_content() -> None:
    """A short thread whose post says “验证码” or “已被删除” is still a thread."""
    html = (
        (OWN / "generic" / "nodebb_topic.html")
        .read_text("utf-8")
        .replace(
            "谢谢，今天去街道问了", "我的帖子已被删除了，输入验证码也没用。谢谢，今天去街道问了"
        )
    )
    assert detect_notice(html, "https://x/topic/204") is None
    for name in sorted(p.name for p in REAL.glob("*.html")):
        if "message" not in name:
            assert detect_notice(decode_html((REAL / name).read_bytes()).text, "x") is None, name


# --- engine choice and canaries --------------------------------------------------------------

SNIFFED = {
    CSOL: "discuz", NSH: "discuz", CU_INDEX: "discuz",
    "discuz_x32_message_loginok_chinaunix_gbk.html": "discuz",
    "discuz7/forumdisplay.html": "discuz", "discuz7/viewthread.html": "discuz",
    REYI: "tieba", FUJI: "tieba", MOBILE: "tieba", TERRARIA: "tieba",
    "phpbb_debian_t159270.html": "phpbb", "discourse_uipath_739028.html": "discourse",
    "discourse/topic_20931.json": "discourse", "generic/flarum_discussion.html": "generic",
    "discourse/topic_31337_long.json": "discourse", "discourse/topic_31337_posts.json": "discourse",
    "generic/mybb_showthread.html": "generic", "generic/nodebb_topic.html": "generic",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SNIFFED))
def test_sniff_picks_the_engine(name: str) -> None:
    path = REAL / name if (REAL / name).exists() else OWN / name
    text = decode_html(path.read_bytes()).text
    scores = {cls.engine: cls.sniff(text, "https://bbs.example.cn/") for cls in ADAPTERS}
    assert max(scores, key=lambda e: scores[e]) == SNIFFED[name], scores


CANARIES: list[tuple[type[Adapter], str, str, tuple[str, ...]]] = [
    (DiscuzAdapter, CSOL, CSOL_URL, ("title", "author", "author_id", "post_id", "published_text")),
    (DiscuzAdapter, "discuz7/viewthread.html", "http://bbs.example.cn/viewthread.php?tid=90417",
     ("title", "author", "author_id", "post_id", "published_text", "floor")),
    (TiebaAdapter, TERRARIA, "https://tieba.baidu.com/p/5837869242",
     ("title", "author", "author_id", "post_id", "published_text", "floor", "content")),
    (PhpbbAdapter, "phpbb_debian_t159270.html", "https://forums.debian.net/viewtopic.php?t=159270",
     ("title", "author", "author_id", "post_id", "published_text", "content")),
    (DiscourseAdapter, "discourse_uipath_739028.html",
     "https://forum.uipath.com/t/uipath-load-testing/739028/3",
     ("title", "author", "author_id", "post_id", "published_at", "content")),
    (GenericForumAdapter, "generic/flarum_discussion.html", "https://bbs.example.cn/d/1187",
     ("title", "author", "published_text", "content")),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "name", "url", "fields"), CANARIES, ids=lambda v: str(v)[:40])
def test_canary_required_fields_on_most_posts(
    cls: type[Adapter], name: str, url: str, fields: tuple[str, ...]
) -> None:
    """Issue item 11: a layout change shows as required fields missing on most posts."""
    posts: list[Post] = parse(cls(), name, url, "auto").posts
    assert posts
    for field in (*fields, "url", "adapter_version"):
        present = sum(1 for p in posts if getattr(p, field) not in (None, ""))
        assert present >= 0.9 * len(posts), f"{cls.engine}: {field} on {present}/{len(posts)}"
    assert all(p.adapter == cls.engine for p in posts)


def test_canary_tieba_lists_keep_their_threads() -> None:
    for name, url in ((REYI, REYI_URL), (FUJI, REYI_URL), (MOBILE, REYI_URL + "&mo_device=1")):
        rows = threads(parse(TiebaAdapter(), name, url, "auto").links)
        keyed = [lk for lk in rows if lk.key and lk.meta["title"] and lk.state is not None]
        assert len(rows) >= 40 and len(keyed) >= 0.9 * len(rows), name


def test_notice_title_mentioning_captcha_on_a_long_article_is_content() -> None:
    from plugins._notice import detect_notice

    body = "<p>近日，多地警方提醒市民，不法分子冒充客服索要手机验证码，骗取钱财。</p>" * 40
    page = f"<html><head><title>警惕“验证码”诈骗_新闻中心</title></head><body><h1>警惕“验证码”诈骗</h1>{body}</body></html>"
    assert detect_notice(page, "http://news.example.cn/a.html") is None
    wall = "<html><head><title>百度安全验证</title></head><body><p>网络不给力，请稍后重试</p></body></html>"
    assert detect_notice(wall, "https://tieba.baidu.com/f?kw=x") == ("captcha", "百度安全验证")
