"""The generic thread reader on the shapes boards give their threads: which repeated blocks
are the posts, which part of a post is its body and who wrote it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from lxml import html as lxml_html

from opinion_spiders.adapters import Page
from opinion_spiders.items import Post
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from plugins.generic_forum import QUOTES, GenericForumAdapter, signature
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})


def _posts(html: str | bytes, url: str) -> list[Post]:
    raw = html.encode() if isinstance(html, str) else html
    reading, _ = read_page(raw, url, RUNTIME, role="thread")
    assert (reading.reader, reading.kind) == ("generic", "thread")
    return reading.parsed.posts


def test_generic_posts_are_the_replies_not_the_boxes_that_hold_them() -> None:
    """The opening post's box and the replies' box repeat (two ``div.box``, each with a date
    and text, the second the longer): the replies inside it are the posts, the opening post
    comes first, and the replies' head (a tag, a count and a date) is no post."""
    posts = _posts((REAL / "written_v2ex_topic.html").read_bytes(), "https://www.v2ex.com/t/1003")
    assert [p.author for p in posts] == ["lisan", "wangwu", "zhaoliu", "lisan"]
    assert [p.floor for p in posts] == [1, 2, 3, 4]
    assert posts[0].content.startswith("离职三个月了")
    assert (
        posts[1].content
        == "公积金可以先不管，等找到新工作以后新单位会帮你转移过去，断缴几个月影响不大。"
    )
    assert posts[1].published_text == "2024-05-12 10:30:02 +08:00"
    assert not any(p.content == "社保" or "条回复" in p.content for p in posts)


def test_generic_posts_of_a_group_topic_signed_quoted_and_badged() -> None:
    """Posters' pages under ``/people/`` sign the posts; the OP badge (``topic-author-icon``)
    beside a name is not the author; a reply's quote of another (``reply-quote-content``) is
    left out, and the reply is still its body although the quote takes a share of the block."""
    url = "https://www.douban.com/group/topic/302111222/"
    posts = _posts((REAL / "written_douban_group_topic.html").read_bytes(), url)
    assert [p.author for p in posts] == ["小美", "老张", "阳光", "小美"]
    assert posts[2].content == "我们那边也是这样，后来业委会出面才退了钱。"
    assert [p.published_text[:19] for p in posts][1:] == [
        "2024-05-11 21:40:12", "2024-05-11 22:03:51", "2024-05-12 08:15:00",
    ]  # fmt: skip


PAGE = """<html><head><title>Water price rise again? - Town Board</title></head><body>
<h1>Water price rise again?</h1><div class="thread">{posts}</div></body></html>"""
BODIES = [
    "My bill doubled this year and nobody from the water company explains why, is this legal?",
    "Same here, the council approved it without any hearing, we should write to the mayor.",
    "I called the hotline twice and they told me to wait for the review next month, useless.",
]
#: A post that answers the two before it in quotes, each quote dated.
QUOTING = f"""<div class="post" id="p{{n}}"><a href="/user/{{who}}">{{who}}</a>
<span class="date">2024-05-1{{n}} 10:0{{n}}</span><div class="content">
<blockquote class="ipsQuote"><span>On 2024-05-11 10:01, alice said:</span>
<p>{BODIES[0]}</p></blockquote>
<blockquote class="ipsQuote"><span>On 2024-05-12 10:02, bob said:</span>
<p>{BODIES[1]}</p></blockquote>
<p>{{body}}</p></div></div>"""
#: Posts whose poster card and message are two cells of one kind, each with a date.
CELLED = """<article class="message" id="p{n}"><div class="message-cell user">
<a href="/user/{who}">{who}</a> Joined 2021-11-0{n} Messages 42{n}</div>
<div class="message-cell main"><span class="date">2024-05-1{n} 10:0{n}</span>
<div class="message-body js-selectToQuote"><p>{body}</p></div></div></article>"""


def _thread(block: str, last: str) -> str:
    who = ("alice", "bob", "carol")
    posts = "".join(
        (last if n == 3 else block).format(n=n, who=name, body=body)
        for n, (name, body) in enumerate(zip(who, BODIES, strict=True), 1)
    )
    return PAGE.format(posts=posts)


def test_generic_quotes_inside_a_post_are_not_posts() -> None:
    """Dated quotes inside one post repeat too, but they are that post's quotes: the posts are
    the thread's, and the quotes are not part of the one that holds them."""
    plain = QUOTING.split("<blockquote")[0] + "<p>{body}</p></div></div>"
    posts = _posts(_thread(plain, QUOTING), "https://board.example.org/t/90")
    assert [p.author for p in posts] == ["alice", "bob", "carol"]
    assert [p.content for p in posts] == BODIES


def test_generic_cells_every_post_holds_are_not_posts() -> None:
    """Cells that every post has alike (the poster's card beside the message) are the posts'
    own parts; a class that only hooks a script (``js-selectToQuote``) is not a quote."""
    posts = _posts(_thread(CELLED, CELLED), "https://board.example.org/t/91")
    assert [p.author for p in posts] == ["alice", "bob", "carol"]
    assert [p.content for p in posts] == BODIES


def test_generic_quote_classes_are_words_of_a_class() -> None:
    page = lxml_html.fromstring(
        "<div>"
        + "".join(
            f'<div class="{name}">{name}</div>'
            for name in ("quote", "reply-quote-content", "bbcode_quote x", "QuoteBox",
                         "js-selectToQuote", "unquoted", "quotation")
        )
        + "</div>"
    )  # fmt: skip
    assert [el.text for el in page.xpath(QUOTES)] == [
        "quote", "reply-quote-content", "bbcode_quote x", "QuoteBox",
    ]  # fmt: skip


def test_generic_body_is_not_the_line_of_poster_time_and_place() -> None:
    """A reply whose header line (poster, time, 来自广东) holds more text than what it says: the
    text is the body, the header gives the author and time."""
    url = "https://guba.eastmoney.com/news,600519,1412345678.html"
    posts = _posts((REAL / "written_guba_post.html").read_bytes(), url)
    assert [p.author for p in posts] == ["价值投资老王", "散户小李", "追涨杀跌", "价值投资老王"]
    assert posts[1].content == "回购要等股东大会审议通过，不会那么快的。"
    assert posts[1].published_text == "2024-06-03 09:55"


def test_generic_thread_laid_out_in_tables() -> None:
    """One table a post, the poster's card (级别, 威望, 发帖) in a cell beside the text: the
    card's cells are not main text the posts miss, so the posts are the reading, with or
    without a role (``read.php?tid=`` names a thread)."""
    html = (REAL / "written_nga_thread.html").read_bytes()
    url = "https://bbs.nga.cn/read.php?tid=41234567"
    for role in ("thread", "auto"):
        reading, _ = read_page(html, url, RUNTIME, role=role)
        assert (reading.reader, reading.kind) == ("generic", "thread"), role
        posts = reading.parsed.posts
        assert [p.author for p in posts] == ["风吹麦浪", "打工人甲", "老程序员"], role
        assert posts[2].content == "弹性退休那条更值得关注，可以自愿提前或者延后，最多三年。"


#: A story with its readers' replies below, each headed by a long line that links the poster
#: and shows the time, with a Like button longer than a short reply.
STORY = """<html><head><title>Farm aid plan - Daily Board</title></head><body>
<div class="story"><h1>Farm aid plan</h1><p>{story}</p></div><div class="replies">{replies}</div>
</body></html>"""
REPLY = """<div class="post-reply-wrapper"><div class="reply-details">Reply {n} - Posted by:
<a href="/members/{n}0/{who}.html" class="member-link">{who}</a> 5/21/2024 4:5{n}:13 AM
(No. 172183{n})</div><div class="reply-text">{body}</div><div class="reply-like">
<a data-reply-id="172183{n}">Click Here if you Like this Comment</a></div></div>"""


def test_generic_replies_under_a_story_keep_their_short_text_and_authors() -> None:
    """Reached as a thread, the story is floor 1 and each reply follows with its poster and
    its own text — not its header line (longer than a short reply, but a line that links the
    poster and shows the time) nor the Like button; and the headers do not join the story."""
    story = "The plan would pay farmers for losses caused by the drought, officials said. " * 4
    bodies = ["RFK has jumped the shark.", "Out of his own pocket?", "Pigford III is coming soon."]
    who = ["rand", "gordon", "vhs68"]
    replies = "".join(
        REPLY.format(n=n, who=name, body=body)
        for n, (name, body) in enumerate(zip(who, bodies, strict=True), 1)
    )
    html = STORY.format(story=story, replies=replies)
    posts = _posts(html, "https://board.example.org/2024/05/21/farm_aid.html")
    assert posts[0].content == story.strip()
    assert [p.author for p in posts[1:]] == who
    assert [p.content for p in posts[1:]] == bodies
    assert posts[1].published_text.startswith("5/21/2024 4:51:13 AM")


def test_generic_opening_post_of_the_replies_kind_but_undated() -> None:
    """The opening post is a block like the replies whose time stands in the page's head: it
    opens the thread, and takes its poster and time from the head under the thread's title;
    the names are the ones the links declare (``uname``)."""
    url = "http://bbs.tianya.cn/post-free-5123456-1.shtml"
    posts = _posts((REAL / "written_tianya_post.html").read_bytes(), url)
    assert posts[0].content.startswith("我们小区列入了老旧小区改造名单")
    assert (posts[0].author, posts[0].published_text) == ("江湖夜雨", "时间：2015-05-05 10:10:10")
    assert [p.author for p in posts[1:]] == ["风雨同舟", "老街坊", "江湖夜雨"]
    assert [p.floor for p in posts] == [1, 2, 3, 4]


def test_generic_short_chinese_question_opens_its_answers() -> None:
    """A question of 38 characters above its answers is prose enough to open the thread (a
    CJK character says about a short word)."""
    url = "https://zhidao.baidu.com/question/2213456789012345678.html"
    posts = _posts((REAL / "written_zhidao_question.html").read_bytes(), url)
    assert (
        posts[0].content
        == "去年在外地打工忘记交了，今年回老家想补交，村里说不行，请问有没有补交的办法？"
    )
    assert [p.author for p in posts[1:]] == ["社保小助手", "热心网友"]


