"""Weibo posts off the mobile site's page data (``plugins.weibo``): the post, its poster and
time, and the post a repost reposts — read with no browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from opinion_spiders.core.posts import prepare_post
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from plugins.weibo import WeiboMobileAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
URL = "https://m.weibo.cn/detail/5041234567890123"


def test_weibo_repost_and_the_post_it_reposts() -> None:
    page = (REAL / "written_weibo_mobile_detail.html").read_bytes()
    reading, _ = read_page(page, URL, RUNTIME)
    assert (reading.reader, reading.kind) == ("weibo", "thread")
    repost, original = reading.parsed.posts
    assert (repost.author, repost.author_id, repost.post_id) == (
        "南湖边的小陈", "6012345678", "5041234567890123",
    )  # fmt: skip
    assert repost.content == "转发支持，希望早日完工 @城南居民甲"
    assert (original.author, original.floor) == ("城市晚报", 2)
    assert original.title == "老城区燃气管道改造延期？区住建局：六月底前全部完工"
    assert original.content.split("\n")[0].endswith("至今仍有路面开挖未恢复。")
    assert original.content.split("\n")[1].startswith("记者从区住建局了解到")
    assert (original.replies, original.votes) == (128, 512)
    at = prepare_post(original, "Asia/Shanghai", datetime(2026, 12, 5, tzinfo=UTC)).published_at
    assert at == datetime(2024, 6, 2, 9, 41, 5, tzinfo=timezone(timedelta(hours=8)))
    assert original.thread_id == original.post_id == "5040987654321098"


def test_weibo_engine_passes_over_other_pages() -> None:
    for name in ("written_weibo_post.html", "written_toutiao_article.html"):
        text = (REAL / name).read_text(encoding="utf-8")
        assert WeiboMobileAdapter.sniff(text, URL) == 0.0
