"""``opinion_spiders.reading.named.select``: a page's class-and-id queries answered from one index of its
names must select exactly what parsel's ``css`` selects, in the same order — on the real
pages the tests keep and on the edge cases of class matching."""

from __future__ import annotations

import pytest
from parsel import Selector

from opinion_spiders.reading.named import select
from tests._proc import ROOT

#: The queries the readers send on every page (the article's time line, a notice's box, its
#: author and source), and others of each form ``select`` answers.
QUERIES = (
    ".date, .post_info, .a_time, .pubtime, .pub_time, #pubtime, .publish-time, .info, "
    ".article-info, .pages-date, .header-time, .date-source, .time",
    "#messagetext, div.box.message, div.alert_error, div.alert_info, div.alert_right, "
    "#message.panel, .page_404, .page404, #errorText, .error-page, .errorbox",
    ".author, .byline, .article-author",
    ".a_source, a.source, span.source, .article-source, #source",
    "div.post.content, #content, .content",
    "li.item, span#x.y, .TIME",
)
PAGES = sorted(
    path
    for folder in ("pages", "reading_pages")
    for path in (ROOT / "tests" / folder).rglob("*.html")
)


def _same(sel: Selector, query: str) -> None:
    expected = [node.root for node in sel.css(query)]
    got = select(sel, query)
    assert [node.root for node in got] == expected, query
    assert got.xpath("string()").getall() == sel.css(query).xpath("string()").getall()


def test_the_repository_keeps_real_pages_to_compare_on() -> None:
    assert len(PAGES) >= 100


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.parent.name + "/" + path.name)
def test_select_is_css_on_the_real_pages(path) -> None:
    sel = Selector(text=path.read_bytes().decode("utf-8", "replace"))
    for query in QUERIES:
        _same(sel, query)


EDGES = """<html><head><title>t</title></head><body>
<div class="Date">upper case is another class</div>
<div class="	post
  content  " id="content">tabs and newlines between the classes</div>
<p class="postcontent">one word is not two</p>
<span class="date">a date <em class="date">inside a date</em></span>
<!-- <div class="date">a comment is no element</div> -->
<span id="x" class="y z">the id and a class</span><span id="x">the id alone</span>
<li class="item date">matched by two selectors, listed once</li>
<div class="info-date">a class that only contains the word</div>
<b class="a&#160;date">no-break space joins two words into one class</b>
<div id="message" class="panel">box</div><div id="postmessage_1" class="panel">post</div>
</body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        ".date",
        ".Date, .date",
        "div.post.content",
        ".content, #content",
        "span#x.y",
        "#x",
        "li.item, .date",
        "#message.panel, .panel",
        ".info",
        "p.postcontent, .post",
    ],
)
def test_select_is_css_on_the_edges_of_class_matching(query: str) -> None:
    _same(Selector(text=EDGES), query)


def test_select_counts_each_element_once_in_page_order() -> None:
    texts = select(Selector(text=EDGES), "li.item, .date, .Date").xpath("string()").getall()
    assert texts == [
        "upper case is another class",
        "a date inside a date",
        "inside a date",
        "matched by two selectors, listed once",
    ]


def test_select_hands_other_queries_and_parts_of_a_page_to_css() -> None:
    """A query with more than names in it, and a query on part of a page (the index is the
    whole page's), are parsel's."""
    sel = Selector(text=EDGES)
    for query in ("div > .date", "span.date::text", "[id=x]", "div, .date", "h1"):
        assert select(sel, query).getall() == sel.css(query).getall()
    (part,) = sel.css("span.date")
    assert [node.root for node in select(part, ".date")] == [
        node.root for node in part.css(".date")
    ]
    assert len(select(part, ".date")) == 2
