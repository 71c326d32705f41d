"""Stable identities: a content hash for exact reposts and the ``_id`` of a stored post."""

from __future__ import annotations

import hashlib
import re

from opinion_spiders.text.normalize import fold_for_match

_WHITESPACE = re.compile(r"\s+")


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-1 of the text with width/case folded and all whitespace gone, so reflows collide."""
    return _sha1(_WHITESPACE.sub("", fold_for_match(text)))


def post_key(
    site: str,
    *,
    thread_id: str | int | None = None,
    post_id: str | int | None = None,
    canonical_url: str = "",
) -> str:
    """The post's ``_id``: from platform ids when there is a post id, else from the URL.

    Platform ids survive URL changes (mobile/desktop, pagination), so they win when present.
    """
    if post_id is not None and str(post_id) != "":
        return f"{site}:{'' if thread_id is None else thread_id}:{post_id}"
    if not canonical_url:
        raise ValueError("post_key needs a post_id or a canonical_url")
    return f"{site}:url:{_sha1(canonical_url)[:24]}"
