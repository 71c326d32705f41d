"""Decode fetched pages the way Chinese sites really serve them.

Many pages declare GB2312 but are UTF-8; real GBK pages use characters outside GB2312; some
declare nothing; some servers send a wrong ``charset`` header. Strict UTF-8 is tried first
(GB bytes of Chinese text are almost never valid UTF-8), then the declared charset, with the
whole GB family read as gb18030 (its superset).
"""

from __future__ import annotations

import codecs
import re

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "hz-gb-2312"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset; the GB family becomes gb18030."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(body: bytes) -> str | None:
    """The charset a page's own ``<meta>`` declares, from its first 4 KiB."""
    m = _META.search(body[:4096])
    return normalise_charset(m.group(1).decode("ascii", "ignore")) if m else None


def decode_html(
    body: bytes, header_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Return ``(text, codec)``. ``override`` (a site's ``encoding``) wins when it decodes."""
    forced = normalise_charset(override)
    if forced:
        try:
            return body.decode(forced), forced
        except UnicodeDecodeError:
            pass
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for candidate in (declared_charset(body), normalise_charset(header_charset), "gb18030"):
        if candidate and candidate != "utf-8":
            try:
                return body.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
    return body.decode("gb18030", errors="replace"), "gb18030"
