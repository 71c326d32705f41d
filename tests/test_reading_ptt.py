"""PTT (``plugins.ptt``): an article in the telnet board's layout with its pushes, a board's
page of articles, the hot boards, the over-18 consent page. Pages written by hand in PTT's
web markup (``tests/reading_pages/written_ptt_*.html``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from opinion_spiders.core.posts import prepare_post
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from plugins.ptt import PttAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
BOARD = "https://www.ptt.cc/bbs/Gossiping/index.html"
ARTICLE = "https://www.ptt.cc/bbs/Gossiping/M.1715480433.A.1F2.html"
TAIPEI = timezone(timedelta(hours=8))


def _article(text: bytes | None = None, role: str = "auto"):  # type: ignore[no-untyped-def]
    page = text if text is not None else (REAL / "written_ptt_article.html").read_bytes()
    reading, _ = read_page(page, ARTICLE, RUNTIME, role=role)
    return reading


def test_ptt_article_is_its_posters_words_signed_and_dated() -> None:
    """The label lines sign, title and date the article; its text leaves out the article it
    quotes, the signature after ``--`` and the station's ``※`` lines."""
    reading = _article()
    assert (reading.reader, reading.kind) == ("ptt", "thread")
    article = reading.parsed.posts[0]
    assert (article.author, article.author_id, article.floor) == ("riverside99", "riverside99", 1)
    assert article.title == "[問卦] 公屋新政策三年內做得到嗎？"
    assert article.thread_id == article.post_id == "M.1715480433.A.1F2"
    lines = article.content.split("\n")
    assert lines[0] == "今天新聞說社宅要加速興建，三年內要把輪候時間縮短一半。"
    assert lines[-1] == "有沒有八卦？"
    for gone in ("行政院今天公布", "引述", "簽名檔", "發信站", "文章網址", "編輯", "推 "):
        assert gone not in article.content, gone
    at = prepare_post(article, "Asia/Taipei", datetime(2026, 12, 5, tzinfo=UTC)).published_at
    assert at == datetime(2024, 5, 12, 10, 20, 33, tzinfo=TAIPEI)
    # 推 3, 噓 1, → 2: the score the board shows; six comments in all
    assert (article.votes, article.replies) == (1, 5)


def test_ptt_pushes_answer_the_article() -> None:
    """Each push a post of its own: its poster, its text without the ``: ``, its day in the
    article's year (after the poster's IP on some boards), answering the article."""
    pushes = _article().parsed.posts[1:]
    assert [(p.author, p.content) for p in pushes] == [
        ("kaohsiungcat", "蓋得快但是地點太偏，上班很不方便"),
        ("tainan5566", "每次選舉前都說一樣的話"),
        ("tainan5566", "選完就沒下文了"),
        ("sunmoonlake", "先看預算有沒有編再說吧"),
        ("bluebird0812", "租金補貼比較實在"),
    ]
    assert {p.reply_to for p in pushes} == {"M.1715480433.A.1F2"}
    assert {p.thread_id for p in pushes} == {"M.1715480433.A.1F2"}
    assert len({p.post_id for p in pushes}) == len({p.url for p in pushes}) == 5
    assert all(p.floor is None and p.title == "[問卦] 公屋新政策三年內做得到嗎？" for p in pushes)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    at = [prepare_post(p, "Asia/Taipei", now).published_at for p in pushes]
    assert at[0] == datetime(2024, 5, 12, 10, 22, tzinfo=TAIPEI)
    assert at[-1] == datetime(2024, 5, 12, 10, 40, tzinfo=TAIPEI)  # "1.170.22.8 05/12 10:40"


def test_ptt_push_in_the_new_year_takes_the_next_year() -> None:
    page = (REAL / "written_ptt_article.html").read_text(encoding="utf-8")
    page = page.replace("Sun May 12 10:20:33 2024", "Tue Dec 31 23:50:02 2024")
    page = page.replace(" 05/12 10:22", " 12/31 23:58").replace(" 05/12 10:25", " 01/01 00:03")
    pushes = _article(page.encode("utf-8")).parsed.posts[1:]
    now = datetime(2026, 12, 5, tzinfo=UTC)
    at = [prepare_post(p, "Asia/Taipei", now).published_at for p in pushes[:2]]
    assert at == [datetime(2024, 12, 31, 23, 58, tzinfo=TAIPEI),
                  datetime(2025, 1, 1, 0, 3, tzinfo=TAIPEI)]  # fmt: skip


