"""Elements by class and id: a page's CSS queries that only name classes and ids (``.date,
.pubtime, #pubtime, div.box.message``) answered from one index of the page's names.

parsel translates a group of selectors into a union of XPath paths, and libxml2 walks the
whole tree once for each of them, testing every element's ``class`` on the way: the
portal reader's time-and-source query, thirteen selectors long, took ~5 ms on a real page of
~1,100 elements. :func:`select` indexes the page's classes and ids in one pass, kept with the
page's selector while it lives, and answers each such query from it. A query with anything
else in it (attributes, pseudo-classes, combinators, ``::text``) goes to parsel as before.
The page's tree must not change while its selector is in use (the readers change copies).

:func:`first_by_id` and :func:`has_id` ask for ids alone, and libxml2 answers them without a
walk: it keeps a table of a parsed page's ids, which XPath's ``id()`` reads (a few
microseconds against ~0.1–0.2 ms for a walk that compares every element's ``id`` on a small
forum page); :func:`element_by_id` does the same under one element (a forum's floor).
"""

from __future__ import annotations

import functools
import re
import weakref
from copy import deepcopy
from typing import NamedTuple

from lxml import etree
from parsel import Selector, SelectorList

#: One selector of a group that only names: an optional tag, then classes and at most one id.
_SIMPLE = re.compile(r"([a-z][a-z0-9]*)?((?:[.#]-?[_a-zA-Z][-_a-zA-Z0-9]*)+)")
_PART = re.compile(r"([.#])(-?[_a-zA-Z][-_a-zA-Z0-9]*)")
#: What XPath's ``normalize-space`` splits a class on, as cssselect's class test does.
_CLASS_TOKEN = re.compile(r"[^ \t\r\n]+")
#: A name XPath's ``id()`` reads as one id (it splits on XML's whitespace).
_TOKEN = _CLASS_TOKEN


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


#: The first element of each id given (whitespace-separated), from the document's id table.
_ID_TABLE = etree.XPath("id($ids)")
_BY_ID = etree.XPath("descendant-or-self::*[@id = $id]")


def _id_table_kept() -> bool:
    """Whether this libxml2 keeps the ids of a page parsed as parsel parses it, the first of
    duplicates, and in a copy of it (a check at import: if not, the walks are used)."""
    page = Selector(text='<p id="a">1</p><div id="a">2<b id="c">3</b></div>', type="html")
    tags = [el.tag for el in _ID_TABLE(page.root, ids="a c")]
    copied = _ID_TABLE(deepcopy(page.root), ids="c") + _ID_TABLE(deepcopy(page.root[0][1]), ids="c")
    return tags == ["p", "b"] and [el.tag for el in copied] == ["b", "b"]


_ID_TABLE_KEPT = _id_table_kept()


def element_by_id(el: etree._Element, name: str) -> etree._Element | None:
    """The first element bearing id ``name`` in ``el`` (``el`` itself or under it), in page
    order, or None: from the document's id table where it can tell, else by a walk."""
    if not isinstance(el, etree._Element):
        return None  # a text or attribute value holds no element
    if _ID_TABLE_KEPT and _TOKEN.fullmatch(name) and _html_document(el):
        found = _ID_TABLE(el, ids=name)
        if not found:
            return None  # the table holds the first holder of every id of the document
        first = found[0]
        # the table's first holder of the name may be an ``<a name>`` (HTML's table counts
        # those too) or stand outside ``el``: then the walk tells
        if first.get("id") == name and _within(first, el):
            return first  # no element before it in the document bears the name
    found = _BY_ID(el, id=name)
    return found[0] if found else None


def _html_document(el: etree._Element) -> bool:
    """Whether ``el`` is of a document parsed as HTML (an XML document's table holds only the
    ids its DTD declares)."""
    return isinstance(el.getroottree().parser, etree.HTMLParser)


def _within(el: etree._Element, root: etree._Element) -> bool:
    """Whether ``el`` is ``root`` or stands in it."""
    return el is root or any(up is root for up in el.iterancestors())


def first_by_id(sel: Selector, name: str) -> Selector | None:
    """``sel.css("#name")[0]``, or None where nothing bears the id."""
    found = element_by_id(sel.root, name)
    return None if found is None else Selector(root=found, type=sel.type)


def has_id(sel: Selector, *names: str) -> bool:
    """Whether an element of ``sel`` bears one of the ids: ``bool(sel.css("#a, #b"))``."""
    return any(element_by_id(sel.root, name) is not None for name in names)


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
