"""The engines beyond reading one page (each page's reading is a fixture folder checked by
``test_adapter_pages.py``): follow-up requests across pages, helpers that read a page's
extras, notice detection against content, and the canaries that flag a layout change."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.adapters import Adapter, Link, Page, Parsed
from opinion_spiders.items import Post
from opinion_spiders.reading import read_page
from opinion_spiders.reading.encoding import decode_html
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.discourse import DiscourseAdapter, follow_ups
from plugins.discuz import DiscuzAdapter, detect_notice, index_info
from plugins.flarum import FlarumAdapter
from plugins.generic_forum import GenericForumAdapter
from plugins.homeland import HomelandAdapter
from plugins.mybb import MybbAdapter
from plugins.nodebb import NodebbAdapter
from plugins.phpbb import PhpbbAdapter
from plugins.qa import QaAdapter
from plugins.tieba import TiebaAdapter, bar_info

PAGES = Path(__file__).resolve().parent / "pages"
SITE = Site(name="real", kind="forum", engine="x", start_urls=("x",))
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def case(name: str) -> tuple[Page, dict[str, Any]]:
    """A fixture folder's page (decoded as a crawl would) and its expected.json."""
    folder = PAGES / name
    spec: dict[str, Any] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    (path,) = folder.glob("page.*")
    text = decode_html(path.read_bytes()).text
    return Page(spec["url"], text, "auto", SITE, NOW, meta=spec.get("page_meta", {})), spec


def parse(adapter: Adapter, name: str) -> Parsed:
    return adapter.parse(case(name)[0])


def threads(links: list[Link]) -> list[Link]:
    return [lk for lk in links if lk.role == "thread"]


def test_discuz_board_index_info() -> None:
    """The board index's extras (who is logged in, totals, featured threads) as shown."""
    page, _spec = case("discuz/x32_forumindex_chinaunix_gbk")
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


def test_discuz_board_index_links_every_board_on_the_page() -> None:
    page, _spec = case("discuz/x32_forumindex_chinaunix_gbk")
    links = DiscuzAdapter().parse(page).links
    fids = {lk.meta["fid"] for lk in links if "forum-" in lk.url}
    assert fids == set(re.findall(r"forum-(\d+)-1\.html", page.text))


def test_tieba_mobile_bar_info() -> None:
    page, _spec = case("tieba/mobile_list_pingdingshanxueyuan")
    assert bar_info(page.text, page.selector) == {
        "bar": "平顶山学院吧", "members": 146000, "posts": 6571000,
    }  # fmt: skip


def test_discourse_long_topic_follow_up_is_the_posts_page() -> None:
    """A topic's JSON holds its first 20 posts and the ids of all 25: the adapter asks
    ``/t/ID/posts.json`` for the other 5, and that answer (its own fixture folder, read with
    the link's meta) asks for nothing more."""
    (more,) = parse(DiscourseAdapter(), "discourse/json_topic_31337_long").links
    page, spec = case("discourse/json_topic_31337_posts")
    assert (more.url, more.meta) == (spec["url"], spec["page_meta"])
    rest = DiscourseAdapter().parse(page)
    assert rest.links == [], "an answer to a follow-up asks for nothing more"
    assert [p.floor for p in rest.posts] == [21, 22, 23, 24, 25]


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


def test_notice_words_inside_a_post_stay_content() -> None:
    """A short thread whose post says “验证码” or “已被删除” is still a thread, and no HTML
    content page among the fixtures reads as a notice."""
    page, _spec = case("nodebb/topic_rendered")
    html = page.text.replace(
        "谢谢，今天去街道问了", "我的帖子已被删除了，输入验证码也没用。谢谢，今天去街道问了"
    )
    assert "验证码" in html and detect_notice(html, "https://x/topic/204") is None
    content = 0
    for expected in sorted(PAGES.glob("*/*/expected.json")):
        path = expected.parent / "page.html"
        spec = json.loads(expected.read_text(encoding="utf-8"))
        if path.exists() and spec.get("page_type") == "content":
            assert detect_notice(decode_html(path.read_bytes()).text, "x") is None, expected.parent
            content += 1
    assert content >= 20