def test_generic_posts_in_alternating_rows_are_one_group() -> None:
    """Posts styled in alternating rows (``windowbg``, ``windowbg2``) are one group of posts,
    read with or without a role (``index.php?topic=`` names a thread)."""
    html = (REAL / "written_smf_topic.html").read_bytes()
    for role in ("thread", "auto"):
        reading, _ = read_page(
            html, "https://www.example-smf.org/index.php?topic=1234.0", RUNTIME, role=role
        )
        assert reading.reader == "generic", role
        assert [p.author for p in reading.parsed.posts] == ["GardenGuy", "Marta_K", "oldtimer"]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("windowbg", "windowbg2", True),
        ("row1", "row2", True),
        ("alt1", "alt2", True),
        ("odd", "even", True),
        ("post-odd", "post-even", True),
        ("loop-item-0", "loop-item-3", True),
        ("col-lg-9", "col-lg-3", False),  # layout columns
        ("span3", "span9", False),
        ("header", "footer", False),
    ],
)
def test_generic_signature_forgets_what_alternates_or_counts(
    first: str, second: str, same: bool
) -> None:
    page = lxml_html.fromstring(
        f'<div><div class="{first} a"></div><div class="{second} b"></div></div>'
    )
    one, two = page
    assert (signature(one) == signature(two)) is same


def test_generic_post_held_in_a_blockquote_and_dated_with_its_day() -> None:
    """vBulletin 4 holds each post in ``blockquote.postcontent`` — the post, not a quote —
    and prints its day and its time in two elements: the time read is both, never the bare
    clock (which would date a post of 2024 today)."""
    url = "https://forum.example.com/showthread.php?t=4321"
    posts = _posts((REAL / "written_vbulletin4_thread.html").read_bytes(), url)
    assert [p.author for p in posts] == ["roadwatcher", "millie_b", "roadwatcher"]
    assert (
        posts[2].content == "They mention a temporary ferry in the appendix, but no schedule yet."
    )
    assert [p.published_text for p in posts] == [
        "05-05-2024,10:12 AM", "05-05-2024,10:48 AM", "05-05-2024,11:20 AM",
    ]  # fmt: skip


def test_generic_comments_apart_from_the_post_they_answer() -> None:
    """A Weibo post: the main text is the post, its comments stand outside it. The post opens
    the thread, dated by its head; each comment is signed inline (``name: text``, the name
    left out of the text) and dated with a two-digit year; a comment that says 昨天
    (yesterday) in a sentence keeps its own time and its text."""
    page = (REAL / "written_weibo_post.html").read_bytes()
    url = "https://weibo.com/2803301701/Pq3xKa1Bc"
    for role in ("thread", "auto"):
        reading, _ = read_page(page, url, RUNTIME, role=role)
        assert (reading.reader, reading.kind) == ("generic", "thread")
        posts = reading.parsed.posts
        assert [p.floor for p in posts] == [1, 2, 3, 4, 5, 6]
        assert "燃气管道改造工程原定五月完工" in posts[0].content
        assert posts[0].published_text == "24-6-2 09:41"
        assert [p.author for p in posts[1:]] == [
            "小巷里的猫", "南门老张", "Joy_2018", "一只小蜗牛", "城南居民甲",
        ]  # fmt: skip
        assert posts[4].content == "临时通道晚上没有灯，昨天差点摔一跤，麻烦管一管。"
        assert [p.published_text for p in posts[1:]] == [
            "24-6-2 10:02", "24-6-2 10:15", "24-6-2 10:31", "24-6-2 11:48", "24-6-3 08:20",
        ]  # fmt: skip


def test_generic_replies_inside_the_comments_they_answer() -> None:
    """Comments of which some hold the replies to them (楼中楼): every comment and every
    reply is a post, each reply after its comment, the comment's own text without its
    replies; a reply's header (``小王同学 回复 老李头``) is not its text, even where the text
    is six characters; the story opens the thread."""
    page = (REAL / "written_news_comments_nested.html").read_bytes()
    posts = _posts(page, "https://www.example-news.cn/news/20240512001.html")
    assert posts[0].content.startswith("上个月开业的南湖社区食堂")
    assert [p.author for p in posts[1:]] == [
        "阿杰", "老李头", "湖边散步", "小王同学", "老李头", "吃货一枚", "上班族小陈", "南湖居民",
    ]  # fmt: skip
    assert [p.published_text[-5:] for p in posts[1:]] == [
        "09:12", "09:40", "10:05", "10:20", "11:02", "11:30", "12:15", "13:40",
    ]  # fmt: skip
    assert posts[2].content == "我家老伴腿脚不好，以前都是我做饭，现在每天中午来这里吃，省心多了。"
    assert posts[4].content == "说得对，支持"
    assert posts[7].content == "公司就在附近，终于有个便宜又放心的地方吃午饭了，晚上开不开？"
    assert posts[8].content == "晚上也开，六点到七点半，不过菜少一些。"


def test_generic_comment_read_without_its_replies_leaves_the_page_whole() -> None:
    """The comment is read from a copy: the page's tree, which the main text and other
    readers read after, still holds every reply where it stood."""
    from parsel import Selector

    from plugins.generic_forum import post_blocks

    sel = Selector(text=(REAL / "written_news_comments_nested.html").read_text("utf-8"))
    blocks = post_blocks(sel)
    assert len(blocks) == 8
    assert len(sel.css(".comment-item .reply-item")) == 4


def test_generic_comment_tree_replies_of_the_comments_own_kind() -> None:
    """A tree of comments (``div.comment`` inside the ``div.comment`` it answers, two levels
    deep): every comment is a post, in the tree's order, each read without the replies inside
    it; the opening post is signed and dated by the line between the title and it."""
    page = (REAL / "written_comment_tree.html").read_bytes()
    posts = _posts(page, "https://bbs.example-hoops.cn/thread/30012345.html")
    assert [p.author for p in posts] == [
        "赛后讨论君", "篮球老炮", "夜猫子球迷", "篮球老炮", "理性分析帝", "路人甲乙丙", "老球迷",
        "数据控",
    ]  # fmt: skip
    assert posts[0].published_text == "2024-06-03 20:58"
    assert posts[1].content == "这场比赛最后两分钟的判罚太离谱了，主队的球迷都看不下去。"
    assert posts[2].content == "同感，那个走步明显没吹，回放看得清清楚楚。"
    assert [p.published_text[-5:] for p in posts[1:]] == [
        "21:05", "21:12", "21:20", "21:31", "22:02", "08:15", "09:02",
    ]  # fmt: skip


def test_generic_comments_each_boxed_with_the_replies_to_it() -> None:
    """A comment list whose boxes each hold a comment and the replies to it, all blocks of one
    kind (Xiaohongshu's ``parent-comment``: the comment's ``comment-item``, then a list of
    ``comment-item`` blocks), several boxes holding replies: every comment and reply is a post,
    each reply after its comment; the note is signed by the poster's card above its title,
    and a day printed without its year (``06-08 四川``) dates each post."""
    from datetime import datetime

    from opinion_spiders.text.dates import parse_datetime

    page = (REAL / "written_xiaohongshu_note.html").read_bytes()
    posts = _posts(page, "https://www.xiaohongshu.com/explore/6650a1b2000000001e02c3d4")
    assert [p.author for p in posts] == [
        "成都慢生活", "爱吃辣的小鱼", "成都慢生活", "爱吃辣的小鱼", "周末去哪儿", "喵喵酱", "路人乙",
        "拍照的阿强",
    ]  # fmt: skip
    assert posts[0].content.startswith("六月正是看荷花的季节")
    assert posts[1].content == "请问周末人多吗？想带孩子去。"
    assert posts[2].content.endswith("周末上午人比较多，建议下午四点以后去。")
    assert posts[6].content.endswith("感谢提醒，那下周再去。")
    assert not any("展开" in p.content for p in posts)
    assert [p.published_text for p in posts] == [
        "06-07 四川", "06-08 四川", "06-08 四川", "06-09 四川", "06-09 重庆", "06-10 四川",
        "06-10 广东", "06-11 四川",
    ]  # fmt: skip
    day = parse_datetime(posts[1].published_text, datetime(2026, 12, 5))
    assert day is not None and (day.month, day.day) == (6, 8)


def test_generic_layout_blocks_inside_a_post_are_not_its_replies() -> None:
    """A post laid out in blocks of a layout utility's class (``div.flex`` in ``div.flex``)
    holds no replies: the posts stay three."""
    from parsel import Selector

    from plugins.generic_forum import post_blocks

    post = (
        '<div class="flex"><div class="flex"><a href="/user/{n}">user{n}</a> 2024-05-0{n} 10:00'
        '</div><div class="flex"><p>{text}</p><span>edited 2024-05-0{n} 11:00</span></div></div>'
    )
    posts = "".join(post.format(n=n, text=text) for n, text in enumerate(BODIES, 1))
    blocks = post_blocks(Selector(text=PAGE.format(posts=posts)))
    assert len(blocks) == 3


def test_generic_spoilers_and_the_consent_bar_are_not_what_was_said() -> None:
    """Text folded in a spoiler is hidden until a reader opens it, and the site's cookie
    bar is its own: neither is in the posts nor counts as main text they miss — so the
    posts are the reading, not the main text."""
    page = (REAL / "written_board_spoilers_consent.html").read_bytes()
    for role in ("thread", "auto"):
        reading, _ = read_page(
            page, "https://www.example-science.cn/topic/2024-sum/", RUNTIME, role=role
        )
        assert (reading.reader, reading.kind) == ("generic", "thread")
        posts = reading.parsed.posts
        assert [p.author for p in posts] == ["谜题爱好者", "算术达人", "谜题爱好者", "路过的学生"]
        assert posts[1].content == "我算出来了，答案放在折叠里，免得剧透。"
        assert not any("显示隐藏内容" in p.content or "Cookie" in p.content for p in posts)


def test_generic_complaint_keeps_the_facts_listed_above_it() -> None:
    """A complaint platform's case (黑猫投诉-style): the labelled facts listed between the
    headline and the complaint (投诉对象, 投诉问题, 投诉要求, 涉诉金额 …) open the complaint's
    post — the company complained about is named there and nowhere in the complaint's text —;
    the platform's and the company's answers follow as posts of their own."""
    page = (REAL / "written_complaint_thread.html").read_bytes()
    reading, _ = read_page(page, "https://tousu.example.cn/complaint/view/17359871234/", RUNTIME)
    complaint, assigned, answer, confirmed = reading.parsed.posts
    assert complaint.content.split("\n")[:6] == [
        "投诉编号：17359871234", "投诉对象：某某外卖平台", "投诉问题：配送超时、拒绝退款",
        "投诉要求：全额退款、道歉", "涉诉金额：68元", "投诉进度：已完成",
    ]  # fmt: skip
    assert complaint.content.split("\n")[6].startswith("5月12日晚上7点点的外卖")
    assert (complaint.author, answer.author) == ("黑猫用户1718abc", "某某外卖平台")
    assert "投诉对象" not in answer.content + assigned.content + confirmed.content


