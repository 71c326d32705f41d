"""Stable identities: a content hash for exact reposts and the ``_id`` of a stored post."""

from __future__ import annotations

import hashlib
import re

from opinion_spiders.text.normalize import fold_for_match
from opinion_spiders.text.urls import canonicalize_url

_WHITESPACE = re.compile(r"\s+")


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-1 of the text with width/case folded and all whitespace gone, so reflows collide."""
    return _sha1(_WHITESPACE.sub("", fold_for_match(text)))


def url_key(url: str) -> str:
    """A short stable key of a page's address (canonical, fragment dropped): the thread of a
    post whose page shows no thread id of its own."""
    return "u" + _sha1(canonicalize_url(url))[:16]


def post_key(
    site: str,
    *,
    thread_id: str | int | None = None,
    post_id: str | int | None = None,
    canonical_url: str = "",
) -> str:
    """The post's ``_id``: from platform ids when there is a post id, else from the URL.

    Platform ids survive URL changes (mobile/desktop, pagination), so they win when present.
    The thread is always part of it: a post id without its thread (a block id such as
    ``post_100`` that another thread's page reuses) takes the page's address as its thread.
    """
    if post_id is not None and str(post_id) != "":
        if thread_id is None or str(thread_id) == "":
            if not canonical_url:
                raise ValueError("post_key needs a thread_id or a canonical_url with a post_id")
            thread_id = url_key(canonical_url)
        return f"{site}:{thread_id}:{post_id}"
    if not canonical_url:
        raise ValueError("post_key needs a post_id or a canonical_url")
    return f"{site}:url:{_sha1(canonical_url)[:24]}"
