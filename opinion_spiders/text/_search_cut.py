"""Search terms cut in compiled code, word for word as jieba's search mode cuts them.

Every stored post carries its ``terms`` (jieba's search-mode cut, with HMM), and cutting them
in Python was most of the keyword stage's time. ``rjieba`` (jieba-rs, in Rust) cuts ~10× as
fast with the same dictionary and the same HMM; it parts from jieba in two places, both put
right here:

* jieba's HMM step keeps an unknown run of Latin letters and digits apart at each other
  character (``0005.HK`` → ``0005`` ``.`` ``HK``, with jieba's own ``finalseg.re_skip``);
  jieba-rs keeps such a run whole. A token of ASCII characters that is no dictionary word is
  split again with jieba's pattern.
* jieba-rs counts more of Unicode as Han (CJK extension A, compatibility and later
  ideographs) and so can join two such characters into one word. A text holding any of them
  is cut block by block with jieba's own block pattern (``re_han_default``), in which only
  jieba's Han range and ASCII remain.

The parts of a long word that search mode adds (its 2- and 3-character words in the
dictionary) are taken here from the Python dictionary the segmenter keeps for judging word
boundaries, so both dictionaries must hold the same words with the same frequencies:
:meth:`SearchCutter.add` is called with the frequency jieba gave each added word. Words recur
from post to post, so each word's terms (its parts, then itself) are worked out once and kept
for :data:`KNOWN_WORDS` words: ~20 % of the terms' time over a crawl's first posts, ~half
once the common words are known.
"""

from __future__ import annotations

import re
import threading
from itertools import accumulate
from typing import Any

import jieba
import jieba.finalseg

#: Ideographs jieba-rs reads as Han and jieba does not (see the module).
_WIDER_HAN = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
#: Words whose terms a cutter keeps (~180 bytes each, ~18 MB in all); emptied when full.
KNOWN_WORDS = 100_000
#: Whether a cutter of this process took the instance rjieba builds when imported.
_DEFAULT_TAKEN = False
_DEFAULT_LOCK = threading.Lock()


def _new_cutter() -> Any:
    """A jieba-rs instance with its default dictionary. rjieba builds one when imported
    (~0.3 s, ~25 MB) and serves it through its module functions: the first cutter of the
    process takes that one (a page worker has one cutter), later ones build their own."""
    import rjieba

    global _DEFAULT_TAKEN
    with _DEFAULT_LOCK:
        if not _DEFAULT_TAKEN:
            _DEFAULT_TAKEN = True
            return rjieba  # its cut and add_word are the default instance's
    return rjieba.Jieba()


def searchable(word: str) -> bool:
    """A search term has at least two characters and at least one letter (CJK counts).
    ``str.isalpha`` is exactly Unicode's letter categories (L*), asked in C."""
    return len(word) >= 2 and (word.isalpha() or any(c.isalpha() for c in word))


class SearchCutter:
    """jieba-rs holding jieba's default dictionary and the words added to ``freq``'s owner."""

    def __init__(self, freq: dict[str, int], added: list[tuple[str, int]]) -> None:
        # imported here: only a process that stores or searches terms pays for jieba-rs, not
        # `opinion match`
        self._freq = freq
        self._cutter = _new_cutter()
        #: each word's search terms (:meth:`_terms_of`), as words recur from post to post
        self._known: dict[str, tuple[str, ...]] = {}
        for word, count in added:
            self.add(word, count)

    def add(self, word: str, count: int) -> None:
        """Add ``word`` with the frequency jieba gave it."""
        self._cutter.add_word(word, count, None)
        self._known = {}  # a new word can be a part of a known one

    def cuts(self, text: str, start: int, stop: int) -> list[int]:
        """Where jieba's route without the HMM cuts ``text[start:stop]``, a run of Hanzi (one
        block for both cutters): :func:`~opinion_spiders.text._route.route_cuts` in Rust."""
        return list(accumulate(map(len, self._cutter.cut(text[start:stop], False)), initial=start))

    def terms(self, folded: str) -> list[str]:
        """The unique searchable words of jieba's search-mode cut of ``folded`` (already in
        search form), first seen first."""
        cut = self._cutter.cut
        if _WIDER_HAN.search(folded):
            words = [w for block in jieba.re_han_default.findall(folded) for w in cut(block, True)]
        else:
            words = cut(folded, True)
        known = self._known
        # a dict keeps a key where it was first set: first seen first
        seen: dict[str, None] = {}
        for word in words:
            terms = known.get(word)
            if terms is None:
                terms = self._terms_of(word)
                if len(known) >= KNOWN_WORDS:
                    known.clear()
                known[word] = terms
            for term in terms:
                seen[term] = None
        return list(seen)

    def _terms_of(self, word: str) -> tuple[str, ...]:
        """The searchable terms one word of the cut adds, in order: its 2- and 3-character
        dictionary parts (search mode's), then itself."""
        n = len(word)
        if n < 2:
            return ()
        if word.isascii():
            if word not in self._freq:
                terms: dict[str, None] = {}
                for piece in jieba.finalseg.re_skip.findall(word):
                    _add_parts(piece, self._freq, terms)
                return tuple(terms)
        elif n == 2:  # most words: no parts, and searchable when one is a letter
            return (word,) if word.isalpha() or word[0].isalpha() or word[1].isalpha() else ()
        terms = {}
        _add_parts(word, self._freq, terms)
        return tuple(terms)


def _add_parts(piece: str, freq: dict[str, int], seen: dict[str, None]) -> None:
    """A word's 2- then 3-character dictionary words (search mode's parts), then itself."""
    n = len(piece)
    for size in (2, 3):
        if n > size:
            for k in range(n - size + 1):
                part = piece[k : k + size]
                if freq.get(part) and searchable(part):
                    seen[part] = None
    if searchable(piece):
        seen[piece] = None