def test_generic_facts_are_a_list_of_labels_not_a_line_or_a_menu() -> None:
    """Two labelled rows, or a list whose rows are mostly not ``label：value``, open no post."""
    base = (REAL / "written_complaint_thread.html").read_text(encoding="utf-8")
    url = "https://tousu.example.cn/complaint/view/1/"
    two = re.sub(r'<li class="clearfix"><label>(投诉问题|投诉要求|涉诉金额|投诉进度)：</label>.*?</li>',
                 "", base)  # fmt: skip
    menu = (
        base.replace("<label>投诉问题：</label>", "<label>相关</label>")
        .replace("<label>投诉要求：</label>", "<label>更多</label>")
        .replace("<label>涉诉金额：</label>", "<label>阅读</label>")
    )
    for page in (two, menu):
        reading, _ = read_page(page.encode("utf-8"), url, RUNTIME)
        assert "投诉对象" not in reading.parsed.posts[0].content


def test_generic_posts_of_a_wordpress_forum_signed_by_their_links_not_their_group_tags() -> None:
    """A WordPress forum plugin's topic (Asgaros-style): each post holds a hidden copy of
    itself for the Quote button and a signature under it, which the main text keeps and the
    posts leave out — the thread is still its posts, not one post of main text. The poster
    is the ``profile-link`` (``href="#"``), not the ``@`` mention beside it, the post count or
    the group tag linking to the group's member list; the thread's title box above the posts
    opens no post."""
    url = "https://ygh.example.cn/forum/topic/chewei/"
    posts = _posts((REAL / "written_wp_forum_topic.html").read_bytes(), url)
    assert [p.author for p in posts] == ["老周", "李大姐", "小陈同学", "老周", "李大姐"]
    assert posts[0].content.startswith("今天收到物业通知")
    assert posts[1].content == (
        "业委会上个月确实开过一次会，但是会议纪要里只说了电梯维修基金，没有提车库租金。\n"
        "我明天去物业办公室要一份书面的决议看看。"
    )
    assert [p.published_text for p in posts] == [
        "2024年5月10日 20:15", "2024年5月10日 21:02", "2024年5月11日 08:40",
        "2024年5月11日 12:18", "2024年5月11日 19:55",
    ]  # fmt: skip
    assert not any("楼长" in p.content or "公众号" in p.content for p in posts)


def test_generic_posts_of_a_bbpress_topic_not_its_sidebars_activity_stream() -> None:
    """A bbPress topic between two sidebars (``widget-area sidebar``): the left one's activity
    stream (BuddyPress) repeats dated, signed items holding more text than the thread, and is
    not the thread; the main text that runs each post's time and poster into its line, and
    the topic's count line (本话题包含 3 条回复，有 3 个参与人), open no post of their own."""
    url = "https://hexi.example.cn/forums/topic/guanwang/"
    page = (REAL / "written_bbpress_topic_sidebars.html").read_bytes()
    posts = _posts(page, url)
    assert [p.author for p in posts] == ["小王", "老李", "阿娟", "老李"]
    assert [p.published_text for p in posts] == [
        "2024-05-20 at 11:42 pm", "2024-05-21 at 7:15 am", "2024-05-21 at 9:03 am",
        "2024-05-22 at 8:30 pm",
    ]  # fmt: skip
    assert posts[0].content.startswith("解放路的管网改造已经连续一周")
    assert not any("参与人" in p.content or "电动车" in p.content for p in posts)
    auto, _ = read_page(page, url, RUNTIME)
    assert (auto.reader, len(auto.parsed.posts)) == ("generic", 4)


def test_generic_posts_of_a_kunena_topic_dated_by_their_post_not_their_posters_birthday() -> None:
    """A Kunena topic: beside each post the poster's profile holds a birthday tooltip
    (``title="Birthdate: 1986-09-21"``), which is the poster's date, not the post's (the
    ``kdate`` tooltip); each post opens with the line that heads it with the thread's long
    title (``Replied by <poster> on topic <title>``, ``<title> was created by <poster>``),
    which is no part of what was said; the page's generation time under the thread is the
    board's. Read with or without a role, the thread is its three posts."""
    url = "https://cd.example.cn/forum/yezhu/1201-kuaidigui"
    page = (REAL / "written_kunena_topic.html").read_bytes()
    for role in ("thread", "auto"):
        reading, _ = read_page(page, url, RUNTIME, role=role)
        assert (reading.reader, reading.kind) == ("generic", "thread"), role
        posts = reading.parsed.posts
        assert [p.author for p in posts] == ["wangjie", "lindaye", "wangjie"]
        assert [p.published_text for p in posts] == [
            "12 May 2024 09:12", "12 May 2024 10:40", "13 May 2024 21:05",
        ]  # fmt: skip
        assert posts[0].content.startswith("今天取快递发现快递柜改了规则")
        assert posts[1].content.startswith("按邮政管理部门的规定")
        assert not any("on topic" in p.content or "created by" in p.content for p in posts)


def test_generic_image_post_opens_its_comments_and_a_gif_reply_says_nothing() -> None:
    """An image-sharing page (imgur-style): the post under the page's heading — its poster,
    time and description — stands five levels above its dated comments and opens the thread;
    a reply that is only a video (a GIF) is no post, neither its byline nor its player's menu
    (选择…, 复制, 下载) taken for what it says; a short reply is its body box, not the box around
    it that holds its byline and buttons too. With or without a role."""
    url = "https://tuxiang.example.cn/gallery/9f3aK2"
    page = (REAL / "written_image_post_comments.html").read_bytes()
    for role in ("thread", "auto"):
        reading, _ = read_page(page, url, RUNTIME, role=role)
        assert (reading.reader, reading.kind) == ("generic", "thread"), role
        posts = reading.parsed.posts
        assert [p.author for p in posts] == [
            "江边老王",
            "小雨",
            "江边老王",
            "跑步的莉莉",
            "老陈拍照",
        ]
        assert posts[4].content == "周末一起去拍！"  # a short reply: its box, not its byline's
        assert posts[0].published_text == "2024-05-20 18:42:10"
        assert posts[0].content.startswith("下班路过滨江公园，正好赶上晚霞")
        assert posts[2].content == "街道公众号上周发的，说是六月十号开始封闭，工期三个月。"
        assert not any("选择" in p.content or "下载" in p.content for p in posts)


def test_generic_blog_post_and_its_comments_beside_a_sidebar_named_by_its_id() -> None:
    """A blog post with its readers' comments (博客园's shape): the blog's sidebar (its
    owner's card, archives, ranked posts) is named by its id (``sideBar``), not its class, and
    is not a post; the post is dated by its own ``posted @`` line, not by the tooltip of the
    link to the previous post (``上一篇`` titled with that post's time), and signed by its
    owner, not by its tag (``/tag/Python/`` "Python"); a comment is signed by the link whose
    id names its author (``a_comment_author_…``)."""
    page = (REAL / "written_cnblogs_post_comments.html").read_bytes()
    reading, _ = read_page(page, "https://www.cnblogs.com/lintao-dev/p/18187654", RUNTIME,
                           role="thread")  # fmt: skip
    posts = reading.parsed.posts
    assert [p.author for p in posts] == ["林涛的笔记", "清风码客", "zhangsan_dev", "林涛的笔记"]
    assert [p.published_text for p in posts] == [
        "2024-05-12 10:21", "2024-05-12 11:02", "2024-05-12 13:47", "2024-05-12 14:05"
    ]  # fmt: skip
    assert posts[0].content.startswith("最近在给一个内部舆情采集项目做性能优化")
    assert not any("园龄" in p.content for p in posts)


def test_generic_a_topic_link_whose_text_is_its_slug_signs_no_post() -> None:
    """A link to a topic whose last part is its text (Dcard's ``/topics/室友``, as a tag's
    ``/tag/python``) is not the poster's page, though a poster's slug link is (``/@bob``)."""
    page = (REAL / "written_dcard_post.html").read_bytes()
    reading, _ = read_page(page, "https://www.dcard.tw/f/mood/p/255812347", RUNTIME)
    assert reading.kind == "thread" and len(reading.parsed.posts) == 5
    assert not {p.author for p in reading.parsed.posts} & {"室友", "宿舍"}


def test_generic_a_posters_slug_link_signs_whatever_the_case_of_its_name() -> None:
    """A poster's page whose address ends in their name's slug signs their post even where
    the name is shown in other letters' case (``/@marta_k`` "Marta_K")."""
    comments = "".join(
        f'<div class="comment"><a href="https://example.org/@{name.lower()}">{name}</a>'
        f"<span>2024-05-1{i} 10:2{i}</span><p>{text}</p></div>"
        for i, (name, text) in enumerate(
            [("Marta_K", "The new timetable starts on Monday, I asked at the station."),
             ("OldTimer", "Good to know, the last bus used to leave far too early for us."),
             ("Marta_K", "It leaves at half past eleven now, every day of the week.")]
        )
    )  # fmt: skip
    page = f"<html><body><h1>Night buses</h1><div class='comments'>{comments}</div></body></html>"
    reading, _ = read_page(page.encode(), "https://example.org/t/night-buses/", RUNTIME)
    assert [p.author for p in reading.parsed.posts] == ["Marta_K", "OldTimer", "Marta_K"]


def test_generic_thread_head_showing_the_first_posts_time_opens_no_post() -> None:
    """Simple Machines 2.1's head above a topic (its title, ``Started by <poster>, <the first
    post's time>``, the viewers' count) is the thread's head, not an opening post before the
    first post: the thread is its four posts, the first by its starter."""
    page = (REAL / "written_smf21_topic.html").read_bytes()
    url = "https://www.example-filmshooters.net/forum/index.php?topic=5521.0"
    reading, _ = read_page(page, url, RUNTIME)
    posts = reading.parsed.posts
    assert [p.author for p in posts] == [
        "darkroom_dave",
        "apertura",
        "bokehmonster",
        "darkroom_dave",
    ]
    assert posts[0].published_text == "March 14, 2022, 9:22:47 PM"
    assert posts[0].content.startswith("I picked up an old manual 50mm f/1.8")


def test_generic_post_body_named_by_its_role_not_the_box_with_reactions_and_signature() -> None:
    """An Invision Community (IPS 4) topic: each post's text is the element its role names
    (``data-role="commentContent"``, no body word in its classes), not the box around it that
    also holds the reactions' counts, the Quote links and the poster's signature (itself
    named by its role, ``data-role="memberSignature"``)."""
    page = (REAL / "written_ips4_topic.html").read_bytes()
    url = "https://forums.example-cycling.org/topic/48213-rear-derailleur-keeps-skipping-after-cassette-swap/"
    reading, _ = read_page(page, url, RUNTIME)
    posts = reading.parsed.posts
    assert len(posts) == 6 and posts[0].author == "gravelgrinder"
    assert posts[0].content.startswith("Last weekend I replaced the worn 11-32 cassette")
    assert posts[0].content.endswith("The chainrings are about three years old if that matters.")
    assert not any("Kona Rove" in p.content or "Quote" in p.content for p in posts)


