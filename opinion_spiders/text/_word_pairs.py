"""Adjacent character pairs inside dictionary words, for settling word boundaries cheaply.

A dictionary word can cross position ``i`` of a text only if it contains the two characters
around ``i`` side by side, so where ``text[i - 1:i + 1]`` is no such pair, every segmentation
cuts at ``i`` and the dictionary need not be searched. Three positions in four are settled by
that one set lookup. The pairs of jieba's default dictionary (about 300,000, ~25 MB) are
built once per process and shared; each segmenter keeps the few pairs of its own words.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

_default: frozenset[str] | None = None
_lock = threading.Lock()


def _pairs(words: Iterable[str]) -> set[str]:
    return {word[k : k + 2] for word in words for k in range(len(word) - 1)}


def default_pairs(freq: Mapping[str, int]) -> frozenset[str]:
    """The pairs of jieba's default dictionary; ``freq`` is a fresh tokenizer's ``FREQ``,
    read only the first time (every fresh tokenizer holds the same default dictionary)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = frozenset(_pairs(w for w, f in freq.items() if f))
    return _default


class WordPairs:
    """The pairs of a segmenter's dictionary: the shared default ones and its own words'.

    A superset is harmless (a pair only sends the boundary to the full dictionary check), so
    words are never taken out.
    """

    def __init__(self, base: frozenset[str]) -> None:
        self.base = base
        self.extra: set[str] = set()

    def add(self, word: str) -> None:
        self.extra.update(p for p in _pairs((word,)) if p not in self.base)

    def __contains__(self, pair: object) -> bool:
        return pair in self.base or pair in self.extra
