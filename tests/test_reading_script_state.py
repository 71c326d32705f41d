"""Articles a page's scripts draw (``plugins._portal_state``, read by the ``portal`` engine):
the body only in the page's script state — a variable a script assigns (凤凰网's ``allData``),
a Next.js page's ``__NEXT_DATA__``, JSON-LD's ``articleBody`` —, the headline in the title,
the time in a meta given by name and property at once. The page is written by hand in the
shape such a page is served (``tests/reading_pages/written_script_state_article.html``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
URL = "https://news.ifeng.com/c/8Z1aBcDeFgH"
SITE = Site(name="news", kind="portal", engine="portal", start_urls=(URL,))
LINES = [
    "记者从市交通运输局获悉，5月20日起，本市将调整12条公交线路，优化与地铁站的接驳。",
    "据介绍，此次调整主要涉及城南、城北片区，调整后换乘距离平均缩短200米。",
    "市民可通过“临江公交”微信公众号查询调整后的线路走向和首末班时间。",
]


def _article(page: bytes, role: str = "article"):  # type: ignore[no-untyped-def]
    reading, _ = read_page(page, URL, RUNTIME, role=role, site=SITE)
    (post,) = reading.parsed.posts
    return post


@pytest.mark.parametrize("role", ["article", "auto"])
def test_article_body_in_a_script_variable(role: str) -> None:
    post = _article((REAL / "written_script_state_article.html").read_bytes(), role)
    assert post.title == "临江12条公交线路5月20日起调整"
    assert post.content.split("\n") == LINES
    assert post.adapter_version == "1+state"
    # <meta name="og:time " property="og:release_date" content="2024-05-13 10:20:33">
    assert post.published_at == datetime(
        2024, 5, 13, 10, 20, 33, tzinfo=timezone(timedelta(hours=8))
    )


def _shell(script: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>临江12条公交线路5月20日起调整_临江新闻网'
        '</title><meta property="article:published_time" content="2024-05-13T10:20:33+08:00">'
        f'</head><body><div id="__next"></div>{script}</body></html>'
    ).encode()


def test_article_body_in_next_data_and_in_linked_data() -> None:
    html = "".join(f"<p>{line}</p>" for line in LINES)
    data = {"props": {"pageProps": {"detail": {"title": "临江12条公交线路5月20日起调整",
                                               "content": html, "summary": LINES[0][:20]}}}}  # fmt: skip
    nxt = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data, ensure_ascii=False)}</script>'
    assert _article(_shell(nxt)).content.split("\n") == LINES
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "临江12条公交线路",
          "articleBody": "\n".join(LINES)}  # fmt: skip
    linked = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    body = _article(_shell(linked)).content
    assert all(line in body for line in LINES)


def test_short_or_non_prose_state_is_no_body() -> None:
    """State strings that are not prose — a key, addresses, a short summary — make no body:
    the page stays unread, as before."""
    data = {"urls": ["https://img.example.cn/" + "a" * 200], "summary": LINES[0][:30],
            "token": "x" * 400}  # fmt: skip
    script = f"<script>window.__INITIAL_STATE__ = {json.dumps(data)};</script>"
    with pytest.raises(ParseError):
        _article(_shell(script))
