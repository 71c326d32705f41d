"""jieba's best dictionary route over a small window of text, with fewer lookups than jieba.

``Tokenizer.get_DAG`` + ``Tokenizer.calc`` build a dict of lists and then a dict of tuples
through a generator per position, looking every piece up in ``FREQ`` twice. The judging of
word boundaries segments only windows of a few characters, where that bookkeeping is most of
the cost; this does the same arithmetic in one backward pass, one lookup per piece.
"""

from __future__ import annotations

from math import log

import jieba


def route_cuts(
    tokenizer: jieba.Tokenizer,
    text: str,
    start: int = 0,
    stop: int | None = None,
    *,
    split: bool = False,
) -> list[int]:
    """Where jieba's best route over ``text[start:stop]`` cuts, from ``start`` to ``stop``
    (positions in ``text``, which is not copied): its cut without the HMM (which only
    regroups single characters, so never moves a dictionary word's edge). With ``split``, the
    best route that does not keep the whole stretch as one word (a compound's parts).

    The same floating-point arithmetic as ``calc`` (so the same route, ties included: of equal
    scores the longest word wins, as ``max`` over ``(score, end)`` picks it)."""
    freq = tokenizer.FREQ
    n = len(text) if stop is None else stop
    logtotal = log(tokenizer.total)
    score = [0.0] * (n - start + 1)
    ends = [0] * (n - start)
    for k in range(n - 1, start - 1, -1):
        base = k - start
        best, end = -logtotal + score[base + 1], k + 1  # no word starts here: the lone character
        found = False
        i = k + 1
        count = freq.get(text[k])
        while count is not None:  # FREQ holds every prefix of a word, with frequency 0
            if count and not (split and k == start and i == n):
                value = log(count) - logtotal + score[i - start]
                if not found or value >= best:
                    best, end, found = value, i, True
            i += 1
            if i > n:
                break
            count = freq.get(text[k:i])
        score[base] = best
        ends[base] = end
    cuts = [start]
    x = start
    while x < n:
        x = ends[x - start]
        cuts.append(x)
    return cuts
