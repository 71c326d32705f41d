"""``opinion_spiders.reading.named``'s id lookups (``element_by_id``, ``first_by_id``,
``has_id``) read libxml2's table of a page's ids instead of walking the tree: they must find
exactly the element a walk finds — the first in page order that bears the id, under the
element asked — on the real pages the tests keep and where the table and a walk part: ids
repeated, an ``<a name>`` the table counts as an id, a name with spaces, a tree taken out of
its page, a copy, an XML document."""

from __future__ import annotations

import copy
import itertools

import pytest
from lxml import etree
from parsel import Selector

from opinion_spiders.reading import named
from opinion_spiders.reading.named import element_by_id, first_by_id, has_id
from tests._proc import ROOT

PAGES = sorted(
    path
    for folder in ("pages", "reading_pages")
    for path in (ROOT / "tests" / folder).rglob("*.html")
)
_WALK = etree.XPath("descendant-or-self::*[@id = $id]")


def _walked(el: etree._Element, name: str) -> etree._Element | None:
    found = _WALK(el, id=name)
    return found[0] if found else None


def test_this_libxml2_keeps_the_table_the_lookups_read() -> None:
    # without it every lookup walks (right, but slow): the CI's lxml must keep the table
    assert named._ID_TABLE_KEPT


def test_the_lookups_read_the_table_not_a_walk(monkeypatch) -> None:
    """On a whole page the table answers; the walk is not asked."""
    sel = Selector(text='<div id="a"><p id="b">x</p></div>', type="html")
    asked = []
    monkeypatch.setattr(named, "_BY_ID", lambda el, id: asked.append(id) or [])
    assert first_by_id(sel, "b").root.tag == "p"
    assert has_id(sel, "zz", "a") and not has_id(sel, "zz")
    assert asked == []


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.parent.name + "/" + path.name)
def test_the_lookups_find_what_a_walk_finds_on_the_real_pages(path) -> None:
    sel = Selector(text=path.read_bytes().decode("utf-8", "replace"))
    root = sel.root
    holders = [el for el in root.iter(etree.Element) if el.get("id") is not None]
    names = list(dict.fromkeys(el.get("id") for el in holders))[:60]
    names += ["postlist", "thread_subject", "no-such-id", ""]
    for name in names:
        expected = _walked(root, name)
        found = first_by_id(sel, name)
        assert (found.root if found is not None else None) is expected, name
        assert has_id(sel, "no-such-id", name) is (expected is not None), name
    # under an element: the holder's grandparent, and a part of the page that does not hold it
    others = list(itertools.islice(root.iter(etree.Element), 0, 400, 37))
    for el in holders[:60]:
        name = el.get("id")
        for under in [el, el.getparent(), *el.iterancestors(), *others][:6]:
            if under is not None:
                assert element_by_id(under, name) is _walked(under, name), name


EDGES = """<html><body>
<div id="outer"><a name="shadow">an anchor the table counts as an id</a></div>
<div id="shadow">the first element with id shadow</div>
<p id="twice">first</p><div id="part"><p id="twice">second, under part</p>
<span id="inner">in part</span></div>
<b id=" spaced ">an id with spaces around it</b><i id="two words">one id of two words</i>
</body></html>"""


@pytest.mark.parametrize(
    "name", ["shadow", "twice", "inner", "outer", " spaced ", "spaced", "two words", "two", "x"]
)
def test_the_lookups_find_what_a_walk_finds_where_the_table_and_a_walk_part(name: str) -> None:
    sel = Selector(text=EDGES, type="html")
    root = sel.root
    part = root.xpath("//div[@id='part']")[0]
    for under in (root, part, root.find("body")):
        assert element_by_id(under, name) is _walked(under, name), (name, under.get("id"))
    found = first_by_id(sel, name)
    assert (found.root if found is not None else None) is _walked(root, name)
    assert has_id(sel, name) is (_walked(root, name) is not None)


def test_a_tree_taken_out_of_its_page_or_copied_is_looked_up_in_itself() -> None:
    sel = Selector(text=EDGES, type="html")
    part = sel.root.xpath("//div[@id='part']")[0]
    part.getparent().remove(part)  # it keeps the page's table, which lists the outer ids
    assert element_by_id(part, "twice").text == "second, under part"
    assert element_by_id(part, "outer") is None and element_by_id(part, "shadow") is None
    twin = copy.deepcopy(part)
    assert element_by_id(twin, "inner").text == "in part"
    assert first_by_id(Selector(root=twin, type="html"), "twice").root.text.startswith("second")


def test_an_xml_document_is_walked() -> None:
    """An XML document's table lists only the ids its DTD declares."""
    sel = Selector(text='<feed><entry id="a"><title id="b">t</title></entry></feed>', type="xml")
    assert first_by_id(sel, "b").root.tag == "title"
    assert has_id(sel, "a") and not has_id(sel, "c")


def test_a_text_holds_no_element() -> None:
    sel = Selector(text='<p id="a">x</p>', type="html")
    assert first_by_id(sel.xpath("//p/text()")[0], "a") is None
