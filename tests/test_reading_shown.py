"""What a reader does not see (opinion_spiders.reading.shown): one definition for the main
text and the generic thread reader."""

from __future__ import annotations

import pytest
from lxml import html

from opinion_spiders.reading.main_text import main_text
from opinion_spiders.reading.shown import DIALOG_MARK, DIALOGS, unshown


def _el(markup: str):
    return html.fragment_fromstring(markup)


@pytest.mark.parametrize(
    "markup",
    [
        '<div role="dialog">x</div>',
        '<div role="alertdialog">x</div>',
        '<div class="modal fade">x</div>',
        '<div class="d-none">x</div>',
        '<div class="box hide">x</div>',
        '<div class="hidden">x</div>',
        "<div hidden>x</div>",
        '<div aria-hidden="true">x</div>',
        '<div style="display: none">x</div>',
    ],
)
def test_dialogs_and_hidden_boxes_are_unshown(markup: str) -> None:
    assert unshown(_el(markup))


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="hidden-xs">x</div>',  # hidden on small screens only
        '<div class="modal-open">x</div>',  # a page's state, not a dialog
        '<div class="hide-on-mobile post">x</div>',
        '<div aria-hidden="false">x</div>',
        '<div class="post-body">x</div>',
    ],
)
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
