"""Searching a site for the watched names (``opinion_spiders.crawling.search``): a site's
``search_urls`` asked for each word — its own ``search_terms``, else the watchlist's names and
the terms of the plans not yet over —, the words encoded as the site's pages are, and the
results pages read as listings by the site's engine in a crawl. The results page is written by
hand in a government site's search shape (``tests/reading_pages/written_site_search_results.html``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from opinion_spiders.crawling.search import search_links, search_terms
from opinion_spiders.errors import ConfigError
from opinion_spiders.sites import Site, site_from_mapping
from tests._proc import ROOT, crawl_site, run_opinion
from tests.receivers import PageSite

PAGES = ROOT / "tests" / "reading_pages"


def _site(**data: object) -> Site:
    table = {"kind": "portal", "engine": "portal", **data}
    return site_from_mapping("gov", table, "sites.toml", {"demo": "http://127.0.0.1:9"})


def test_search_urls_are_declared_with_their_query() -> None:
    site = _site(search_urls=["{demo}/search?q={query}&page=1"], search_terms=[" 周建国 "])
    assert site.start_urls == ()  # a site may only search
    assert site.search_urls == ("http://127.0.0.1:9/search?q={query}&page=1",)
    assert site.search_terms == ("周建国",)
    with pytest.raises(ConfigError, match=r"search_urls.*has no \{query\}"):
        _site(search_urls=["https://www.example.gov.cn/search?q="])
    with pytest.raises(ConfigError, match="search_terms"):
        _site(search_urls=["https://x.cn/s?q={query}"], search_terms="周建国")
    with pytest.raises(ConfigError, match="start_urls"):
        _site()  # neither where to start nor what to search
    with pytest.raises(ConfigError, match="not an http"):
        _site(search_urls=["ftp://x.cn/s?q={query}"])


def test_search_words_are_the_watchlist_and_the_plans_not_yet_over() -> None:
    """On the demo sites' watch files: the 14 names, then the terms of the plans whose end
    is still ahead; a site's own words win."""
    site = _site(search_urls=["https://x.cn/s?q={query}"])
    words = search_terms(site, {}, now=datetime(2026, 12, 5, tzinfo=UTC))
    assert words[:3] == ["临江市城市管理局", "临江市纪委监委", "临江市自然资源和规划局"]
    assert "周建国" in words and "王立新" in words
    assert "补偿款" in words and "任前公示" in words  # plans running on 2026-12-05
    assert len(words) == len(set(words))
    later = search_terms(site, {}, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert "任前公示" not in later and "周建国" in later  # the plans are over, the names stay
    own = _site(search_urls=["https://x.cn/s?q={query}"], search_terms=["燃气", "燃气"])
    assert search_terms(own, {}) == ["燃气"]


def test_search_words_are_encoded_as_the_sites_pages_are() -> None:
    utf8 = _site(search_urls=["https://x.cn/s?q={query}", "https://x.cn/t/{query}/1"])
    links = search_links(utf8, ["周建国", "a b"])
    assert [link.url for link in links] == [
        "https://x.cn/s?q=%E5%91%A8%E5%BB%BA%E5%9B%BD", "https://x.cn/s?q=a%20b",
        "https://x.cn/t/%E5%91%A8%E5%BB%BA%E5%9B%BD/1", "https://x.cn/t/a%20b/1",
    ]  # fmt: skip
    assert {link.role for link in links} == {"listing"} and links[0].meta == {"search": "周建国"}
    gbk = _site(search_urls=["https://x.cn/s?q={query}"], encoding="gbk")
    assert search_links(gbk, ["周建国"])[0].url == "https://x.cn/s?q=%D6%DC%BD%A8%B9%FA"


@pytest.fixture
def gov(tmp_path: Path) -> Iterator[PageSite]:
    routes = [
        (re.compile(r"^/search\?"), PAGES / "written_site_search_results.html"),
        (
            re.compile(r"^/\w+/\w+/202405/t\d+_\d+\.html$"),
            PAGES / "written_gov_policy_document.html",
        ),
    ]
    with PageSite(routes, "text/html; charset=utf-8") as site:
        yield site


def test_crawl_searches_the_site_for_each_word(gov: PageSite, tmp_path: Path) -> None:
    posts = crawl_site(
        tmp_path, "gov-search",
        f'kind = "portal"\nengine = "portal"\nsearch_urls = ["{gov.url}/search?q={{query}}"]\n'
        'search_terms = ["周建国", "城北片区"]\nconcurrency = 2\nmax_listing_pages = 1',
    )  # fmt: skip
    searched = sorted(unquote(hit) for hit in gov.hits if hit.startswith("/search?"))
    # each word once; the results' next page is not walked past max_listing_pages
    assert searched == ["/search?q=周建国", "/search?q=城北片区"]
    articles = {hit for hit in gov.hits if hit.endswith(".html")}
    assert articles == {
        "/zwgk/tzgg/202405/t20240528_4000.html",
        "/zwgk/zcwj/202405/t20240520_3990.html",
        "/hdjl/zxft/202405/t20240512_3971.html",
    }
    assert len(posts) == 3


def test_opinion_sites_shows_what_a_site_searches(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.gov-search]\nkind = "portal"\nengine = "portal"\n'
        'search_urls = ["https://www.example.gov.cn/search?q={query}"]\n'
        '[sites.bbs]\nkind = "forum"\nengine = "discuz"\nstart_urls = ["https://bbs.example.cn/"]\n'
        'search_urls = ["https://bbs.example.cn/s?kw={query}"]\nsearch_terms = ["燃气", "拆迁"]\n'
        "revisit_hours = 48\n",
        encoding="utf-8",
    )
    out = run_opinion("sites", "-s", f"OPINION_SITES_FILES={sites}").stdout
    assert "search https://www.example.gov.cn/search?q={query} (its watched names)" in out
    assert "search https://bbs.example.cn/s?kw={query} (2 word(s) of its own)" in out
    assert "revisits the threads stored in the last 48 h" in out


