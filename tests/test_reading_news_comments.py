"""Readers' comments on news portals (``plugins._news_comments``, read by the ``portal``
engine): a Sina or NetEase article links to the comment API its page calls, and a page of
the API's JSON is read into comments — each answering the article or the comment it replies
to — with the next page while there are more. The articles are real pages
(``tests/pages/portal/``); the API pages are written by hand in the APIs' shapes
(``tests/reading_pages/written_sina_comments_page_info.json``,
``written_163_comments_newlist.json``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.core.posts import prepare_post
from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.portal import PortalAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
PORTAL = ROOT / "tests" / "pages" / "portal"
RUNTIME = Runtime({})
CST = timezone(timedelta(hours=8))
SINA = "https://news.sina.com.cn/c/2024-05-10/doc-inausehc2630922.shtml"
NETEASE = "https://www.163.com/dy/article/J22CN60P0514R9KQ.html"
SINA_API = (
    "https://comment.sina.com.cn/page/info?version=1&format=json&channel=sh"
    "&newsid=comos-nausehc2630922&group=0&compress=0&ie=utf-8&oe=utf-8&page=1&page_size=20"
)
NETEASE_API = (
    "https://comment.api.163.com/api/v1/products/a2869674571f77b5a0867c3d71db5856/threads/"
    "J22CN60P0514R9KQ/comments/newList?ibc=newspc&limit=20&offset=0"
)


def _article_links(name: str, url: str):  # type: ignore[no-untyped-def]
    body = (PORTAL / name / "page.html").read_bytes()
    reading, _ = read_page(body, url, RUNTIME, role="article")
    (article,) = reading.parsed.posts
    return article, reading.parsed.links


def test_sina_article_links_to_its_comments() -> None:
    """The comment thread the page names in its ``sudameta``: its first page, keyed by it;
    no count on the page, so no state (followed whenever the article is read)."""
    article, links = _article_links("news_sina_2024", SINA)
    (link,) = links
    assert (link.url, link.role, link.key, link.state) == (
        SINA_API, "thread", "comments:comos-nausehc2630922", None,
    )  # fmt: skip
    assert link.meta == {"article": SINA, "article_id": article.post_id, "title": article.title}


def test_netease_article_links_to_its_comments() -> None:
    """The article's id from its address; the state its 跟贴 count (1918), not the count of
    those who joined in (59625)."""
    article, links = _article_links("news_163_dy_2024", NETEASE)
    (link,) = links
    assert (link.url, link.key, link.state) == (NETEASE_API, "comments:J22CN60P0514R9KQ", "1918")
    assert link.meta["article_id"] == article.post_id == "J22CN60P0514R9KQ"


def _page(url: str, name: str, meta: dict[str, str] | None = None) -> Page:
    site = Site(name="news", kind="portal", engine="portal", start_urls=(url,))
    text = (REAL / name).read_text(encoding="utf-8")
    return Page(url, text, "thread", site, datetime(2026, 12, 5, tzinfo=UTC), meta=meta or {})


def test_sina_comments_and_replies() -> None:
    meta = {"article": SINA, "article_id": "doc-inausehc2630922", "title": "城市有轨电车之困"}
    parsed = PortalAdapter().parse(_page(SINA_API, "written_sina_comments_page_info.json", meta))
    posts = {p.post_id: p for p in parsed.posts}
    # the reply in both the list and its thread is one post; the thread's second reply too
    assert len(parsed.posts) == 4
    first = posts["663D566C-7336DBF0-1B7688EC3-8A9-96F"]
    assert (first.author, first.author_id, first.votes) == ("手机用户2012345678", "2012345678", 35)
    assert first.content == "有轨电车速度慢还占道，不如多开几条公交专线。"
    assert (first.reply_to, first.thread_id, first.title) == (
        "doc-inausehc2630922", "doc-inausehc2630922", "城市有轨电车之困",
    )  # fmt: skip
    assert first.url == f"{SINA}#comment-663D566C-7336DBF0-1B7688EC3-8A9-96F"
    assert posts["663D5A10-5F2E8C31-7AD3E4B2-8A9-970"].content == (
        "我们这里的有轨电车开了三年，早晚高峰人还挺多的。\n关键是线路要规划好。"
    )
    reply = posts["663D5C88-2A7B9D14-6C1E3F57-8A9-971"]
    assert reply.reply_to == "663D5A10-5F2E8C31-7AD3E4B2-8A9-970"
    assert posts["663D6012-7E4A1B96-3D8C2F05-8A9-972"].reply_to == reply.post_id
    at = prepare_post(reply, "Asia/Shanghai", datetime(2026, 12, 5, tzinfo=UTC)).published_at
    assert at == datetime(2024, 5, 10, 8, 31, 5, tzinfo=CST)
    # 23 shown, 20 a page: a second page
    (nxt,) = parsed.links
    assert nxt.url == SINA_API.replace("page=1", "page=2") and nxt.meta == meta


def test_sina_comments_last_page_and_refusal() -> None:
    page = _page(SINA_API.replace("page=1", "page=2"), "written_sina_comments_page_info.json")
    assert PortalAdapter().parse(page).links == []  # 2 × 20 ≥ 23 shown
    # without the link's meta the API's own news item names the article
    assert {p.thread_id for p in PortalAdapter().parse(page).posts} == {"comos-nausehc2630922"}
    page.text = json.dumps({"result": {"status": {"code": 4, "msg": "参数错误"}}})
    with pytest.raises(ParseError, match="参数错误"):
        PortalAdapter().parse(page)
    page.text = "var data={" + '"result": {"status": {"code": 0}, "cmntlist": []}}'
    assert PortalAdapter().parse(page).posts == []  # a JSONP answer; no comments yet


def test_netease_comments_answer_the_comment_before_them_in_a_chain() -> None:
    meta = {"article": NETEASE, "article_id": "J22CN60P0514R9KQ", "title": "资源占用费"}
    parsed = PortalAdapter().parse(_page(NETEASE_API, "written_163_comments_newlist.json", meta))
    posts = {p.post_id: p for p in parsed.posts}
    assert set(posts) == {"2845511001", "2845511034", "2845511080"}
    assert posts["2845511001"].reply_to == "J22CN60P0514R9KQ"
    assert posts["2845511034"].reply_to == "2845511001"  # "2845511001,2845511034": 盖楼
    assert posts["2845511080"].reply_to == "J22CN60P0514R9KQ"
    assert (posts["2845511001"].author, posts["2845511001"].votes) == ("江南小镇居民", 1288)
    assert posts["2845511080"].author == ""  # posted anonymously
    at = prepare_post(posts["2845511034"], "Asia/Shanghai", datetime(2026, 12, 5, tzinfo=UTC))
    assert at.published_at == datetime(2024, 5, 13, 10, 20, 41, tzinfo=CST)
    # 42 in all, 20 a page
    (nxt,) = parsed.links
    assert nxt.url == NETEASE_API.replace("offset=0", "offset=20")
    last = _page(NETEASE_API.replace("offset=0", "offset=40"), "written_163_comments_newlist.json")
    assert PortalAdapter().parse(last).links == []


@pytest.mark.parametrize(
    "name", ["news_newscn_2024", "news_people_finance_2024_gb2312decl", "news_qq_2019_gb2312decl"]
)
def test_other_articles_link_to_no_comments(name: str) -> None:
    expected = json.loads((PORTAL / name / "expected.json").read_text(encoding="utf-8"))
    _article, links = _article_links(name, expected["url"])
    assert links == []
