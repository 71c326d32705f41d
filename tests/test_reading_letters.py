"""Letters to officials on government message boards (``plugins._letters``): the letter, the
answering body's reply and the writer's rating as posts of their own, each signed and dated
as the page shows it — whether the page is read by the letters engine, by a portal site's
engine in a crawl, or with no engine at all."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from opinion_spiders.adapters import Page
from opinion_spiders.reading import read_page
from opinion_spiders.runtime import Runtime
from opinion_spiders.sites import Site
from plugins.letters import LettersAdapter
from plugins.portal import PortalAdapter
from tests._proc import ROOT

REAL = ROOT / "tests" / "reading_pages"
RUNTIME = Runtime({})
URL = "http://www.example.gov.cn/hdjl/szxx/202403/t20240318_123.html"


def _read(name: str, role: str) -> list:
    reading, _ = read_page((REAL / name).read_bytes(), URL, RUNTIME, role=role)
    assert (reading.reader, reading.kind) == ("letters", "thread")
    return reading.parsed.posts


@pytest.mark.parametrize("role", ["auto", "thread", "article"])
def test_letter_reply_and_rating_are_posts_of_their_own(role: str) -> None:
    """The letter's text has no label (it is the block before the reply); its writer and time
    stand in the info line; the reply's office and time in the reply's head; the rating has
    its own time."""
    posts = _read("written_letter_board_answered.html", role)
    assert [p.floor for p in posts] == [1, 2, 3]
    assert [p.author for p in posts] == ["网友1720449", "某某区住房和城乡建设局", "网友1720449"]
    assert [p.published_text for p in posts] == [
        "2024-07-08 23:15", "2024-07-15 16:20", "2024-07-20 09:02",
    ]  # fmt: skip
    assert posts[0].content.startswith("尊敬的领导：我们是某某小区的居民")
    assert posts[1].content.startswith("网友您好：收到您的留言后")
    assert "2024-07-15" not in posts[1].content  # the reply's head is not its text
    assert posts[2].content == "已经停止夜间施工了，感谢区住建局的及时处理。"
    assert {p.title for p in posts} == {"关于小区旁边工地夜间施工扰民的问题"}
    assert len({p.post_id for p in posts}) == 3


def test_letter_laid_out_in_label_cells_in_gb2312() -> None:
    posts = _read("written_mayor_mailbox_gb2312.html", "auto")
    assert [(p.author, p.published_text) for p in posts] == [
        ("王**", "2024-03-11 09:26:41"), ("市民政局", "2024-03-18 15:02:10"),
    ]  # fmt: skip
    assert posts[0].title == "关于农村低保申请审核时间过长的咨询"
    assert posts[0].content.startswith("我母亲今年七十三岁")
    assert posts[1].content.startswith("王先生您好：\n根据我市最低生活保障审核确认办法")
    assert "公示期满无异议后即可发放" in posts[1].content
    assert posts[1].content.endswith("感谢您的来信。")


def test_letter_in_a_definition_list_and_labelled_blocks_with_its_rating() -> None:
    """A 问政 question: not an article, nor a listing of its sidebar's links."""
    posts = _read("written_wenzheng_rated.html", "auto")
    assert [(p.author, p.published_text) for p in posts] == [
        ("市民8821", "2024-09-02 19:40"), ("市交通运输局", "2024-09-10 11:15"), ("市民8821", ""),
    ]  # fmt: skip
    assert posts[0].content.startswith("我们小区门口原来有一个公交站")
    assert posts[1].content.startswith("网友您好！此次线路调整")
    assert posts[2].content == "基本满意"


def test_letter_not_yet_answered_is_the_letter_alone() -> None:
    posts = _read("written_letter_board_pending.html", "auto")
    assert [(p.floor, p.author, p.published_text) for p in posts] == [
        (1, "读书人2023", "2024-10-12 20:31")
    ]
    assert posts[0].content.startswith("社区图书馆周末只开放到下午五点")


def test_portal_site_in_a_crawl_reads_its_message_board_letters() -> None:
    """A government portal's engine, given a letter page by an article link, reads the letter
    and the reply apart — not one article signed by nobody and dated by the letter."""
    site = Site(name="city", kind="portal", engine="portal", start_urls=(URL,))
    text = (REAL / "written_letter_board_answered.html").read_text(encoding="utf-8")
    page = Page(URL, text, "article", site, datetime.now(UTC))
    posts = PortalAdapter().parse(page).posts
    assert [p.author for p in posts] == ["网友1720449", "某某区住房和城乡建设局", "网友1720449"]
    assert {p.site for p in posts} == {"city"}
    assert {p.kind for p in posts} == {"portal"}


@pytest.mark.parametrize(
    "name",
    ["written_toutiao_article.html", "written_weixin_article.html", "written_v2ex_topic.html",
     "written_gov_notice_column.html", "written_guba_post.html"],
)  # fmt: skip
def test_letters_engine_passes_over_other_pages(name: str) -> None:
    text = (REAL / name).read_bytes().decode("utf-8")
    assert LettersAdapter.sniff(text, URL) == 0.0


