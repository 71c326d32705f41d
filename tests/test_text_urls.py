"""Canonical URLs."""

from __future__ import annotations

import pytest

from opinion_spiders.text.urls import TRACKING_PARAMS, canonicalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://BBS.Example.COM/t/1", "http://bbs.example.com/t/1"),
        ("https://example.com/a#comment-3", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com", "http://example.com/"),
        ("http://e.com/f.php?tid=5&mod=view", "http://e.com/f.php?mod=view&tid=5"),
        ("http://e.com/a?utm_source=wx&utm_medium=x&id=7", "http://e.com/a?id=7"),
        ("http://e.com/a?id=7&spm=a1.b2&fbclid=z&gclid=q", "http://e.com/a?id=7"),
        ("http://e.com/a?from_share=1&share_token=t&id=7", "http://e.com/a?id=7"),
        ("http://e.com/a?wxshare_count=2&scene=1&isappinstalled=0", "http://e.com/a"),
        ("http://e.com/a?UTM_Campaign=x&page=2", "http://e.com/a?page=2"),
        ("http://e.com/a?empty=&id=1", "http://e.com/a?empty=&id=1"),
    ],
)
def test_canonicalize_url_normalises(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonicalize_url_share_link_equals_plain_link() -> None:
    plain = "https://news.example.cn/article/123.html?page=2"
    shared = "HTTPS://News.Example.CN:443/article/123.html?scene=1&page=2&utm_source=wechat#top"
    assert canonicalize_url(shared) == canonicalize_url(plain)


def test_canonicalize_url_is_idempotent() -> None:
    once = canonicalize_url("http://E.com:80/中文?q=舆情&b=1&spm=2#x")
    assert canonicalize_url(once) == once


def test_canonicalize_url_keeps_params_that_only_look_like_tracking() -> None:
    assert canonicalize_url("http://e.com/a?scenery=1") == "http://e.com/a?scenery=1"


def test_canonicalize_url_tracking_list_is_documented() -> None:
    assert {"spm", "fbclid", "gclid", "scene"} <= set(TRACKING_PARAMS)