def test_ptt_board_page_lists_its_articles_and_the_older_page() -> None:
    """A row an article, keyed by it with its push score as state (``爆``, ``X3``, none: 0);
    a deleted article's row links nowhere; pinned rows below the separator are flagged."""
    page = (REAL / "written_ptt_board.html").read_bytes()
    reading, _ = read_page(page, BOARD, RUNTIME, role="index")
    assert reading.reader == "ptt"
    links = reading.parsed.links
    threads = [link for link in links if link.role == "thread"]
    assert [(link.key, link.state) for link in threads] == [
        ("article:M.1715480433.A.1F2", "12"),
        ("article:M.1715478801.A.0C3", "爆"),
        ("article:M.1715482011.A.9E4", "X3"),
        ("article:M.1715483320.A.77A", "0"),
        ("article:M.1704067200.A.001", "爆"),
    ]
    assert threads[0].url == ARTICLE
    assert threads[0].meta["author"] == "riverside99"
    assert [link.meta["sticky"] for link in threads] == [False] * 4 + [True]
    assert [link.url for link in links if link.role == "listing"] == [
        "https://www.ptt.cc/bbs/Gossiping/index39211.html"
    ]


def test_ptt_hot_boards_lead_to_the_boards() -> None:
    page = """<html><head><meta charset="utf-8"><title>熱門看板 - 批踢踢實業坊</title></head><body>
    <div id="topbar"><a id="logo" href="/bbs/">批踢踢實業坊</a></div>
    <div class="b-list-container action-bar-margin bbs-screen">
    <div class="b-ent"><a class="board" href="/bbs/Gossiping/index.html">
      <div class="board-name">Gossiping</div><div class="board-nuser"><span class="hl f6">8812</span></div>
      <div class="board-class">綜合</div><div class="board-title">◎[八卦]不停發問的八卦版</div></a></div>
    <div class="b-ent"><a class="board" href="/bbs/HatePolitics/index.html">
      <div class="board-name">HatePolitics</div><div class="board-nuser"><span class="hl f3">921</span></div>
      <div class="board-class">政治</div><div class="board-title">◎政治黑特</div></a></div>
    </div></body></html>"""
    reading, _ = read_page(
        page.encode(), "https://www.ptt.cc/bbs/index.html", RUNTIME, role="index"
    )
    assert reading.reader == "ptt"
    assert [(link.url, link.role, link.meta["board"]) for link in reading.parsed.links] == [
        ("https://www.ptt.cc/bbs/Gossiping/index.html", "listing", "Gossiping"),
        ("https://www.ptt.cc/bbs/HatePolitics/index.html", "listing", "HatePolitics"),
    ]


def test_ptt_consent_page_is_a_notice() -> None:
    """An adult board asks for consent first; the engine sends it (``over18=1``) with every
    request, and a consent page still reached is a notice, not an empty board."""
    assert PttAdapter.cookies == {"over18": "1"}
    page = """<html><head><meta charset="utf-8"><title>批踢踢實業坊</title></head><body>
    <div class="bbs-screen bbs-content center clear">
    <div class="over18-notice"><p>本網站已依網站內容分級規定處理</p>
    <p>警告︰您即將進入之看板內容需滿十八歲方可瀏覽。</p></div>
    <div class="over18-button-container"><form action="/ask/over18" method="post">
    <input type="hidden" name="from" value="/bbs/Gossiping/index.html">
    <button class="btn-big" type="submit" name="yes" value="yes">我同意，我已年滿十八歲<br><small>進入</small></button>
    <button class="btn-big" type="submit" name="no" value="no">未滿十八歲或不同意本條款<br><small>離開</small></button>
    </form></div></div></body></html>"""
    url = "https://www.ptt.cc/ask/over18?from=%2Fbbs%2FGossiping%2Findex.html"
    reading, _ = read_page(page.encode(), url, RUNTIME, role="index")
    assert reading.parsed.page_type == "notice"
    assert reading.parsed.notice_kind == "no_permission"
    assert "十八歲" in reading.parsed.notice


def test_ptt_engine_passes_over_other_pages() -> None:
    for name in ("written_tianya_post.html", "written_board_thread_list.html"):
        text = (REAL / name).read_text(encoding="utf-8")
        assert PttAdapter.sniff(text, "https://bbs.example.cn/thread/1") == 0.0
