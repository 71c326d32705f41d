"""What a reader does not see (opinion_spiders.reading.shown): one definition for the main
text and the generic thread reader."""

from __future__ import annotations

import lxml.etree
import pytest
from lxml import html

from opinion_spiders.reading.main_text import main_text
from opinion_spiders.reading.shown import DIALOG_MARK, DIALOGS, shown_lines, unshown


def _el(markup: str):
    return html.fragment_fromstring(markup)


HIDDEN = [
    '<div class="d-none">x</div>',
    '<div class="box hide">x</div>',
    '<div class="hidden">x</div>',
    "<div hidden>x</div>",
    '<div aria-hidden="true">x</div>',
    '<div style="display: none">x</div>',
    '<div style="DISPLAY:NONE">x</div>',
]
SHOWN = [
    '<div class="hidden-xs">x</div>',  # hidden on small screens only
    '<div class="modal-open">x</div>',  # a page's state, not a dialog
    '<div class="hide-on-mobile post">x</div>',
    '<div aria-hidden="false">x</div>',
    '<div class="post-body">x</div>',
]


@pytest.mark.parametrize(
    "markup",
    [
        '<div role="dialog">x</div>',
        '<div role="alertdialog">x</div>',
        '<div class="modal fade">x</div>',
        *HIDDEN,
    ],
)
def test_dialogs_and_hidden_boxes_are_unshown(markup: str) -> None:
    assert unshown(_el(markup))


@pytest.mark.parametrize("markup", SHOWN)
def test_boxes_a_reader_sees_are_shown(markup: str) -> None:
    assert not unshown(_el(markup))


def test_the_tree_search_finds_the_dialogs_the_predicate_names() -> None:
    page = (
        '<html><body><div role="dialog">a</div><div class="modal">b</div>'
        '<div class="modal-open">c</div><p>d</p></body></html>'
    )
    tree = html.fromstring(page)
    found = tree.xpath(DIALOGS)
    assert [el.text for el in found] == ["a", "b"]
    assert all(unshown(el) for el in found)
    assert DIALOG_MARK.search(page)
    # the mark only says a page may hold one: it spares the tree search on pages that hold none
    assert not DIALOG_MARK.search("<div class='post'><p>d</p></div>")


def test_a_dialogs_help_text_is_not_the_main_text() -> None:
    help_text = "Markdown help: wrap code in backticks, use ** for bold, # for a heading. " * 4
    post = "我们小区的停车费从下个月起上涨一倍，物业没有开业主大会就贴出了通知，大家怎么看？"
    page = (
        "<html><head><title>停车费上涨</title></head><body>"
        f'<div class="modal" role="dialog"><p>{help_text}</p></div>'
        f"<article><h1>停车费上涨</h1><p>{post}</p></article></body></html>"
    )
    text = main_text(page, "https://bbs.example.cn/t/1")
    assert post in text
    assert "Markdown help" not in text


#: A page's own text, shown, that its hidden boxes' lines are weighed against.
SHOWN_TEXT = (
    "<p>小区门口的垃圾站下个月要搬走，物业说是街道的决定，大家知道搬到哪里吗？</p>"
    "<p>听说要搬到菜市场后面，离学校不到一百米，家长们都很担心，已经有人打了市民热线。</p>"
    "<p>街道办回复说会在下周开协调会，请业主代表参加，具体时间另行通知。</p>"
)
UPLOADER = "Your browser, unfortunately, is not supported by Uploader.js."


def _with(box: str, line: str) -> tuple[str, lxml.etree._Element]:
    page = f"<html><body>{SHOWN_TEXT}{box.replace('>x<', f'>{line}<')}</body></html>"
    return page, html.fromstring(page)


@pytest.mark.parametrize("markup", HIDDEN)
def test_a_line_only_a_hidden_box_holds_leaves_the_text(markup: str) -> None:
    """What a reply form the page hides says (``Your browser … is not supported``) is not the
    page's text: the main text a thread is judged by loses it — each way a page hides a box,
    as :func:`unshown` reads it."""
    assert unshown(_el(markup))
    _, root = _with(markup, UPLOADER)
    text = f"{UPLOADER}\n小区门口的垃圾站下个月要搬走，物业说是街道的决定，大家知道搬到哪里吗？"
    assert shown_lines(text, root).split("\n") == [text.split("\n")[1]]


@pytest.mark.parametrize("markup", SHOWN)
def test_a_line_a_shown_box_holds_stays(markup: str) -> None:
    assert not unshown(_el(markup))
    _, root = _with(markup, UPLOADER)
    assert shown_lines(f"{UPLOADER}\nrest", root) == f"{UPLOADER}\nrest"


def test_a_hidden_line_the_page_also_shows_stays() -> None:
    """A line a hidden box holds and the page shows as well (a post's text copied into a
    hidden quick-edit box) is the page's: only what nothing shown holds leaves."""
    line = "小区门口的垃圾站下个月要搬走，物业说是街道的决定，大家知道搬到哪里吗？"
    _, root = _with(f'<div style="display:none"><p>{line}</p><p>x</p></div>', "编辑框")
    assert shown_lines(f"{line}\n编辑框", root) == line


def test_a_page_that_hides_most_of_its_text_keeps_its_lines() -> None:
    """A page that hides its content until a script shows it (the thread in a hidden box,
    little but the menu shown) keeps every line: they are the page's, not a form's."""
    post = "物业说是街道的决定，垃圾站下个月搬到菜市场后面，离学校不到一百米，家长们都很担心。"
    page = (
        f'<html><body><p>首页 登录</p><div style="display:none"><p>{post}</p></div></body></html>'
    )
    assert shown_lines(post, html.fromstring(page)) == post
