"""What a page's address and structured data say it is (``reading.declared_kind``), and how
the reading chain uses it for a page reached with no role."""

from __future__ import annotations

import pytest
from parsel import Selector

from opinion_spiders.reading import read_page
from opinion_spiders.reading.declared_kind import discussion_sign
from opinion_spiders.runtime import Runtime
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
    at its own address, which names a question, it is a thread — its title is the thread's;
    the same page at an address that names nothing is taken for an article."""
    html = (REAL / "dwqa_single_question.html").read_bytes()
    slug = "can-i-custom-the-page-template-of-single-question/"
    reading, _ = read_page(html, f"http://demo.designwall.com/dwqa/question/{slug}", RUNTIME)
    assert (reading.kind, reading.reader) == ("thread", "main_text")
    (post,) = reading.parsed.posts
    assert post.floor == 1
    assert post.content.startswith("is there a way to create a custom template")
    reading, _ = read_page(html, f"http://demo.designwall.com/dwqa/{slug}", RUNTIME)
    assert reading.kind == "article"
