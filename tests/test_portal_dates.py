"""When an article was published, where the page says it other than in its info line or metas:
schema.org's ``datePublished`` (JSON-LD, microdata) and the short lines under the headline; and
who wrote it and where it comes from, without the words around them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from opinion_spiders.adapters import Page
from opinion_spiders.sites import Site
from plugins.portal import GUESSED, PortalAdapter
from tests._proc import ROOT

BODY = (
    "<p>" + "市政府今天召开新闻发布会，介绍城市供水价格调整方案的听证安排和后续措施。" * 4 + "</p>"
)
SH = timezone(timedelta(hours=8))


def _article(head: str, top: str, body: str = BODY, url: str = "") -> Page:
    url = url or "https://news.example.cn/a/8GVppf8aesd"
    html = f"""<html><head><title>供水价格调整听证会将于下月举行_新闻中心</title>{head}</head>
<body><div class="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>
<div class="main"><h1>供水价格调整听证会将于下月举行</h1>{top}<div class="text">{body}</div></div>
</body></html>"""
    site = Site(name="news", kind="portal", engine="portal", start_urls=(url,))
    return Page(url, html, "article", site, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))


def _read(page: Page) -> tuple[datetime | None, str, float]:
    (post,) = PortalAdapter().parse(page).posts
    return post.published_at, post.published_text, post.confidence


def test_the_byline_ends_where_the_share_buttons_begin() -> None:
    top = '<div class="info">时间：2024.05.11 来源：光明日报 作者：南帆 分享到：</div>'
    (post,) = PortalAdapter().parse(_article("", top)).posts
    assert (post.author, post.source) == ("南帆", "光明日报")


def test_a_source_element_gives_the_source_without_its_wording_and_time() -> None:
    top = '<p><span class="source">本文来源于国家统计局 2024-05-11 09:36:26</span></p>'
    (post,) = PortalAdapter().parse(_article("", top)).posts
    assert post.source == "国家统计局"


def test_json_ld_date_published_dates_the_article() -> None:
    """A NewsArticle in an ``@graph`` beside the site's own object (whose date is not the
    article's), as WordPress SEO plugins write it."""
    data = """{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "News", "datePublished": "2001-01-01T00:00:00+00:00"},
      {"@type": ["NewsArticle"], "headline": "x", "datePublished": "2024-05-12T18:06:59+02:00"}
    ]}"""
    at, text, confidence = _read(
        _article(f'<script type="application/ld+json">{data}</script>', "")
    )
    assert at == datetime(2024, 5, 12, 16, 6, 59, tzinfo=UTC)
    assert text == "2024-05-12T18:06:59+02:00"
    assert confidence == GUESSED  # no info line or metas: the reading is as sure as before


def test_broken_json_ld_is_no_date_and_no_error() -> None:
    at, text, _ = _read(_article('<script type="application/ld+json">{"@type": </script>', ""))
    assert (at, text) == (None, "")


def test_microdata_date_published_dates_the_article() -> None:
    top = '<div class="by"><time itemprop="datePublished" datetime="2024-05-02T14:05:20Z">May 2</time></div>'
    at, _, _ = _read(_article("", top))
    assert at == datetime(2024, 5, 2, 14, 5, 20, tzinfo=UTC)


def test_the_line_under_the_headline_dates_the_article() -> None:
    """A dateline in no block the info-line reader knows (``2024-05-18 16:56发布于北京``)."""
    top = '<div class="x1"><span>环球时报</span><span>2024-05-18 16:56</span><span>发布于北京</span></div>'
    at, text, _ = _read(_article("", top))
    assert text == "2024-05-18 16:56"
    assert at == datetime(2024, 5, 18, 16, 56, tzinfo=SH)


def test_a_date_in_the_body_is_not_the_articles() -> None:
    """Under the headline straight away comes the body, whose dates are what it reports on."""
    body = (
        "<p>新的阶梯水价方案自2025年1月1日起施行，"
        + "听证会将邀请市民代表参加并公开全部成本数据。" * 4
        + "</p>"
    )
    at, text, _ = _read(_article("", "", body))
    assert (at, text) == (None, "")