def test_generic_xenforo1_posts_held_in_blockquotes_each_in_an_article_of_its_own() -> None:
    """A XenForo 1 thread: each post's text is a ``blockquote.messageText`` (the post, not a
    quote; its quotes are ``blockquote.quoteContainer`` under an attribution ``X said: ↑``),
    each inside an ``<article>`` of its own, so the main text stops at the first post: a
    signed discussion whose opening post is that main text is the thread."""
    page = (REAL / "written_xenforo1_thread.html").read_bytes()
    url = "https://www.example-gamers.net/forums/threads/is-the-new-co-op-update-worth-coming-back-for.88123/"
    reading, _ = read_page(page, url, RUNTIME)
    posts = reading.parsed.posts
    assert (reading.reader, reading.kind) == ("generic", "thread")
    assert [p.author for p in posts] == [
        "NightOwl_77",
        "Vantablack",
        "mossy_stone",
        "NightOwl_77",
        "Vantablack",
    ]
    assert posts[2].content.startswith("My group came back for it")
    assert not any("said:" in p.content or "↑" in p.content for p in posts)


def test_generic_vbulletin3_posts_in_classless_blocks_known_by_their_numbered_ids() -> None:
    """A vBulletin 3.8 thread: each post a classless ``div#edit<post id>`` between the head's
    and the foot's classless wrappers, which are no comments holding the posts as replies;
    the posters' cards beside the posts (``Join Date: … Location: … Posts: …``), which the
    main text keeps as table cells, are no prose the posts miss nor an opening post."""
    page = (REAL / "written_vbulletin3_thread.html").read_bytes()
    url = "https://www.example-photo.co.uk/forums/showthread.php?t=104455"
    reading, _ = read_page(page, url, RUNTIME)
    posts = reading.parsed.posts
    assert (reading.reader, reading.kind) == ("generic", "thread")
    assert [p.author for p in posts] == [
        "darkroom_dave",
        "apertura",
        "bokehmonster",
        "darkroom_dave",
    ]
    assert posts[0].published_text == "03-14-2022, 09:22 PM"
    assert not any("Join Date" in p.content or "Currently Active" in p.content for p in posts)


def test_generic_quote_marked_only_by_its_opening_words_is_not_the_reply() -> None:
    """vBulletin 3's quote has neither a ``<blockquote>`` nor a quote class: a box opening
    with ``Quote:`` and ``Originally Posted by <poster>``. The reply is the text after it,
    which stays the reply's when the quote is left out."""
    page = (REAL / "written_vbulletin3_thread.html").read_bytes()
    url = "https://www.example-photo.co.uk/forums/showthread.php?t=104455"
    reading, _ = read_page(page, url, RUNTIME)
    reply = reading.parsed.posts[2]
    assert reply.author == "bokehmonster"
    assert reply.content.startswith("Whatever you do, keep it away from your other lenses")
    assert "Originally Posted by" not in reply.content and "torch" not in reply.content


@pytest.mark.parametrize(
    "opening",
    [
        "以下是引用<i>老街坊</i>在2009-6-3 9:40:12的发言：",
        "Marta_K wrote:",
        "引用 老街坊 发表于 2024-5-3 09:40",
    ],
)
def test_generic_quote_openings_of_old_boards(opening: str) -> None:
    """Dvbbs's ``以下是引用…的发言``, phpBB-style ``<poster> wrote:`` and Discuz's ``引用 … 发表于``
    open a quote boxed in a table or a div: the quoted words are not the reply's."""
    quote = f"<table><tr><td>{opening}<br>早市搬走以后老人买菜很不方便。</td></tr></table>"
    posts = "".join(
        f'<div class="post"><a href="/user/{i}">user{i}</a> 2024-05-0{i} 10:0{i}'
        f'<div class="content">{quote if i == 2 else ""}{said}</div></div>'
        for i, said in enumerate(REPLIES, 1)
    )
    html = f"<html><body><h1>菜市场搬迁</h1><div class='thread'>{posts}</div></body></html>"
    reading, _ = read_page(html.encode(), "https://bbs.example.cn/thread/1/", RUNTIME)
    reply = reading.parsed.posts[1]
    assert reply.content == REPLIES[1]


REPLIES = (
    "我们这片原来的菜市场上个月拆了，新的菜市场搬到了三站路以外。小区里七八十岁的老人每天要坐公交去买菜，"
    "拎着东西上下车很危险，有没有办法向上面反映一下？",
    "联名是个办法。另外可以打市长热线，记下工单号，过一周再打电话问进度，我们那边的早市就是这么争取回来的。",
    "上周社区开了协调会，说是准备在原址附近设两个临时蔬菜点，早上六点到九点营业，大家可以去看看。",
)


def test_generic_signature_of_a_classless_block_is_its_ids_stem() -> None:
    """Classless blocks numbered by their ids are alike by the id's stem, and unlike the
    classless wrappers beside them."""
    first, second, wrapper = lxml_html.fromstring(
        '<div><div id="edit101">a</div><div id="edit102">b</div><div>c</div></div>'
    )
    assert signature(first) == signature(second) == "div.#edit"
    assert signature(wrapper) == "div."


def test_generic_poster_named_by_the_image_of_their_profile_link() -> None:
    """Old boards print the poster's name unlinked and link their profile by an image whose
    alt text names them (Dvbbs's ``查看<poster>的个人资料``, vBulletin's ``<poster>'s
    Avatar``): that name signs the post."""
    names = ("城南旧事多", "老街坊", "old_timer")
    alts = ("查看城南旧事多的个人资料", "查看老街坊的个人资料", "old_timer's Avatar")
    posts = "".join(
        f'<div class="post"><b>{name}</b> <a href="dispuser.asp?id={i}"><img src="p.gif" '
        f'alt="{alt}"></a> 发表于 2009-6-{i} 9:1{i}:45<div class="content">{said}</div></div>'
        for i, (name, alt, said) in enumerate(zip(names, alts, REPLIES, strict=True), 1)
    )
    html = f"<html><body><h1>菜市场搬迁</h1><div class='thread'>{posts}</div></body></html>"
    reading, _ = read_page(
        html.encode(), "http://club.example.net/dispbbs.asp?boardid=1&id=5", RUNTIME
    )
    assert [p.author for p in reading.parsed.posts] == list(names)


def test_generic_posts_dated_by_a_month_and_day_alone() -> None:
    """Replies dated only by a month and day in an element named a time (``03-02``, as a
    post bar's phone pages print this year's days) and signed by no link are posts."""
    posts = "".join(
        f'<li class="reply"><span class="name">网友{i}</span><span class="time">03-0{i}</span>'
        f'<div class="content">{said}</div></li>'
        for i, said in enumerate(REPLIES, 1)
    )
    html = f"<html><body><h1>菜市场搬迁</h1><ul class='replies'>{posts}</ul></body></html>"
    reading, _ = read_page(html.encode(), "https://tieba.example.com/p/123", RUNTIME)
    assert [p.published_text for p in reading.parsed.posts] == ["03-01", "03-02", "03-03"]
    assert [p.content for p in reading.parsed.posts] == list(REPLIES)


def test_generic_comment_signed_by_its_hcard_name_not_the_says_beside_it() -> None:
    """WordPress's comments sign with an hCard (``div.comment-author.vcard`` holding
    ``cite.fn`` or ``b.fn`` and ``span.says``): the poster is the formatted name, linked to
    their own site or not, without the ``says:`` beside it."""
    names = ("Rosalind", "Pete from plot 9", "Helen (author)")
    comments = "".join(
        f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><img class="avatar" src="a.png" alt="">'
        f'<b class="fn">{name if i != 3 else f"<a href=https://allotment.example/ class=url>{name}</a>"}</b>'
        f' <span class="says">says:</span></div><div class="comment-metadata">'
        f'<time datetime="2021-06-0{i}T19:42:10+00:00">June {i}, 2021 at 7:42 pm</time></div>'
        f'</footer><div class="comment-content"><p>{said}</p></div></article></li>'
        for i, (name, said) in enumerate(zip(names, REPLIES, strict=True), 1)
    )
    html = f"<html><body><h1>No-dig beds</h1><ol class='comment-list'>{comments}</ol></body></html>"
    reading, _ = read_page(html.encode(), "https://allotment.example/2021/06/01/no-dig/", RUNTIME,
                           role="thread")  # fmt: skip
    assert [p.author for p in reading.parsed.posts] == list(names)


def test_generic_post_dated_by_its_header_not_a_clock_in_what_it_says() -> None:
    """A Gitee issue: its description says ``每天 00:00 前后…`` (a sentence with a clock in it)
    and its header above says when it was opened (``创建于 2024-01-08 23:47``): the issue is
    dated by its header, not by what it says."""
    page = (REAL / "written_gitee_issue.html").read_bytes()
    url = "https://gitee.com/opensource-yq/yuqing-collector/issues/I8XK2Q"
    reading, _ = read_page(page, url, RUNTIME)
    opening = reading.parsed.posts[0]
    assert (opening.author, opening.published_text) == ("王书言", "2024-01-08 23:47")
    assert "每天 00:00 前后" in opening.content


def test_generic_a_log_in_card_after_signed_dated_answers_is_no_post() -> None:
    """A SegmentFault question: after the answers, each signed and dated, the "撰写回答 — 你尚未
    登录" card (its 注册登录 link leads to a user's page) is of their kind but neither signed
    nor dated: no post."""
    page = (REAL / "written_segmentfault_question.html").read_bytes()
    reading, _ = read_page(page, "https://segmentfault.com/q/1010000012345678", RUNTIME)
    posts = reading.parsed.posts
    assert [p.author for p in posts] == ["liuchen_dev", "张朴", "kongming_x", "小雨"]
    assert not any("尚未登录" in p.content for p in posts)


