"""The form text takes before rules are matched, with a way back to original positions.

Posts dodge keyword filters with other scripts and widths (貪污, ＴＡＮ), look-alike characters
(g0v, ①) and separators between characters (贪*污, 贪 污, 贪\u200b污, 贪😀污). Rules and text
both go through :func:`match_form`, so a term matches every such spelling, and each character
of the result remembers where it came from, so evidence is always cut from the original.

Two steps, both linear and in C where it counts:

1. one character becomes one character (``str.translate`` with a table built once): NFKC
   (full-width → half-width, ① → 1, compatibility ideographs), case folding, traditional →
   simplified character by character from OpenCC's ``t2s`` data, look-alikes (0 → o, 1 → l,
   Cyrillic and Greek letters that look Latin), every white space → a plain space;
2. characters are dropped: invisible ones (zero-width, soft hyphen, variation selectors)
   anywhere; any run of separators (white space, symbols, emoji, dashes, ``* . · _ | / @ #``
   and the like, but not sentence punctuation such as ，。！？) between two Hanzi; the
   separators of a spelled-out Latin word (``v.p.n``, ``f a l u n``: single letters or digits
   joined by separators); and all but the first of a run of spaces.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from importlib import metadata

import opencc

from opinion_spiders.text.disk_cache import cached, source_of

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_INVISIBLE = r"\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff"
_EXTRA_SEPARATORS = "*.·•・‧/\\@#%&'\"`"
_SEPARATOR_CATEGORIES = ("Z", "S", "Pd", "Pc", "Mn", "Me", "Cf", "Co")
_LOOKALIKES = {
    "0": "o", "1": "l", "ο": "o", "о": "o", "а": "a", "е": "e", "р": "p", "с": "c",
    "х": "x", "у": "y", "к": "k", "м": "m", "т": "t", "і": "i", "ӏ": "l", "ѕ": "s",
    "ј": "j", "α": "a", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "κ": "k", "ι": "i",
}  # fmt: skip
_ASTRAL_RANGE = "\U00010000-\U0010ffff"
_ASTRAL_SEPARATOR = "\u25a1"  # □, a symbol: emoji and other astral separators become it
#: Chinese sentence punctuation stays full width: mapping it would cost every post a pass.
_SENTENCE_PUNCTUATION = "，！？：；（）"
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@dataclass(frozen=True)
class MatchText:
    """Text in match form; ``seg_norm``/``seg_orig`` start the kept runs in each text.

    Run ``k`` covers match-form positions ``seg_norm[k]`` onwards and original positions
    ``seg_orig[k]`` onwards, one to one; no runs at all means nothing was dropped.
    """

    text: str
    seg_norm: tuple[int, ...] = ()
    seg_orig: tuple[int, ...] = ()

    def original_index(self, i: int) -> int:
        """Where match-form character ``i`` sits in the original text."""
        if not self.seg_norm:
            return i
        k = bisect_right(self.seg_norm, i) - 1
        return self.seg_orig[k] + i - self.seg_norm[k]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span from the first to the last character of ``[start, end)``."""
        if not self.seg_norm and start < end:
            return start, end
        if end <= start:
            o = self.original_index(start) if start < len(self.text) else self._orig_end()
            return o, o
        return self.original_index(start), self.original_index(end - 1) + 1

    def _orig_end(self) -> int:
        if not self.seg_norm:
            return len(self.text)
        return self.seg_orig[-1] + len(self.text) - self.seg_norm[-1]


class _Tables:
    """The character table and patterns, built on first use in a process from what
    :func:`_derived` keeps on disk (~100 ms to build, ~15 ms to read and compile)."""

    def __init__(self) -> None:
        self.script, self.table, separators, changed, special = _derived()
        self.runs = _runs_of(f"[{separators}]")
        # every astral character counts: one range keeps the class a fast bitmap
        self.changed = _runs_of(f"[{changed}{_ASTRAL_RANGE}]")
        self.special = re.compile(f"[{special}{_ASTRAL_RANGE}]")
        self.invisible = re.compile(f"[{_INVISIBLE}]")
        self.han = re.compile(f"[{_HAN}]")

    def translate(self, run: re.Match[str]) -> str:
        """A run of characters the table changes, changed (the rest of the text is kept)."""
        return run.group().translate(self.table)

    def translate_script(self, run: re.Match[str]) -> str:
        """A run of :attr:`changed` characters, changed by the script table alone (whose keys
        the full table holds, so its runs hold every character the script fold changes)."""
        return run.group().translate(self.script)


