"""Adjacent character pairs inside dictionary words, for settling word boundaries cheaply.

A dictionary word can cross position ``i`` of a text only if it contains the two characters
around ``i`` side by side, so where ``text[i - 1:i + 1]`` is no such pair, every segmentation
cuts at ``i`` and the dictionary need not be searched. Three positions in four are settled by
that one lookup.

The pairs are kept as a bit filter (one bit per hash, 2 MB) rather than a set: jieba's
default dictionary has about 300,000 pairs, and a set of them (~25 MB) is too large to stay
in the CPU cache, so each lookup went to main memory, which cost more than the rest of
judging a boundary. The filter is a superset (about 2% of other pairs share a bit with a
real one), which is harmless: such a pair only sends the boundary to the full dictionary
check. ``hash`` of a ``str`` differs between processes, so the default dictionary's pairs
are kept on disk with the dictionary (``_dictionary``) as text and set in a filter once per
process; each segmenter copies that filter and adds its own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

_BITS = 1 << 24
MASK = _BITS - 1


def _pairs(word: str) -> Iterator[str]:
    return (word[k : k + 2] for k in range(len(word) - 1))


def pairs_text(words: Iterable[str]) -> str:
    """Every pair of adjacent characters inside ``words``, once each, end to end."""
    return "".join({pair for word in words for pair in _pairs(word)})


def filter_of(pairs: str) -> bytes:
    """The filter bits of :func:`pairs_text`'s pairs, for this process's ``hash`` (~0.1 s
    for jieba's 300,000 pairs: less than importing numpy to do it)."""
    bits = bytearray(_BITS >> 3)
    _set_bits(bits, (pairs[k : k + 2] for k in range(0, len(pairs), 2)))
    return bytes(bits)


def _set_bits(bits: bytearray, pairs: Iterable[str]) -> None:
    for h in map(hash, pairs):
        h &= MASK
        bits[h >> 3] |= 1 << (h & 7)


class WordPairs:
    """The pairs of a segmenter's dictionary: the default ones and its own words'.

    ``pair in pairs`` may be true for a pair no word holds (see the module), never false for
    one that some word holds; words are never taken out. Hot loops test the bits inline:
    ``h = hash(pair) & MASK; bits[h >> 3] >> (h & 7) & 1``.
    """

    def __init__(self, base: bytes = b"") -> None:
        self.bits = bytearray(base) if base else bytearray(_BITS >> 3)

    def add(self, word: str) -> None:
        _set_bits(self.bits, _pairs(word))

    def __contains__(self, pair: object) -> bool:
        h = hash(pair) & MASK
        return bool(self.bits[h >> 3] >> (h & 7) & 1)
