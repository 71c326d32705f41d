"""Where on the page the story under a headline is, so an extractor's text can be held to it.

A main-content extractor scores blocks by their text. On a page that streams other stories
under the article (portals that load the next stories as you scroll) the densest block is the
stream, not the article. The page's own markup often says where the article is: the
``<article>`` element (HTML's "self-contained composition") that holds the page's headline is
the story, and text outside it is not. Lines of an article reading that lie outside that
element are dropped; a page whose headline stands in no ``<article>`` keeps its reading.
"""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from opinion_spiders.reading.main_text import shingles

#: Share of a line's word pairs the story element must hold for the line to be the story's.
INSIDE = 0.5
#: Characters of text besides the headline below which an ``<article>`` is a teaser card,
#: not the story.
MIN_STORY = 40
_VISIBLE = ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def element_text(el: etree._Element) -> str:
    """An element's visible text (scripts and styles left out), one line."""
    return _squash(" ".join(el.xpath(_VISIBLE)))


def headline_element(sel: Selector, headline: str) -> etree._Element | None:
    """The ``<h1>``–``<h3>`` in the body whose text is the headline (or the start of it)."""
    want = _squash(headline).lower()
    if len(want) < 4:
        return None
    for tag in ("h1", "h2", "h3"):
        for node in sel.xpath(f"//body//{tag}"):
            got = _squash(node.xpath("string()").get()).lower()
            if len(got) >= 4 and (got == want or want.startswith(got) or got.startswith(want)):
                return node.root
    return None


def story_element(sel: Selector, headline: str) -> etree._Element | None:
    """The outermost ``<article>`` around the headline, when it holds a body besides it."""
    head = headline_element(sel, headline)
    if head is None:
        return None
    around = [el for el in head.iterancestors() if el.tag == "article"]
    if not around:
        return None
    story = around[-1]
    rest = len(element_text(story)) - len(element_text(head))
    return story if rest >= MIN_STORY else None


def within_story(text: str, sel: Selector, headline: str) -> str:
    """The lines of an article reading that lie inside the story element (all of them where
    the page marks no story element)."""
    story = story_element(sel, headline)
    if story is None:
        return text
    held = shingles(element_text(story))
    lines = text.split("\n")
    kept = [
        line for line in lines if (own := shingles(line)) and len(own & held) >= INSIDE * len(own)
    ]
    return "\n".join(kept)
