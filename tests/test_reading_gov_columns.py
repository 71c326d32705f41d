"""Government column pages whose list or pager a script writes (``plugins._portal_lists``):
a TRS column's pager (``createPageHTML(25, 0, "index", "html")``, or ``var countPage``) leads
to ``index_1.html``; a Hanweb column's rows stand in a ``datastore`` data island and are read
like the page's own. Pages written by hand in those CMSs' shapes
(``tests/reading_pages/written_trs_column_script_pager.html``,
``written_hanweb_column_datastore.html``)."""

from __future__ import annotations

import pytest

from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
GOV = "http://www.example.gov.cn"


def _links(name: str, url: str, role: str = "index", text: str | None = None):  # type: ignore[no-untyped-def]
    body = text.encode() if text is not None else (REAL / name).read_bytes()
    site = Site(name="gov", kind="portal", engine="portal", start_urls=(url,))
    reading, _ = read_page(body, url, RUNTIME, role=role, site=site)
    assert reading.reader == "portal" and not reading.parsed.posts
    return reading.parsed.links


@pytest.mark.parametrize("role", ["index", "listing"])
def test_trs_column_follows_the_page_its_script_pager_names(role: str) -> None:
    links = _links("written_trs_column_script_pager.html", f"{GOV}/zwgk/tzgg/", role)
    articles = [link for link in links if link.role == "article"]
    assert len(articles) == 6 and articles[0].state == "2024-05-28"
    assert articles[0].url == f"{GOV}/zwgk/tzgg/202405/t20240528_4000.html"
    assert [link.url for link in links if link.role == "listing"] == [
        f"{GOV}/zwgk/tzgg/index_1.html"
    ]


def _next_page(script: str, url: str) -> list[str]:
    """The listing links the portal engine reads off a column page with one dated row and
    ``script`` for its pager."""
    page = (
        '<html><head><meta charset="utf-8"><title>通知公告</title></head><body><ul>'
        '<li><a href="./202405/t20240528_4000.html">关于开展安全生产大检查的通知</a>'
        f"<span>2024-05-28</span></li></ul><script>{script}</script></body></html>"
    )
    return [link.url for link in _links("", url, "listing", text=page) if link.role == "listing"]


def test_script_pager_forms_and_its_last_page() -> None:
    page = f"{GOV}/zwgk/tzgg/index_3.html"
    assert _next_page('createPageHTML(25, 3, "index", "shtml");', page) == [
        f"{GOV}/zwgk/tzgg/index_4.shtml"
    ]
    assert _next_page('createPageHTML(25, 24, "index", "html");', page) == []
    assert _next_page("createPageHTML('5','0','list','htm')", f"{GOV}/a/") == [
        f"{GOV}/a/list_1.htm"
    ]
    # the same facts as variables: the name and extension from the page's own address
    written = "var currentPage = 3;//所在页从0开始\nvar countPage = 25//共多少页"
    assert _next_page(written, page) == [f"{GOV}/zwgk/tzgg/index_4.html"]
    assert _next_page(written, f"{GOV}/zwgk/tzgg/") == [f"{GOV}/zwgk/tzgg/index_4.html"]
    assert _next_page("var countPage = 1; var currentPage = 0;", page) == []
    assert _next_page("var currentPage = 0;", page) == []  # no count: no pager


def test_hanweb_column_rows_in_a_data_island() -> None:
    links = _links("written_hanweb_column_datastore.html", f"{GOV}/col/col1229/index.html")
    assert [(link.url, link.state) for link in links[:2]] == [
        (f"{GOV}/art/2024/5/28/art_1229_4000.html", "2024-05-28"),
        (f"{GOV}/art/2024/5/27/art_1229_4001.html", "2024-05-27"),
    ]
    assert len(links) == 6 and {link.role for link in links} == {"article"}
    assert links[0].meta["title"] == "关于开展2024年度安全生产大检查的通知"


def test_hanweb_data_proxy_answer_is_read_like_the_island() -> None:
    page = (REAL / "written_hanweb_column_datastore.html").read_text(encoding="utf-8")
    island = page[page.index("<datastore>") : page.index("</datastore>") + len("</datastore>")]
    answer = f'<?xml version="1.0" encoding="UTF-8"?>{island}'
    url = f"{GOV}/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15"
    links = _links("", url, "listing", text=answer)
    assert len(links) == 6 and links[-1].url == f"{GOV}/art/2024/5/21/art_1229_4007.html"


def test_news_list_served_as_json_gives_its_articles_and_next_page() -> None:
    """A portal's roll API (Sina's ``api/roll/get``): each object with an address and a
    title an article link, its day (from an epoch ``ctime``) the state, its time passed on;
    the next page by the API's ``page``."""
    url = "https://feed.mix.sina.com.cn/api/roll/get?pageid=153&lid=2509&k=&num=50&page=1"
    site = Site(name="sina-roll", kind="portal", engine="portal", start_urls=(url,))
    body = (REAL / "written_sina_roll_api.json").read_bytes()
    reading, _ = read_page(body, url, RUNTIME, role="index", site=site)
    articles = [link for link in reading.parsed.links if link.role == "article"]
    assert [(link.url, link.state) for link in articles] == [
        ("https://news.sina.com.cn/c/2024-05-10/doc-inausehc2630922.shtml", "2024-05-12"),
        ("https://news.sina.com.cn/c/2024-05-13/doc-inausxyz1234567.shtml", "2024-05-13"),
        ("https://news.sina.com.cn/c/2024-05-13/doc-inausabc7654321.shtml", "2024-05-13"),
    ]
    assert articles[0].key == "article:doc-inausehc2630922"
    assert articles[0].meta["published_text"] == "2024-05-12T02:20:33+00:00"
    assert articles[2].meta["title"] == "国务院常务会议部署稳就业举措"
    (nxt,) = [link for link in reading.parsed.links if link.role == "listing"]
    assert nxt.url == url.replace("page=1", "page=2")


def test_column_list_in_a_script_variable() -> None:
    """``var newsList = […];`` (a column's list script): its items, addresses resolved on the
    script's own; a time with no zone passed on as given, its day the state."""
    links = _links("written_column_list_var.js", f"{GOV}/zwgk/tzgg/list.js", "listing")
    assert [(link.url, link.state, link.meta["published_text"]) for link in links] == [
        (f"{GOV}/zwgk/tzgg/202405/t20240528_4000.html", "2024-05-28", "2024-05-28 09:00:00"),
        (f"{GOV}/zwgk/tzgg/202405/t20240527_4001.html", "2024-05-27", "2024-05-27 16:30:00"),
    ]
