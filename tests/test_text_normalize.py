"""Text normalisation: stored form and the length-preserving match form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_spiders.text.normalize import (
    clean_text,
    fold_for_match,
    fold_for_search,
    fold_with_offsets,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("村干部\u200b不作为\ufeff", "村干部不作为"),
        ("a\xa0\xa0b", "a b"),
        ("  第一行  \n\t第二行\t\t结束  ", "第一行\n第二行 结束"),
        ("段落一\n\n\n\n段落二", "段落一\n\n段落二"),
        ("段落一\r\n\r\n\r\n段落二", "段落一\n\n段落二"),
        ("行一\n   \n  \n \n行二", "行一\n\n行二"),
        ("\n\n  内容  \n\n", "内容"),
        ("", ""),
    ],
)
def test_clean_text_tidies_for_storage(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＰＰ", "app"),
        ("ＡＢＣ１２３！", "abc123!"),
        ("下载\u3000App", "下载 app"),
        ("村干部", "村干部"),
        ("Straße", "straße"),  # ß casefolds to "ss": kept to preserve length
        ("ＣＯＶＩＤ－１９", "covid-19"),
    ],
)
def test_fold_for_match_folds_width_and_case(raw: str, expected: str) -> None:
    assert fold_for_match(raw) == expected


@given(st.text())
def test_fold_for_match_preserves_length(text: str) -> None:
    assert len(fold_for_match(text)) == len(text)


@given(st.text())
def test_fold_for_match_is_idempotent(text: str) -> None:
    once = fold_for_match(text)
    assert fold_for_match(once) == once


def _every_character() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def _fold_one(c: str) -> str:
    """The fold's definition, one character at a time: full width to ASCII, the ideographic
    space to a space, then the case fold where it is one character."""
    if 0xFF01 <= ord(c) <= 0xFF5E:
        c = chr(ord(c) - 0xFEE0)
    elif c == "\u3000":
        return " "
    folded = c.casefold()
    return folded if len(folded) == 1 else c


def test_fold_for_match_folds_every_character_as_one_character_alone() -> None:
    """Every code point, alone and in one text that needs the slow path (ß, ligatures)."""
    everything = _every_character()
    assert fold_for_match(everything) == "".join(map(_fold_one, everything))
    assert [fold_for_match(c) for c in everything] == list(map(_fold_one, everything))


@given(st.text())
def test_fold_for_match_is_the_per_character_fold(text: str) -> None:
    assert fold_for_match(text) == "".join(map(_fold_one, text))


def test_fold_for_search_folds_a_text_as_its_characters_one_by_one() -> None:
    """Folding only the runs of characters the table changes folds every code point as it
    folds alone."""
    everything = _every_character()
    assert fold_for_search(everything) == "".join(fold_for_search(c) for c in everything)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("貪污腐敗", "贪污腐败"),
        ("臨江市ＡＰＰ", "临江市app"),
        ("２０２４年1月", "2024年1月"),  # digits stay digits: no look-alikes here
        ("乾坤", "干坤"),  # OpenCC's character table, as the rules' match form uses it
        ("村干部", "村干部"),
    ],
)
def test_fold_for_search_folds_script_width_and_case(raw: str, expected: str) -> None:
    assert fold_for_search(raw) == expected


@given(st.text())
def test_fold_for_search_preserves_length_and_is_idempotent(text: str) -> None:
    once = fold_for_search(text)
    assert len(once) == len(text) and fold_for_search(once) == once


@given(st.text(), st.data())
def test_fold_with_offsets_maps_spans_back_to_the_original(text: str, data: st.DataObject) -> None:
    folded = fold_with_offsets(text)
    start = data.draw(st.integers(0, len(folded.text)))
    end = data.draw(st.integers(start, len(folded.text)))
    o_start, o_end = folded.original_span(start, end)
    assert fold_for_match(text[o_start:o_end]) == folded.text[start:end]
