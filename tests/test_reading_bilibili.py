"""Bilibili (``plugins.bilibili``): a video off its page's script state, linking to the
comments API the page calls; the API's JSON read into comments answering the video and
replies answering their comment, with the next page and the pages of a comment's further
replies. Pages written by hand in the site's shapes (``tests/reading_pages/
written_bilibili_video.html``, ``written_bilibili_reply.json``,
``written_bilibili_reply_reply.json``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.bilibili import BilibiliAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
VIDEO = "https://www.bilibili.com/video/BV1Ab4y1X7Zz"
REPLIES = "https://api.bilibili.com/x/v2/reply?type=1&oid=1054321987&sort=0&pn=1&ps=20"
META = {"video": VIDEO, "video_id": "BV1Ab4y1X7Zz", "title": "实测老城区公交改线后通勤时间"}


def test_video_from_its_page_state_links_to_its_comments() -> None:
    page = (REAL / "written_bilibili_video.html").read_bytes()
    reading, _ = read_page(page, f"{VIDEO}/?spm_id_from=333.1007", RUNTIME)
    assert (reading.reader, reading.kind) == ("bilibili", "thread")
    (video,) = reading.parsed.posts
    assert (video.title, video.author, video.author_id) == (
        "实测老城区公交改线后通勤时间，多花了二十分钟", "通勤观察员小刘", "35123456",
    )  # fmt: skip
    assert video.content.split("\n") == [
        "市里五月起调整了12条公交线路，我坐了一周早高峰，记录了每天的通勤时间。",
        "结论：换乘多了一次，平均多花二十分钟。",
    ]
    assert (video.post_id, video.url, video.floor) == ("BV1Ab4y1X7Zz", VIDEO, 1)
    assert video.published_at == datetime(2024, 5, 12, 2, 20, 33, tzinfo=UTC)
    assert (video.replies, video.views, video.votes) == (1287, 128734, 9876)
    (link,) = reading.parsed.links
    assert (link.url, link.role, link.key, link.state) == (
        REPLIES, "thread", "replies:1054321987", "1287",
    )  # fmt: skip
    assert link.meta == {"video": VIDEO, "video_id": "BV1Ab4y1X7Zz", "title": video.title}


def _api(url: str, name: str | None = None, text: str | None = None) -> Page:
    site = Site(name="bili", kind="forum", engine="bilibili", start_urls=(VIDEO,))
    body = text if text is not None else (REAL / (name or "")).read_text(encoding="utf-8")
    return Page(url, body, "thread", site, datetime(2026, 12, 5, tzinfo=UTC), meta=dict(META))


def test_comments_and_the_replies_they_carry() -> None:
    parsed = BilibiliAdapter().parse(_api(REPLIES, "written_bilibili_reply.json"))
    posts = {p.post_id: p for p in parsed.posts}
    assert list(posts) == [
        "214500000001", "214500000101", "214500000102", "214500000002", "214500000003",
        "214500000301", "214500000302",
    ]  # fmt: skip
    first = posts["214500000001"]
    assert (first.author, first.author_id, first.votes, first.replies) == (
        "城西上班族", "51234567", 356, 24,
    )  # fmt: skip
    assert (first.reply_to, first.thread_id, first.title) == (
        "BV1Ab4y1X7Zz", "BV1Ab4y1X7Zz", META["title"],
    )  # fmt: skip
    assert first.url == f"{VIDEO}#reply214500000001"
    assert first.published_at == datetime(2024, 5, 12, 2, 50, 33, tzinfo=UTC)
    assert posts["214500000101"].reply_to == "214500000001"
    assert posts["214500000102"].reply_to == "214500000101"
    assert posts["214500000101"].content == "回复 @城西上班族 :火车站换乘那段走路就要八分钟"
    # the first comment carries 2 of its 24 replies: a link to them; the third carries all 2
    replies, nxt = parsed.links
    assert (replies.key, replies.state) == ("replies:1054321987:214500000001", "24")
    assert replies.url == (
        "https://api.bilibili.com/x/v2/reply/reply?type=1&oid=1054321987&root=214500000001"
        "&pn=1&ps=20"
    )
    # 45 comments, 20 a page: the second page
    assert nxt.url == REPLIES.replace("pn=1", "pn=2") and nxt.meta == META


def test_a_comments_further_replies_and_the_last_page() -> None:
    url = (
        "https://api.bilibili.com/x/v2/reply/reply?type=1&oid=1054321987&root=214500000001"
        "&pn=1&ps=20"
    )
    parsed = BilibiliAdapter().parse(_api(url, "written_bilibili_reply_reply.json"))
    assert [p.post_id for p in parsed.posts] == ["214500000101", "214500000102", "214500000103"]
    assert parsed.posts[2].reply_to == "214500000001"
    # 24 replies, 20 a page: the second page, and none after it; no links to replies' pages
    # from a page of replies
    (nxt,) = parsed.links
    assert nxt.url == url.replace("pn=1", "pn=2")
    last = json.loads((REAL / "written_bilibili_reply_reply.json").read_text(encoding="utf-8"))
    last["data"]["page"]["num"] = 2
    parsed = BilibiliAdapter().parse(_api(nxt.url, text=json.dumps(last)))
    assert parsed.links == [] and len(parsed.posts) == 3


def test_api_refusals() -> None:
    page = _api(REPLIES, text=json.dumps({"code": -412, "message": "请求被拦截"}))
    parsed = BilibiliAdapter().parse(page)
    assert (parsed.page_type, parsed.notice_kind) == ("notice", "captcha")
    assert "请求被拦截" in parsed.notice
    page = _api(REPLIES, text=json.dumps({"code": 12002, "message": "评论区已关闭"}))
    with pytest.raises(ParseError, match="评论区已关闭"):
        BilibiliAdapter().parse(page)


def test_bilibili_engine_passes_over_other_pages() -> None:
    for name in ("written_weibo_mobile_detail.html", "written_toutiao_article.html"):
        text = (REAL / name).read_text(encoding="utf-8")
        assert BilibiliAdapter.sniff(text, "https://example.com/a/1") == 0.0