_Derived = tuple[dict[int, str], dict[int, str], str, str, str]


def _derived() -> _Derived:
    """The script table, the full table, and the character classes (BMP part) of the
    separators, of the characters the table changes and of both — from the disk cache when
    this module, Unicode's data and OpenCC are the ones they were built from."""
    parts = (source_of(__name__), unicodedata.unidata_version, metadata.version("opencc"))
    return cached("match-form-tables", parts, _build_derived)


def _build_derived() -> _Derived:
    separators = _separators()
    script = _script_table()
    table = _build_table(script, separators)
    bmp = [code for code in separators if code < 0x10000]
    keys = [c for c in table if c < 0x10000]
    return script, table, _char_class(bmp), _char_class(keys), _char_class([*keys, *bmp])


def _runs_of(char_class: str) -> re.Pattern[str]:
    """``[…]+`` spelled ``[…][…]*``: a leading class lets the regex engine skip ahead in C
    to the next character that can start a run (twice as fast on a post)."""
    return re.compile(f"{char_class}{char_class}*")


def _script_table() -> dict[int, str]:
    """One character to one character: NFKC (full width → half width, ① → 1), case fold,
    traditional → simplified; settled, so folding twice changes nothing more."""
    table: dict[int, str] = {}
    for code in (*range(0x10000), *range(0x1D400, 0x1D800), *range(0x1F100, 0x1F200)):
        c = chr(code)
        folded = unicodedata.normalize("NFKC", c).casefold()
        if len(folded) == 1 and folded != c and c not in _SENTENCE_PUNCTUATION:
            table[code] = folded
    converter = opencc.OpenCC("t2s")
    han = [chr(i) for lo, hi in _HAN_RANGES for i in range(lo, hi)]
    for c, simple in zip(han, converter.convert("\n".join(han)).split("\n"), strict=True):
        if len(simple) == 1 and simple != c:
            table[ord(c)] = simple
    for code in list(table):
        table[code] = _settle(table, table[code])
    return table


def _build_table(script: dict[int, str], separators: list[int]) -> dict[int, str]:
    """The script fold plus look-alikes and spaces; astral separators (emoji) become one BMP
    symbol so the separator pattern stays a fast one."""
    table = dict(script)
    for c, plain in _LOOKALIKES.items():
        table[ord(c)] = plain
    for code, value in list(table.items()):
        table[code] = _LOOKALIKES.get(value, value)
    for c in "\t\n\r\f\v\x85\xa0\u2028\u2029\u3000":
        table[ord(c)] = " "
    for code in separators:
        if code >= 0x10000 and code not in table:
            table[code] = _ASTRAL_SEPARATOR
    return table


def _settle(table: dict[int, str], c: str) -> str:
    """Follow the table until a character maps to itself, so folding is idempotent."""
    for _ in range(4):
        nxt = table.get(ord(c), c)
        if nxt == c:
            break
        c = nxt
    return c


def _separators() -> list[int]:
    """Every separator: by Unicode category, plus listed punctuation (and its full width)."""
    ranges = (range(0x20, 0x10000), range(0x1F000, 0x1FC00), range(0xE0000, 0xE0080))
    codes = {
        code
        for r in ranges
        for code in r
        if unicodedata.category(chr(code)).startswith(_SEPARATOR_CATEGORIES)
    }
    for c in _EXTRA_SEPARATORS:
        codes.add(ord(c))
        if "!" <= c <= "~":
            codes.add(ord(c) + 0xFEE0)
    return sorted(codes)


def _char_class(codes: list[int]) -> str:
    """A regex character class body for ``codes`` (sorted), as ranges."""
    parts: list[str] = []
    codes = sorted(codes)
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = code
    return "".join(parts)


