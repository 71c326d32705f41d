"""Splitting one compound word into its parts with jieba's own route calculation."""

from __future__ import annotations

import re

import jieba

from opinion_spiders.text._route import route_cuts

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def compound_boundaries(tokenizer: jieba.Tokenizer, word: str) -> set[int]:
    """Inner boundaries of the best segmentation of ``word`` that does not keep it whole.

    村干部 → {0, 1, 3} (村/干部); 中国人民 → {0, 2, 4} (中国/人民), so 国人 is not a part.
    Only Han words are split: a Latin word such as "happy" has no parts ("app" is not one).
    """
    n = len(word)
    if n < 3 or not _HAN.fullmatch(word):
        return {0, n}
    return set(route_cuts(tokenizer, word, split=True))


def _is_latin(c: str) -> bool:
    """Letters and digits of alphabetic scripts, where spaces, not a dictionary, delimit words."""
    return c.isalnum() and not _HAN.match(c)


def latin_edge(text: str, i: int) -> bool | None:
    """Whether ``i`` is a word boundary by alphabetic rules; None when only jieba can tell.

    jieba cuts "happy" into h/app/y once "app" is in its dictionary, so Latin words are judged
    by their letters: a boundary is wherever a Latin letter or digit does not meet another.
    """
    if i <= 0 or i >= len(text):
        return True
    left, right = _is_latin(text[i - 1]), _is_latin(text[i])
    if left or right:
        return not (left and right)
    return None
