"""Reading under changes a page's content survives: the extraction corpus (as ``bench.corpus``
reads and scores it) read as given and in variants of each page that carry the same text.

Run ``python -m bench.corpus_variants`` (4–8 minutes on 2 cores). It tells how the reading
generalises to *kinds* of pages the corpus holds few of, without touching any page held back:

* **encodings**: the page's decoded text written again as GBK (GB18030) declaring ``gbk``, as
  GBK declaring nothing, as UTF-8 declaring nothing, as UTF-8 with a byte-order mark, as UTF-8
  that declares ``gbk`` and as GBK that declares ``utf-8`` (misconfigured servers), and as
  Big5 declared and undeclared (a character Big5-HKSCS lacks as a character reference):
  each should read to the same F1 as the page as given.
* **opaque-classes**: the words of every ``class`` and ``id`` token replaced by a hash of them
  and the number it ends with kept (``post-123`` → ``cbadfeg-123``), as sites built with CSS
  modules or styled components ship them: the same markup and numbering, with the names the
  engines and the generic reader's hints look for gone. The drop measures how much the
  reading leans on names rather than structure.
* **plain-tags**: HTML5's sectioning elements (``header``, ``footer``, ``nav``, ``aside``,
  ``article``, ``section``, ``main``) written as ``div``s with the same attributes, as older
  templates and many Chinese boards print the same layout — alone, and with opaque names too
  (a board that says nothing of its layout but its structure).

For each variant and set: mean F1 as given and in the variant, and the pages that lose more
than ``--drop`` (default 0.05) with the reader each went to.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench.corpus import CORPUS, ROLES, SETS, corpus_pages, ours, rouge_l_summary

Variant = Callable[[str], bytes]

_META_CHARSET = re.compile(r"(<meta[^>]*?charset\s*=\s*[\"']?)([\w-]+)", re.I)
_META_WITH_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.I)
_CLASS_OR_ID = re.compile(r"(\s(?:class|id)\s*=\s*)(?:\"([^\"]*)\"|'([^']*)')", re.I)


def declaring(text: str, charset: str) -> str:
    """The page with every ``<meta>`` charset it declares changed to ``charset``."""
    return _META_CHARSET.sub(lambda m: m.group(1) + charset, text)


def undeclared(text: str) -> str:
    """The page without the ``<meta>`` elements that declare a charset."""
    return _META_WITH_CHARSET.sub("", text)


_NUMBER_AT_END = re.compile(r"^(.*?)([-_]?\d+)?$")
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopabcdef")


def opaque(token: str) -> str:
    """A class or id token with its words replaced by a hash of them (letters only), and the
    number it ends with kept: ``post-123`` → ``cbadfeg-123``, ``windowbg2`` → ``cfhaedb2``.
    Sites that build their names (CSS modules, styled components) hash the words; the number
    that tells one post's box from the next, or odd rows from even, is the page's own."""
    m = _NUMBER_AT_END.match(token)
    words, number = (m.group(1), m.group(2) or "") if m else (token, "")
    if not words:
        return token
    digest = hashlib.md5(words.encode()).hexdigest()[:6].translate(_HEX_TO_LETTERS)
    return f"c{digest}{number}"


def opaque_names(text: str) -> str:
    """Every ``class`` and ``id`` token made :func:`opaque`: the same token, the same name, so
    elements that shared a name still do."""

    def hashed(m: re.Match[str]) -> str:
        value = m.group(2) if m.group(2) is not None else m.group(3)
        return f'{m.group(1)}"{" ".join(opaque(t) for t in value.split())}"'

    return _CLASS_OR_ID.sub(hashed, text)


_SECTIONING = re.compile(r"<(/?)(?:header|footer|nav|aside|article|section|main)(?=[\s>/])", re.I)


def plain_tags(text: str) -> str:
    """Every sectioning element (``<header>``, ``<aside>``, ``<article>`` …) a ``<div>``."""
    return _SECTIONING.sub(r"<\1div", text)


def _gbk(text: str) -> bytes:
    return text.encode("gb18030")


def _big5(text: str) -> bytes:
    """Big5 (HKSCS), as Taiwan's and Hong Kong's older sites serve it: a character it lacks
    (most simplified ones) — or that Python's codec does not read back as itself (kana it
    maps to the ETen codes) — written as a numeric character reference, which reads back
    the same."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.encode())
        else:
            out.append(_big5_char(char))
    return b"".join(out)