def test_letter_with_a_follow_up_and_its_answer() -> None:
    """A hotline case answered twice: the writer's follow-up (追问) is theirs, with its own
    time; the answer to it is the office's, dated by the reply time labelled after the
    follow-up — then the rating."""
    posts = _read("written_hotline_case_follow_up.html", "auto")
    assert [(p.floor, p.author, p.published_text) for p in posts] == [
        (1, "刘女士", "2024-11-04 10:22"),
        (2, "市医疗保障局", "2024-11-08 16:40"),
        (3, "刘女士", "2024-11-09 09:15"),
        (4, "市医疗保障局", "2024-11-12 14:05"),
        (5, "刘女士", ""),
    ]
    assert posts[2].content.startswith("请问选择最低档以后")
    assert posts[3].content.startswith("您好！缴费档次不影响住院报销比例")
    assert posts[4].content == "满意"
    assert posts[0].title == "咨询灵活就业人员医保缴费基数"
    assert len({p.post_id for p in posts}) == 5


def test_a_message_boards_list_leads_to_its_letters_and_is_no_letter() -> None:
    """A crawl of a mailbox: its list page (whose header row prints a letter's labels) is
    links, not a letter — each letter an article link with its title, and the next page —
    and a letter it leads to is the letter and its reply."""
    site = Site(name="city", kind="portal", engine="letters", start_urls=(URL,))
    listed = (REAL / "written_mayor_mailbox_list.html").read_text(encoding="utf-8")
    for role in ("listing", "auto"):
        parsed = LettersAdapter().parse(
            Page("http://www.example.gov.cn/hdjl/szxx/", listed, role, site, datetime.now(UTC))
        )
        assert parsed.posts == []
        assert [(link.role, link.meta.get("title")) for link in parsed.links] == [
            ("article", "关于农村低保申请审核时间过长的咨询"),
            ("article", "建议在人民公园增设无障碍通道"),
            ("article", "小区门口占道经营问题"),
            ("listing", None),
        ]
    letter = (REAL / "written_mayor_mailbox_gb2312.html").read_bytes().decode("gb18030")
    first = parsed.links[0].url
    posts = LettersAdapter().parse(Page(first, letter, "article", site, datetime.now(UTC))).posts
    assert [p.author for p in posts] == ["王**", "市民政局"]


BOARD = "written_leader_board_reply_head.html"


def _read_text(text: str, role: str = "auto") -> list:
    reading, _ = read_page(text.encode("utf-8"), URL, RUNTIME, role=role)
    assert (reading.reader, reading.kind) == ("letters", "thread")
    return reading.parsed.posts


@pytest.mark.parametrize("role", ["auto", "thread", "article"])
def test_letter_whose_reply_is_labelled_by_its_head_alone(role: str) -> None:
    """A leaders' board labels whom the letter is to, the writer, its time and the reply's
    office and time, but neither text: the letter is the block before the reply's head, the
    reply the block after it — not one text signed by nobody with the answer merged in."""
    posts = _read(BOARD, role)
    assert [(p.floor, p.author, p.published_text) for p in posts] == [
        (1, "陈***", "2024-03-05 08:47"),
        (2, "某某县人民政府", "2024-03-21 16:30"),
        (3, "陈***", ""),
    ]
    assert posts[0].content.startswith("尊敬的领导：您好！某某镇中心小学门前是一条县道")
    assert posts[0].content.endswith("保障孩子们的出行安全。谢谢！")
    assert posts[1].content.startswith("网友您好！您反映的问题收悉。")
    assert posts[1].content.endswith("感谢您对交通安全工作的关心和支持！")
    assert posts[2].content == "满意"
    assert {p.title for p in posts} == {"关于某某镇中心小学门前道路无红绿灯的问题"}


def test_reply_opening_with_the_writers_label_is_still_the_reply() -> None:
    """``网友：您好！`` opens a reply, it does not name the writer: 网友 is a label only before
    a name (``网友：陈***``)."""
    text = (REAL / BOARD).read_text(encoding="utf-8").replace("网友您好！", "网友：您好！")
    posts = _read_text(text)
    assert [(p.author, p.published_text) for p in posts[:2]] == [
        ("陈***", "2024-03-05 08:47"), ("某某县人民政府", "2024-03-21 16:30"),
    ]  # fmt: skip
    assert posts[1].content.startswith("网友：您好！您反映的问题收悉。")


def test_letter_to_a_leader_not_yet_answered_is_the_letter_alone() -> None:
    """留言对象 and 留言时间, labels only a letter board prints, make a letter page with no
    reply yet; the page's footer is no reply."""
    text = (REAL / BOARD).read_text(encoding="utf-8").replace("已办理", "办理中")
    text = re.sub(
        r'<div id="mainContainerDetail1".*?(?=<div class="main-right)', "</div>", text, flags=re.S
    )
    posts = _read_text(text)
    assert [(p.floor, p.author, p.published_text) for p in posts] == [
        (1, "陈***", "2024-03-05 08:47")
    ]
    assert posts[0].content.startswith("尊敬的领导：您好！")
