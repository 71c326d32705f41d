"""When a page says it was published, in what it declares rather than shows: its ``<meta>``
fields, page scripts and the structured data it gives search engines.

Two kinds of declaration, kept apart because the reading chain decides on one of them:

* :func:`meta_time` — what a CMS declares of an article (``PubDate``, ``publishdate``,
  ``article:published_time``, Open Graph; qq's ``ARTICLE_INFO`` script): a page with one is
  an article to the article reader;
* :func:`dating_time` — what dates a page without saying it is an article: metas that stand on
  pages of every kind (``date``, ``dc.date.issued`` …) and schema.org's ``datePublished``, as
  microdata (``itemprop``) or JSON-LD (an article's, in an ``@graph`` too).

:func:`declared_time` is either, for a reader that only wants the date (the main text's post).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from opinion_spiders.reading.story import squash

_ARTICLE_INFO = re.compile(r"ARTICLE_INFO\s*=[^}]{0,800}?pubtime\s*:\s*['\"]([^'\"]+)")
#: What CMSs declare of an article (see the module).
TIME_METAS = (
    "pubdate", "publishdate", "article:published_time", "weibo: article:create_at",
    "og:release_date", "datePublished", "dc.date", "firstpublishedtime",
)  # fmt: skip
#: Metas that date an article without making a page one (a ``date`` meta stands on pages of
#: every kind); read after :data:`TIME_METAS`, with schema.org's data.
DATING_METAS = (
    "dc.date.issued", "dcterms.created", "publish_date", "publication_date", "published_time",
    "sailthru.date", "parsely-pub-date", "date",
)  # fmt: skip
#: schema.org types whose ``datePublished`` is the article's (not its site's or an image's).
_ARTICLE_TYPES = re.compile(r"Article$|BlogPosting$|^Report$|^WebPage$|Posting$")


def metas(sel: Selector) -> dict[str, str]:
    """Every ``<meta name|property>`` by its lower-cased name; the first non-empty one wins."""
    found: dict[str, str] = {}
    for node in sel.xpath("//meta[@content]"):
        name = (node.attrib.get("name") or node.attrib.get("property") or "").strip().lower()
        value = squash(node.attrib.get("content"))
        if name and value and name not in found:
            found[name] = value
    return found


def meta_time(sel: Selector, meta: dict[str, str]) -> str:
    """The publication time the page's metas or scripts declare (no visible line needed)."""
    for name in TIME_METAS:
        if meta.get(name.lower()):
            return meta[name.lower()]
    script = " ".join(sel.xpath("//script[contains(., 'ARTICLE_INFO')]/text()").getall())
    found = _ARTICLE_INFO.search(script)
    return squash(found.group(1)) if found else ""


def dating_time(sel: Selector, meta: dict[str, str]) -> str:
    """A time that dates the article only: :data:`DATING_METAS`, else schema.org's
    ``datePublished`` — microdata (``itemprop``), else JSON-LD."""
    for name in DATING_METAS:
        if meta.get(name):
            return meta[name]
    marked = sel.xpath(
        "(//*[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@datetime)[1]"
    ).get()
    return squash(marked) if marked else linked_data_time(sel)


def linked_data_time(sel: Selector) -> str:
    """``datePublished`` of the page's JSON-LD article (``NewsArticle``, ``BlogPosting`` …,
    in an ``@graph`` too), '' when there is none or the data does not parse."""
    for script in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        for item in _items(data):
            kinds = item.get("@type")
            published = item.get("datePublished")
            if isinstance(published, str) and any(
                isinstance(kind, str) and _ARTICLE_TYPES.search(kind)
                for kind in (kinds if isinstance(kinds, list) else [kinds])
            ):
                return squash(published)
    return ""


def _items(data: Any) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD document: itself, a list's and an ``@graph``'s members."""
    if isinstance(data, list):
        for member in data:
            yield from _items(member)
    elif isinstance(data, dict):
        yield data
        yield from _items(data.get("@graph"))


def declared_time(sel: Selector) -> str:
    """The time the page declares, of either kind ('' when none)."""
    meta = metas(sel)
    return meta_time(sel, meta) or dating_time(sel, meta)