@functools.cache
def _big5_char(char: str) -> bytes:
    try:
        coded = char.encode("big5hkscs")
    except UnicodeEncodeError:
        return f"&#{ord(char)};".encode()
    return coded if coded.decode("big5hkscs") == char else f"&#{ord(char)};".encode()


VARIANTS: dict[str, dict[str, Variant]] = {
    "encodings": {
        "gbk, declared": lambda t: _gbk(declaring(t, "gbk")),
        "gbk, undeclared": lambda t: _gbk(undeclared(t)),
        "utf-8, undeclared": lambda t: undeclared(t).encode("utf-8"),
        "utf-8 with a BOM": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        "utf-8 declaring gbk": lambda t: declaring(t, "gbk").encode("utf-8"),
        "gbk declaring utf-8": lambda t: _gbk(declaring(t, "utf-8")),
        "big5, declared": lambda t: _big5(declaring(t, "big5")),
        "big5, undeclared": lambda t: _big5(undeclared(t)),
    },
    "opaque-classes": {"opaque class and id": lambda t: opaque_names(t).encode("utf-8")},
    "plain-tags": {
        "sections as divs": lambda t: plain_tags(t).encode("utf-8"),
        "divs, opaque names": lambda t: plain_tags(opaque_names(t)).encode("utf-8"),
    },
}

_RUNTIME: Any = None


def score_variants(job: tuple[str, str, dict[str, Any], list[str]]) -> dict[str, Any]:
    """One page: F1 and reader as given, then in each named variant."""
    kind, page_id, truth, names = job
    global _RUNTIME
    if _RUNTIME is None:
        from opinion_spiders.runtime import Runtime

        _RUNTIME = Runtime({})
    from opinion_spiders.reading.encoding import decode_html

    html = (CORPUS / kind / f"{page_id}.html").read_bytes()
    variants = {n: v for group in VARIANTS.values() for n, v in group.items() if n in names}
    text = decode_html(html, None, None).text
    row: dict[str, Any] = {"set": kind, "id": page_id, "url": truth["url"], "scores": {}}
    for name, body in [("as given", html), *((n, v(text)) for n, v in variants.items())]:
        read, posts, _seconds, reader = ours(body, truth["url"], _RUNTIME, ROLES[kind])
        f1 = rouge_l_summary(truth["content"], read).f1
        row["scores"][name] = (f1, f"{reader}({posts})")
    return row


def report(rows: Sequence[dict[str, Any]], names: Sequence[str], drop: float) -> str:
    lines = [f"{'set':<8}{'variant':<24}{'as given':>10}{'variant':>10}{'lost > ' + str(drop):>12}"]
    for kind in SETS:
        mine = [r for r in rows if r["set"] == kind]
        if not mine:
            continue
        given = statistics.mean(r["scores"]["as given"][0] for r in mine)
        for name in names:
            scores = [r["scores"][name][0] for r in mine]
            lost = [r for r in mine if r["scores"][name][0] < r["scores"]["as given"][0] - drop]
            lines.append(f"{kind:<8}{name:<24}{given:>10.3f}{statistics.mean(scores):>10.3f}"
                         f"{len(lost):>12}")  # fmt: skip
            for r in lost:
                (f0, r0), (f1, r1) = r["scores"]["as given"], r["scores"][name]
                lines.append(f"    {f0:.2f} -> {f1:.2f}  {r0} -> {r1}  {r['id'][:10]} "
                             f"{r['url'][:70]}")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus_variants", description=__doc__)
    parser.add_argument("--variants", choices=sorted(VARIANTS), action="append",
                        help="only these groups (default: all)")  # fmt: skip
    parser.add_argument("--set", choices=SETS, action="append", help="only these sets")
    parser.add_argument("--pages", type=int, default=0, help="first N pages of each set")
    parser.add_argument("--drop", type=float, default=0.05, help="list pages losing more F1")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", help="write per-page rows to this file")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"bench.corpus_variants: error: no corpus at {CORPUS}", file=sys.stderr)
        return 1
    names = [n for group in (args.variants or sorted(VARIANTS)) for n in VARIANTS[group]]
    jobs = [(*page, names) for page in corpus_pages(args.set, args.pages)]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(score_variants, jobs, chunksize=2))
    print(report(rows, names, args.drop))
    print(f"\n({len(rows)} pages, {time.monotonic() - started:.0f}s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