def test_generic_imageboard_posts_keep_their_clock_past_the_weekday() -> None:
    """A 5ch thread (Shift_JIS; ``span.date`` ``2024/05/12(日) 10:14:33.12``) and a 4chan one
    (``span.dateTime`` ``05/12/24(Sun)10:14:33``): each post's time is its day and its clock,
    the day of the week in brackets between them — on 4chan also which number is the month."""
    now = datetime(2024, 6, 1, tzinfo=UTC)
    page = (REAL / "written_5ch_thread_sjis.html").read_bytes()
    url = "https://agree.5ch.net/test/read.cgi/poverty/1715476473/"
    posts = read_page(page, url, RUNTIME)[0].parsed.posts
    assert len(posts) == 5
    assert posts[1].author == "番組の途中ですがアフィサイトへの転載は禁止です"
    assert posts[2].content.endswith("店員がスキャンして支払いだけ客がやるやつ、あれが一番早い")
    shown = [parse_datetime(p.published_text, now, "Asia/Tokyo") for p in posts]
    assert [(t.day, t.hour, t.minute) for t in shown if t] == [
        (12, 10, 14), (12, 10, 15), (12, 10, 16), (12, 10, 18), (12, 10, 21)
    ]  # fmt: skip
    page = (REAL / "written_4chan_thread.html").read_bytes()
    url = "https://boards.4channel.org/diy/thread/2781164"
    posts = read_page(page, url, RUNTIME)[0].parsed.posts
    assert [p.author for p in posts] == ["Anonymous"] * 4
    shown = [parse_datetime(p.published_text, now) for p in posts]
    assert [(t.month, t.day, t.hour, t.minute) for t in shown if t] == [
        (5, 12, 10, 14), (5, 12, 10, 20), (5, 12, 10, 35), (5, 12, 11, 0)
    ]  # fmt: skip


def test_generic_post_body_named_by_a_body_word_run_on_after_post() -> None:
    """A FluxBB topic: each post's text is its ``div.postmsg`` (``msg`` run on after ``post``),
    not the ``div.postbody`` that also holds the poster's card — whose profile link signs the
    post — nor is a reply that opens with a quote (``seth wrote:``) taken for the quote."""
    page = (REAL / "written_fluxbb_topic.html").read_bytes()
    url = "https://bbs.archlinux.org/viewtopic.php?id=295512"
    posts = read_page(page, url, RUNTIME)[0].parsed.posts
    assert [p.author for p in posts] == ["quietfox", "seth", "quietfox", "V1del"]
    assert posts[0].published_text == "2024-05-12 10:14:33"
    assert posts[0].content.startswith("After today's upgrade from linux 6.7.9")
    assert "Posts: 57" not in posts[0].content
    assert posts[2].content.startswith("It did not. The ESP was full")
    assert "regenerate the initramfs" not in posts[2].content


def test_generic_posts_are_a_table_each_whatever_rows_a_post_has() -> None:
    """A Dvbbs 8 thread in GBK: each post a ``table.tableborder1`` of two rows (the poster's
    card beside the message, the time below), the board's menu a table of that class with one
    row: the posts are the tables, not the first post's rows, and the menu is no post."""
    page = (REAL / "written_dvbbs_dispbbs_gbk.html").read_bytes()
    reading, _ = read_page(page, "http://bbs.xiaozhen.com/dispbbs.asp?boardid=3&Id=1288", RUNTIME)
    assert (reading.reader, reading.kind) == ("generic", "thread")
    posts = reading.parsed.posts
    assert [p.author for p in posts] == ["河西老陈", "东街阿梅", "小镇网管", "河西老陈"]
    assert [p.published_text for p in posts] == [
        f"发贴时间：2008-5-12 {t}:00" for t in ("10:14", "10:52", "11:30", "12:08")
    ]
    assert posts[1].content == (
        "我问了镇文化站的人，说是照常举行，时间定在六月一号上午，比赛地点改到下游的新桥那一段。"
    )
    assert "今年一共有九个村报名" in posts[2].content
    assert not any("控制面板" in p.content for p in posts)


def test_a_paper_is_dated_by_its_highwire_citation_metas() -> None:
    """An arXiv abstract page (read for its main text) declares its day only in Highwire's
    ``citation_date`` / ``citation_online_date`` metas, as journals and CNKI-like pages do: that
    day dates the paper."""
    html = (REAL / "written_arxiv_abs.html").read_bytes()
    reading, _ = read_page(html, "https://arxiv.org/abs/2405.07123", Runtime({}), role="article")
    (post,) = reading.parsed.posts
    assert post.published_text == "2024/05/12"
    day = parse_datetime(post.published_text, datetime(2026, 12, 5, tzinfo=UTC))
    assert day is not None and day.date() == datetime(2024, 5, 12).date()


def test_generic_title_is_the_part_of_the_page_title_the_page_shows() -> None:
    """``<title>标题-版块-站名</title>`` written without spaces (19楼) and ``站名 -- 版块 --
    标题`` (Dvbbs): the title is the part the page also shows (an ``h1`` after its ``[求助]``
    tag, a ``span#topictitle``), and the breadcrumbs ending in it are no first post, so each
    post keeps its own poster and time."""
    page = (REAL / "written_19lou_thread_gbk.html").read_bytes()
    posts = _posts(page, "http://www.19lou.com/forum-1634-thread-70010000-1-1.html")
    assert {p.title for p in posts} == {"杭州周边自驾两日游，求推荐人少景美的地方"}
    assert [p.author for p in posts] == [
        "西湖边的猫",
        "安吉竹海",
        "桐庐小妹",
        "西湖边的猫",
        "驴友阿峰",
    ]
    assert posts[0].published_text.startswith("2014-05-12 10:14")
    assert posts[0].content.startswith("端午节想带爸妈出去玩两天")
    dvbbs = (REAL / "written_dvbbs_dispbbs_gbk.html").read_bytes()
    posts = _posts(dvbbs, "http://bbs.xiaozhen.com/dispbbs.asp?boardid=3&Id=1288")
    assert {p.title for p in posts} == {"镇上今年的龙舟赛什么时候举行？"}


def test_generic_answers_in_a_pre_that_names_them_are_their_bodies() -> None:
    """A 搜狗问问 question: the question's text in ``pre#question_content`` and each answer's
    in ``pre.answer_con`` (keeping its lines) beside the poster's card and a
    ``span.replay-time``: each answer a post whose body is its ``pre``, not one article."""
    page = (REAL / "written_sogou_wenwen_question.html").read_bytes()
    posts = _posts(page, "https://wenwen.sogou.com/z/q661234567.htm")
    assert [p.author for p in posts][1:] == ["花草达人李姐", "匿名用户", "阳台小园丁"]
    assert posts[0].content.startswith("绿萝养了半年")
    assert posts[1].content.split("\n")[1].startswith("你说的边缘有黑褐色斑点")
    assert posts[2].content == "靠窗的话注意中午的直射光，绿萝喜欢散射光，直晒容易黄叶。"
    assert [p.published_text for p in posts][1:] == ["2018-05-12", "2018-05-12", "2018-05-13"]


def test_generic_time_is_the_absolute_one_a_tooltip_script_shows() -> None:
    """A Lemmy post: each time printed ``2 days ago`` inside a ``span`` whose
    ``data-tippy-content`` holds the absolute time (``Sunday, May 12th 2024, 1:05:19 pm``),
    the vote counts' tooltips beside it holding no date: the post's time is the tooltip's."""
    page = (REAL / "written_lemmy_post.html").read_bytes()
    posts = _posts(page, "https://lemmy.world/post/11452301")
    assert [p.author for p in posts][:3] == ["quietbyte", "homelab_hanna", "quietbyte"]
    assert [p.published_text for p in posts] == [
        f"Sunday, May 12th 2024, {t}"
        for t in ("10:14:33 am", "10:52:07 am", "11:30:44 am", "1:05:19 pm")
    ]
    read = parse_datetime(posts[3].published_text, datetime(2024, 6, 1, tzinfo=UTC))
    assert read is not None and read.strftime("%Y-%m-%d %H:%M") == "2024-05-12 13:05"


def test_generic_opening_post_right_before_the_comments_container() -> None:
    """A signed, dated post right before the container of the comments opens the thread,
    though it is a block of the comments' own kind two levels up (old Reddit's link post, a
    ``div.thing`` like each comment, beside ``div.commentarea``)."""
    url = "https://old.reddit.com/r/Cooking/comments/1cq4z8k/what_is_the_one_kitchen_tool/"
    html = (REAL / "written_oldreddit_comments.html").read_text(encoding="utf-8")
    site = Site(name="reddit", kind="forum", engine="generic", start_urls=(url,))
    posts = GenericForumAdapter().parse(Page(url, html, "thread", site, datetime.now(UTC))).posts
    assert posts[0].content.startswith("I finally bought a proper instant-read thermometer")
    assert posts[0].author == "maple_and_rye"
    assert posts[0].published_text.startswith("2024-05-12T09:41")
    assert [p.author for p in posts[1:3]] == ["Gravy_Boat_Captain", "onion_tears_42"]


def test_generic_comment_time_a_month_and_day_split_by_a_dot() -> None:
    """DC Inside's comments show ``05.12 10:31:07``: the 12th of May at that clock, not the
    clock alone on the day the page is read."""
    url = "https://gall.dcinside.com/mgallery/board/view/?id=camping&no=412873"
    posts = _posts((REAL / "written_dcinside_post.html").read_bytes(), url)
    now = datetime(2024, 5, 31, 12, 0)
    comments = [p for p in posts if p.published_text.startswith("05.12")]
    assert [p.author for p in comments] == ["랜턴장인", "타프맨", "숲속의곰돌이"]
    days = [parse_datetime(p.published_text, now, "Asia/Seoul") for p in comments]
    assert [(d.month, d.day, d.hour, d.minute) for d in days if d] == [
        (5, 12, 10, 31),
        (5, 12, 11, 2),
        (5, 12, 12, 15),
    ]


def test_generic_opening_post_signed_by_a_byline_levels_up() -> None:
    """Drupal's forum node: the body is the opening post, its poster and time in the node's
    ``footer.node__meta`` beside the node's content (``Submitted by <span property=
    "schema:name">…</span> on …``, the name unlinked), the title block further up."""
    url = "https://community.example-cycling.org/forum/touring/2024-05-12/hub-dynamo"
    posts = _posts((REAL / "written_drupal_forum.html").read_bytes(), url)
    assert posts[0].content.startswith("I am planning a six-week tour through the Balkans")
    assert (posts[0].author, posts[0].published_text) == ("lena_rides", "Sun, 05/12/2024 - 10:14")
    assert [p.author for p in posts[1:3]] == ["gravel_grinder", "mh_touring"]


def test_generic_replies_in_a_wrapper_after_the_comment_they_answer() -> None:
    """Drupal prints the replies to a comment in a ``div.indented`` right after it, beside
    the comments: each reply is read after the comment it answers."""
    url = "https://community.example-cycling.org/forum/touring/2024-05-12/hub-dynamo"
    posts = _posts((REAL / "written_drupal_forum.html").read_bytes(), url)
    assert [p.author for p in posts] == ["lena_rides", "gravel_grinder", "mh_touring", "lena_rides"]
    assert posts[3].published_text == "Sun, 05/12/2024 - 14:45"
    assert posts[3].content.startswith("That is a good point, I will mostly be riding in daylight")
    assert [p.floor for p in posts] == [1, 2, 3, 4]


