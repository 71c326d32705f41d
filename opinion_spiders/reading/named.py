"""Elements by class and id: a page's CSS queries that only name classes and ids (``.date,
.pubtime, #pubtime, div.box.message``) answered from one index of the page's names.

parsel translates a group of selectors into a union of XPath paths, and libxml2 walks the
whole tree once for each of them, testing every element's ``class`` on the way: the
portal reader's time-and-source query, thirteen selectors long, took ~5 ms on a real page of
~1,100 elements. :func:`select` indexes the page's classes and ids in one pass, kept with the
page's selector while it lives, and answers each such query from it. A query with anything
else in it (attributes, pseudo-classes, combinators, ``::text``) goes to parsel as before.
The page's tree must not change while its selector is in use (the readers change copies).
"""

from __future__ import annotations

import functools
import re
import weakref
from typing import NamedTuple

from lxml import etree
from parsel import Selector, SelectorList

#: One selector of a group that only names: an optional tag, then classes and at most one id.
_SIMPLE = re.compile(r"([a-z][a-z0-9]*)?((?:[.#]-?[_a-zA-Z][-_a-zA-Z0-9]*)+)")
_PART = re.compile(r"([.#])(-?[_a-zA-Z][-_a-zA-Z0-9]*)")
#: What XPath's ``normalize-space`` splits a class on, as cssselect's class test does.
_CLASS_TOKEN = re.compile(r"[^ \t\r\n]+")


class _Named(NamedTuple):
    """One selector: the tag ('' for any), the classes all required, the id ('' for none)."""

    tag: str
    classes: tuple[str, ...]
    id: str


class _Index(NamedTuple):
    """A tree's elements in document order, and the positions of those bearing each class
    token and each id."""

    elements: list[etree._Element]
    classes: dict[str, list[int]]
    ids: dict[str, list[int]]


_INDEXES: weakref.WeakKeyDictionary[Selector, _Index] = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=256)
def _parsed(query: str) -> tuple[_Named, ...] | None:
    """The selectors of a group that only names classes and ids, or None."""
    named = []
    for part in query.split(","):
        found = _SIMPLE.fullmatch(part.strip())
        if found is None:
            return None
        pieces = _PART.findall(found.group(2))
        ids = [name for mark, name in pieces if mark == "#"]
        if len(ids) > 1:
            return None
        classes = tuple(name for mark, name in pieces if mark == ".")
        named.append(_Named(found.group(1) or "", classes, ids[0] if ids else ""))
    return tuple(named)


def select(sel: Selector, query: str) -> SelectorList[Selector]:
    """``sel.css(query)``: the same elements in document order, from the page's index where
    ``sel`` is a whole page and the query only names classes and ids."""
    named = _parsed(query)
    root = sel.root
    if named is None or not isinstance(root, etree._Element) or root.getparent() is not None:
        return sel.css(query)
    index = _INDEXES.get(sel)
    if index is None:
        index = _INDEXES[sel] = _indexed(root)
    found: set[int] = set()
    for one in named:
        found.update(_matching(index, one))
    return SelectorList(Selector(root=index.elements[at], type=sel.type) for at in sorted(found))


def _indexed(root: etree._Element) -> _Index:
    elements: list[etree._Element] = []
    classes: dict[str, list[int]] = {}
    ids: dict[str, list[int]] = {}
    for at, el in enumerate(root.iter(etree.Element)):
        elements.append(el)
        value = el.get("class")
        if value:
            for token in set(_CLASS_TOKEN.findall(value)):
                classes.setdefault(token, []).append(at)
        value = el.get("id")
        if value is not None:
            ids.setdefault(value, []).append(at)
    return _Index(elements, classes, ids)


def _matching(index: _Index, one: _Named) -> list[int]:
    """The positions of the elements ``one`` selects."""
    if one.id:
        candidates = index.ids.get(one.id, [])
        wanted = one.classes
    else:
        candidates = index.classes.get(one.classes[0], [])
        wanted = one.classes[1:]
    out = []
    for at in candidates:
        el = index.elements[at]
        if one.tag and el.tag != one.tag:
            continue
        if wanted and not set(wanted).issubset(_CLASS_TOKEN.findall(el.get("class") or "")):
            continue
        out.append(at)
    return out
