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
And what a page shows: :func:`shown_time` reads a date-time as Chinese CMSs print it, and
:func:`dateline` the date in the short lines under a headline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from parsel import Selector

from opinion_spiders.reading.story import squash
from opinion_spiders.text.dates import full_date, month_day

#: The clock may follow a part of the day (Korean ``2013-06-07 오후 3:42:10``, Japanese
#: ``午後``) and be written in hours and minutes (``10時14分``, ``10时14分``, ``10시 14분``).
_SHOWN = re.compile(
    r"(?<!\d)\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*[日.]?"
    r"(?:\s*(?:[(（][^)）\d]{1,3}[)）]\s*)?(?:[上下]午|午[前後]|오[전후])?\s*\d{1,2}\s*"
    r"(?:[:：]\s*\d{2}|[時时시]\s*\d{1,2})(?:\s*[:：]\s*\d{2})?)?"
)
#: 新华网 prints ``2024 05/09 22:27:02`` in three spans.
_SPLIT = re.compile(r"(?<!\d)(\d{4})\s+(\d{1,2})/(\d{1,2})\s+(\d{1,2}:\d{2}(?::\d{2})?)")
_ARTICLE_INFO = re.compile(r"ARTICLE_INFO\s*=[^}]{0,800}?pubtime\s*:\s*['\"]([^'\"]+)")
_WECHAT_TIME = re.compile(r"\bvar\s+ct\s*=\s*['\"](\d{10})['\"]")
#: What CMSs declare of an article (see the module).
TIME_METAS = (
    "pubdate", "publishdate", "article:published_time", "weibo: article:create_at",
    "og:release_date", "datePublished", "dc.date", "firstpublishedtime",
)  # fmt: skip
#: Metas that date an article without making a page one (a ``date`` meta stands on pages of
#: every kind); read after :data:`TIME_METAS`, with schema.org's data. Highwire's
#: ``citation_*`` dates are a paper's (arXiv, journals, CNKI-like pages): printed, else its
#: day on record, else its day online.
DATING_METAS = (
    "dc.date.issued", "dcterms.created", "publish_date", "publication_date", "published_time",
    "citation_publication_date", "citation_date", "citation_online_date",
    "sailthru.date", "parsely-pub-date", "date",
)  # fmt: skip
#: How far under the headline :func:`dateline` looks (characters of text), and the longest
#: line it takes for a dateline rather than the body.
DATELINE_CHARS = 200
DATELINE_LINE = 80
#: Elements other than ``h1``/``h2`` that may show the headline: a class naming a title, not a
#: link's or one holding links.
TITLED = (
    "//*[contains(translate(@class, 'TITLE', 'title'), 'title')]"
    "[not(self::title or ancestor::a or .//a)]"
)
_BARE_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
#: schema.org types whose ``datePublished`` is the article's (not its site's or an image's).
_ARTICLE_TYPES = re.compile(r"Article$|Posting$|^Report$|^WebPage$")


def metas(sel: Selector) -> dict[str, str]:
    """Every ``<meta name|property>`` by its lower-cased name; the first non-empty one wins.
    A meta with both is found by either (凤凰网's ``<meta name="og:time "
    property="og:release_date" content="…">``)."""
    found: dict[str, str] = {}
    for node in sel.xpath("//meta[@content]"):
        value = squash(node.attrib.get("content"))
        for attribute in ("name", "property"):
            name = (node.attrib.get(attribute) or "").strip().lower()
            if name and value and name not in found:
                found[name] = value
    return found


def meta_time(sel: Selector, meta: dict[str, str]) -> str:
    """The publication time the page's metas or scripts declare (no visible line needed):
    qq's ``ARTICLE_INFO`` ``pubtime``, and a WeChat article's ``var ct = "<epoch seconds>"``
    (its shown time is written by script), as ISO 8601 in UTC."""
    for name in TIME_METAS:
        if meta.get(name.lower()):
            return meta[name.lower()]
    script = " ".join(sel.xpath("//script[contains(., 'ARTICLE_INFO')]/text()").getall())
    if found := _ARTICLE_INFO.search(script):
        return squash(found.group(1))
    script = " ".join(sel.xpath("//script[contains(., 'var ct')]/text()").getall())
    if found := _WECHAT_TIME.search(script):
        return datetime.fromtimestamp(int(found.group(1)), UTC).isoformat()
    return ""


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
    for item in linked_data(sel):
        kinds = item.get("@type")
        published = item.get("datePublished")
        if isinstance(published, str) and any(
            isinstance(kind, str) and _ARTICLE_TYPES.search(kind)
            for kind in (kinds if isinstance(kinds, list) else [kinds])
        ):
            return squash(published)
    return ""


def linked_data(sel: Selector) -> Iterator[dict[str, Any]]:
    """The objects of the page's JSON-LD scripts, in page order: each script's object, a
    list's and an ``@graph``'s members (scripts that do not parse are passed over)."""
    for script in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        yield from _items(data)


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


def dateline(sel: Selector, title: str) -> str:
    """The date printed in the short lines right under the headline (the element that reads
    as ``title``: see :func:`headline_node`; a date with its year, ``2024-05-18 16:56``,
    ``March 29, 2024``, or a month and day with its clock), for pages that put it in no block
    a reader knows: up to ``DATELINE_CHARS`` of text, stopping at the first long line (the
    body, whose dates are what it reports on) — not the summary under the headline that the
    page declares as its description (a standfirst above the byline and its date)."""
    head = headline_node(sel, title)
    if head is None:
        return ""
    meta = metas(sel)
    summary = "".join((meta.get("description") or meta.get("og:description") or "").split())
    lines: list[str] = []
    seen = 0
    for text in head.xpath("following::text()[not(ancestor::script or ancestor::style)]"):
        line = squash(text.get())
        if not line:
            continue
        if len(line) > DATELINE_LINE and not lines and "".join(line.split()) == summary:
            continue  # the standfirst
        if len(line) > DATELINE_LINE or seen > DATELINE_CHARS:
            break
        seen += len(line)
        lines.append(line)
    for at, line in enumerate(lines):
        after = lines[at + 1] if at + 1 < len(lines) else ""
        if found := shown_time(line) or full_date(line) or _day_at(line, after):
            return found
    return ""


def headline_node(sel: Selector, title: str) -> Selector | None:
    """The element that shows the headline ``title``: an ``h1``/``h2``, else an element whose
    class names a title (a script-rendered page's ``div.index-module_articleTitle_…``) —
    not a link or what holds one (a teaser's title)."""
    if not title:
        return None
    for path in ("//h1 | //h2", TITLED):
        for head in sel.xpath(path):
            if squash(head.xpath("string()").get()) == title:
                return head
    return None


def _day_at(line: str, after: str) -> str:
    """A month and day with its clock, in the line or alone in the next one (Baijiahao's
    ``发布时间：05-20`` then ``10:12``): the year is the latest that is past, as the site meant."""
    found = month_day(line)
    if not found:
        return ""
    month, day, clock = found
    clock = clock or (after if _BARE_CLOCK.fullmatch(after) else "")
    return f"{int(month):02d}-{int(day):02d} {clock}" if clock else ""


def shown_time(text: str) -> str:
    """The date-time as printed (``2024年05月10日06:58``); split forms come out as ISO."""
    split = _SPLIT.search(text)
    if split:
        y, mo, d, clock = split.groups()
        return f"{y}-{int(mo):02d}-{int(d):02d} {clock}"
    found = _SHOWN.search(text)
    return squash(found.group(0)) if found else ""
