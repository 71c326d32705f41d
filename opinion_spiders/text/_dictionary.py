"""jieba's default dictionary, read once per process, with the word pairs of its words.

``jieba.Tokenizer.initialize`` reads its prefix dictionary (~500,000 words and prefixes)
from a ``marshal`` cache of a dict, ~0.5 s in every process and again for every tokenizer;
the word-pair filter (``_word_pairs``) took another ~0.3 s to collect the pairs. Here both are
read from one entry of :mod:`opinion_spiders.text.disk_cache`, which keeps the words as one
string, their frequencies as a list and the pairs as one string — which Python rebuilds
faster than a marshalled dict — once per process, kept in that compact form; each segmenter
builds its own dict from it, since adding words changes the dict.

jieba itself is imported when a dictionary is first read: a process that imports the matcher
but never segments (the crawl process: it checks the rule files, its page workers match)
does not load it, nor the ``pkg_resources`` it imports (~0.1–0.2 s).
"""

from __future__ import annotations

import functools
import logging
import os
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opinion_spiders.text import _word_pairs
from opinion_spiders.text.disk_cache import cached, source_of

if TYPE_CHECKING:
    import jieba

_SEPARATOR = "\0"


@dataclass(frozen=True)
class DefaultDictionary:
    """jieba's prefix dictionary as read from the cache — its words and prefixes end to end,
    their frequencies (0 for a mere prefix), the sum of the frequencies — and the word-pair
    filter of its words for this process."""

    words: str
    freqs: array[int]
    total: int
    pairs: bytes

    def tokenizer(self) -> jieba.Tokenizer:
        """A fresh tokenizer holding its own dictionary (~0.15 s to build; the process keeps
        only this compact form, ~10 MB, not a second dict of ~60 MB)."""
        import jieba

        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = dict(zip(self.words.split(_SEPARATOR), self.freqs, strict=True))
        tokenizer.total = self.total
        tokenizer.initialized = True
        return tokenizer


@functools.cache
def default_dictionary() -> DefaultDictionary:
    """The process's copy, read on first use."""
    words, freqs, total, pairs = cached("jieba-dictionary", _key(), _build)
    return DefaultDictionary(words, array("q", freqs), total, _word_pairs.filter_of(pairs))


def _key() -> tuple[str | bytes, ...]:
    """What the entry is built from: jieba's version and dictionary file, and this code."""
    import jieba

    dict_file = os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)
    stat = os.stat(dict_file)
    return (
        jieba.__version__,
        f"{dict_file}:{stat.st_size}:{stat.st_mtime_ns}",
        source_of(__name__),
        source_of(_word_pairs.__name__),
    )


def _build() -> tuple[str, list[int], int, str]:
    import jieba

    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter
    tokenizer.initialize()
    freq: dict[str, int] = tokenizer.FREQ
    pairs = _word_pairs.pairs_text(w for w, f in freq.items() if f)
    return _SEPARATOR.join(freq), list(freq.values()), tokenizer.total, pairs
