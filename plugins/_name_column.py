"""Posters' names read off the layout the post blocks of one thread share, where no name,
link or attribute says which text is the poster's.

Posts printed by one template put each field at the same place in every block: the poster's
card is the same chain of elements in each, and so is the poster's name in it. A *column* is
such a place — the path of :func:`~plugins._blocks.signature` from the block down to an
element whose text is its own — with the text it holds in each block. The names are the
first column, in page order, whose texts look like names (short, with a letter, no date, no
label, no count) and differ from block to block (a column that says the same in every block
is a label or a button: ``Reply``, ``Member Since:``), held by most blocks — a column of
links before any other (a name links to its poster's page where anything does; a post's
source, a poster's title do not). A poster's title (``Moderator``) differs between posts
too, but the cards print the name first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from lxml import etree

from plugins._blocks import DATE_LIKE, signature
from plugins._html import squash

#: Blocks a thread needs before a column tells names from a label.
MIN_BLOCKS = 3
#: Share of the blocks a column must hold a text in.
HELD_SHARE = 0.6
#: Share of a column's texts that must look like names.
NAMED_SHARE = 0.8
#: Share of the names found otherwise that a column of names must hold where it holds one.
AGREED_SHARE = 0.5
#: Characters a name has at least and at most.
SHORTEST, LONGEST = 2, 40
_LETTER = re.compile(r"[^\W\d_]")
#: A label, a labelled value, a count or a sentence: ``Member Since:``, ``Forum Posts: 1201``,
#: ``积分 5``, ``50 replies``, ``Thanks!``.
_NOT_NAME = re.compile(
    r"[:：]|^\S+\s+[\d,.]+$|^[\d,.]+\s+\S+$|[。！？，；!?]|\.\s|https?://", re.IGNORECASE
)
_SKIPPED = frozenset(["script", "style", "noscript", "template", "button", "option", "time"])


def column_names(
    blocks: Sequence[etree._Element],
    bodies: Sequence[etree._Element | None],
    known: Sequence[str],
) -> list[str]:
    """The poster's name in each block ('' where its column holds none), from the first
    column of names the blocks share (see the module's docstring) outside each block's body
    that agrees with the ``known`` names (a block's poster found otherwise, '' where none
    was) in most of the blocks where it holds one — a poster's title or a count of their
    posts is no name; every name '' where no column is one, or there are too few blocks."""
    if len(blocks) < MIN_BLOCKS:
        return [""] * len(blocks)
    columns: dict[str, dict[int, str]] = {}
    first_at: dict[str, float] = {}
    for i, (block, body) in enumerate(zip(blocks, bodies, strict=True)):
        for at, (path, text) in enumerate(_texts(block, body)):
            column = columns.setdefault(path, {})
            if i not in column:
                column[i] = text
                first_at[path] = first_at.get(path, 0.0) + at
    best = None
    for path, column in columns.items():
        texts = list(column.values())
        if len(texts) < HELD_SHARE * len(blocks) or len(set(texts)) < 2:
            continue
        if sum(map(_name_like, texts)) < NAMED_SHARE * len(texts):
            continue
        agreed = [text == known[i] for i, text in column.items() if known[i]]
        if agreed and sum(agreed) < AGREED_SHARE * len(agreed):
            continue
        linked = path.rsplit("/", 1)[-1].startswith("a.")
        rank = (not linked, first_at[path] / len(texts))
        if best is None or rank < best[0]:
            best = (rank, path)
    if best is None:
        return [""] * len(blocks)
    column = columns[best[1]]
    return [name if _name_like(name := column.get(i, "")) else "" for i in range(len(blocks))]


def _texts(
    block: etree._Element, body: etree._Element | None, path: str = ""
) -> Iterator[tuple[str, str]]:
    """Each element of ``block`` outside ``body`` whose text is all its own, with its path of
    signatures from the block, in page order."""
    for child in block:
        if not isinstance(child.tag, str) or child.tag in _SKIPPED or child is body:
            continue
        here = f"{path}/{signature(child)}"
        if any(isinstance(c.tag, str) and _has_text(c) for c in child):
            yield from _texts(child, body, here)
        elif text := squash("".join(child.itertext())):
            yield here, text


def _has_text(el: etree._Element) -> bool:
    return any(part.strip() for part in el.itertext())


def _name_like(text: str) -> bool:
    return (
        SHORTEST <= len(text) <= LONGEST
        and bool(_LETTER.search(text))
        and not _NOT_NAME.search(text)
        and not DATE_LIKE.search(text)
    )