def test_a_date_either_way_round_is_read_as_the_url_dates_the_article() -> None:
    """``05/09/2024`` in a site's ``date`` meta, and ``/20240509/`` in its URL: 9 May."""
    page = _article(
        '<meta name="date" content="05/09/2024 10:46:12">', "",
        url="https://www.health.example.com/news/20240509/sleep-and-genes",
    )  # fmt: skip
    at, _, confidence = _read(page)
    assert at == datetime(2024, 5, 9, 10, 46, 12, tzinfo=SH)
    assert confidence == GUESSED  # a `date` meta stands on pages of every kind: it dates only


def test_the_line_under_the_headline_yields_to_a_declared_time() -> None:
    """An English dateline names no zone and is often the last update: a time the page
    declares goes first."""
    head = '<meta property="article:published_time" content="2024-05-11T20:31:00+00:00">'
    at, _, _ = _read(_article(head, "<p>Updated May 13, 2024, 7:00 am</p>"))
    assert at == datetime(2024, 5, 11, 20, 31, tzinfo=UTC)
    at, text, _ = _read(_article("", "<p>Updated May 13, 2024, 7:00 am</p>"))
    assert text == "May 13, 2024, 7:00 am"


def test_a_date_that_names_its_month_is_not_turned_round_by_the_url() -> None:
    """``2024-09-05`` can only be 5 September, whatever day the URL names."""
    page = _article(
        '<meta name="date" content="2024-09-05 10:46:12">', "",
        url="https://www.health.example.com/news/20240509/sleep-and-genes",
    )  # fmt: skip
    at, _, _ = _read(page)
    assert at == datetime(2024, 9, 5, 10, 46, 12, tzinfo=SH)


