"""Text normalisation: one form for storing content, and three folds for finding it.

- :func:`fold_for_match` folds width and case one character for one (content fingerprints
  and near-duplicate signatures, whose stored values must not change under them);
- :func:`fold_for_search` also folds traditional → simplified, one for one (the ``terms``
  analysts search and watch plans read, so 臨江 is found as 临江);
- :func:`match_form` goes furthest — look-alikes, separators dropped — and keeps the way back
  to original positions: keyword rules and entity watchlists match on it; see
  :mod:`opinion_spiders.text._match_form`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opinion_spiders.text._match_form import MatchText, fold_script, match_form
from opinion_spiders.text._match_form import match_key as match_key

__all__ = [
    "FoldedText",
    "MatchText",
    "clean_text",
    "fold_for_match",
    "fold_for_search",
    "fold_with_offsets",
    "match_form",
    "match_key",
]

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\f\v]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")

_FULLWIDTH_FIRST, _FULLWIDTH_LAST = 0xFF01, 0xFF5E
_FULLWIDTH_SHIFT = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"


def clean_text(s: str) -> str:
    """Tidy text for storage: no invisible characters, no ragged lines, at most one blank line."""
    s = _ZERO_WIDTH.sub("", s).replace("\xa0", " ")
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in s.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def _fold_char(c: str) -> str:
    """Fold one character to exactly one character (the length-preserving contract)."""
    code = ord(c)
    if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
        c = chr(code - _FULLWIDTH_SHIFT)
    elif c == _IDEOGRAPHIC_SPACE:
        return " "
    folded = c.casefold()
    return folded if len(folded) == 1 else c


class _FoldTable(dict[int, str]):
    """:func:`_fold_char` as a ``str.translate`` table, filled as characters are first seen
    (a text folds in C, not one Python call per character)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()
#: Runs of the characters whose fold is not their case fold: full-width forms, the
#: ideographic space.
_WIDE = re.compile(
    f"[{chr(_FULLWIDTH_FIRST)}-{chr(_FULLWIDTH_LAST)}{_IDEOGRAPHIC_SPACE}]"
    f"[{chr(_FULLWIDTH_FIRST)}-{chr(_FULLWIDTH_LAST)}{_IDEOGRAPHIC_SPACE}]*"
)


def _narrow(run: re.Match[str]) -> str:
    return run.group().translate(_FOLD_TABLE)


def fold_for_match(s: str) -> str:
    """Fold width and case so ``ＡＰＰ`` matches ``app``; ``len(result) == len(s)`` always.

    What :func:`_fold_char` does to every character, done in C where it can be: the wide
    characters narrowed, then ``str.casefold``, which folds each character on its own. Only a
    character that folds to several (ß → ss) changes the length, and :func:`_fold_char` keeps
    such a character as it is: then the table does the whole text."""
    folded = _WIDE.sub(_narrow, s).casefold()
    return folded if len(folded) == len(s) else s.translate(_FOLD_TABLE)


def fold_for_search(s: str) -> str:
    """Width, case and traditional → simplified, ``len(result) == len(s)`` always."""
    return fold_script(s)


@dataclass(frozen=True)
class FoldedText:
    """Folded text plus, for each folded index, the index in the original text.

    ``starts`` has one extra entry (the original length) so a half-open span ``[start, end)``
    in the folded text maps back with :meth:`original_span`.
    """

    text: str
    starts: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span back to the original text."""
        return self.starts[start], self.starts[end]


def fold_with_offsets(s: str) -> FoldedText:
    """Fold ``s`` for matching and keep the way back to original positions."""
    return FoldedText(fold_for_match(s), tuple(range(len(s) + 1)))
