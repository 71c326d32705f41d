"""The last reader of the chain: the page's main text, whatever the page is.

trafilatura (a maintained main-content extractor) finds the main region; comments and reply
lists are kept, because on a discussion page no reader recognised they are the discussion.
The text is one post of low confidence, so analysts and health checks can tell it from an
engine's reading.
"""

from __future__ import annotations

import re

from parsel import Selector

#: Characters, spaces ignored, below which a main text is not worth a post.
MIN_TEXT = 20
#: Characters from which a line of main text is prose rather than a label or a name.
PROSE_LINE = 40
_SPACE = re.compile(r"[ \t\u3000\xa0]+")


def main_text(html: str, url: str, *, comments: bool = True) -> str:
    """The page's main text, one paragraph a line; '' when there is none."""
    import trafilatura  # ~0.1 s to import: only where a page needs it, not at every start

    out = trafilatura.extract(
        html, url=url or None, include_comments=comments, include_tables=True,
        include_images=False, deduplicate=False,
    )  # fmt: skip
    if not isinstance(out, str):
        return ""
    lines = (_SPACE.sub(" ", line).strip() for line in out.split("\n"))
    text = "\n".join(line for line in lines if line)
    return text if len("".join(text.split())) >= MIN_TEXT else ""


def bigrams(text: str) -> set[tuple[str, str]]:
    """Character pairs of a text without white space: an order-free, language-free sketch."""
    flat = "".join(text.split())
    return set(zip(flat, flat[1:], strict=False))


def coverage(part: str, whole: str) -> float:
    """The share of ``whole``'s character pairs that ``part`` also has (1.0 when ``whole`` is
    empty): how much of the main text a reader's posts account for. Only the lines of prose
    count where there are any — short lines (names, times, buttons) are what a reader that
    cleans its posts leaves out on purpose."""
    prose = [line for line in whole.split("\n") if len(line) >= PROSE_LINE]
    want = bigrams("\n".join(prose) if prose else whole)
    if not want:
        return 1.0
    return len(bigrams(part) & want) / len(want)


_SITE_SUFFIX = re.compile(r"\s+[-|_–—]\s+")


def page_title(sel: Selector) -> str:
    """The page's own title: the heading its ``<title>`` starts with (site banners are
    ``<h1>`` too), else the ``<title>`` up to a site suffix (" - Site", " | Board")."""
    title = " ".join((sel.xpath("string(//title)").get() or "").split())
    for heading in sel.css("h1, h2, h3"):
        text = " ".join((heading.xpath("string()").get() or "").split())
        if len(text) > 3 and title.startswith(text):
            return text
    return _SITE_SUFFIX.split(title)[0]