def test_generic_thread_with_no_reply_yet_is_its_one_post() -> None:
    """A thread with no reply yet (FlaskBB's shape): no group of blocks repeats, so the one
    post is the box around the body its class names that shows the poster and the time
    beside it — not the Markdown help dialog the main-text extractor would take for the page
    (its text outweighs the short question), and not the Reply button's ``/post/…/reply``."""
    html = (REAL / "written_flaskbb_lone_question.html").read_bytes()
    (post,) = _posts(html, "https://forums.example.org/topic/2410-search-finds-nothing")
    assert (post.author, post.published_text, post.floor) == (
        "marta_k",
        "2024-05-12T10:14:33+02:00",
        1,
    )
    assert post.content.startswith("After moving our board from 1.0 to 2.1")
    assert post.content.endswith("is there a command for it?")
    assert post.adapter_version == "lone-1"


def test_main_text_leaves_out_a_dialog() -> None:
    """A dialog box (``role="dialog"``, Bootstrap's ``modal``) shows only when a button opens
    it: it is not the page's main text, however long its help text."""
    from opinion_spiders.reading.main_text import main_text

    html = (REAL / "written_flaskbb_lone_question.html").read_text()
    text = main_text(html, "https://forums.example.org/topic/2410-search-finds-nothing")
    assert "After moving our board" in text
    assert "Markdown" not in text


def test_generic_opening_post_and_one_reply_in_boxes_of_their_own() -> None:
    """A thread with one reply (vBulletin 5's shape): the opening post in a box of its own
    above the replies' list, which holds one — no group repeats, and the sidebar's latest
    posts (each signed and dated) are no replies: the two posts that stand alone are the
    thread."""
    html = (REAL / "written_vb5_starter_one_reply.html").read_bytes()
    posts = _posts(html, "https://forums.example.org/forum/community/site-feedback/48211-title")
    assert [(p.author, p.published_text) for p in posts] == [
        ("harbourmaster", "2024-05-11T22:50:36"),
        ("Quartermaster", "2024-05-12T08:13:41"),
    ]
    assert posts[0].content.startswith("Could a moderator please fix the title")
    assert posts[1].content.startswith("Done, the title now reads")
    assert not any("pontoon" in p.content or "Regatta" in p.content for p in posts)


def test_generic_scripts_between_the_posts_are_no_text_of_theirs() -> None:
    """A XenForo thread with one answer, an ad unit's scripts between and after the posts:
    their code is no text, so the posts' box is not outweighed by it and its two posts are
    the thread — not the box and a "Similar threads" block of the same class, the threads it
    lists taken for replies."""
    html = (REAL / "written_xenforo_one_answer.html").read_bytes()
    posts = _posts(html, "https://www.example-amps.com/threads/which-fuse.48211/")
    assert [(p.author, p.published_text) for p in posts] == [
        ("kettle", "2024-05-11T22:50:36+0100"),
        ("resistor_rita", "2024-05-12T09:05:12+0100"),
    ]
    assert posts[0].content.startswith("The mains fuse holder on my 1972 amp")
    assert posts[1].content.startswith("Start at 1A slow-blow.")


def test_generic_question_and_its_one_answer_are_the_thread() -> None:
    """A real Invision topic cut to a question and its one answer: two signed, dated posts by
    two posters are too few to tell a discussion by, but they hold most of the main text
    (the rest its posters' lines, ``avicenna Posted May 2 Share``, and the quotes the
    answer opens with), which holds them: they are the thread, not the main text as one
    unsigned post."""
    html = (REAL / "invision_topic_cut_to_two_posts.html").read_bytes()
    url = "https://www.scienceforums.net/topic/133914-photon-absorption-and-electron-transition-levels%C2%A0/"
    posts = _posts(html, url)
    assert [(p.author, p.published_text) for p in posts] == [
        ("avicenna", "2024-05-02T18:50:46Z"),
        ("swansont", "2024-05-02T19:30:17Z"),
    ]
    assert posts[0].content.startswith("It is commonly stated in QM")
    assert posts[1].content.startswith("It’s observed to be true.")


def test_generic_dated_discussion_inside_a_main_text_that_runs_on() -> None:
    """A real Reddit comments page without the post they answer: ten signed, dated comments
    that the main text holds, though they hold under three quarters of it — it runs on into
    the page's "More posts you may like" —: they are the thread, what the main text adds
    opening it, not the main text as one unsigned post."""
    html = (REAL / "reddit_comments_without_the_post.html").read_bytes()
    url = "https://www.reddit.com/r/BoomersBeingFools/comments/1cq6hci/boomer_did_not_like_the_fact_i_took_down_the/"
    posts = _posts(html, url)
    signed = [p for p in posts if p.author]
    assert [p.author for p in signed[:3]] == ["AutoModerator", "Grrerrb", "Expensive_Honeydew_5"]
    assert all(p.published_text.startswith("2024-05-12T") for p in signed)
    assert len(signed) >= 9
    assert signed[1].content.startswith("“I’ve lived here twelve years, old man")


def test_generic_one_comment_apart_from_the_post_the_main_text_reads() -> None:
    """A real Imgur post cut to its first comment: the main text is the post's own text, the
    one comment — signed, dated, standing alone — lies apart from it: the post opens the
    thread and the comment follows, not the post alone."""
    html = (REAL / "imgur_post_cut_to_one_comment.html").read_bytes()
    posts = _posts(html, "https://imgur.com/gallery/c6eFtrZ")
    assert len(posts) == 2
    assert posts[0].content.startswith("Posting this into the oblivion...")
    assert (posts[1].author, posts[1].content[:24]) == ("ZK383", "we had 7 pregnancies, lo")
    assert posts[1].published_text


def _hashed_board(heading: str, blocks: str, *, site: str, title: str) -> str:
    """A thread page of a board whose classes are hashes: ``blocks`` under the heading."""
    return (
        f'<html><head><meta charset="utf-8"><title>{title} - {site}</title></head>'
        f'<body><h1 class="hX0a">{heading}</h1><div class="lS5t">{blocks}</div></body></html>'
    )


def test_generic_posts_of_a_board_whose_classes_are_hashes() -> None:
    """A board built with CSS modules: every class a hash, so no name tells a post's body
    from its header, nor a side column from the thread. A post's body is its paragraphs
    together — the short first line (``急！``) and the last as much as the longest —, not
    the longest paragraph alone, and not the header (poster, time) or the buttons under it.
    The side column's two widgets (a dated list of links, a notice list and a dated line)
    are blocks of one kind beside each other holding more text than the thread, but laid out
    unlike each other inside: no posts."""
    url = "https://hexi.example.cn/t/301"
    posts = _posts((REAL / "written_hashed_class_thread.html").read_bytes(), url)
    assert [p.author for p in posts] == ["河西妈妈", "老张", "小刘"]
    assert [p.published_text for p in posts] == [
        "2024-05-20 08:12", "2024-05-20 09:40", "2024-05-20 12:05",
    ]  # fmt: skip
    lines = [p.content.split("\n") for p in posts]
    assert lines[0][0] == "急！" and lines[0][-1].startswith("施工牌上写的工期早就过了")
    assert lines[1] == ["问过了。", "街道说管网改造验收以后才能装回去，最快下个月。"]
    assert lines[2][0] == "同问。"
    assert not any("回复" in p.content or "赞" in p.content or "2024" in p.content for p in posts)


#: The board's rules, three paragraphs longer than the three posts of the hashed-class
#: thread together.
BOARD_RULES = (
    "本帖讨论的是公共交通设施，请大家就事论事。发帖前请先搜索，同一件事已有帖子的，请在原帖里"
    "回复，方便街道和公交公司的工作人员集中看到大家的意见。",
    "涉及施工、停水停电和道路封闭的消息，请以街道办和公交公司发布的正式通知为准；转述别人的说法时，"
    "请写明是从哪里听来的，不要把猜测当成消息发出来。",
    "反映问题可以拨打市民服务热线，也可以在本站的站务版留言，我们每周一把上周的意见整理成表格，"
    "交给街道办的联系人，并在站务版公布处理的结果。",
)


def test_generic_dated_discussion_the_main_text_holds_beside_more_prose_than_its_own() -> None:
    """The hashed-class board's thread with the board's rules under it, three paragraphs
    longer than the three posts together: the main text holds the posts and the rules, and
    the posts hold under half of it. Signed and dated, they are the thread still — each keeps
    its poster and time —, and the rules, which the main text adds after the posts, are no
    opening post, nor any post."""
    base = (REAL / "written_hashed_class_thread.html").read_text(encoding="utf-8")
    rules = '<div class="uV1x">' + "".join(f"<p>{line}</p>" for line in BOARD_RULES) + "</div>"
    page = base.replace('</div>\n<div class="Lm2r">', f'{rules}</div>\n<div class="Lm2r">', 1)
    assert page != base
    posts = _posts(page, "https://hexi.example.cn/t/301")
    assert [p.author for p in posts] == ["河西妈妈", "老张", "小刘"]
    assert [p.published_text for p in posts] == [
        "2024-05-20 08:12", "2024-05-20 09:40", "2024-05-20 12:05",
    ]  # fmt: skip
    assert posts[1].content.split("\n") == [
        "问过了。",
        "街道说管网改造验收以后才能装回去，最快下个月。",
    ]
    assert not any(BOARD_RULES[0] in p.content for p in posts)


def test_generic_short_post_under_a_line_of_linked_names() -> None:
    """A reply shorter than its poster's line — the name, the full name and a group badge,
    each linked inside a ``<span>`` of a ``<div>`` (Discourse's names line, here under hashed
    classes) —: the line is the poster's, not what was said."""
    posts = [
        ("wangjie", "王杰", "2024-05-06 21:42", "我也想报名。"),
        ("lindaye", "林大爷 (楼长)", "2024-05-06 22:10", "报名表在哪里领？"),
        ("wangjie", "王杰", "2024-05-07 08:03", "居委会一楼，谢谢！"),
    ]
    blocks = "".join(
        f'<article class="kP2d" id="p{i}"><div class="aQ1x">'
        f'<div class="nM3v"><span class="s1"><a href="/u/{name}">{name}</a></span>'
        f'<span class="s2"><a href="/u/{name}">{full}</a></span>'
        f'<span class="s3"><a href="/g/volunteers">志愿者 2024</a></span></div>'
        f'<div class="tZ8c"><span title="{time}" data-time="1715002938">{time}</span></div>'
        f'</div><div class="bW4e"><p>{said}</p></div></article>'
        for i, (name, full, time, said) in enumerate(posts, 1)
    )
    page = _hashed_board("端午包粽子活动报名", blocks, site="河西社区", title="端午包粽子活动报名")
    read = _posts(page, "https://hexi.example.cn/t/88")
    assert [(p.author, p.content) for p in read] == [(name, said) for name, _, _, said in posts]


