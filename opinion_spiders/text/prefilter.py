"""The multi-pattern search under keyword rules and entity watchlists.

``daachorse``'s character-wise double-array Aho–Corasick automaton (in Rust): one transition
per character in a table small enough to stay in the CPU cache, positions in characters as
Python counts them. Measured in bench.rules with 10,000 Chinese needles: 2.4 µs a post, against
7 µs for ``ahocorasick_rs``'s fastest automaton over UTF-16 bytes and 67 µs for
``pyahocorasick``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import daachorse

#: Replaced by U+FFFD (one character for one, so positions hold) before a search.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Patterns:
    """Non-empty patterns, found overlapping as ``(start, end, index into patterns)``."""

    def __init__(self, patterns: Sequence[str]) -> None:
        if not patterns or not all(patterns):
            raise ValueError("patterns must be non-empty strings, at least one")
        self._ac = daachorse.CharwiseDoubleArrayAhoCorasick(list(patterns))

    def find(self, text: str) -> list[tuple[int, int, int]]:
        try:
            found: list[tuple[int, int, int]] = self._ac.find_overlapping(text)
        except UnicodeEncodeError:  # a lone surrogate (a badly decoded page): needs valid UTF-8
            found = self._ac.find_overlapping(_LONE_SURROGATE.sub("\ufffd", text))
        return found
