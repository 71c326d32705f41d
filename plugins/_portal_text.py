"""Text helpers for the portal adapter: clean text out of markup and resolve links.

A private copy of what the portal needs from ``plugins._html`` so the portal engine does not
move when the forum engines change their shared helpers.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

_BLOCKS = {
    "p", "div", "li", "tr", "blockquote", "table", "dd", "dt", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
}  # fmt: skip
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def squash(text: str | None) -> str:
    """One line: every run of whitespace (&nbsp; and the ideographic space too) -> one space."""
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


def clean_lines(text: str) -> str:
    """Trim every line (the 　　 indent of Chinese paragraphs too) and drop the empty ones."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def node_text(node: Selector, drop: str = "") -> str:
    """Readable text of a node: ``<br>`` and block elements become line breaks, ``drop`` (an
    XPath relative to the node: share bars, print links) is removed first."""
    root = node.root
    if not isinstance(root, etree._Element):
        return squash(str(root))
    root = copy.deepcopy(root)
    root.tail = None
    for bad in root.xpath(".//script | .//style | .//comment()" + (f" | {drop}" if drop else "")):
        _remove(bad)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS and el is not root:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    return clean_lines("".join(root.itertext()))


def _remove(el: Any) -> None:
    """Remove an element but keep its tail text (which belongs to the parent)."""
    parent = el.getparent()
    if parent is None:
        return
    prev = el.getprevious()
    if el.tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base`` (scheme-relative ``//host`` too), without fragment."""
    if not href or href.strip().startswith(("javascript:", "#", "mailto:")):
        return None
    parts = urlsplit(urljoin(base, href.strip()))
    return urlunsplit(parts._replace(fragment=""))
