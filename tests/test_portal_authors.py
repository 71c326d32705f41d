"""Who signs a news or government article: the byline without the fields after it, the
reporter over the editor who put the story up, and never a commenter under the story."""

from __future__ import annotations

from datetime import UTC, datetime

from opinion_spiders.adapters import Page
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.portal import PortalAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
PARAGRAPH = "市政府今天召开新闻发布会，介绍城市供水价格调整方案的听证安排和后续措施。" * 4


def _author(top: str, body: str = f"<p>{PARAGRAPH}</p>", head: str = "", bottom: str = "") -> str:
    url = "https://news.example.cn/a/8GVppf8aesd"
    html = f"""<html><head><title>供水价格调整听证会将于下月举行_城市新闻网</title>{head}</head>
<body><div class="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>
<div class="main"><h1>供水价格调整听证会将于下月举行</h1>{top}<div class="text">{body}</div>
{bottom}</div></body></html>"""
    site = Site(name="news", kind="portal", engine="portal", start_urls=(url,))
    page = Page(url, html, "article", site, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    (post,) = PortalAdapter().parse(page).posts
    return post.author


def _written(name: str, url: str) -> str:
    reading, _ = read_page((REAL / name).read_bytes(), url, Runtime({}), role="article")
    (post,) = reading.parsed.posts
    return post.author


def test_portal_byline_ends_at_the_next_label_or_control() -> None:
    """The info line goes on after the name: another field (``浏览次数：``, ``审核：``), a
    font-size control in brackets, a 我要评论 link — none of it is the name."""
    counted = "<div>发布时间：2024-05-12 10:21 来源：县融媒体中心 作者：李勤 浏览次数： 【大 中 小】</div>"
    reviewed = "<div>2024-05-12 10:21:08 来源：西部在线 作者：高远 审核：王敏 我要评论</div>"
    assert [_author(counted), _author(reviewed)] == ["李勤", "高远"]


def test_portal_author_element_is_read_before_the_line_around_it() -> None:
    """Spans side by side read as one line with nothing between them (``陈立字号：``): the
    author element's own text ends where the name does."""
    top = (
        '<div class="art-info"><span>2024-03-06 09:32</span><span>来源：临川日报</span>'
        '<span class="author">记者 周晓雯 通讯员 陈立</span><span>字号：大 中 小</span></div>'
    )
    assert _author(top) == "周晓雯 通讯员 陈立"


def test_portal_lead_reporters_sign_the_story_not_its_editor() -> None:
    """A wire story's lead names its reporters (``新华社郑州5月12日电（记者…）``, after an
    原标题 line); the responsible editor under the story only put it up."""
    lead = (
        "<p>原标题：供水价格调整听证会将于下月举行</p><p>新华社郑州5月12日电（记者赵丰年、孙雨晴）"
    )
    body = f"{lead}{PARAGRAPH}</p><p>{PARAGRAPH}</p>"
    editor = '<div class="editor">【责任编辑:刘思远】</div>'
    top = "<div>2024-05-12 10:21:33 来源：新华网</div>"
    assert _author(top, body, bottom=editor) == "赵丰年、孙雨晴"


def test_portal_author_meta_signs_before_the_editor_unless_it_is_the_site() -> None:
    """``article:author`` names who wrote it (here the outlet the story comes from), the
    editor only put it up; an ``article:author`` that is the site, as the ``<title>``'s last
    part names it (城市新闻网), says no more than the editor does."""
    top = "<div>2024-05-12 10:21 来源：每日经济新闻</div>"
    editor = '<p class="show_author">责任编辑：刘德宾</p>'
    outlet = '<meta property="article:author" content="每日经济新闻">'
    site = '<meta property="article:author" content="城市新闻">'
    assert _author(top, head=outlet, bottom=editor) == "每日经济新闻"
    assert _author(top, head=site, bottom=editor) == "刘德宾"


def test_portal_byline_beside_the_editor_signs_before_the_editor() -> None:
    top = "<div>2024-05-15 09:12 来源：新华网</div>"
    bottom = '<span class="editor">[作者: 刘满仓 \u3000责任编辑: 杨丹宇 ]</span>'
    assert _author(top, bottom=bottom) == "刘满仓"


def test_portal_reporter_line_under_the_headline_signs_the_story() -> None:
    """A line of its own between headline and body (``澎湃新闻记者 陈思齐``) is the byline; the
    same name in a photo's caption (``… 图``) and the commenters under the story are not."""
    url = "https://www.thepaper.cn/newsDetail_forward_27400000"
    assert _written("written_news_reporter_line.html", url) == "陈思齐"


def test_portal_commenter_does_not_sign_an_unsigned_story() -> None:
    """A story without a byline, its readers' comments under it: the nick in the comment box
    (a class or id naming comments) is a commenter's, not the story's author."""
    url = "https://news.ifeng.com/c/8ZabcDEFghI"
    assert _written("written_news_comment_nick_no_byline.html", url) == ""


def test_portal_author_box_gives_the_name_not_its_badge_and_button() -> None:
    """An author box holding the avatar, the name, a badge line and a 关注他 button: the
    author is its named part (``itemprop=name``, the link to the user's page)."""
    url = "https://zhuanlan.zhihu.com/p/123456789"
    assert _written("written_zhihu_column_article.html", url) == "江南小编"
