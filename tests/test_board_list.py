"""The generic engine's board pages (index and listing roles): the threads a board lists,
one link a row, its next page and, on an index page, its boards."""

from __future__ import annotations

from datetime import UTC, datetime

from opinion_spiders.adapters import Link, Page
from opinion_spiders.sites import Site
from plugins.generic_forum import GenericForumAdapter

SITE = Site(name="town", kind="forum", engine="generic", start_urls=("x",))


def _links(html: str, url: str, role: str = "listing") -> list[Link]:
    page = Page(url, html, role, SITE, datetime.now(UTC))
    return GenericForumAdapter().parse(page).links


def test_topics_named_by_their_address_one_a_row() -> None:
    """phpBB-style rows: the title link to ``viewtopic.php?t=``, beside it the pages of the
    topic and its last post (``viewtopic.php?p=``): one link a row, the title's; the next page
    by ``rel=next``; links to other hosts and to the posters left alone."""
    rows = "".join(
        f'<li class="row bg{n % 2 + 1}"><dl><dt><a href="./viewtopic.php?t={n}" class="topictitle">'
        f"Water pressure low on Elm Street {n}</a> by <a href='./memberlist.php?u=5'>resident{n}</a>"
        f"<span class='pagination'><a href='./viewtopic.php?t={n}&start=20'>2</a></span></dt>"
        f"<dd class='posts'>{n + 3}</dd><dd class='lastpost'><a href='./viewtopic.php?p={n * 10}#p{n * 10}'>"
        f"Go to last post</a> Mon May 13, 2024 {n % 12}:05 pm</dd></dl></li>"
        for n in range(101, 106)
    )
    html = (
        "<html><body><ul class='topiclist topics'>" + rows + "</ul>"
        "<a href='./viewforum.php?f=2&start=25' rel='next'>Next</a>"
        "<a href='https://ads.example.com/viewtopic.php?t=9'>Sponsored topic elsewhere</a>"
        "</body></html>"
    )
    links = _links(html, "https://forum.example.org/viewforum.php?f=2")
    threads = [lk for lk in links if lk.role == "thread"]
    assert [lk.url for lk in threads] == [
        f"https://forum.example.org/viewtopic.php?t={n}" for n in range(101, 106)
    ]
    assert threads[0].meta["title"] == "Water pressure low on Elm Street 101"
    assert threads[0].state == "Mon May 13, 2024 5:05 pm" and threads[0].key
    assert [lk.url for lk in links if lk.role == "listing"] == [
        "https://forum.example.org/viewforum.php?f=2&start=25"
    ]


def test_dated_rows_where_no_address_names_a_thread() -> None:
    """A board whose thread addresses name nothing (``/bbs/20240512/3391.html``): the rows
    that show a date are the threads, by their longest link; the header's links are not."""
    rows = "".join(
        f"<tr><td><a href='/bbs/20240512/{n}.html'>关于小区停车收费的第{n}个问题</a></td>"
        f"<td><a href='/user/{n}'>网友{n}</a></td><td>2024-05-12 1{n % 10}:00</td></tr>"
        for n in range(3391, 3395)
    )
    html = (
        "<html><body><div class='nav'><a href='/'>首页</a><a href='/bbs/'>论坛</a>"
        "<a href='/about.html'>关于我们的网站和联系方式</a></div>"
        f"<table class='list'>{rows}</table><a href='/bbs/list_2.html'>下一页</a></body></html>"
    )
    links = _links(html, "https://www.example-town.cn/bbs/list_1.html")
    assert [lk.url for lk in links if lk.role == "thread"] == [
        f"https://www.example-town.cn/bbs/20240512/{n}.html" for n in range(3391, 3395)
    ]
    assert [lk.url for lk in links if lk.role == "listing"] == [
        "https://www.example-town.cn/bbs/list_2.html"
    ]


def test_index_page_lists_the_boards() -> None:
    """A crawl's start page (role ``index``): the boards it links, as listings."""
    html = (
        "<html><body><table>"
        "<tr><td><a href='forum-2-1.html'>民生热线</a></td><td>1234</td></tr>"
        "<tr><td><a href='forum-3-1.html'>房产家居</a></td><td>567</td></tr>"
        "<tr><td><a href='forum.php?mod=forumdisplay&fid=4'>教育</a></td></tr></table>"
        "<a href='thread-9-1-1.html'>站务公告：论坛改版说明</a></body></html>"
    )
    links = _links(html, "https://bbs.example.cn/forum.php", role="index")
    assert [(lk.role, lk.url) for lk in links if lk.role == "listing"] == [
        ("listing", "https://bbs.example.cn/forum-2-1.html"),
        ("listing", "https://bbs.example.cn/forum-3-1.html"),
        ("listing", "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=4"),
    ]


def test_a_thread_given_as_a_start_page_is_read_for_its_posts() -> None:
    """A site declared with a thread as its start page (role ``index``) still gives the
    thread's posts, by its address, and a thread's next page follows it as a thread."""
    from tests._proc import ROOT

    html = (ROOT / "tests" / "reading_pages" / "written_v2ex_topic.html").read_text("utf-8")
    html = html.replace(
        "</body>", "<div class='pager'><a href='/t/1047123?p=2'>下一页</a></div></body>"
    )
    for url in ("https://www.example.cn/t/1047123", "https://www.example.cn/read.php?tid=7"):
        page = Page(url, html, "index", SITE, datetime.now(UTC))
        parsed = GenericForumAdapter().parse(page)
        assert [p.author for p in parsed.posts] == ["lisan", "wangwu", "zhaoliu", "lisan"]
        assert [(lk.role, lk.url) for lk in parsed.links] == [
            ("thread", "https://www.example.cn/t/1047123?p=2")
        ]