_tables: _Tables | None = None
_lock = threading.Lock()


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _Tables()
    return _tables


#: The match form's tables as the compiled matcher (``_native``) takes them: the fold as
#: (character, character) pairs, then bit tables of the Basic Multilingual Plane (bit ``c``
#: of byte ``c >> 3``) of the characters that need work, the separators, the invisible
#: characters and the Hanzi.
CompiledTables = tuple[list[tuple[int, int]], bytes, bytes, bytes, bytes]


def compiled_tables() -> CompiledTables:
    """This module's tables for the compiled matcher, which takes the same steps."""
    tables = _get_tables()
    every = "".join(map(chr, range(0x10000)))

    def bits(pattern: re.Pattern[str]) -> bytes:
        out = bytearray(0x10000 >> 3)
        for run in pattern.finditer(every):
            for code in range(*run.span()):
                out[code >> 3] |= 1 << (code & 7)
        return bytes(out)

    pairs = [(code, ord(folded)) for code, folded in tables.table.items()]
    return (pairs, bits(tables.special), bits(tables.runs), bits(tables.invisible),
            bits(tables.han))  # fmt: skip


def in_match_form(s: str) -> bool:
    """Whether ``s`` is its own match form (nothing to fold, no separator): most posts."""
    return (_tables or _get_tables()).special.search(s) is None


def match_form(s: str) -> MatchText:
    """``s`` as rules see it, with the way back to original positions."""
    tables = _get_tables()
    if tables.special.search(s) is None:
        return MatchText(s)  # nothing to fold and no separator: most posts, one C pass
    text = tables.changed.sub(tables.translate, s)
    dropped = _dropped_spans(tables, text)
    if not dropped:
        return MatchText(text)
    pieces: list[str] = []
    seg_norm: list[int] = []
    seg_orig: list[int] = []
    kept = pos = 0
    for start, end in [*dropped, (len(text), len(text))]:
        if start > pos:
            seg_norm.append(kept)
            seg_orig.append(pos)
            pieces.append(text[pos:start])
            kept += start - pos
        pos = max(pos, end)
    return MatchText("".join(pieces), tuple(seg_norm), tuple(seg_orig))


def _dropped_spans(tables: _Tables, text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint spans of ``text`` that the match form leaves out, judged per run of
    separators by its neighbours."""
    spans: list[tuple[int, int]] = []
    han = tables.han.match
    for run in tables.runs.finditer(text):
        start, end = run.span()
        if start and end < len(text):
            left, right = text[start - 1], text[end]
            if (han(left) and han(right)) or (_single(text, start - 1) and _single(text, end)):
                spans.append((start, end))
                continue
        spans.extend(_inside_run(tables, run.group(), start))
    return spans


def _single(text: str, i: int) -> bool:
    """Whether ``text[i]`` is a Latin letter or digit standing alone (v in v.p.n)."""
    return (
        _latin(text[i])
        and (i == 0 or not _latin(text[i - 1]))
        and (i + 1 == len(text) or not _latin(text[i + 1]))
    )


def _latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _inside_run(tables: _Tables, run: str, offset: int) -> list[tuple[int, int]]:
    """In a run that stays: invisible characters, and spaces after the run's first space."""
    spans = []
    seen_space = False
    for i, c in enumerate(run):
        if c == " ":
            if seen_space:
                spans.append((offset + i, offset + i + 1))
            seen_space = True
        elif tables.invisible.match(c):
            spans.append((offset + i, offset + i + 1))
    return spans


def fold_script(s: str) -> str:
    """Width, case and traditional → simplified, one character for one (``len`` is kept):
    the fold of words analysts search for, where look-alikes (0 → o) and dropped separators
    would turn 2024 or a URL into something no one types. Only the runs of characters the
    table changes are translated: ``str.translate`` looks every character up in Python."""
    tables = _get_tables()
    return tables.changed.sub(tables.translate_script, s)


def match_key(s: str) -> str:
    """The match form of a term as written in a rule (surrounding space stripped)."""
    return match_form(s.strip()).text.strip()