def test_a_wechat_article_is_dated_by_its_script_and_signed_by_its_account() -> None:
    """A WeChat article's shown time is written by script: the page declares it as epoch
    seconds (``var ct``); its account is the ``og:article:author`` meta."""
    url = "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOp"
    html = (ROOT / "tests" / "reading_pages" / "written_weixin_article.html").read_text("utf-8")
    site = Site(name="wx", kind="portal", engine="portal", start_urls=(url,))
    page = Page(url, html, "article", site, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    (post,) = PortalAdapter().parse(page).posts
    assert post.published_at == datetime(2024, 7, 2, 6, 0, tzinfo=UTC)
    assert post.author == "健康某市"
    assert post.content.startswith("7月1日起，我市城乡居民基本医疗保险门诊报销比例")


def test_an_author_meta_that_is_an_address_is_no_author() -> None:
    head = '<meta property="article:author" content="https://www.facebook.com/citydaily">'
    (post,) = PortalAdapter().parse(_article(head, "<div>2024-05-11 09:30</div>")).posts
    assert post.author == ""


def _written(name: str, url: str) -> Page:
    html = (ROOT / "tests" / "reading_pages" / name).read_text("utf-8")
    site = Site(name="media", kind="portal", engine="portal", start_urls=(url,))
    return Page(url, html, "article", site, datetime(2026, 12, 5, 8, 0, tzinfo=UTC))


def test_a_self_media_article_is_signed_by_the_account_under_its_headline() -> None:
    """No byline, no author meta: the account named under the headline is the author — by
    a class that names a nickname, or a link to a user's page."""
    csdn = _written("written_csdn_blog.html", "https://blog.csdn.net/coder_zhang/article/details/1")
    toutiao = _written("written_toutiao_article.html", "https://www.toutiao.com/article/73812/")
    assert [PortalAdapter().parse(page).posts[0].author for page in (csdn, toutiao)] == [
        "码农小张", "城市晚报",
    ]  # fmt: skip


def test_the_account_is_a_name_not_its_label_role_or_place() -> None:
    """ "Written by", a role beside the name and the place it was written from are not the
    name; an author element with only a place in it names no one."""
    top = (
        '<div class="author-box"><span class="author">Written by <a href="/p/lw">Lance'
        ' Whitney</a>, <span class="author-role">Contributor</span></span></div>'
        "<div>2024-05-11 09:30</div>"
    )
    (post,) = PortalAdapter().parse(_article("", top)).posts
    assert post.author == "Lance Whitney"
    top = '<div class="author-names"><div class="author-origin">São Paulo</div></div>'
    (post,) = PortalAdapter().parse(_article("", top + "<div>2024-05-11 09:30</div>")).posts
    assert post.author == ""


def test_a_headline_in_a_title_class_dated_by_its_day_and_clock_apart() -> None:
    """A Baijiahao article as its script renders it: the headline in no ``<h1>`` but a
    ``div`` whose class names a title, the account under it, and a day without its year
    (``发布时间：05-20``) with its clock in the next element (``10:12``) — the latest such day
    that is past."""
    url = "https://baijiahao.baidu.com/s?id=1799123456789"
    (post,) = PortalAdapter().parse(_written("written_baijiahao_article.html", url)).posts
    assert post.title == "多地推出以旧换新补贴，家电销量明显回升"
    assert post.author == "财经观察者"
    assert post.published_text == "05-20 10:12"
    assert post.published_at == datetime(2026, 5, 20, 10, 12, tzinfo=SH)
    assert post.content.startswith("五月以来，多个省份陆续出台家电以旧换新补贴政策")


def test_a_day_without_its_year_or_clock_does_not_date_the_article() -> None:
    """``05-20`` alone under the headline could be anything (a section's date, a count):
    only with its clock is it the article's day."""
    top = '<div class="x1"><span>发布时间：05-20</span><span>北京</span></div>'
    at, text, _ = _read(_article("", top))
    assert (at, text) == (None, "")


def test_the_standfirst_under_the_headline_does_not_end_the_dateline() -> None:
    """A summary under the headline (longer than a dateline's line) that the page declares as
    its description is the standfirst: the byline's time after it dates the article; an
    undeclared long line there is the body, and ends the look."""
    summary = (
        "市政府今天公布供水价格调整方案，阶梯水价第一档保持不变，第二档和第三档价格上调，"
        "听证会将于下月中旬举行，市民可以在征求意见期内通过热线电话、网站留言或者信函提出意见。"
    )
    top = (
        f'<div class="standfirst">{summary}</div>'
        '<div class="x1"><span>陈晓</span><span>2024-05-18 16:56</span></div>'
    )
    head = f'<meta name="description" content="{summary}">'
    at, text, _ = _read(_article(head, top))
    assert text == "2024-05-18 16:56"
    assert at == datetime(2024, 5, 18, 16, 56, tzinfo=SH)
    at, text, _ = _read(_article("", top))
    assert (at, text) == (None, "")


def test_a_published_time_meta_in_iso_basic_format_dates_the_article() -> None:
    """RIA Novosti's ``article:published_time`` is ``20240512T1014`` (ISO 8601 without
    separators), its info line ``10:14 12.05.2024`` with the clock first."""
    published, text, _ = _read(
        _written(
            "written_ria_article_iso_basic.html", "https://ria.ru/20240512/vokzal-1945123456.html"
        )
    )
    assert text == "20240512T1014"
    assert published == datetime(2024, 5, 12, 10, 14, tzinfo=SH)


def test_a_mail_archive_message_is_dated_in_the_zone_it_names() -> None:
    """A pipermail message: ``<I>Sun May 12 10:14:33 EDT 2024</I>`` under the poster's name is
    10:14 in New York, not in the site's zone."""
    published, _, _ = _read(
        _written(
            "written_pipermail_message.html",
            "https://mail.python.org/pipermail/python-ideas/2024-May/118843.html",
        )
    )
    assert published == datetime(2024, 5, 12, 14, 14, 33, tzinfo=UTC)