def test_notice_title_mentioning_captcha_on_a_long_article_is_content() -> None:
    body = "<p>近日，多地警方提醒市民，不法分子冒充客服索要手机验证码，骗取钱财。</p>" * 40
    page = f"<html><head><title>警惕“验证码”诈骗_新闻中心</title></head><body><h1>警惕“验证码”诈骗</h1>{body}</body></html>"
    assert detect_notice(page, "http://news.example.cn/a.html") is None
    wall = "<html><head><title>百度安全验证</title></head><body><p>网络不给力，请稍后重试</p></body></html>"
    assert detect_notice(wall, "https://tieba.baidu.com/f?kw=x") == ("captcha", "百度安全验证")


def _short_thread(title: str, floors: list[str]) -> str:
    """A short Tieba thread page, as the engine reads one (``div.l_post`` with its JSON)."""
    rows = []
    for floor, text in enumerate(floors, start=1):
        field = {"author": {"user_id": 7, "user_name": "网友甲"},
                 "content": {"post_id": 900 + floor, "thread_id": 55, "post_no": floor}}  # fmt: skip
        attr = json.dumps(field, ensure_ascii=False).replace('"', "&quot;")
        rows.append(
            f'<div class="l_post j_l_post" data-field="{attr}"><div class="d_author">'
            f'<a class="p_author_name">网友甲</a></div><div class="d_post_content_main">'
            f'<div class="d_post_content j_d_post_content">{text}</div><div class="core_reply_tail">'
            f'<span class="tail-info">{floor}楼</span><span class="tail-info">2024-05-30 10:0{floor}</span>'
            "</div></div></div>"
        )  # fmt: skip
    return (
        f"<html><head><title>{title}【民生吧】_百度贴吧</title></head><body>"
        f'<h3 class="core_title_txt" title="{title}">{title}</h3>'
        f'<div id="j_p_postlist">{"".join(rows)}</div></body></html>'
    )


@pytest.mark.parametrize(
    "title", ["为什么我无权修改帖子", "验证码一直收不到怎么办", "需要登录才能看的公告在哪"]
)
def test_a_short_thread_whose_title_reads_like_a_notice_is_content(title: str) -> None:
    """Words in a title (or a heading) alone are weak: a page the engine reads posts off is a
    thread. A page with the same title and no posts stays a notice."""
    site = Site(name="bar", kind="postbar", engine="tieba", start_urls=("x",))
    html = _short_thread(title, ["同问，楼主解决了吗", "我也是这样"])
    page = Page(url="https://tieba.baidu.com/p/55", text=html, role="thread", site=site,
                crawled_at=NOW)  # fmt: skip
    parsed = TiebaAdapter().parse(page)
    assert parsed.page_type == "content"
    assert [p.content for p in parsed.posts] == ["同问，楼主解决了吗", "我也是这样"]
    empty = Page(url="https://tieba.baidu.com/p/56", text=_short_thread(title, []),
                 role="thread", site=site, crawled_at=NOW)  # fmt: skip
    assert TiebaAdapter().parse(empty).page_type == "notice"


@pytest.mark.parametrize(
    ("url", "shown_page", "floors"),
    [("viewtopic.php?f=12&t=21345&start=15", "1", [16, 21]),
     ("viewtopic.php?p=402116", "1", [1, 6]),
     ("viewtopic.php?p=402116", "3", [31, 36])],
)  # fmt: skip
def test_phpbb_subsilver2_floors_count_the_pages_before(
    url: str, shown_page: str, floors: list[int]
) -> None:
    """subsilver2 numbers no post: a floor is its place on the page after the earlier pages'
    posts (the URL's ``start``, else the page number and size the page's ``jumpto()`` holds:
    a ``?p=`` permalink opens on whichever page has the post)."""
    page, _spec = case("phpbb/subsilver2_topic_t21345")
    prompt = "'Enter the page number you wish to go to:', '{}'"
    text = page.text.replace(prompt.format(1), prompt.format(shown_page))
    page = Page(f"https://www.example-wheelers.org/forum/{url}", text, "thread", SITE, NOW)
    posts = PhpbbAdapter().parse(page).posts
    assert [posts[0].floor, posts[-1].floor] == floors
    assert {p.thread_id for p in posts} == {"21345"}