def test_tieba_search_results_lead_to_the_posts_found() -> None:
    """A Tieba results page: each hit a link to its thread at the post found, keyed by the
    post with its time as state; the next page of results."""
    from opinion_spiders.reading import read_page
    from opinion_spiders.runtime import Runtime

    url = "https://tieba.baidu.com/f/search/res?ie=utf-8&qw=%E5%9F%8E%E5%8D%97%E8%A1%97%E9%81%93"
    site = Site(name="bar", kind="postbar", engine="tieba", start_urls=(url,))
    body = (PAGES / "written_tieba_search_results.html").read_bytes()
    reading, _ = read_page(body, url, Runtime({}), role="listing", site=site)
    hits = [link for link in reading.parsed.links if link.role == "thread"]
    assert [(link.key, link.state) for link in hits] == [
        ("found:149123456789", "2024-05-12 10:20"),
        ("found:149123400077", "2024-05-11 23:41"),
        ("found:148999999999", "2024-05-10 08:05"),
    ]
    assert hits[0].url == "https://tieba.baidu.com/p/8912345678?pid=149123456789&cid="
    assert hits[0].meta["tid"] == "8912345678" and hits[0].meta["author"] == "城南居民"
    assert hits[0].meta["title"] == "城南街道老旧小区加装电梯到底谁说了算"
    assert hits[2].meta["bar"] == "临江市"
    (nxt,) = [link for link in reading.parsed.links if link.role == "listing"]
    assert nxt.url.endswith("&pn=2")


@pytest.mark.parametrize("role", ["listing", "auto"])
def test_discuz_search_results_lead_to_the_threads_found(role: str) -> None:
    """Discuz!'s ``search.php`` results (GBK): each thread keyed as the board's list keys it,
    its reply count the state; the next page of results."""
    from opinion_spiders.reading import read_page
    from opinion_spiders.runtime import Runtime

    url = (
        "https://bbs.example.cn/search.php?mod=forum&searchid=58&orderby=lastpost&searchsubmit=yes"
    )
    site = Site(name="bbs", kind="forum", engine="discuz", start_urls=(url,))
    body = (PAGES / "written_discuz_search_results_gbk.html").read_bytes()
    reading, _ = read_page(body, url, Runtime({}), role=role, site=site)
    hits = [link for link in reading.parsed.links if link.role == "thread"]
    assert [(link.key, link.state) for link in hits] == [
        ("thread:12345", "3"), ("thread:12290", "15"), ("thread:12001", "0"),
    ]  # fmt: skip
    assert hits[0].url.startswith("https://bbs.example.cn/forum.php?mod=viewthread&tid=12345")
    assert hits[0].meta["title"] == "城南街道老旧小区加装电梯到底谁说了算"
    assert hits[1].meta["author"] == "夜猫子"
    (nxt,) = [link for link in reading.parsed.links if link.role == "listing"]
    assert nxt.url.endswith("searchsubmit=yes&page=2")
