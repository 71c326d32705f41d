"""Versioned engines (``VersionedAdapter``): each page goes to the page version that sniffs it
best, ties go to the version valid when the page was fetched, and posts record their version."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from opinion_spiders.adapters import Page, PageVersion, Parsed, VersionedAdapter
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.sites import Site
from plugins.discuz import Discuz7Page, DiscuzAdapter, DiscuzX3Page
from plugins.tieba import TiebaAdapter, TiebaMobilePage, TiebaPcRawPage, TiebaPcRenderedPage
from tests._docs import docs_text

SITE = Site(name="v", kind="forum", engine="toy", start_urls=("https://v.example/",))


class _Toy(PageVersion):
    marker = ""

    @classmethod
    def sniff(cls, text: str, url: str) -> float:
        return 0.9 if cls.marker and cls.marker in text else 0.4 if "toy" in text else 0.0

    def parse(self, page: Page) -> Parsed:
        post = Post(site=page.site.name, kind=self.adapter.kind, url=page.url, content=page.text)
        return Parsed(posts=[post])


class Classic(_Toy):
    name = "classic"
    marker = "<table"
    valid_until = date(2019, 12, 31)


class Modern(_Toy):
    name = "modern"
    marker = "<main"
    valid_from = date(2020, 1, 1)


class ToyAdapter(VersionedAdapter):
    engine = "toy"
    kind = "forum"
    page_versions = (Classic, Modern)


def _page(text: str, when: datetime) -> Page:
    return Page("https://v.example/t/1", text, "thread", SITE, when)


@pytest.mark.parametrize(
    ("text", "year", "version"),
    [
        ("toy <table>", 2024, "classic"),  # the old layout sniffs best, whatever the date
        ("toy <main>", 2018, "modern"),
        ("toy", 2024, "modern"),  # a tie: the layout served when the page was fetched
        ("toy", 2018, "classic"),
    ],
)
def test_versioned_adapter_reads_with_the_best_sniffing_version(
    text: str, year: int, version: str
) -> None:
    (post,) = ToyAdapter().parse(_page(text, datetime(year, 6, 1, tzinfo=UTC))).posts
    assert post.adapter_version == version
    assert ToyAdapter.versions == ("classic", "modern")


def test_versioned_adapter_without_a_version_for_the_page_says_so() -> None:
    with pytest.raises(ParseError) as caught:
        ToyAdapter().parse(_page("<p>nothing</p>", datetime(2024, 6, 1, tzinfo=UTC)))
    assert caught.value.reason == "unknown_version"


def test_versioned_adapter_refuses_two_versions_of_one_name() -> None:
    with pytest.raises(TypeError, match="distinct names"):
        type("Twice", (VersionedAdapter,), {"engine": "x", "page_versions": (Classic, Classic)})


@pytest.mark.parametrize(
    ("text", "url", "version"),
    [
        ('<meta name="generator" content="Discuz! X3.4" />', "", DiscuzX3Page),
        ('<meta name="generator" content="Discuz! 7.2" />', "", Discuz7Page),
        ('<td class="t_msgfont" id="postmessage_5">hi</td>', "", Discuz7Page),
        ("<div>no marks</div>", "https://bbs.example.cn/viewthread.php?tid=5", Discuz7Page),
        ("<div>no marks</div>", "https://bbs.example.cn/thread-5-1-1.html", DiscuzX3Page),
    ],
)
def test_discuz_pages_go_to_their_generation(text: str, url: str, version: type) -> None:
    assert DiscuzAdapter.pick(text, url) is version


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ('<!DOCTYPE html><div class="l_post">1</div>', TiebaPcRawPage),
        ('<html><div class="l_post">1</div>', TiebaPcRenderedPage),
        ('<ul id="thread_list"><li class=" j_thread_list">x</li></ul>', TiebaPcRenderedPage),
        (
            '<code class="pagelet_html"><!--<li class="j_thread_list">x</li>--></code>',
            TiebaPcRawPage,
        ),
        ('<ul id="frslistcontent"><li class="tl_shadow">x</li></ul>', TiebaMobilePage),
    ],
)
def test_tieba_pages_go_to_their_generation(text: str, version: type) -> None:
    assert TiebaAdapter.pick(text, "https://tieba.baidu.com/f?kw=x") is version


def test_readme_versioned_example_picks_each_layout() -> None:
    """The README's versioned adapter runs as shown and hands each layout to its version."""
    readme = docs_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
                if "(VersionedAdapter)" in b]  # fmt: skip
    scope: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), scope)
    board = scope["BoardAdapter"]
    assert board.versions == ("v2", "v1")
    assert board.pick('<ul class="postlist">', "https://b.example/t/1").name == "v1"
    assert board.pick('<li data-post-id="9">', "https://b.example/t/1").name == "v2"
    assert board.pick("<p>other</p>", "https://b.example/t/1") is None
