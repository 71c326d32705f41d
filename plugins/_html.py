"""Small helpers the built-in adapters share: clean text out of markup, numbers, JSON attributes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from opinion_spiders.errors import ParseError

_BLOCKS = {
    "p", "div", "li", "tr", "blockquote", "table", "dd", "dt", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
}  # fmt: skip
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_INT = re.compile(r"-?\d[\d,]*")


_CLASS_WORD = re.compile(r"[-_:\s]+|(?<=[a-z])(?=[A-Z])")


def class_words(value: str | None) -> set[str]:
    """The lower-cased words of a class attribute (``follow-nickName spPostUserRank`` →
    follow, nick, name, sp, post, user, rank)."""
    return {word.lower() for word in _CLASS_WORD.split(value or "") if word}


def own_text(el: etree._Element, blocks: Collection[str]) -> tuple[str, int]:
    """The text directly in an element and its inline children — not in its children whose
    tag is one of ``blocks`` —, and its characters (the spaces between its parts not
    counted): what an element says itself, not what the blocks nested in it say."""
    parts = [(el.text or "").strip()]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in blocks:
            parts.append(squash(STRING(child)))
        parts.append((child.tail or "").strip())
    parts = [part for part in parts if part]
    return " ".join(parts), sum(len(part) for part in parts)


def powered_by(pattern: re.Pattern[str], text: str) -> bool:
    """Whether an engine's case-blind ``Powered by …`` ``pattern`` matches where the page
    says ``owered`` or ``OWERED``: a search of the pattern itself tries every position of
    the page (~3 ms a page)."""
    for mark in ("owered", "OWERED"):
        at = text.find(mark)
        while at > 0:
            if pattern.match(text, at - 1):
                return True
            at = text.find(mark, at + 1)
    return False


def squash(text: str | None) -> str:
    """One line: every run of whitespace (&nbsp; and the ideographic space too) -> one space."""
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


def node_text(node: Selector | etree._Element, drop: str = "") -> str:
    """Readable text of a node (a selector or its lxml element): ``<br>`` and block elements
    become line breaks, ``drop`` (an XPath relative to the node, e.g. quotes and edit notes) is
    removed first."""
    root = node.root if isinstance(node, Selector) else node
    if not isinstance(root, etree._Element):
        return squash(str(root))
    root = copy.deepcopy(root)
    root.tail = None
    for bad in root.xpath(".//script | .//style | .//comment()" + (f" | {drop}" if drop else "")):
        remove(bad)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCKS and el is not root:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    return clean_lines("".join(root.itertext()))


def clean_lines(text: str) -> str:
    """Trim every line (the 　　 indent of Chinese paragraphs too) and drop the empty ones."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def remove(el: Any) -> None:
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


def to_int(text: str | None) -> int | None:
    """The first integer in a text ("1,171" -> 1171), or None."""
    m = _INT.search(text or "")
    return int(m.group().replace(",", "")) if m else None


def json_attr(value: str | None) -> dict[str, Any]:
    """A ``data-field`` style JSON attribute as a dict ({} when absent or not JSON)."""
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def query_param(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base`` (scheme-relative ``//host`` too), without fragment."""
    if not href or href.strip().startswith(("javascript:", "#", "mailto:")):
        return None
    return without_fragment(urljoin(base, href.strip()))


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def title_or_text(node: Selector | etree._Element | None) -> str:
    """A time or name shown relative/truncated: prefer the absolute ``title`` attribute."""
    if node is None:
        return ""
    root = node.root if isinstance(node, Selector) else node
    titled = _TITLE(root)
    return squash(str(titled[0])) if titled else squash(STRING(root))


_TITLE = etree.XPath("descendant-or-self::*[@title][1]/@title", smart_strings=False)
#: An element's string value (``string()``), compiled once.
STRING = etree.XPath("string()", smart_strings=False)


def js_object(text: str, marker: str) -> Any:
    """The JSON value that follows ``marker`` in a page's script (``app.load(`` → its object),
    or None when the marker is absent or what follows is not JSON."""
    at = text.find(marker)
    if at < 0:
        return None
    start = min((i for i in (text.find("{", at), text.find("[", at)) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    return value


def script_json(sel: Selector, css: str) -> Any:
    """The JSON inside a ``<script type="application/json">`` picked by ``css``, or None."""
    raw = sel.css(f"{css}::text").get()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def html_text(html: str, drop: str = "") -> str:
    """:func:`node_text` of an HTML fragment (a post body shipped as a JSON string)."""
    body = Selector(text=f"<div>{html}</div>").xpath("//body/div")
    return node_text(body[0], drop) if body else ""


#: A JSONP answer's wrapper (``callback(``, ``var data =``): the JSON is what follows.
_WRAPPED = re.compile(r"^(?:var\s+)?[\w.$]+\s*(?:\(|=)\s*", re.S)


def json_value(text: str, url: str) -> Any:
    """An API's JSON — plain, or wrapped as JSONP (``callback({…})``, ``var data={…}``);
    ``ParseError("bad_json")`` naming the address when it is not JSON."""
    body = text.strip().lstrip("\ufeff")
    if not body.startswith(("{", "[")):
        body = _WRAPPED.sub("", body, count=1).rstrip(");\n ")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ParseError("bad_json", f"no JSON on {url}: {exc}") from exc


def json_answer(text: str, url: str) -> dict[str, Any]:
    """:func:`json_value` that must be an object (what comment APIs answer)."""
    answer = json_value(text, url)
    if not isinstance(answer, dict):
        raise ParseError("bad_json", f"no JSON object on {url}")
    return answer
