"""Meta-refresh redirects: the project's middleware answers as Scrapy's does, but keeps a page
that refreshes to itself, and leaves the pages that cannot hold a refresh undecoded (a page
worker decodes what it reads). Written to hold with w3lib before 2.6 and from it: 2.6 reads a
refresh as a browser does (one without an address reloads the page; none inside a script)."""

from __future__ import annotations

import itertools

import pytest
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from opinion_spiders.crawling.middlewares import (
    REFRESH_WINDOW,
    LazyMetaRefreshMiddleware,
    may_refresh,
)
from opinion_spiders.crawling.runner import project_settings

TAGS = [
    '<meta http-equiv="refresh" content="0; url=/next">',
    "<META HTTP-EQUIV='Refresh' CONTENT='3;URL=http://127.0.0.1/elsewhere'>",
    '<meta content="0;url=/after" http-equiv="REFRESH">',
    '<meta http-equiv="refresh" content="200; url=/too-late">',  # past METAREFRESH_MAXDELAY
    '<meta http-equiv="refresh" content="5">',  # no URL: no redirect
    '<!-- <meta http-equiv="refresh" content="0; url=/commented"> -->',
    '<script>var s = \'<meta http-equiv="refresh" content="0; url=/in-script">\';</script>',
    "<p>Refresh the page if it does not load</p>",  # the word, but no tag
    "",
]
ENCODINGS = ["utf-8", "gbk", "gb18030", "big5", "latin-1", "utf-16", "utf-16-le", "utf-32"]
#: characters before the tag: none, some Hanzi, and so many that the tag lies past the
#: first 4,096 characters (where Scrapy no longer looks) or just inside them
LEADS = [0, 300, 4000, 4200]
PAGE = "http://127.0.0.1/page"


def _page(tag: str, encoding: str, lead: int) -> bytes:
    filler = "輿" * lead if encoding != "latin-1" else "é" * lead
    html = f"<html><head>{filler}{tag}<title>標題</title></head><body>正文</body></html>"
    if encoding == "latin-1":
        html = html.replace("標題", "titre").replace("正文", "texte")
    return html.encode(encoding)


def _made(cls: type[MetaRefreshMiddleware]) -> MetaRefreshMiddleware:
    return cls.from_crawler(get_crawler())


def _answer(middleware: MetaRefreshMiddleware, body: bytes, encoding: str) -> Request | Response:
    request = Request(PAGE)
    response = HtmlResponse(
        request.url,
        body=body,
        headers={"Content-Type": f"text/html; charset={encoding}"},
        request=request,
    )
    return middleware.process_response(request, response)


@pytest.mark.parametrize(
    ("tag", "encoding", "lead"), list(itertools.product(TAGS, ENCODINGS, LEADS))
)
def test_it_redirects_exactly_where_scrapys_middleware_does(
    tag: str, encoding: str, lead: int
) -> None:
    body = _page(tag, encoding, lead)
    ours = _answer(_made(LazyMetaRefreshMiddleware), body, encoding)
    scrapys = _answer(_made(MetaRefreshMiddleware), body, encoding)
    if isinstance(scrapys, Request) and scrapys.url == PAGE:  # a reload: the page is kept
        assert isinstance(ours, Response)
        assert ours.url == PAGE
        return
    assert type(ours) is type(scrapys)
    if isinstance(scrapys, Request):
        assert isinstance(ours, Request)
        assert ours.url == scrapys.url
        assert ours.meta["redirect_reasons"] == scrapys.meta["redirect_reasons"]


def test_the_cases_include_redirects_and_pages_left_alone() -> None:
    """The comparison above is not between two middlewares that never redirect."""
    answers = [
        _answer(_made(LazyMetaRefreshMiddleware), _page(t, e, lead), e)
        for t, e, lead in itertools.product(TAGS, ENCODINGS, LEADS)
    ]
    redirected = [a for a in answers if isinstance(a, Request)]
    assert 40 <= len(redirected) < len(answers)
    urls = {a.url for a in redirected}
    assert urls >= {
        "http://127.0.0.1/next", "http://127.0.0.1/elsewhere", "http://127.0.0.1/after",
    }  # fmt: skip
    # a script's only before w3lib 2.6 (Scrapy's METAREFRESH_IGNORE_TAGS is ["noscript"])
    assert urls <= {
        "http://127.0.0.1/next", "http://127.0.0.1/elsewhere", "http://127.0.0.1/after",
        "http://127.0.0.1/in-script",
    }  # fmt: skip


@pytest.mark.parametrize(
    "tag",
    [
        '<meta http-equiv="refresh" content="30">',  # w3lib 2.6: to the page itself
        '<meta http-equiv="refresh" content="0; url=/page">',
        '<meta http-equiv="refresh" content="10; URL=http://127.0.0.1/page#top">',
    ],
)
def test_a_page_that_refreshes_to_itself_is_kept(tag: str) -> None:
    """A request for the page's own address would be dropped by the duplicate filter: the
    page fetched would never be read (Scrapy's middleware answers the last two so)."""
    body = _page(tag, "utf-8", 0)
    response = _answer(_made(LazyMetaRefreshMiddleware), body, "utf-8")
    assert isinstance(response, HtmlResponse)
    assert response.url == PAGE
    assert response.body == body


def test_a_refresh_back_to_an_address_the_redirects_came_through_keeps_the_page() -> None:
    request = Request("http://127.0.0.1/b", meta={"redirect_urls": ["http://127.0.0.1/a"]})
    body = _page('<meta http-equiv="refresh" content="1; url=/a">', "utf-8", 0)
    response = HtmlResponse(request.url, body=body, encoding="utf-8", request=request)
    assert _made(LazyMetaRefreshMiddleware).process_response(request, response) is response
    onward = _page('<meta http-equiv="refresh" content="1; url=/c">', "utf-8", 0)
    response = HtmlResponse(request.url, body=onward, encoding="utf-8", request=request)
    answer = _made(LazyMetaRefreshMiddleware).process_response(request, response)
    assert isinstance(answer, Request)
    assert answer.url == "http://127.0.0.1/c"


def test_a_page_that_cannot_hold_a_refresh_is_not_decoded() -> None:
    request = Request("http://127.0.0.1/page")
    body = _page("", "gbk", 300)
    response = HtmlResponse(request.url, body=body, encoding="gbk", request=request)
    assert _made(LazyMetaRefreshMiddleware).process_response(request, response) is response
    assert response._cached_ubody is None  # Scrapy's would have decoded the whole page
    _made(MetaRefreshMiddleware).process_response(request, response)
    assert response._cached_ubody is not None


def test_may_refresh_reads_the_bytes_of_the_first_characters() -> None:
    assert may_refresh(b'<META HTTP-EQUIV="REFRESH" content="0;url=/x">')
    assert not may_refresh(b"<html><body>plain</body></html>")
    assert may_refresh("<p>x</p>".encode("utf-16"))  # NUL bytes: letters are not their bytes
    # the word past the window is past the first 4,096 characters in every such encoding
    assert not may_refresh(b"a" * REFRESH_WINDOW + b"refresh")
    assert may_refresh("舆".encode("gb18030") * 4095 + b"Refresh")


def test_the_project_uses_it_in_place_of_scrapys() -> None:
    settings = project_settings()
    names = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert "opinion_spiders.crawling.middlewares.LazyMetaRefreshMiddleware" in names
    assert "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware" not in names
