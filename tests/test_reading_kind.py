"""What a page's address and structured data say it is (``reading.declared_kind``), and how
the reading chain uses it for a page reached with no role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from parsel import Selector

from opinion_spiders.adapters import Page
from opinion_spiders.reading import read_page
from opinion_spiders.reading.declared_kind import discussion_sign
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.portal import PortalAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})


@pytest.mark.parametrize(
    "url",
    [
        "https://forum.uipath.com/t/uipath-load-testing/739028/3",  # Discourse
        "https://www.marshallforum.com/threads/extending-pilot-light.12345/",  # XenForo
        "https://forum.agreper.com/thread/13/",
        "https://asgaros.com/support/topic/design-colors/",  # Asgaros, bbPress
        "https://engineering.stackexchange.com/questions/60671/how-to-test",
        "https://www.zhihu.com/question/586816837/answer/2916374892",
        "https://demo.wpdiscussionboard.com/discussion-topics/kaj-mislite/",
        "https://theultimatetone.com/thread-268.html",  # MyBB and Discuz! rewrites
        "https://bbs.example.cn/thread-1234-1-1.html",
        "https://forums.debian.net/viewtopic.php?t=159270",  # phpBB
        "https://www.example.com/forum/showthread.php?tid=42",  # vBulletin
        "https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38",  # Discuz!
        "https://bbs.nga.cn/read.php?tid=41234567",  # NGA, PHPWind
        "https://www.example-smf.org/index.php?topic=1234.0",  # SMF
        "https://www.reddit.com/r/shanghai/comments/1cq6hci/metro_fares/",  # a post's comments
        "http://club.kdnet.net/dispbbs.asp?boardid=1&id=12345678",  # 动网 DVBBS, 凯迪
        "http://bbs.example.cn/dispbbs.asp?BoardID=3&ID=77&page=2",
        "http://bbs.example.cn/showtopic.aspx?topicid=88",  # Discuz!NT
    ],
)
def test_discussion_sign_reads_a_thread_address(url: str) -> None:
    assert discussion_sign(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://engineering.stackexchange.com/questions",  # the list of questions
        "https://engineering.stackexchange.com/questions/tagged/steel",
        "https://www.example.com/topics/climate-change",  # a news site's topic page
        "https://forums.debian.net/viewforum.php?f=6",  # a board, not a thread
        "https://forums.debian.net/viewtopic.php",  # no thread given
        "https://news.sina.com.cn/c/2024-05-10/doc-inausehc2630922.shtml",
        "https://www.cnblogs.com/good-looking-hk/p/18182241",
        "https://learnku.com/articles/77685",
        "https://www.example.com/thread",  # nothing after the word
        "https://blog.example.com/comments/feed/",  # a feed of comments, not a post's
        "https://www.example.com/comments/latest",
        "http://bbs.example.cn/dispbbs.asp?boardid=3",  # no thread given
        "http://news.example.cn/read.asp?id=5",  # an id names anything elsewhere
    ],
)
def test_discussion_sign_passes_over_other_addresses(url: str) -> None:
    assert discussion_sign(url) == ""


@pytest.mark.parametrize(
    ("markup", "sign"),
    [
        (
            '<script type="application/ld+json">{"@context": "https://schema.org",'
            ' "@graph": [{"@type": "WebSite"}, {"@type": "DiscussionForumPosting"}]}</script>',
            "DiscussionForumPosting",
        ),
        (
            '<script type="application/ld+json">[{"@type": ["QAPage"]}]</script>',
            "QAPage",
        ),
        ('<div itemscope itemtype="https://schema.org/DiscussionForumPosting"></div>',
         "DiscussionForumPosting"),
        ('<script type="application/ld+json">{"@type": "NewsArticle"}</script>', ""),
        ('<script type="application/ld+json">{"@type": "QAPage",</script>', ""),  # broken
        ('<div itemscope itemtype="https://schema.org/Article"></div>', ""),
    ],
)  # fmt: skip
def test_discussion_sign_reads_what_the_page_declares(markup: str, sign: str) -> None:
    sel = Selector(text=f"<html><head>{markup}</head><body><p>text</p></body></html>")
    found = discussion_sign("https://www.example.com/2024/05/12/story.html", sel)
    assert (sign in found) if sign else found == ""


def test_reading_without_role_takes_a_thread_address_for_a_thread() -> None:
    """A real Q&A page (WordPress DW Q&A) that also reads as an article: reached with no role
    at its own address, which names a question, it is a thread — its one post, no answer
    yet, signed and dated by its box —; the same page at an address that names nothing is
    taken for an article."""
    html = (REAL / "dwqa_single_question.html").read_bytes()
    slug = "can-i-custom-the-page-template-of-single-question/"
    reading, _ = read_page(html, f"http://demo.designwall.com/dwqa/question/{slug}", RUNTIME)
    assert (reading.kind, reading.reader) == ("thread", "generic")
    (post,) = reading.parsed.posts
    assert (post.floor, post.author, post.published_text) == (1, "Alexis Soto", "asked 6 years ago")
    assert post.content.startswith("is there a way to create a custom template")
    reading, _ = read_page(html, f"http://demo.designwall.com/dwqa/{slug}", RUNTIME)
    assert reading.kind == "article"


@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("written_gov_notice_column.html", "http://www.example.gov.cn/zwgk/tzgg/"),
        ("written_board_thread_list.html", "https://bbs.example.cn/forum-1-1.html"),
    ],
)
@pytest.mark.parametrize("role", ["article", "auto"])
def test_reading_list_of_links_is_a_listing_not_an_article(page: str, url: str, role: str) -> None:
    """A column of linked titles with their dates, or a board's thread list read row by row,
    is a listing — its links, no post — whether reached by an article link or with no role,
    though an extractor reads its list as a body of text."""
    reading, _ = read_page((REAL / page).read_bytes(), url, RUNTIME, role=role)
    assert (reading.kind, reading.parsed.posts) == ("listing", [])
    assert len(reading.parsed.links) >= 8


def test_reading_story_with_related_links_is_still_an_article() -> None:
    """A short story with a longer list of related links under it is a story: the links are
    a fifth of its text."""
    related = "".join(
        f'<li><a href="/news/2024/05/{i}.html">关于第{i}批惠民工程项目的公示</a>'
        f"<span>2024-05-{i:02d}</span></li>"
        for i in range(1, 7)
    )
    story = "城区老旧管网改造工程于本周一开工，预计年底前完成，施工期间部分路段将实行交通管制。" * 3
    html = (
        "<html><head><title>管网改造工程开工 - 某市新闻网</title></head><body>"
        f"<div class='article'><h1>管网改造工程开工</h1><div class='info'>2024-05-20 09:30</div>"
        f"<p>{story}</p><p>{story}</p><p>{story}</p></div><ul class='related'>{related}</ul>"
        "</body></html>"
    )
    url = "http://news.example.cn/2024/05/20/guanwang.html"
    reading, _ = read_page(html.encode(), url, RUNTIME, role="article")
    assert reading.kind == "article"
    assert story[:20] in reading.parsed.posts[0].content


def test_portal_engine_reads_a_column_reached_as_an_article_as_its_links() -> None:
    """In a crawl the site's portal engine reads the page first: a column page that an
    article link led to gives the articles it lists, not an article of its titles."""
    url = "http://www.example.gov.cn/zwgk/tzgg/"
    html = (REAL / "written_gov_notice_column.html").read_text(encoding="utf-8")
    site = Site(name="gov", kind="portal", engine="portal", start_urls=(url,))
    parsed = PortalAdapter().parse(Page(url, html, "article", site, datetime.now(UTC)))
    assert parsed.posts == []
    assert "http://www.example.gov.cn/zwgk/tzgg/202405/t20240510_4000.html" in {
        link.url for link in parsed.links
    }


def test_reading_a_story_in_two_grid_rows_is_an_article_not_two_posts() -> None:
    """A news article laid out in two rows alike (the headline's row with its standfirst and
    byline, the body's row), both dated: read with no role, the rows are not a thread of two
    posts — the one with no poster is no reply — but the article its reader finds, signed and
    dated by its byline, its standfirst (the page's description) above the body."""
    url = "https://www.shumaqx.example.cn/article/2024/05/12/metro-fares/"
    page = (REAL / "written_tech_news_standfirst.html").read_bytes()
    reading, _ = read_page(page, url, RUNTIME)
    assert (reading.kind, reading.reader) == ("article", "portal")
    (post,) = reading.parsed.posts
    assert (post.author, post.published_text) == ("陈晓", "2024年5月12日 10:30")
    standfirst, first = post.content.split("\n")[:2]
    assert standfirst.startswith("多个城市的地铁票价调整方案近日公布")
    assert first.startswith("2024年5月10日，多个城市的轨道交通运营方")
    assert "截至发稿时" in post.content


def test_reading_a_declared_story_with_readers_comments_is_the_article() -> None:
    """A news story (``og:type=article``, its time declared) with its readers' comments shown
    under it, signed and dated: read with no role, the page is the article — the story,
    signed and dated by its byline, without the comments — not a thread whose opening post
    is the story; at an address that names a thread the same page stays a thread."""
    page = (REAL / "written_news_story_comments.html").read_bytes()
    url = "https://www.163.com/news/article/J1ABCDEF000189FH.html"
    reading, _ = read_page(page, url, RUNTIME)
    assert (reading.kind, reading.reader) == ("article", "portal")
    (post,) = reading.parsed.posts
    assert (post.author, post.published_text) == ("陈立言", "2024-05-12 10:21:45")
    assert post.content.startswith("5月12日早上6点，江北新区地铁三号线开始试运行。")
    assert "官方客户端查询" in post.content
    assert "终于通车了" not in post.content
    thread, _ = read_page(page, "https://bbs.example.com/thread/20240512/", RUNTIME)
    assert thread.kind == "thread"
    assert [p.author for p in thread.parsed.posts[1:]] == ["江北老街坊", "三峡小周", "软件园打工人"]
