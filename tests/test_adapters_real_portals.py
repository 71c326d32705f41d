"""The portal adapter on real news and government pages (``real_pages``, see its SOURCES.md),
and on feeds and sitemaps written for these tests (``tests/pages/feeds``).

Expected values are the ones read off the pages by eye; bodies are compared with the
magic-html benchmark's truth text (``truth.json``) where it has one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.encoding import decode_html
from opinion_spiders.errors import ParseError
from opinion_spiders.items import Post
from opinion_spiders.sites import Site
from opinion_spiders.text.dates import parse_datetime
from plugins.portal import PortalAdapter

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real_pages"
FEEDS = Path(__file__).resolve().parent / "pages" / "feeds"
PORTAL = Site(name="real-portal", kind="portal", engine="portal", start_urls=("x",))
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Lowest difflib ratio of the adapter's body to the truth text (measured: 0.978–1.000).
SIMILARITY = 0.95


@dataclass(frozen=True)
class Article:
    file: str
    url: str
    title: str
    published_text: str
    published_at: datetime
    source: str
    opening: str  # the body's first words (truth.json's, past any video-player text)


ARTICLES = (
    Article(
        "news_people_finance_2024_gb2312decl.html",
        "http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html",
        "在新时代中部地区崛起中争先出彩（推动高质量发展·权威发布）",
        "2024年05月10日06:58", datetime(2024, 5, 10, 6, 58, tzinfo=CST), "人民日报",
        "5月9日，国务院新闻办举行“推动高质量发展”系列主题新闻发布会",
    ),
    Article(
        "news_newscn_2024.html",
        "http://www.news.cn/politics/leaders/20240509/3dd6e33cc6d749fbaae01fea337ff400/c.html",
        "李强在新疆调研时强调 彰显特色优势 提高开放水平 在高质量发展中增进民生福祉促进长治久安",
        "2024-05-09 22:27:02", datetime(2024, 5, 9, 22, 27, 2, tzinfo=CST), "新华网",
        "新华社乌鲁木齐5月9日电（记者邹伟）",
    ),
    Article(
        "news_sina_2024.html",
        "https://news.sina.com.cn/c/2024-05-10/doc-inausehc2630922.shtml",
        "城市有轨电车之困：一边争相上马，一边接连叫停",
        "2024年05月10日 00:26", datetime(2024, 5, 10, 0, 26, tzinfo=CST), "每日经济新闻",
        "建设4年、运营3年，又废弃3年",
    ),
    Article(
        "news_163_dy_2024.html",
        "https://www.163.com/dy/article/J22CN60P0514R9KQ.html",
        "租户将车停自家院子要交“资源占用费”？村民打“12345”讨说法",
        "2024-05-13 09:16:04", datetime(2024, 5, 13, 9, 16, 4, tzinfo=CST), "北青网-北京青年报",
        "“一闸之隔，进入道闸里面每月要收150元",
    ),
    Article(
        "news_qq_2019_gb2312decl.html",
        "http://finance.qq.com/a/20190923/000843.htm",
        "棱镜|数据业大整顿：爬虫与现金贷共生共荣，用户信息几元不等",
        "2019-09-23 07:48", datetime(2019, 9, 23, 7, 48, tzinfo=CST), "棱镜",
        "划重点：",
    ),
    Article(
        "gov_shanxi_portal_2019.html",
        "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
        "山西品牌丝路行（南美站）正式启动",
        "2019-09-18 06:23", datetime(2019, 9, 18, 6, 23, tzinfo=CST), "山西日报",
        "图为山西品牌丝路行（南美站）启动仪式。",
    ),
)  # fmt: skip
AUTOHOME = "portal_home_autohome_gb2312_bytes.html"


def real_page(name: str, url: str, role: str) -> Page:
    """Decode as a crawl would (UTF-8 first, then the declared charset as gb18030)."""
    path = REAL / name
    assert path.is_file(), f"fixture page missing: {path}"
    text = decode_html(path.read_bytes()).text
    return Page(url, text, role, PORTAL, NOW)


def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))
    return data


def only_post(article: Article, role: str) -> Post:
    parsed = PortalAdapter().parse(real_page(article.file, article.url, role))
    assert parsed.page_type == "content" and parsed.links == []
    (post,) = parsed.posts
    return post


def feed_page(name: str, url: str, role: str = "feed") -> Page:
    text = decode_html((FEEDS / name).read_bytes()).text
    return Page(url, text, role, PORTAL, NOW)


@pytest.mark.parametrize("role", ["auto", "article"])
@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.file.split(".")[0])
def test_portal_real_article_facts(article: Article, role: str) -> None:
    """Headline, shown time (tz-aware once resolved) and 来源 as the page shows them."""
    post = only_post(article, role)
    assert post.title == article.title
    assert post.published_text == article.published_text
    at = post.published_at or parse_datetime(post.published_text, NOW, "Asia/Shanghai")
    assert at is not None and at.utcoffset() is not None and at == article.published_at
    assert post.source == article.source
    assert post.url == article.url and post.kind == "portal" and post.adapter == "portal"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.file.split(".")[0])
def test_portal_real_article_body(article: Article) -> None:
    """The body starts where the article starts and, where the benchmark has a truth text,
    is close to it character by character."""
    post = only_post(article, "auto")
    assert post.content.startswith(article.opening)
    assert article.title not in post.content.split("\n")[0]
    expected = truth().get(article.file)
    if expected is not None:
        assert article.opening in expected["content"][:60]
        similarity = difflib.SequenceMatcher(
            None, post.content, expected["content"], autojunk=False
        ).ratio()
        assert similarity >= SIMILARITY, (article.file, similarity)


def test_portal_real_shown_time_beats_meta_time() -> None:
    """Sina shows 00:26 while its og:published_time says 05:54: readers saw 00:26."""
    post = only_post(ARTICLES[2], "auto")
    page = real_page(ARTICLES[2].file, ARTICLES[2].url, "auto")
    assert 'content="2024-05-10T05:54:20+08:00"' in page.text
    assert post.published_at == datetime(2024, 5, 10, 0, 26, tzinfo=CST)


def test_portal_real_banner_h1_is_not_the_headline() -> None:
    page = real_page(ARTICLES[5].file, ARTICLES[5].url, "auto")
    assert (page.selector.xpath("string(//h1)").get() or "").strip() == "山西省人民政府网站"
    assert only_post(ARTICLES[5], "auto").title == "山西品牌丝路行（南美站）正式启动"


def test_portal_real_author_or_editor_line() -> None:
    """The byline (记者) when the page has one, else the responsible editor (责任编辑)."""
    authors = {a.file: only_post(a, "auto").author for a in ARTICLES}
    assert authors["news_people_finance_2024_gb2312decl.html"] == "王乐文 方 敏"
    assert authors["news_newscn_2024.html"] == "王頔"
    assert authors["news_sina_2024.html"] == "刘德宾"
    assert authors["news_qq_2019_gb2312decl.html"] == "biaoffeng"


def test_portal_real_ids_are_stable_per_article() -> None:
    ids = [only_post(a, "auto").thread_id for a in ARTICLES]
    assert ids[0] == "c1004-40232587" and ids[5] == "t20190918_693227"
    assert ids[1] == "www.news.cn/politics/leaders/20240509/3dd6e33cc6d749fbaae01fea337ff400/c"
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("role", ["auto", "index", "listing"])
def test_portal_real_home_page_gives_links_not_a_post(role: str) -> None:
    """The autohome home page is no article: article and column links, never an empty post."""
    parsed = PortalAdapter().parse(real_page(AUTOHOME, "https://www.autohome.com.cn/", role))
    assert parsed.posts == [] and parsed.page_type == "content"
    articles = [lk for lk in parsed.links if lk.role == "article"]
    assert len(articles) > 50 and all(lk.key and lk.key.startswith("article:") for lk in articles)
    first = next(lk for lk in articles if lk.url.endswith("/news/201810/923660.html"))
    assert (
        first.key == "article:923660" and first.meta["title"] == "带奔驰“翻山越岭” 蔡澈让位“年轻”"
    )
    columns = {lk.url for lk in parsed.links if lk.role == "listing"}
    assert ("https://www.autohome.com.cn/suv/" in columns) is (role != "listing")  # 更多 links


def test_portal_real_home_page_as_article_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as err:
        PortalAdapter().parse(real_page(AUTOHOME, "https://www.autohome.com.cn/", "article"))
    assert err.value.reason == "no_article"


def test_portal_real_notice_page_is_a_notice() -> None:
    """A login-redirect notice is reported as such whatever role it was fetched in."""
    name = "discuz_x32_message_loginok_chinaunix_gbk.html"
    for role in ("auto", "article", "listing"):
        parsed = PortalAdapter().parse(real_page(name, "http://bbs.chinaunix.net/x", role))
        assert parsed.page_type == "notice" and parsed.notice_kind == "login"
        assert parsed.posts == [] and parsed.links == []


def test_portal_sniff_scores() -> None:
    """Articles get a moderate score (forum engines outbid it), feeds and sitemaps a high one,
    a home page a low one."""
    for article in ARTICLES:
        page = real_page(article.file, article.url, "auto")
        assert 0.3 <= PortalAdapter.sniff(page.text, page.url) <= 0.5
    for name in ("rss2.xml", "atom.xml", "sitemap.xml", "news_sitemap.xml", "rss1_gbk.xml"):
        page = feed_page(name, "http://x/feed")
        assert PortalAdapter.sniff(page.text, page.url) >= 0.9
    home = real_page(AUTOHOME, "https://www.autohome.com.cn/", "auto")
    assert PortalAdapter.sniff(home.text, home.url) < 0.3


def test_portal_canary_required_fields() -> None:
    """Canary: on every article fixture the fields the pipelines and analysts need are there.
    A failure here means a change broke the portal engine on pages it used to read."""
    for article in ARTICLES:
        post = only_post(article, "auto")
        missing = [
            name
            for name in ("title", "content", "published_text", "source", "url", "site")
            if not getattr(post, name)
        ]
        assert not missing, (article.file, missing)
        assert post.published_at is not None and post.published_at.utcoffset() is not None
        assert len(post.content) >= 500 and post.confidence == 1.0
        assert post.adapter_version in ("1+trafilatura", "1+selector")


# --- feeds and sitemaps (written for these tests) ---


@pytest.mark.parametrize("role", ["feed", "auto", "index", "article"])
def test_portal_rss2_items_become_article_links(role: str) -> None:
    """An RSS page is read as a feed whatever role led to it."""
    page = feed_page("rss2.xml", "http://www.qingchuan.example.gov.cn/rss.xml", role)
    parsed = PortalAdapter().parse(page)
    assert parsed.posts == [] and [lk.role for lk in parsed.links] == ["article"] * 3
    first, second, third = parsed.links
    assert first.key == "article:t20240512_1183" and first.state == "2024-05-12"
    assert first.meta["title"] == "县政府召开防汛工作部署会" and first.meta["author"] == "县政府办"
    assert second.url == "http://www.qingchuan.example.gov.cn/xwzx/tzgg/202405/t20240510_1179.html"
    assert third.url.endswith("t20240509_1170.html")  # from the permalink guid
    assert third.state == "2024-05-10"  # 16:40 GMT is past midnight in Asia/Shanghai


def test_portal_atom_entries_prefer_alternate_link_and_published() -> None:
    page = feed_page("atom.xml", "https://news.linjiang.example.com/society/atom.xml")
    first, second = PortalAdapter().parse(page).links
    assert first.url == "https://news.linjiang.example.com/2024/0513/c_88213.htm"
    assert first.meta["published_text"] == "2024-05-13T07:45:00+08:00"
    assert first.meta["author"] == "记者 周岚" and first.state == "2024-05-13"
    assert second.meta["published_text"] == "2024-05-12T23:30:00Z"
    assert second.state == "2024-05-13" and first.key != second.key


def test_portal_rss1_gb2312_declared_gbk_feed() -> None:
    """An RDF feed declaring gb2312 with GBK-only characters (镕, 喆) decodes and parses."""
    (link,) = PortalAdapter().parse(feed_page("rss1_gbk.xml", "http://bbs.example.cn/rss")).links
    assert link.meta["title"] == "镕钢厂区道路改造公示" and link.meta["author"] == "喆言"
    assert link.key == "article:31415" and link.state == "2024-05-10"


def test_portal_sitemap_urls_keyed_by_lastmod() -> None:
    page = feed_page("sitemap.xml", "https://www.linjiang.example.gov.cn/sitemap.xml")
    links = PortalAdapter().parse(page).links
    assert [lk.role for lk in links] == ["article"] * 3
    assert (
        links[0].key == "article:t20240513_5521" and links[0].state == "2024-05-13T11:20:00+08:00"
    )
    assert links[1].state == "2024-05-11"
    assert links[2].state is None and links[2].key == "article:about"


def test_portal_sitemap_index_links_nested_sitemaps() -> None:
    page = feed_page("sitemap_index.xml", "https://news.linjiang.example.com/sitemap.xml")
    first, second = PortalAdapter().parse(page).links
    assert (first.role, first.url, first.state) == (
        "feed", "https://news.linjiang.example.com/sitemaps/news-2024-05.xml",
        "2024-05-13T10:00:00+08:00",
    )  # fmt: skip
    assert first.key == f"sitemap:{first.url}"
    assert second.url == "https://news.linjiang.example.com/sitemaps/news-2024-04.xml"
    assert second.role == "feed" and second.state is None


def test_portal_news_sitemap_titles_and_publication_dates() -> None:
    page = feed_page("news_sitemap.xml", "https://news.linjiang.example.com/news-sitemap.xml")
    first, second = PortalAdapter().parse(page).links
    assert first.meta["title"] == "老旧小区加装电梯 居民投票过半"
    assert first.meta["published_text"] == "2024-05-13T07:45:00+08:00"
    assert first.meta["source"] == "临江晚报"
    assert first.state == "2024-05-13T07:45:00+08:00"  # no lastmod: the publication date
    assert second.state == "2024-05-13T09:00:00+08:00"  # lastmod: an edit re-fetches it
    assert second.meta["published_text"] == "2024-05-12"
    assert "lift.jpg" not in " ".join(lk.url for lk in (first, second))
