"""Column pages whose list or pager a script writes, as the government sites' CMSs do.

- **A list in a data island** (大汉 Hanweb JCMS and its kin): the column's rows are not in the
  page's markup but in ``<script type="text/xml"><datastore><recordset><record><![CDATA[<li>…
  </li>]]></record>…``, which a jQuery pager draws. The records are markup: read like the
  page's own rows. The answer of the pager's data proxy (``dataproxy.jsp``) is the same
  ``datastore``.
- **A pager written by script** (TRS WCM): ``createPageHTML(25, 0, "index", "html")`` — pages
  in all, this page's number from 0, the pages' name and extension — or the same facts as
  ``var countPage = 25`` and ``var currentPage = 0``; page *n* is ``index_n.html`` beside the
  first (``index.html``). The next page is this one's number plus one, while there is one.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,"
    r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")
_PAGE_NAME = re.compile(r"^(?P<name>[\w-]+?)(?:_\d+)?\.(?P<ext>s?html?)$")


def data_island(sel: Selector) -> Selector | None:
    """The rows a page keeps in a ``datastore`` data island, as markup; None without one."""
    records: list[str] = []
    for script in sel.xpath("//script[contains(., '<datastore')]/text()").getall():
        records += _RECORD.findall(script)
    if not records:
        return None
    return Selector(text=f"<html><body><ul>{''.join(records)}</ul></body></html>", type="html")


def island_answer(text: str) -> Selector | None:
    """A data proxy's XML answer (``<datastore>…``) as the markup of its rows."""
    head = text.lstrip()[:200]
    if "<datastore" not in head:
        return None
    records = _RECORD.findall(text)
    return Selector(text=f"<html><body><ul>{''.join(records)}</ul></body></html>", type="html")


def script_next_page(text: str, url: str) -> str | None:
    """The next page of a column whose pager a script writes, else None."""
    found = _CREATE_PAGE.search(text)
    if found:
        count, current, name, ext = int(found[1]), int(found[2]), found[3], found[4]
    else:
        count_at, current_at = _COUNT_PAGE.search(text), _CURRENT_PAGE.search(text)
        shown = _PAGE_NAME.match(urlsplit(url).path.rsplit("/", 1)[-1] or "index.html")
        if not count_at or not current_at or not shown:
            return None
        count, current = int(count_at[1]), int(current_at[1])
        name, ext = shown["name"], shown["ext"]
    if current + 1 >= count:
        return None
    return urljoin(url, f"{name}_{current + 1}.{ext}")