# --- canaries: a layout change shows as required fields missing on most posts ---------------

CANARIES: list[tuple[type[Adapter], str, tuple[str, ...]]] = [
    (DiscuzAdapter, "discuz/x33_viewthread_csolbbs_tid38672",
     ("title", "author", "author_id", "post_id", "published_text")),
    (DiscuzAdapter, "discuz/d7_viewthread_gbk",
     ("title", "author", "author_id", "post_id", "published_text", "floor")),
    (TiebaAdapter, "tieba/pc_thread_raw_terraria_p5837869242",
     ("title", "author", "author_id", "post_id", "published_text", "floor", "content")),
    (PhpbbAdapter, "phpbb/prosilver_debian_t159270",
     ("title", "author", "author_id", "post_id", "published_text", "content")),
    (PhpbbAdapter, "phpbb/subsilver2_topic_t21345",
     ("title", "author", "author_id", "post_id", "published_text", "floor", "content")),
    (DiscourseAdapter, "discourse/rendered_uipath_739028",
     ("title", "author", "author_id", "post_id", "published_at", "content")),
    (GenericForumAdapter, "flarum/discussion_rendered",
     ("title", "author", "published_text", "content")),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "name", "fields"), CANARIES, ids=[c[1] for c in CANARIES])
def test_canary_required_fields_on_most_posts(
    cls: type[Adapter], name: str, fields: tuple[str, ...]
) -> None:
    """Issue item 11: a layout change shows as required fields missing on most posts."""
    posts: list[Post] = parse(cls(), name).posts
    assert posts
    for field in (*fields, "url", "adapter_version"):
        present = sum(1 for p in posts if getattr(p, field) not in (None, ""))
        assert present >= 0.9 * len(posts), f"{cls.engine}: {field} on {present}/{len(posts)}"
    assert all(p.adapter == cls.engine for p in posts)


@pytest.mark.parametrize(
    "name",
    ["tieba/pc_list_rendered_reyi", "tieba/pc_list_raw_bigpipe_fuji_20190612",
     "tieba/mobile_list_pingdingshanxueyuan"],
)  # fmt: skip
def test_canary_tieba_lists_keep_their_threads(name: str) -> None:
    rows = threads(parse(TiebaAdapter(), name).links)
    keyed = [lk for lk in rows if lk.key and lk.meta["title"] and lk.state is not None]
    assert len(rows) >= 40 and len(keyed) >= 0.9 * len(rows), name


# --- named engines: the chain takes them first on their own pages, and only there -----------

ENGINE_PAGES = [
    ("flarum", "flarum/discussion_rendered", 3),
    ("flarum", "flarum/discussion_payload", 3),
    ("nodebb", "nodebb/topic_rendered", 3),
    ("nodebb", "nodebb/topic_ajaxify_data", 3),
    ("mybb", "mybb/showthread_default", 2),
    ("discuz", "discuz/d6_viewthread_nogenerator_gbk", 3),
    ("phpbb", "phpbb/subsilver2_topic_t21345", 6),
    ("homeland", "homeland/topic_replies", 4),
    ("qa", "qa/se_question_answers", 4),
    ("qa", "qa/qapage_jsonld", 4),
]


@pytest.mark.parametrize(
    ("engine", "name", "count"), ENGINE_PAGES, ids=[c[1] for c in ENGINE_PAGES]
)
def test_reading_picks_the_named_engine_on_its_page(engine: str, name: str, count: int) -> None:
    """``opinion parse`` of a saved page: the engine that recognises it reads every post."""
    _page, spec = case(name)
    (path,) = (PAGES / name).glob("page.*")
    reading, _decoded = read_page(path.read_bytes(), spec["url"])
    assert (reading.reader, reading.kind) == (engine, "thread")
    assert [p.floor for p in reading.parsed.posts] == spec["posts"]["columns"]["floor"]
    assert len(reading.parsed.posts) == count
    assert all(p.author and p.content and (p.published_at or p.published_text)
               for p in reading.parsed.posts)  # fmt: skip


