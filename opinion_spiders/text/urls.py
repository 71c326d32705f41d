"""Canonical URLs, so the same post reached through a share link is stored once."""

from __future__ import annotations

import functools
from urllib.parse import unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

TRACKING_PARAMS: tuple[str, ...] = (
    "spm",
    "fbclid",
    "gclid",
    "from_share",
    "share_token",
    "wxshare_count",
    "scene",
    "isappinstalled",
)
"""Query parameters that only say how a link was shared; every ``utm_*`` is dropped too."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, default port or tracking; query sorted by w3lib.

    The posts of one page differ only in their fragments (``#pid…``), which the canonical form
    drops: the rest is worked out once per page (cached)."""
    return _canonical(url.strip().partition("#")[0])


@functools.lru_cache(maxsize=4096)
def _canonical(url: str) -> str:
    url = _w3lib_canonicalize(url, keep_fragments=False)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    netloc = parts.netloc.rsplit("@", 1)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if len(netloc) == 2:
        host = f"{netloc[0]}@{host}"
    params = [p for p in parts.query.split("&") if p and not _is_tracking(unquote(p.split("=")[0]))]
    return urlunsplit((scheme, host, parts.path or "/", "&".join(params), ""))
