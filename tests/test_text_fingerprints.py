"""Content hashes and stable post keys."""

from __future__ import annotations

import hashlib

import pytest

from opinion_spiders.text.fingerprints import content_hash, post_key, url_key


def test_content_hash_is_sha1_hex() -> None:
    assert content_hash("abc") == hashlib.sha1(b"abc").hexdigest()


def test_content_hash_ignores_whitespace_width_and_case() -> None:
    assert content_hash("村干部 不作为\n\tＡＰＰ") == content_hash("村干部不作为app")
    assert content_hash("a\u3000b") == content_hash("ab")


def test_content_hash_differs_for_different_text() -> None:
    assert content_hash("村干部不作为") != content_hash("村干部有作为")


def test_post_key_from_platform_ids() -> None:
    assert post_key("tieba", thread_id="123", post_id="456") == "tieba:123:456"
    assert post_key("tieba", thread_id=123, post_id=456) == "tieba:123:456"


def test_post_key_from_url_when_no_post_id() -> None:
    url = "https://news.example.cn/a/1.html"
    digest = hashlib.sha1(url.encode()).hexdigest()[:24]
    assert post_key("news", canonical_url=url) == f"news:url:{digest}"
    assert post_key("news", thread_id="9", canonical_url=url) == f"news:url:{digest}"


def test_post_key_is_stable_and_site_scoped() -> None:
    url = "https://e.com/t/1"
    assert post_key("a", canonical_url=url) == post_key("a", canonical_url=url)
    assert post_key("a", canonical_url=url) != post_key("b", canonical_url=url)


def test_post_key_needs_an_identity() -> None:
    with pytest.raises(ValueError):
        post_key("a")


def test_post_key_always_includes_the_thread() -> None:
    """Two threads whose pages reuse block ids (``post_100``) keep both posts: a post id
    without a thread id takes the page's address (fragment dropped) as its thread."""
    one = post_key("f", post_id="100", canonical_url="https://bbs.example.cn/t/1")
    two = post_key("f", post_id="100", canonical_url="https://bbs.example.cn/t/2")
    assert one != two
    assert one == f"f:{url_key('https://bbs.example.cn/t/1#post_100')}:100"
    with pytest.raises(ValueError):
        post_key("f", post_id="100")
