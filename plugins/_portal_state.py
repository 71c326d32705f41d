"""An article whose body is only in the page's script state — a page its scripts draw
(凤凰网's ``var allData = {…}``, a Next.js page's ``__NEXT_DATA__``, ``window.__INITIAL_STATE__``,
schema.org's ``articleBody``): the markup a crawl fetches holds the headline in its
``<title>`` and metas and no body.

The state is every JSON value a script holds: a ``<script type="application/json">`` or
``application/ld+json`` block, or an object a script assigns (``var x = {…}``,
``window.x = {…}``). The body is its longest text that reads as an article — HTML paragraphs
(``<p>…</p>``) or prose of at least ``MIN_STATE_BODY`` characters — read as lines.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from plugins._html import html_text

#: Characters of text a state string needs to be taken for an article body.
MIN_STATE_BODY = 120
_ASSIGNED = re.compile(r"(?:\bvar\s+|\blet\s+|\bconst\s+|\bwindow\.)[\w$.]+\s*=\s*(?=[{\[])")
_PARAGRAPH = re.compile(r"<p[\s>]", re.I)
_SENTENCE = re.compile(r"[。！？；]|[.!?;]\s")


def state_body(sel: Selector) -> str:
    """The longest article-like text in the page's script state, as lines; '' where none."""
    best = ""
    for value in (text for state in _states(sel) for text in _strings(state)):
        if len(value) < MIN_STATE_BODY or len(value) <= len(best):
            continue
        html = bool(_PARAGRAPH.search(value))
        if not html and len(_SENTENCE.findall(value)) < 2:
            continue  # a long key, a URL list, a base64 image: not prose
        text = html_text(value) if html else value.strip()
        if len(text) > len(best):
            best = text
    return best


def _states(sel: Selector) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    for script in sel.xpath("//script"):
        code = script.xpath("string()").get() or ""
        if not code.strip():
            continue
        kind = (script.attrib.get("type") or "").lower()
        if "json" in kind:
            with contextlib.suppress(ValueError):
                yield json.loads(code)
            continue
        for found in _ASSIGNED.finditer(code):
            try:
                value, _end = decoder.raw_decode(code, found.end())
            except ValueError:
                continue
            yield value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
