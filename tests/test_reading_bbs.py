"""Posts printed in the telnet boards' layout (``plugins.bbs``): a header (发信人 … 信区, 标题,
发信站 with its time) signs, titles and dates each post; its text leaves out the post it quotes,
the signature and the station's ``※`` lines — in an nForum thread (a table a post) and in a
GBK page of ``<pre>`` blocks, read by the ``bbs`` engine and by the generic one. Pages written
by hand in those layouts (``tests/reading_pages/written_nforum_thread.html``,
``written_bbs_pre_thread_gbk.html``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from opinion_spiders.core.posts import prepare_post
from opinion_spiders.errors import ParseError
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.bbs import BbsTextAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
NFORUM = "https://www.newsmth.net/nForum/article/CityLife/1234567"
PRE = "https://bbs.sjtu.edu.cn/bbstcon?board=Shanghai&reid=1715480433"
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def test_nforum_thread_reads_as_its_posts() -> None:
    reading, _ = read_page((REAL / "written_nforum_thread.html").read_bytes(), NFORUM, RUNTIME)
    assert (reading.reader, reading.kind) == ("bbs", "thread")
    posts = reading.parsed.posts
    assert [(p.author, p.floor) for p in posts] == [
        ("riverside", 1), ("harbourcat", 2), ("sunmoon", 3),
    ]  # fmt: skip
    assert {p.title for p in posts} == {"老城区燃气管道改造延期到年底了？"}
    assert posts[0].content == (
        "小区门口的路挖开两个月了，一直没恢复。\n今天问了街道，说要延期到年底，大家那边也这样吗？"
    )
    # the reply without the post it quotes (its marker and ": " lines), the signature, ※ lines
    assert posts[1].content == "我们这边也是，挖了填，填了又挖。"
    for post in posts:
        for gone in ("发信人", "信区", "标 题", "发信站", "※", "FROM", "大作中提到"):
            assert gone not in post.content, (post.author, gone)
    at = [prepare_post(p, "Asia/Shanghai", NOW).published_at for p in posts]
    assert at[0] == datetime(2024, 5, 12, 10, 20, 33, tzinfo=CST)
    assert at[2] == datetime(2024, 5, 12, 11, 2, 10, tzinfo=CST)
    assert len({p.post_id for p in posts}) == 3


@pytest.mark.parametrize("engine", [None, "bbs", "generic"])
def test_gbk_page_of_pre_blocks_reads_as_its_posts(engine: str | None) -> None:
    """A GBK page (declared gb2312) printing each post in a ``<pre>``: read by the engine that
    recognises it, and by the generic engine a site with no engine of its own declares."""
    site = Site(name="yssy", kind="forum", engine=engine, start_urls=(PRE,)) if engine else None
    body = (REAL / "written_bbs_pre_thread_gbk.html").read_bytes()
    reading, _ = read_page(body, PRE, RUNTIME, role="thread", site=site)
    assert reading.reader in ("bbs", "generic")
    first, reply = reading.parsed.posts
    assert (first.author, first.floor, reply.author, reply.floor) == (
        "pudongwalker", 1, "minhangcat", 2,
    )  # fmt: skip
    assert first.content == "听说下个月起周五周六地铁延长运营，\n有没有人知道具体延长到几点？"
    assert reply.content == "官方通告说是延长到凌晨一点，只有主要线路。"  # no 转信站, quote, ※ 修改
    assert first.title == reply.title == "地铁夜间延长运营到几点？"
    at = prepare_post(reply, "Asia/Shanghai", NOW).published_at
    assert at == datetime(2024, 5, 12, 11, 2, 10, tzinfo=CST)


def test_traditional_and_ptt_archive_headers() -> None:
    """發信人 … 信區 / 標題 / 發信站, and PTT's archive header (作者 … 看板, 時間); on a later
    page of a thread the first post is a reply, and no floor 1."""
    page = """<html><head><meta charset="utf-8"><title>精華區</title></head><body>
    <pre>作者: kaohsiungcat (高雄貓) 看板: Kaohsiung
標題: Re: [問題] 輕軌延伸到哪裡了？
時間: Sun May 12 10:22:41 2024

上週去看，已經鋪到美術館那一站了。

※ 發信站: 批踢踢實業坊(ptt.cc), 來自: 1.170.22.8 (臺灣)
</pre>
    <pre>發信人: tainan5566 (台南人), 信區: Tainan
標  題: 古蹟修復什麼時候完工？
發信站: 成大計中站 (Sun May 12 11:30:00 2024)

赤崁樓外面圍起來好久了。
--
※ 來源:·成大計中站 bbs.ncku.edu.tw·[FROM: 140.116.1.1]
</pre></body></html>"""
    assert BbsTextAdapter.sniff(page, "https://example.tw/x") == 0.9
    reading, _ = read_page(page.encode(), "https://example.tw/man/1.html", RUNTIME)
    archived, other = reading.parsed.posts
    assert (archived.author, archived.floor) == ("kaohsiungcat", 2)
    assert archived.content == "上週去看，已經鋪到美術館那一站了。"
    assert (other.author, other.content) == ("tainan5566", "赤崁樓外面圍起來好久了。")
    at = prepare_post(archived, "Asia/Taipei", NOW).published_at
    assert at == datetime(2024, 5, 12, 10, 22, 41, tzinfo=CST)


def test_bbs_engine_passes_over_other_pages() -> None:
    """A byline ``作者：`` or a thread list's 作者 column is no board header."""
    for name in ("written_tianya_post.html", "written_board_thread_list.html",
                 "written_csdn_blog.html", "written_ptt_article.html"):  # fmt: skip
        text = (REAL / name).read_text(encoding="utf-8")
        assert BbsTextAdapter.sniff(text, "https://bbs.example.cn/thread/1") == 0.0, name


def test_page_cut_off_inside_a_header_is_read_or_refused() -> None:
    """A page cut off where a post's header starts (a download cut short) holds the first
    line of a header (发信人) but not its station line: read as far as it goes, or refused
    with a reason — never a crash."""
    html = (REAL / "written_nforum_thread.html").read_bytes()
    mark = "发信人".encode()
    cuts = [at + len(mark) + 20 for at in range(len(html)) if html.startswith(mark, at)]
    assert len(cuts) >= 3
    for cut in cuts:
        for role in ("auto", "thread"):
            try:
                reading, _ = read_page(html[:cut], NFORUM, RUNTIME, role=role)
            except ParseError as exc:
                assert exc.reason in ("unreadable", "no_posts"), exc
            else:
                assert reading.parsed.posts, cut
