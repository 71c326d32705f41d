"""News lists a portal serves as data: its roll or column API's JSON (新浪滚动
``feed.mix.sina.com.cn/api/roll/get``, a CMS's ``list.json``), as JSONP (``callback({…})``) or
as a script's variable (``var newsList = […]``).

Whatever its nesting, such a list is a run of objects that each carry an article's address
(``url``, ``link``, ``docurl``, ``wapurl`` …) and its title (``title``, ``stitle`` …), and
mostly its time (``ctime``, ``pubDate``, ``publish_time`` … as epoch seconds or milliseconds
or as text). Each is an article link keyed by the article with its day as state, as a feed's
items are; an API paged by ``page`` (or ``pn``, ``pageNo``) gives its next page while a page
holds articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from opinion_spiders.adapters import Link
from opinion_spiders.errors import ParseError
from plugins._html import absolute, html_text, json_value, squash
from plugins._portal_feeds import article_link

_URL_KEYS = ("url", "link", "docurl", "wapurl", "pcurl", "href", "linkurl", "article_url",
             "shareurl", "surl")  # fmt: skip
_TITLE_KEYS = ("title", "stitle", "wapTitle", "headline", "name")
_TIME_KEYS = ("ctime", "pubDate", "pubdate", "publish_time", "publishTime", "pubtime", "ptime",
              "intime", "createTime", "create_time", "time", "date", "mtime")  # fmt: skip
_PAGE_KEYS = ("page", "pn", "pageNo", "pageNum", "page_no")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
#: Articles a run of objects must hold to be a list (one is a detail, not a list).
MIN_ITEMS = 2


def json_links(text: str, url: str, tz: str) -> list[Link] | None:
    """The articles a list in JSON names, and its next page; None when the text is not JSON
    or holds no list of articles."""
    data = _data(text, url)
    if data is None:
        return None
    zone = ZoneInfo(tz)
    links: dict[str, Link] = {}
    for item in _objects(data):
        href = next((v for k in _URL_KEYS if isinstance(v := item.get(k), str) and v), "")
        title = next((v for k in _TITLE_KEYS if isinstance(v := item.get(k), str) and v), "")
        target = absolute(url, href.strip()) if href.strip().startswith(("http", "/")) else None
        if not target or not title or target in links:
            continue
        shown, at = _time(item)
        day = at.astimezone(zone).date().isoformat() if at else shown[:10]
        when = at.isoformat() if at else shown
        meta = {"title": squash(html_text(title)), "published_text": when}
        links[target] = article_link(target, day or "listed", meta)
    if len(links) < MIN_ITEMS:
        return None
    out = list(links.values())
    if nxt := _next_page(url):
        out.append(Link(nxt, "listing"))
    return out


def _data(text: str, url: str) -> Any:
    try:
        return json_value(text, url)
    except ParseError:
        return None  # a page, not data


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in the data, depth first, in order."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _objects(value)


def _time(item: dict[str, Any]) -> tuple[str, datetime | None]:
    """An item's time as given, and as a moment where it is an epoch or names its offset."""
    for key in _TIME_KEYS:
        value = item.get(key)
        if value in (None, "", 0):
            continue
        text = str(value).strip()
        if _EPOCH.match(text):
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            return text, datetime.fromtimestamp(seconds, UTC)
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text, None
        return text, at if at.tzinfo else None
    return "", None


def _next_page(url: str) -> str | None:
    """The address of the next page of an API paged by a number in its query."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if key in _PAGE_KEYS and value.isdigit():
            query[i] = (key, str(int(value) + 1))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None