NOT_THEIRS = [
    "portal/news_sina_2024",
    "portal/news_163_dy_2024",
    "portal/news_people_finance_2024_gb2312decl",
    "discuz/x33_viewthread_csolbbs_tid38672",
    "discuz/x32_forumdisplay_nsh163_fid9",
    "discuz/d7_viewthread_gbk",
    "phpbb/prosilver_debian_t159270",
    "phpbb/subsilver2_topic_t21345",
    "phpbb/subsilver2_viewforum_f12",
    "discourse/rendered_uipath_739028",
    "tieba/pc_thread_raw_terraria_p5837869242",
    "mybb/showthread_default",
    "flarum/discussion_rendered",
    "homeland/topic_replies",
    "qa/se_question_answers",
    "qa/qapage_jsonld",
]


@pytest.mark.parametrize("name", NOT_THEIRS)
def test_named_engines_do_not_sniff_other_pages(name: str) -> None:
    """A news article or another engine's page is never taken by Flarum, NodeBB, MyBB,
    Homeland or the Q&A engine (a Discourse topic describes itself as a ``QAPage`` too, with
    its opening post cut short and no answers listed: not a Q&A page to read from its data)."""
    page, spec = case(name)
    engine = name.partition("/")[0]
    for cls in (FlarumAdapter, NodebbAdapter, MybbAdapter, HomelandAdapter, QaAdapter):
        if cls.engine == engine:
            continue
        assert cls.sniff(page.text, spec["url"]) < 0.5, (cls.engine, name)


@pytest.mark.parametrize(
    ("slug", "path"),
    [("1187-dixia-cheku", "/d/1187-dixia-cheku"), ("dixia-cheku", "/d/1187-dixia-cheku"),
     ("", "/d/1187")],
)  # fmt: skip
def test_flarum_list_links_follow_the_discussion_route(slug: str, path: str) -> None:
    """1.x documents give a discussion's slug whole (``ID-title``), the betas the title's
    slug only: either way the link is the discussion's own route, its state the replies."""
    page = Page("https://f.example/", "<html></html>", "listing", SITE, NOW)
    found = {"type": "discussions", "id": "1187", "attributes": {"slug": slug, "commentCount": 3}}
    (link,) = FlarumAdapter().payload_links(page, [found])
    assert (link.url, link.key, link.state) == (f"https://f.example{path}", "thread:1187", "2")


def test_discuz_json_answer_is_no_thread_not_a_crash() -> None:
    """A forum link that answers JSON: parsel would make it a JSON selector, on which every
    css() raises; it is read as an (unreadable) page instead."""
    from opinion_spiders.errors import ParseError

    page = Page("http://f.example/forum.php?mod=viewthread&tid=1", '{"code": 0, "data": []}',
                "thread", SITE, NOW)  # fmt: skip
    assert page.selector.type == "html"
    with pytest.raises(ParseError):
        DiscuzAdapter().parse(page)


@pytest.mark.parametrize(
    "box",
    [
        '<div id="messagetext"><p>{m}</p></div>',
        '<div class="box message"><p>{m}</p></div>',
        "<div class='message box'><h2>{m}</h2></div>",
        '<div class="alert_error"><p>{m}</p></div>',
        '<div class="x alert_info"><p>{m}</p></div>',
        '<div class="alert_right"><p>{m}</p></div>',
        '<div id=message class="panel"><p>{m}</p></div>',
        '<div class="page_404"><p>{m}</p></div>',
        '<section class="page404"><h3>{m}</h3></section>',
        '<div id="errorText"><p>{m}</p></div>',
        '<div class="error-page"><p>{m}</p></div>',
        '<td class="errorbox"><p>{m}</p></td>',
    ],
)
def test_notice_boxes_are_found_in_a_long_page(box: str) -> None:
    """Each kind of notice box is read, also on a page with plenty of other text and names
    that only contain the box names (the box query is skipped on pages naming no box)."""
    filler = "".join(
        f'<p class="postmessage_{n} messages">正文第{n}段，内容足够长，不是提示页。</p>'
        for n in range(200)
    )
    html = f"<html><head><title>论坛</title></head><body>{filler}{box.format(m='抱歉，指定的主题不存在或已被删除')}</body></html>"
    assert detect_notice(html, "http://bbs.example.cn/t") == (
        "deleted",
        "抱歉，指定的主题不存在或已被删除",
    )
    assert detect_notice(f"<html><body>{filler}</body></html>", "http://bbs.example.cn/t") is None


