"""Judging candidate spans as whole words by segmenting only a small window around each.

Segmenting a whole page costs more than fetching it; a rule candidate only needs the words
next to it. jieba segments each run of Hanzi on its own, so the window is the run of Hanzi
around the span, and within it only the stretch between the nearest places that every
segmentation cuts (no dictionary word crosses them): the best route through such a stretch is
part of the best route through the whole text. ``WINDOW`` bounds the stretch on each side.
Overlapping windows are merged and segmented once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence

import jieba

from opinion_spiders.text._subwords import compound_boundaries, latin_edge
from opinion_spiders.text._word_pairs import MASK, WordPairs

WINDOW = 16
#: Longest dictionary word looked for when asking whether a word crosses a boundary.
MAX_WORD = 8

#: A candidate: start, end, and the inner boundaries a phrase needs (its word joints).
Span = tuple[int, int, tuple[int, ...]]
#: Where the best route over ``text[start:stop]`` cuts, from ``start`` to ``stop`` (as
#: :func:`~opinion_spiders.text._route.route_cuts` gives them, or the same in compiled code).
Cuts = Callable[[str, int, int], list[int]]


_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
#: Hanzi on both sides of a position: the common case, where only jieba can judge it.
_HAN_PAIR = re.compile(f"[{_HAN}][{_HAN}]")


def _is_han(c: str) -> bool:
    code = ord(c)
    return 0x3400 <= code < 0xA000 or 0xF900 <= code < 0xFB00 or 0x20000 <= code < 0x2FA20


def _window(
    freq: dict[str, int], pairs: WordPairs, text: str, start: int, end: int
) -> tuple[int, int]:
    """The stretch between the nearest cuts every segmentation makes (no dictionary word
    crosses them, or the Hanzi run ends): the best route inside it is the best route there."""
    bits = pairs.bits
    left = start
    while left > 0 and start - left < WINDOW and _is_han(text[left - 1]):
        left -= 1
        h = hash(text[left - 1 : left + 1]) & MASK  # :func:`_maybe_crossed`, inline
        if not (left and bits[h >> 3] >> (h & 7) & 1 and _crossed(freq, pairs, text, left)):
            break
    right = end
    n = len(text)
    while right < n and right - end < WINDOW and _is_han(text[right]):
        right += 1
        h = hash(text[right - 1 : right + 1]) & MASK
        if not (bits[h >> 3] >> (h & 7) & 1 and _crossed(freq, pairs, text, right)):
            break
    return left, right


def _needed(text: str, span: Span) -> tuple[int, ...] | None:
    """Boundaries only jieba can judge; None when letters already rule the span out."""
    start, end, inner = span
    if (
        not inner
        and 0 < start < end
        and _HAN_PAIR.match(text, start - 1)
        and _HAN_PAIR.match(text, end - 1)
    ):
        return (start, end)  # the common case: Hanzi on both sides of both edges
    if not 0 <= start < end <= len(text):
        return None
    needed: list[int] = []
    for i in (start, end):
        edge = _edge(text, i)
        if edge is False:
            return None
        if edge is None:
            needed.append(i)
    if inner:
        needed.extend(i for i in inner if start < i < end and _edge(text, i) is None)
    return tuple(needed)


def _edge(text: str, i: int) -> bool | None:
    """:func:`latin_edge`, with the common case (Hanzi on both sides) answered first."""
    if i > 0 and _HAN_PAIR.match(text, i - 1):
        return None
    return latin_edge(text, i)


def _crossed(freq: dict[str, int], pairs: WordPairs, text: str, i: int) -> bool:
    """Whether a dictionary word spans position ``i``; if none does, every segmentation cuts
    there (jieba's DAG has no edge across it), so nothing needs segmenting to know.

    Such a word holds every pair of neighbouring characters from its start to ``i + 1``, so
    the search leftwards stops at the first pair that is in no word; and jieba's ``FREQ``
    holds every prefix of a word (with frequency 0), so rightwards it stops at the first piece
    that is in no word."""
    n = len(text)
    if i >= n:
        return False
    bits = pairs.bits
    for left in range(i - 1, max(-1, i - MAX_WORD), -1):
        h = hash(text[left : left + 2]) & MASK
        if not bits[h >> 3] >> (h & 7) & 1:
            return False
        right = i + 1
        found = freq.get(text[left:right])
        while found is not None:
            if found:
                return True
            right += 1
            if right > n or right - left > MAX_WORD:
                break
            found = freq.get(text[left:right])
    return False


def check_spans(
    tokenizer: jieba.Tokenizer,
    pairs: WordPairs,
    text: str,
    spans: Sequence[Span],
    cuts: Cuts,
) -> list[bool]:
    """For each span, whether segmentation agrees it is whole words (its joints included);
    ``cuts`` routes the windows."""
    results = [False] * len(spans)
    pending: list[_Pending] = []
    _sort_out(tokenizer.FREQ, pairs, text, spans, range(len(spans)), results, pending)
    if pending:
        _judge_pending(tokenizer, cuts, text, spans, pending, results)
    return results


#: A span segmentation must judge: its window (left, right), its index, its needed boundaries.
_Pending = tuple[int, int, int, tuple[int, ...]]


def _sort_out(
    freq: dict[str, int],
    pairs: WordPairs,
    text: str,
    spans: Sequence[Span],
    indices: Iterable[int],
    results: list[bool],
    pending: list[_Pending],
) -> None:
    """Settle the spans at ``indices`` that need no segmenting; queue the others."""
    for index in indices:
        span = spans[index]
        needed = _needed(text, span)
        if needed is None:
            continue
        if any(_maybe_crossed(pairs, text, i) and _crossed(freq, pairs, text, i) for i in needed):
            pending.append((*_window(freq, pairs, text, span[0], span[1]), index, needed))
        else:
            results[index] = True


def _judge_pending(
    tokenizer: jieba.Tokenizer,
    cuts: Cuts,
    text: str,
    spans: Sequence[Span],
    pending: list[_Pending],
    results: list[bool],
) -> None:
    """Merge overlapping windows and segment each merged window once."""
    if len(pending) > 1:
        pending.sort()
    group: list[_Pending] = []
    reach = -1
    for item in pending:
        if group and item[0] > reach:
            _judge(tokenizer, cuts, text, spans, group, results)
            group = []
        group.append(item)
        reach = max(reach, item[1])
    _judge(tokenizer, cuts, text, spans, group, results)


def whole_words(
    tokenizer: jieba.Tokenizer,
    pairs: WordPairs,
    text: str,
    spans: Sequence[tuple[int, int]],
    cuts: Cuts,
) -> list[bool]:
    """:func:`check_spans` for single words (no joints), such as every occurrence of every
    term a post's rules ask about at once. An edge settled by letters, or one that no
    dictionary word crosses, is settled here, once per position however many spans share it,
    without the bookkeeping of :func:`check_spans`; the rest are judged in windows merged
    across all the spans."""
    bits, freq = pairs.bits, tokenizer.FREQ
    han_pair = _HAN_PAIR.match
    kept = [False] * len(spans)
    pending: list[_Pending] = []
    crossed: dict[int, bool] = {}  # position → whether a dictionary word crosses it
    for k, (start, end) in enumerate(spans):
        if 0 < start < end and han_pair(text, start - 1) and han_pair(text, end - 1):
            needed: tuple[int, ...] = (start, end)  # the common case: Hanzi all round
        else:
            found = _needed(text, (start, end, ()))
            if found is None:
                continue  # letters run on across an edge
            needed = found
        for i in needed:
            cut = crossed.get(i)
            if cut is None:
                h = hash(text[i - 1 : i + 1]) & MASK  # :func:`_maybe_crossed`, inline
                cut = crossed[i] = bool(
                    bits[h >> 3] >> (h & 7) & 1 and _crossed(freq, pairs, text, i)
                )
            if cut:  # segment the window
                pending.append((*_window(freq, pairs, text, start, end), k, needed))
                break
        else:
            kept[k] = True
    if pending:
        full = [(start, end, ()) for start, end in spans]
        _judge_pending(tokenizer, cuts, text, full, pending, kept)
    return kept


def _maybe_crossed(pairs: WordPairs, text: str, i: int) -> bool:
    """The first test of :func:`_crossed` (most boundaries fail it): whether the characters
    around ``i`` are a pair some dictionary word holds."""
    return i > 0 and text[i - 1 : i + 1] in pairs


def _judge(
    tokenizer: jieba.Tokenizer,
    cuts: Cuts,
    text: str,
    spans: Sequence[Span],
    group: list[_Pending],
    results: list[bool],
) -> None:
    """Segment one merged window and judge every span inside it."""
    left = group[0][0]
    right = max([g[1] for g in group]) if len(group) > 1 else group[0][1]
    route = cuts(text, left, right)
    bounds = set(route)
    for _, _, index, needed in group:
        if bounds.issuperset(needed):
            results[index] = True
            continue
        start, end, _ = spans[index]
        at = bisect_right(route, start) - 1  # the word the span starts in
        if at + 1 < len(route) and end <= route[at + 1]:
            offset = route[at]
            word = text[offset : route[at + 1]]
            parts = {b + offset for b in compound_boundaries(tokenizer, word)}
            results[index] = all(b in bounds or b in parts for b in needed)
