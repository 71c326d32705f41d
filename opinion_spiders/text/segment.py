"""Chinese word segmentation on a private jieba dictionary.

jieba's module-level functions share one global dictionary, so adding a rule term there would
change every other user's segmentation; each :class:`Segmenter` owns a ``jieba.Tokenizer``,
built on first use, under a lock, from a copy of the default dictionary that the process
reads once from its disk cache (``_dictionary``; ~0.15 s a segmenter).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import Any, TypeVar

import jieba

from opinion_spiders.text import _native
from opinion_spiders.text._boundaries import Span, check_spans, whole_words
from opinion_spiders.text._dictionary import default_dictionary
from opinion_spiders.text._route import route_cuts
from opinion_spiders.text._search_cut import SearchCutter
from opinion_spiders.text._word_pairs import WordPairs
from opinion_spiders.text.normalize import fold_for_search

Token = tuple[str, int, int]
_S = TypeVar("_S", Span, tuple[int, int])
_UNDECIDED = _native.UNDECIDED
#: Whether the compiled word judge (``opinion_native``, built from ``native/``) is installed.
COMPILED_JUDGE: bool = _native.AVAILABLE

#: Windows a segmenter routes in Python before it builds jieba-rs to route them (~0.1 s and
#: ~25 MB once, then ~2 µs a window against ~8): a process that judges a few posts never
#: builds it; one that stores posts has built it already, for their search terms.
ROUTES_IN_PYTHON = 2_000
#: Texts a segmenter judges in Python before it builds the compiled judge, where installed
#: (``_native``: ~0.17 s and ~40 MB once, then a dense post's words in a few µs against
#: ~100): `opinion match` on a handful of posts never builds it; a crawl does at once.
JUDGED_IN_PYTHON = 200


def _read_domain_words() -> list[tuple[str, int | None]]:
    """The bundled dictionary as (word, frequency or None) pairs."""
    text = (
        resources.files("opinion_spiders.text")
        .joinpath("data/domain_words.txt")
        .read_text(encoding="utf-8")
    )
    entries: list[tuple[str, int | None]] = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            entries.append((parts[0], int(parts[1]) if len(parts) > 1 else None))
    return entries


class Segmenter:
    """Segments text with jieba's default dictionary, the domain words and ``words``."""

    def __init__(self, words: Iterable[str] = (), *, compiled: bool | None = None) -> None:
        """``compiled``: judge words with the compiled judge from the first text (True; an
        error where it is not installed), never (False), or once it pays (None)."""
        if compiled and not COMPILED_JUDGE:
            raise RuntimeError(
                "the compiled word judge (opinion_native) is not installed: run "
                "scripts/setup.sh on a machine with cargo, or pass compiled=None"
            )
        self._compiled = compiled
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._pairs = WordPairs()
        self._pending: list[str] = list(words)
        #: every word added to the default dictionary, with the frequency jieba gave it
        self._added: list[tuple[str, int]] = []
        self._search: SearchCutter | None = None
        self._routed = 0  # windows routed in Python
        self._native: Any = None  # the compiled judge, once built
        self._python_judged = 0  # texts judged in Python

    @property
    def loaded(self) -> bool:
        """Whether the dictionary has been built (it is on first use)."""
        return self._tokenizer is not None

    def _ready(self) -> jieba.Tokenizer:
        """Build the tokenizer on first use; later calls only read an attribute."""
        tokenizer = self._tokenizer
        if tokenizer is not None:
            return tokenizer
        with self._lock:
            if self._tokenizer is None:
                base = default_dictionary()
                tokenizer = base.tokenizer()
                self._pairs = WordPairs(base.pairs)
                for word, freq in _read_domain_words():
                    self._add_word(tokenizer, word, freq)
                for word in self._pending:
                    self._add_word(tokenizer, word)
                self._pending = []
                self._tokenizer = tokenizer  # others use it once it holds every word
            return self._tokenizer

    def _add_word(self, tokenizer: jieba.Tokenizer, word: str, freq: int | None = None) -> None:
        """Add a word; without a frequency, the least that keeps it whole, so neighbours are
        not eaten. Called under the lock."""
        word = word.strip()
        if not word:
            return
        old = tokenizer.FREQ.get(word, 0)
        tokenizer.add_word(word, freq)
        # jieba adds a known word's new frequency to the total without taking its old one
        # off; the total is the sum of the frequencies, as in jieba-rs (``_search_cut``)
        tokenizer.total -= old
        self._pairs.add(word)
        added = (word, tokenizer.FREQ[word])
        self._added.append(added)
        if self._search is not None:
            self._search.add(*added)
        if self._native is not None:
            self._native.add_word(*added, tokenizer.total)

    def _search_cutter(self) -> SearchCutter:
        search = self._search
        if search is not None:
            return search
        tokenizer = self._ready()
        with self._lock:
            if self._search is None:
                self._search = SearchCutter(tokenizer.FREQ, self._added)
            return self._search

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the dictionary more words (rule terms); cheap before the first segmentation."""
        with self._lock:
            if self._tokenizer is None:
                self._pending.extend(words)
                return
            for word in words:
                self._add_word(self._tokenizer, word)

    def tokenize(self, text: str) -> list[Token]:
        """Words of ``text`` as (word, start, end), covering the text without gaps."""
        if not text:
            return []
        return [(w, s, e) for w, s, e in self._ready().tokenize(text)]

    def is_word(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` is whole words here, not a cut across a word.

        A span inside a compound (干部 in 村干部) counts when splitting the compound into its
        parts puts boundaries at both ends; 干部 in 能干部分 (能干/部分) does not.
        """
        return self.check_spans(text, [(start, end, ())])[0]

    def check_spans(self, text: str, spans: Sequence[Span]) -> list[bool]:
        """:meth:`is_word` for many spans (with the inner joints of phrases), segmenting only a
        small window around each, never the whole text."""
        return self._judged(text, spans, check_spans, compiled="check_spans")

    def whole_words(self, text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
        """:meth:`is_word` for each ``(start, end)`` span, judged together (positions and
        windows they share are worked out once)."""
        return self._judged(text, spans, whole_words, compiled="whole_words")

    def _judged(
        self, text: str, spans: Sequence[_S], python: Callable[..., list[bool]], *, compiled: str
    ) -> list[bool]:
        """The spans judged by the compiled judge's method ``compiled`` where it is built,
        those it leaves undecided (and all, without it) by ``python`` (``_boundaries``)."""
        tokenizer = self._ready()
        native = self._native or self._native_judge()
        if native is None:
            return python(tokenizer, self._pairs, text, spans, self._cuts)
        codes = getattr(native, compiled)(text, spans)
        if _UNDECIDED not in codes:
            return list(map(bool, codes))
        undecided = [k for k, code in enumerate(codes) if code == _UNDECIDED]
        results = list(map(bool, codes))
        rest = python(tokenizer, self._pairs, text, [spans[k] for k in undecided], self._cuts)
        for k, ok in zip(undecided, rest, strict=True):
            results[k] = ok
        return results

    def compiled_judge(self) -> Any:
        """The compiled judge (``_native``) once it pays — built after :data:`JUDGED_IN_PYTHON`
        calls, each counted as a text judged — or None (not yet, not installed, or
        ``compiled=False``): the matcher hands it its plain rules."""
        return self._native or self._native_judge()

    def _native_judge(self) -> Any:
        """The compiled judge once :data:`JUDGED_IN_PYTHON` texts were judged without it
        (None before, and where it is not installed)."""
        if self._compiled is False or not COMPILED_JUDGE:
            return None
        self._python_judged += 1
        if self._python_judged <= JUDGED_IN_PYTHON and not self._compiled:
            return None
        tokenizer = self._ready()
        with self._lock:
            if self._native is None:
                self._native = _native.build(default_dictionary(), self._added, tokenizer.total)
            return self._native

    def _cuts(self, text: str, start: int, stop: int) -> list[int]:
        """jieba's route over one window of Hanzi: in jieba-rs once a search cutter exists (it
        holds the same words with the same frequencies, so it cuts the same), else in Python
        until :data:`ROUTES_IN_PYTHON` windows make building one worth it."""
        search = self._search
        if search is None:
            self._routed += 1
            if self._routed <= ROUTES_IN_PYTHON:
                return route_cuts(self._ready(), text, start, stop)
            search = self._search_cutter()
        try:
            return search.cuts(text, start, stop)
        except UnicodeEncodeError:  # a lone surrogate (a badly decoded page): Rust needs UTF-8
            return route_cuts(self._ready(), text, start, stop)

    def search_terms(self, text: str) -> list[str]:
        """Unique folded words for analysts' search (width, case, traditional → simplified),
        compounds and their parts, first seen first: jieba's search-mode cut, made by
        jieba-rs (``_search_cut``)."""
        if not text:
            return []
        return self._search_cutter().terms(fold_for_search(text))


_shared: Segmenter | None = None
_shared_lock = threading.Lock()


def shared_segmenter() -> Segmenter:
    """One lazily built process-wide segmenter with no extra words; prefer your own instance."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Segmenter()
        return _shared