def test_mybb_title_is_the_threads_header_not_a_sidebars() -> None:
    """A Login box's header comes first on the page, a mode switch floats beside the thread's
    own header: the title is the thread's."""
    page, _ = case("mybb/showthread_default")
    login = '<table class="tborder"><tr><td class="thead" colspan="2"><strong>Login</strong></td></tr></table>'
    switch = (
        '<td class="thead"><div class="float_right"><span class="smalltext"><strong>'
        '<a href="showthread.php?mode=threaded&amp;tid=1">Threaded Mode</a></strong></span></div>'
    )
    text = page.text.replace("<body>", f"<body>{login}", 1).replace('<td class="thead">', switch, 1)
    assert text.count("Login") == 1 and "Threaded Mode" in text
    moved = Page(page.url, text, page.role, page.site, page.crawled_at, meta=page.meta)
    titles = {p.title for p in MybbAdapter().parse(moved).posts}
    assert titles == {"高铁站接驳公交什么时候恢复？"}


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("You must be logged in to view this topic.", "no_permission"),
        ("Sorry, you need to be logged in to see this thread.", "no_permission"),
        ("请先登录后再查看", "no_permission"),
        ("You are now logged in. Redirecting to the forum index…", "login"),
        ("欢迎您回来，现在将转入登录前页面", "login"),
    ],
)
def test_notice_a_wall_asking_to_log_in_is_no_permission_not_a_login(
    message: str, kind: str
) -> None:
    """A page that asks for a log-in before it shows a thread is a wall (no permission), in
    English as in Chinese; ``login`` is the page a log-in lands on."""
    page = f"<html><head><title>Forum</title></head><body><p>{message}</p></body></html>"
    assert detect_notice(page, "https://forum.example.org/t/1") == (kind, message)


@pytest.mark.parametrize(
    "message",
    [
        "您的访问过于频繁，请稍后再试",
        "请求过于频繁，请休息一下再来",
        "Too Many Requests. Please slow down.",
        "Sorry, you have been blocked",
    ],
)
def test_notice_a_wall_against_the_crawls_pace_is_a_block(message: str) -> None:
    """A page served with HTTP 200 that says the site will not answer at this pace is a wall,
    told as ``captcha``: the crawl counts it as a block signal and pauses the site after a
    run of them, rather than reading it as an empty thread."""
    page = f"<html><head><title>提示</title></head><body><p>{message}</p></body></html>"
    assert detect_notice(page, "https://forum.example.org/t/1") == ("captcha", message)