def test_generic_body_stops_at_the_posts_header() -> None:
    """Posts laid out as Flarum's are (each a ``<header>`` with the poster and the time, the
    paragraphs, an ``<aside>`` of buttons), under hashed classes: the body is the paragraphs —
    not the post with its header, which holds the poster's link."""
    posts = [
        (
            "Ester",
            "2024-05-16T12:23:21+08:00",
            ["请问小区的快递柜什么时候恢复？", "已经停用一周了。"],
        ),
        ("Daniele", "2024-05-16T15:03:10+08:00", ["物业说本周五之前修好。"]),
        ("Ester", "2024-05-16T18:33:45+08:00", ["好的，谢谢！"]),
    ]
    blocks = (
        "".join(
            f'<div class="cC{i}x" data-number="{i}"><article class="pA7t"><div>'
            f'<header class="hD2k"><ul><li><h3 class="nQ5r"><a href="/u/{name}">'
            f'<span class="uN4m">{name}</span></a></h3></li>'
            f'<li><time datetime="{time}">{time[:10]}</time></li></ul></header>'
            f'<div class="bY6c">{"".join(f"<p>{line}</p>" for line in lines)}</div>'
            f'<aside class="zZ0a"><ul><li><button>回复</button></li><li><button>分享</button></li>'
            f"</ul></aside></div></article></div>"
            for i, (name, time, lines) in enumerate(posts, 1)
        )
        .replace('class="cC2x"', 'class="cC1x"')
        .replace('class="cC3x"', 'class="cC1x"')
    )
    page = _hashed_board("快递柜什么时候恢复", blocks, site="河西社区", title="快递柜")
    read = _posts(page, "https://hexi.example.cn/d/36387")
    assert [p.author for p in read] == ["Ester", "Daniele", "Ester"]
    assert [p.content.split("\n") for p in read] == [lines for _, _, lines in posts]


def _card_blocks(posts: list[tuple[str, str, str, str]]) -> str:
    """Posts ``(name, title, time, said)`` under hashed classes, each beside its poster's
    card: the time, the name in a plain ``<div>``, the title, the post count, the join date."""
    return "".join(
        f'<div class="rW1k" id="x{i}"><div class="cA3f">'
        f'<div class="dT5g">{time}</div><div class="nM8p">{name}</div>'
        f'<div class="rL2q"><span class="sK1v">{title}</span></div>'
        f'<div class="pC6n">帖子数: {10 * i + 3}</div><div class="jS0w">注册时间: 2009-04-22</div></div>'
        f'<div class="bX4z"><p>{said}</p></div></div>'
        for i, (name, title, time, said) in enumerate(posts, 1)
    )


def test_generic_posters_named_by_the_place_their_cards_share() -> None:
    """Posters' cards with nothing to say which line is the name — hashed classes, the name
    a plain ``<div>`` with no link, beside a date, a title, a post count and a join date —:
    the names are the line each card prints at the same place, which differs from post to
    post; the title (one word, but first in no card) and the labelled lines are not names."""
    posts = [
        ("老陈", "版主", "2011-08-29 06:24", "河西路的下水道又堵了，谁知道该找哪个部门？"),
        ("阿梅", "会员", "2011-08-29 06:45", "打市政热线，我上次打完第二天就来人了。"),
        ("老陈", "版主", "2011-08-29 06:52", "好的，谢谢，我这就打市政热线问问什么时候能来。"),
        ("pathfinder35", "会员", "2011-08-29 08:16", "我们小区也堵过，物业说是管道老化。"),
    ]
    blocks = _card_blocks(posts)
    page = _hashed_board("下水道堵了找哪里", blocks, site="河西论坛", title="下水道堵了")
    read = _posts(page, "https://hexi.example.cn/t/24027")
    assert [(p.author, p.content) for p in read] == [(name, said) for name, _, _, said in posts]
    # Asked as a thread by the chain on a page of no known role, the reader leaves the cards
    # unread: a list of teasers with their bylines would pass for a signed discussion.
    site = Site(name="parse", kind="forum", engine="auto", start_urls=("https://hexi.example.cn/",))
    asked = Page(url="https://hexi.example.cn/t/24027", text=page, role="thread", site=site,
                 crawled_at=datetime.now(UTC), reached_as="auto")  # fmt: skip
    assert [p.author for p in GenericForumAdapter().parse(asked).posts] == ["", "", "", ""]


def test_generic_posters_named_by_the_linked_column_not_the_source_before_it() -> None:
    """A board of shared stories (Lucianne's shape, hashed classes): each post names the
    story's source in plain text before ``Posted by`` and the poster, whose link leads to no
    page that says it is a profile: both lines differ from post to post; the poster's is the
    one that links."""
    posts = [
        (
            "新华网",
            "老陈",
            "2024-05-26 01:50",
            "市里公布了今年的老旧小区改造名单，河西有三个小区。",
        ),
        ("澎湃新闻", "阿梅", "2024-05-27 08:57", "公交三路改线了，早高峰多加了两班车。"),
        ("新华网", "zephyrgirl", "2024-05-27 07:49", "河西菜市场周末早市恢复了，六点开门。"),
        ("人民网", "老陈", "2024-05-26 22:55", "解放路的管网改造下个月完工，路面随后恢复。"),
    ]
    blocks = "".join(
        f'<div class="qT7m"><div class="sR2e"><span class="kB5n">{source}</span></div>'
        f'<div class="wY3c"><span class="lP0d">Posted by</span> '
        f'<a class="uF6h" href="/p/{i}/by/{i * 7}">{name}</a> <span class="tG9j">{time}</span></div>'
        f'<div class="xM1a"><p>{said}</p></div></div>'
        for i, (source, name, time, said) in enumerate(posts, 1)
    )
    page = _hashed_board("本周转帖", blocks, site="河西论坛", title="本周转帖")
    read = _posts(page, "https://hexi.example.cn/t/128386")
    assert [(p.author, p.content) for p in read] == [(name, said) for _, name, _, said in posts]


def test_generic_widget_area_printed_as_a_div_is_a_sidebar() -> None:
    """A WordPress board whose theme prints its widget area as ``div.widget-area`` (no
    ``<aside>``, no ``sidebar`` in a name): its widgets — each a dated list with more text
    than the thread — are the sidebar's, the replies are the thread."""
    replies = [
        ("laochen", "2024-05-20 08:12", "解放路口的公交站拆了快一个月了，什么时候恢复？"),
        ("amei", "2024-05-20 09:40", "街道说管网改造验收以后才能装回去，最快下个月。"),
        ("xiaoliu", "2024-05-20 12:05", "临时站牌能不能先立一个？老人走两站太远了。"),
    ]
    posts = "".join(
        f'<li class="reply"><div class="reply-head"><a href="/members/{name}/">{name}</a> '
        f'<span class="reply-date">{time}</span></div><div class="reply-content"><p>{said}</p>'
        f"</div></li>"
        for name, time, said in replies
    )
    items = "".join(
        f'<li><a href="/t/{i}/">河西生活圈第{i}期：社区公告、停水通知与周末活动安排汇总</a> '
        f"<span>2024-05-{i:02d}</span></li>"
        for i in range(1, 5)
    )
    widgets = "".join(
        f'<div class="widget"><h3 class="widget-title">{title}</h3><ul>{items}</ul></div>'
        for title in ("最新话题", "热门话题")
    )
    page = (
        '<html><head><meta charset="utf-8"><title>公交站什么时候恢复 - 河西生活圈</title></head>'
        f'<body><div id="primary"><h1>公交站什么时候恢复</h1><ul class="replies">{posts}</ul></div>'
        f'<div id="secondary" class="widget-area">{widgets}</div></body></html>'
    )
    read = _posts(page, "https://hexi.example.cn/topic/bus-stop/")
    assert [(p.author, p.content) for p in read] == [(name, said) for name, _, said in replies]


def test_generic_dated_discussion_whose_short_reply_the_main_text_drops() -> None:
    """The hashed-class board of posters' cards (above) with a short reply (``好的，我这就打。``)
    the main-text extractor leaves out, the cards' lines in: the main text holds most of the
    posts, not nine tenths, and the posts hold under half of it — signed and dated, they are
    the thread still, the short reply with them."""
    posts = [
        ("老陈", "版主", "2011-08-29 06:24", "河西路的下水道又堵了，谁知道该找哪个部门？"),
        ("阿梅", "会员", "2011-08-29 06:45", "打市政热线，我上次打完第二天就来人了。"),
        ("老陈", "版主", "2011-08-29 06:52", "好的，我这就打。"),
        ("pathfinder35", "会员", "2011-08-29 08:16", "我们小区也堵过，物业说是管道老化。"),
    ]
    blocks = _card_blocks(posts)
    page = _hashed_board("下水道堵了找哪里", blocks, site="河西论坛", title="下水道堵了")
    read = _posts(page, "https://hexi.example.cn/t/24028")
    assert [(p.author, p.content) for p in read] == [(n, said) for n, _, _, said in posts]


def test_generic_reads_a_topic_whose_card_holds_its_comments() -> None:
    """An Ant Design board's topic page, saved on one line as the browser renders it: the
    topic's card (a list item) holds its comment section, and the one comment holds the reply
    to it, so no two posts are siblings; each poster's link also prints when (``<a>老周
    <small>3天前</small></a>``), and the header's ``2天前`` runs on into the body's text
    (``2天前听说要…``). Read: the topic, the comment, the reply, in that order, each poster's
    name without the time — and no post made of the hidden reply form's browser notice, which
    the main text took for the page's text."""
    url = "https://bbs.example.cn/topic/detail/1102"
    posts = _posts((REAL / "written_antd_comment_topic.html").read_bytes(), url)
    assert [p.author for p in posts] == ["老周", "阿梅", "老周 (楼主)"]
    assert [p.published_text for p in posts] == ["3天前", "2天前", "1天前"]
    assert (
        posts[0].content == "小区门口的垃圾站下个月要搬走，物业说是街道的决定。有人知道搬到哪里吗？"
    )
    assert posts[1].content == "听说要搬到菜市场后面"
    assert posts[2].content.startswith("谢谢，那边离小学太近了")
    assert not any("Your browser" in p.content or "全部评论" in p.content for p in posts)


