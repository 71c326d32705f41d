"""The compiled word judge, when installed: ``opinion_native`` (Rust, built from ``native/``
by ``scripts/setup.sh`` where cargo is found), the same judging as :mod:`._boundaries` and
:mod:`._route` on its own copy of a segmenter's dictionary; and the flat rules (bare terms, any-
and none-groups of them, all-groups of those) matched on it in one call, as
:mod:`._matcher` matches them.

Python stays the reference and the fallback: without the module every span is judged in
Python, and a span the compiled judge leaves :data:`UNDECIDED` (an edge whose letter test
needs a character outside the Basic Multilingual Plane) is judged there too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from opinion_spiders.text._dictionary import DefaultDictionary
from opinion_spiders.text._match_form import CompiledTables, compiled_tables

try:
    from opinion_native import FlatRules, WordJudge
except ImportError:  # not built on this machine: every span is judged in Python
    FlatRules = WordJudge = None

#: Whether the compiled judge can be used in this process.
AVAILABLE = WordJudge is not None
#: What the compiled judge answers for a span Python must judge.
UNDECIDED = 2


@functools.cache
def _alnum() -> bytes:
    """``str.isalnum`` of every character of the Basic Multilingual Plane, one bit each, so
    the compiled judge tells letters and digits exactly as Python does."""
    bits = bytearray(0x10000 >> 3)
    for code in range(0x10000):
        if chr(code).isalnum():
            bits[code >> 3] |= 1 << (code & 7)
    return bytes(bits)


def build(base: DefaultDictionary, added: Iterable[tuple[str, int]], total: int) -> Any:
    """A compiled judge holding ``base`` and the words added to it since (each with the
    frequency jieba gave it), whose frequencies sum to ``total``; None when not installed.
    ~0.17 s and ~40 MB for jieba's dictionary."""
    if WordJudge is None:
        return None
    judge = WordJudge(base.words.encode(), base.freqs.tobytes(), total, _alnum())
    for word, count in added:
        judge.add_word(word, count, total)
    return judge


def flat_rules(judge: Any, needles: list[tuple[str, int]], rules: list[tuple[Any, ...]]) -> Any:
    """The compiled matcher of flat rules on ``judge``; see ``native/src/rules.rs``."""
    return FlatRules(judge, _match_tables(), needles, rules)


@functools.cache
def _match_tables() -> CompiledTables:
    return compiled_tables()