def test_qa_microdata_answer_signed_by_its_posters_link_where_unmarked() -> None:
    """An answer scope that marks no ``author`` (AnsPress, a WordPress Q&A plugin) is signed by
    the poster's link inside it; ids from the scopes' ``@id``; the question keeps its own
    ``author`` and is not signed by an answerer."""
    html = """<html><body><div itemscope itemtype="https://schema.org/QAPage">
<div itemscope itemtype="https://schema.org/Question" itemprop="mainEntity">
<meta itemprop="@id" content="11232"><meta itemprop="name" content="小区能否禁止外卖员进入？">
<div itemprop="author" itemscope itemtype="http://schema.org/Person"><meta itemprop="name" content="业主阿华"></div>
<time itemprop="datePublished" datetime="2024-01-09T22:52:14+00:00">January 9</time>
<div itemprop="text"><p>物业贴了通知，外卖员一律不许进小区，只能在门口取，这样合法吗？</p></div>
<meta itemprop="answerCount" content="1">
<div id="answers"><div class="answer"><div class="ap-content" itemprop="suggestedAnswer" itemscope itemtype="https://schema.org/Answer">
<meta itemprop="@id" content="11234"><meta itemprop="url" content="https://wenda.example.cn/question/q/answer/11234/">
<a href="https://wenda.example.cn/profile/lawyer-wang/"><span>律师老王</span></a>
<time itemprop="datePublished" datetime="2024-01-09T23:09:03+00:00">Posted January 9</time>
<div itemprop="text"><p>物业可以管理出入，但不能一概禁止，业主有权收取自己的外卖。</p></div>
</div></div></div></div></div></body></html>"""
    page = Page("https://wenda.example.cn/question/q/", html, "thread", SITE, NOW)
    posts = QaAdapter().parse(page).posts
    assert [(p.post_id, p.author, p.reply_to) for p in posts] == [
        ("11232", "业主阿华", None), ("11234", "律师老王", "11232"),
    ]  # fmt: skip
    assert posts[1].published_at == datetime(2024, 1, 9, 23, 9, 3, tzinfo=UTC)
    assert posts[1].url == "https://wenda.example.cn/question/q/answer/11234/"


@pytest.mark.parametrize(
    ("message", "url"),
    [
        ("抱歉，根据相关法律法规和政策，本吧暂不开放。", "https://tieba.baidu.com/f?kw=x"),
        ("根据相关法律法规和政策，该内容未予显示。", "https://bbs.example.cn/thread-1-1-1.html"),
        ("抱歉，此微博已被作者删除。", "https://weibo.com/1618051664/Oe6wIynDn"),
        ("该帖子已被管理员删除", "https://bbs.example.cn/t/1"),
        ("该内容暂时无法查看", "https://www.zhihu.com/question/1"),
        ("This post has been removed by a moderator.", "https://forum.example.org/t/1"),
    ],
)
def test_notice_content_taken_down_or_removed_is_deleted(message: str, url: str) -> None:
    """A page that says its content was removed — by its poster, a moderator, or taken down
    under the law — is a ``deleted`` notice, not a post whose text is the notice."""
    page = f"<html><head><title>提示</title></head><body><div><p>{message}</p></div></body></html>"
    assert detect_notice(page, url) == ("deleted", message)
    reading, _ = read_page(page.encode(), url, Runtime({}), role="thread")
    assert (reading.parsed.page_type, reading.parsed.notice_kind) == ("notice", "deleted")
    assert not reading.parsed.posts


def test_notice_wall_under_a_heavy_script_is_still_told_by_its_few_words() -> None:
    """A wall that says little but carries kilobytes of script, style and ``noscript``
    text, and a thread page that is long in words: the notice check tells the long page by
    a cheap count of its text, and leaves the script, style and ``noscript`` text out of
    that count, so the wall is still judged on its few words."""
    script = (
        "<script>var config = {" + ",".join(f"k{n}: 'v{n}'" for n in range(400)) + "};</script>"
    )
    style = "<style>" + " ".join(f".c{n} {{ color: red; }}" for n in range(200)) + "</style>"
    hidden = "<noscript><div>" + "请启用浏览器的脚本功能后再访问本站。" * 60 + "</div></noscript>"
    words = "<h2>抱歉，该帖子不存在或已被删除</h2>"
    wall = f"<html><head><title>提示信息</title></head><body>{script}{style}{hidden}{words}</body></html>"
    assert detect_notice(wall, "http://bbs.example.cn/thread-9-1-1.html") == (
        "deleted",
        "抱歉，该帖子不存在或已被删除",
    )
    said = "<p>" + "街道的回复说下周就来修，大家再等等看。" * 100 + "</p>"
    thread = f"<html><head><title>提示信息</title></head><body>{script}{words}{said}</body></html>"
    assert detect_notice(thread, "http://bbs.example.cn/thread-1-1-1.html") is None