#: Posts whose poster's link prints the time too, right before the body: the block's whole
#: text runs the time on into the body (``3天前小区…``).
STAMPED_NAME = """<div class="reply"><div class="head"><a class="username">{who}
<small class="time">{n}天前</small></a></div><div class="text">{body}</div></div>"""


def test_generic_a_time_inside_the_posters_link_is_no_part_of_the_name() -> None:
    """Replies whose header is the poster's link with the time inside it (``<a>老周
    <small>3天前</small></a>``), the body in the next box: each block is a post — its time read
    from the header on its own, where the block's text runs it on into the body's Chinese
    (``3天前小区门口…``, which is no time) —, and each poster is the name alone."""
    bodies = ["小区门口的垃圾站下个月要搬走", "听说要搬到菜市场后面", "那边离小学太近了"]
    posts = "".join(
        STAMPED_NAME.format(who=who, n=n, body=body)
        for n, (who, body) in enumerate(zip(("老周", "阿梅", "小林"), bodies, strict=True), 1)
    )
    page = (
        "<html><head><title>垃圾站搬迁 - 城南论坛</title></head><body><h1>垃圾站搬迁</h1>"
        f"<div class='replies'>{posts}</div></body></html>"
    )
    read = _posts(page, "https://bbs.example.cn/t/5")
    assert [p.author for p in read] == ["老周", "阿梅", "小林"]
    assert [p.published_text for p in read] == ["1天前", "2天前", "3天前"]
    assert [p.content for p in read] == bodies


#: A poster's other threads listed under the thread: each opens with its title, a link to it.
TEASER = """<li class="preview"><div class="preview-heading"><a class="title-perma"
href="/t/{n}/{slug}.html">{title}</a> <span class="count">{n} replies</span></div>
<div class="preview-by">Posted by <a href="/member/{who}" class="member-link">{who}</a> —
<span class="date">5/1{n}/2024 9:4{n}:40 PM</span></div>
<div class="preview-excerpt">{text}</div></li>"""


def test_generic_teasers_of_other_threads_are_not_the_posts() -> None:
    """A thread of one post and one reply, each in a box of its own, over a list of the
    poster's other threads — each teaser dated, signed, with its first lines, and opening with
    its title linked to that thread —: the teasers repeat and look like posts, but the thread
    is the post and its reply."""
    teasers = "".join(
        TEASER.format(n=n, who="Imright", slug=f"story-{n}", title=title, text=text)
        for n, (title, text) in enumerate([
            ("Council approves the new bus depot plan", "The council voted 7-2 on Monday to approve the depot despite objections from residents nearby."),
            ("Water rates to rise by 12 percent in July", "Households will pay about nine dollars more a month, the utility said in a statement on Friday."),
            ("Library hours cut at three branches", "Budget pressure forces the library to close early on weekdays, starting next month at all three."),
        ], 1)
    )  # fmt: skip
    page = f"""<html><head><title>Mayor answers on the school bus cuts</title></head><body>
    <h1>Mayor answers on the school bus cuts</h1>
    <div class="topic"><span class="byline">Posted by <a href="/member/Moritz55">Moritz55</a>,
    5/12/2024 11:53:43 AM</span><div class="topic-content">The mayor said on Friday that the
    two school bus routes will run until the end of the year, and asked parents to write in.
    </div></div>
    <div class="comment"><span class="byline"><a href="/member/sunset">sunset</a>
    5/12/2024 12:47:34 PM</span><div class="comment-content">Until the end of the year is not
    a promise, it is a delay. Write in, everyone.</div></div>
    <div class="latest"><h3>Most recent threads posted by Imright</h3><ul>{teasers}</ul></div>
    </body></html>"""
    posts = _posts(page, "https://board.example.org/2024/05/12/mayor_answers_128318.html")
    assert [p.author for p in posts] == ["Moritz55", "sunset"]
    assert posts[0].content.startswith("The mayor said on Friday")
    assert not any("Council approves" in p.content or "Households" in p.content for p in posts)


#: A post whose poster's name was left in an open ``<font>``: the browser closes it at the
#: post's end and opens it again around the blocks after it, so that the reply stands inside
#: ``<font>`` wrappers, not beside the post it answers.
FONT_POST = """<li class="b-post" id="post{n}"><div class="userinfo"><a href="/member/{n}-{who}">{who}</a>
</div><div class="b-post__main"><span class="b-post__date">2{n} Apr 2018, 10:1{n}</span>
<div class="txt">{body}</div></div></li>"""


def test_generic_posts_a_browser_wrapped_in_formatting_elements_are_siblings() -> None:
    """A question and its one answer, saved as the browser built the page after the poster's
    name was left in an open ``<font color>``: the answer inside ``<font><font>`` wrappers that
    hold only it. The wrappers are no boxes of their own: the two posts are one group, read
    in order, each with its poster and time."""
    bodies = [
        "Can an admin please correct the title of this thread? I cannot remove one of the S's.",
        "Done, the title is fixed now. Let us know if anything else in it looks wrong to you.",
    ]
    posts = (
        FONT_POST.format(n=1, who="Ken_NJ", body=bodies[0])
        + '<font color="#000000"><font color="#000000">'
        + FONT_POST.format(n=2, who="TopHatter", body=bodies[1])
        + "</font></font>"
    )
    page = (
        "<html><head><title>Thread title correction</title></head><body>"
        f"<h1>Thread title correction</h1><ul class='conversation-list'>{posts}</ul>"
        "</body></html>"
    )
    read = _posts(page, "https://board.example.org/forum/info/48939-thread-title-correction")
    assert [p.author for p in read] == ["Ken_NJ", "TopHatter"]
    assert [p.published_text for p in read] == ["21 Apr 2018, 10:11", "22 Apr 2018, 10:12"]
    assert [p.content for p in read] == bodies


def test_generic_a_long_signature_does_not_make_the_box_around_a_short_reply_its_body() -> None:
    """A short reply (``No problem :-)``) that opens with a quote of the post it answers,
    under the poster's long signature: the signature's text does not count toward the body,
    so the reply's own box is the body — not the box around it, its header and the signature,
    in which the reply's box would be taken for the quote (it opens with ``Originally posted
    by``) and the reply lost with it."""
    signature = (
        "He was the most prodigious personification of all human inferiorities, full of empty, "
        "infantile fantasies, but cursed with the keen intuition of a rat or a guttersnipe."
    )
    asked = "Can an admin please correct the title of this thread, please?"
    said = [
        asked,
        '<div class="bbcode_container"><div class="quote_container">Originally posted by '
        f"Ken_NJ <a href='#p1'>View Post</a> {asked}</div></div>No problem :-)",
        "Thank you, that was quick.",
    ]
    posts = "".join(
        f'<div class="post" id="p{n}"><a href="/member/{who}">{who}</a>'
        f'<div class="post-content"><div class="media-body">#{n} 2{n} Apr 18, 01:1{n}</div>'
        f'<div class="post-content-text">{body}</div><div class="post-signature">{signature}'
        "</div></div></div>"
        for n, (who, body) in enumerate(zip(("Ken_NJ", "TopHatter", "Ken_NJ"), said, strict=True), 1)
    )  # fmt: skip
    page = (
        "<html><head><title>Thread title correction</title></head><body>"
        f"<h1>Thread title correction</h1><div class='posts'>{posts}</div></body></html>"
    )
    read = _posts(page, "https://board.example.org/forum/info/48939-thread-title-correction")
    assert [p.content for p in read] == [asked, "No problem :-)", "Thank you, that was quick."]


@pytest.mark.parametrize(
    "tally", ["{n} people like this.", "{n} people found this helpful", "{n} 人觉得这条回复很赞"]
)
def test_generic_a_like_count_beside_a_short_reply_is_not_its_body(tally: str) -> None:
    """Replies shorter than the count of readers who liked them, each count a line of its own
    under the reply (``0 people like this.``, ``3 人觉得这条回复很赞``): the reply is the body."""
    said = ["Dream on, man.", "Not a chance.", "Well said, sir."]
    posts = "".join(
        f'<div class="reply-wrapper"><div class="reply-details">Reply {n} - Posted by: '
        f'<a href="/members/{n}/{who}.html">{who}</a> 5/12/2024 12:0{n}:29 PM</div>'
        f'<div class="reply-text">{text}</div><div class="reply-like-count"><div>'
        f'<img src="/like.gif"> {tally.format(n=f"<span>{n}</span>")}</div></div></div>'
        for n, (who, text) in enumerate(zip(("jesus54", "mcsquared", "sunset"), said, strict=True), 1)
    )  # fmt: skip
    page = (
        "<html><head><title>Antisemitism act passes the House</title></head><body>"
        f"<h1>Antisemitism act passes the House</h1><div class='replies'>{posts}</div></body></html>"
    )
    read = _posts(page, "https://board.example.org/2024/05/12/act_128318.html")
    assert [p.content for p in read] == said
    assert [p.author for p in read] == ["jesus54", "mcsquared", "sunset"]


def test_generic_a_reply_after_a_marked_quote_in_its_box_is_kept() -> None:
    """A reply whose text box opens with a quote its markup marks (vBulletin 5: the box holds
    ``div.bbcode_container`` > ``div.bbcode_quote`` with ``Originally posted by …``, then the
    reply): the quote is left out and the reply after it stays — the box is not taken for a
    quote because its first words open one. The floor shown on a line of its own (``#2``)
    is no part of the reply either."""
    asked = "Can an admin please correct the title of this thread, please?"
    said = [
        asked,
        '<div class="bbcode_container"><div class="bbcode_quote">Originally posted by '
        f"Ken_NJ <a href='#p1'>View Post</a> {asked}</div></div>No problem :-)",
        "Thank you, that was quick.",
    ]
    posts = "".join(
        f'<div class="post" id="p{n}"><a href="/member/{who}">{who}</a>'
        f'<div class="post-content"><div class="floor">#{n}</div><div class="when">2{n} Apr 18,'
        f' 01:1{n}</div><div class="txt">{body}</div></div></div>'
        for n, (who, body) in enumerate(zip(("Ken_NJ", "TopHatter", "Ken_NJ"), said, strict=True), 1)
    )  # fmt: skip
    page = (
        "<html><head><title>Thread title correction</title></head><body>"
        f"<h1>Thread title correction</h1><div class='posts'>{posts}</div></body></html>"
    )
    read = _posts(page, "https://board.example.org/forum/info/48939-thread-title-correction")
    assert [p.content for p in read] == [asked, "No problem :-)", "Thank you, that was quick."]
