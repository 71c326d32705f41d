"""``python -m bench.corpus``: how well ``opinion parse`` reads real pages it never saw.

Every page of ``../shared/corpora/extraction/{forum,article}`` is read the way a crawl reads
it — ``opinion parse --role thread`` for the forum set, ``--role article`` for the article set,
as a crawl knows from the link that led to the page (magic-html is told the same, its
``html_type``) — and again as ``opinion parse`` reads a page of unknown role (``ours, auto``);
the text of its posts — the thread title once, then every post's body in page order — is scored
against the hand-marked main text with the magic-html benchmark's own metric: sentences
(Chinese and Latin sentence ends, line breaks), ``jieba.lcut`` tokens without single spaces,
ROUGE-L at summary level (the union LCS of each reference sentence against all candidate
sentences). Per set: mean precision, mean recall and f1_mean (their harmonic mean), pages
with at least one post, and parse time per page (the median) — side by side with trafilatura
(``extract(html, url=…)``) on the same pages and magic-html's per-page F1 from ``truth.json``;
and the reading's time over the whole set against trafilatura's (what a crawl of such pages
spends reading them, against what the maintained extractor would).

``--pages N`` limits each set, ``--worst N`` lists the N weakest pages of ours per set,
``--json FILE`` writes the per-page scores.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "extraction"
SETS = ("forum", "article")
#: The role a crawl gives the pages of each set: a forum's thread links, a portal's article
#: links. magic-html is told the same (its ``html_type``: forum or article).
ROLES = {"forum": "thread", "article": "article"}
_SENTENCE = re.compile(r"(?<=[。！？!?…；])|(?<=[.;])\s+|\n+")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE.split(text)) if s]


def tokens(text: str) -> list[list[str]]:
    import jieba

    return [[t for t in jieba.lcut(s) if t != " "] for s in sentences(text)]


def _lcs_indices(ref: list[int], cand: list[int]) -> set[int]:
    """Indices into ``ref`` of one longest common subsequence with ``cand``."""
    n, m = len(ref), len(cand)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, prev, a = table[i], table[i - 1], ref[i - 1]
        for j in range(1, m + 1):
            row[j] = prev[j - 1] + 1 if a == cand[j - 1] else max(prev[j], row[j - 1])
    found: set[int] = set()
    i, j = n, m
    while i and j:
        if ref[i - 1] == cand[j - 1]:
            found.add(i - 1)
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return found


def rouge_l_summary(reference: str, candidate: str) -> Score:
    """ROUGE-L summary level, as ``rouge_score``'s ``_summary_level_lcs`` computes it."""
    if reference == candidate:
        return Score(1.0, 1.0)
    ref, cand = tokens(reference), tokens(candidate)
    m, n = sum(map(len, ref)), sum(map(len, cand))
    if not m or not n:
        return Score(0.0, 0.0)
    vocab: dict[str, int] = {}
    ref_ids = [[vocab.setdefault(t, len(vocab)) for t in s] for s in ref]
    cand_ids = [[vocab.setdefault(t, len(vocab)) for t in s] for s in cand]
    cand_sets = [set(s) for s in cand_ids]
    left_r = Counter(t for s in ref_ids for t in s)
    left_c = Counter(t for s in cand_ids for t in s)
    hits = 0
    for r in ref_ids:
        shared = set(r)
        union: set[int] = set()
        for c, cs in zip(cand_ids, cand_sets, strict=True):
            if shared & cs:
                union |= _lcs_indices(r, c)
        for i in sorted(union):
            t = r[i]
            if left_r[t] > 0 and left_c[t] > 0:
                hits += 1
                left_r[t] -= 1
                left_c[t] -= 1
    return Score(hits / n, hits / m)


def ours(
    html: bytes, url: str, runtime: Any = None, role: str = "auto"
) -> tuple[str, int, float, str]:
    """Post text as ``opinion parse --role ROLE`` reads the page — the thread title once when
    the page is taken for a thread, then every post's body; posts, seconds and the reader
    that won."""
    from opinion_spiders.errors import ParseError
    from opinion_spiders.reading import read_page

    started = time.perf_counter()
    try:
        reading, _decoded = read_page(html, url, runtime, role=role)
    except ParseError:
        return "", 0, time.perf_counter() - started, "none"
    elapsed = time.perf_counter() - started
    posts = reading.parsed.posts
    text = scored_text(thread_title(posts, reading.kind), posts)
    return text, len(posts), elapsed, f"{reading.reader}/{reading.kind}"


def thread_title(posts: Sequence[Any], kind: str) -> str:
    """The title a reading is scored with: its first post's, when the page was taken for a
    thread (an article's headline is in its body's truth or not, as the page has it)."""
    return posts[0].title if posts and kind == "thread" else ""


def scored_text(title: str, posts: Sequence[Any]) -> str:
    """What a reading is scored as: the title once, then every post's body."""
    return "\n".join(([title] if title else []) + [p.content for p in posts if p.content])


_RUNTIME: Any = None


def trafilatura_text(html: bytes, url: str) -> tuple[str, float]:
    import trafilatura

    started = time.perf_counter()
    text = trafilatura.extract(html, url=url) or ""
    return text, time.perf_counter() - started


def score_page(job: tuple[str, str, dict[str, Any], bool]) -> dict[str, Any]:
    kind, page_id, truth, with_trafilatura = job
    html = (CORPUS / kind / f"{page_id}.html").read_bytes()
    global _RUNTIME
    if _RUNTIME is None:
        from opinion_spiders.runtime import Runtime

        _RUNTIME = Runtime({})
    text, posts, seconds, reader = ours(html, truth["url"], _RUNTIME, ROLES[kind])
    mine = rouge_l_summary(truth["content"], text)
    row = {
        "set": kind, "id": page_id, "url": truth["url"], "posts": posts, "seconds": seconds,
        "reader": reader, "precision": mine.precision, "recall": mine.recall, "f1": mine.f1,
        "magic_html_f1": truth.get("magic_html_f1"),
    }  # fmt: skip
    text, posts, seconds, reader = ours(html, truth["url"], _RUNTIME)
    auto = rouge_l_summary(truth["content"], text)
    row.update(a_precision=auto.precision, a_recall=auto.recall, a_f1=auto.f1, a_posts=posts,
               a_seconds=seconds, a_reader=reader)  # fmt: skip
    if with_trafilatura:
        traf, traf_seconds = trafilatura_text(html, truth["url"])
        theirs = rouge_l_summary(truth["content"], traf)
        row.update(t_precision=theirs.precision, t_recall=theirs.recall, t_f1=theirs.f1,
                   t_seconds=traf_seconds)  # fmt: skip
    return row


def f1_mean(rows: Sequence[dict[str, Any]], prefix: str = "") -> tuple[float, float, float]:
    p = statistics.fmean(r[f"{prefix}precision"] for r in rows)
    r = statistics.fmean(r[f"{prefix}recall"] for r in rows)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(rows: Sequence[dict[str, Any]], worst: int) -> str:
    lines = [f"{'set':<8}{'side':<13}{'prec':>7}{'rec':>7}{'f1_mean':>9}{'≥1 post':>9}"
             f"{'ms/page':>9}"]  # fmt: skip
    for kind in SETS:
        part = [r for r in rows if r["set"] == kind]
        if not part:
            continue
        p, r, f = f1_mean(part)
        with_post = sum(1 for x in part if x["posts"]) / len(part)
        ms = statistics.median(x["seconds"] for x in part) * 1000
        lines.append(f"{kind:<8}{'ours':<13}{p:>7.3f}{r:>7.3f}{f:>9.3f}{with_post:>9.0%}{ms:>9.1f}")
        p, r, f = f1_mean(part, "a_")
        with_post = sum(1 for x in part if x["a_posts"]) / len(part)
        ms = statistics.median(x["a_seconds"] for x in part) * 1000
        side = "ours, auto"
        lines.append(f"{'':<8}{side:<13}{p:>7.3f}{r:>7.3f}{f:>9.3f}{with_post:>9.0%}{ms:>9.1f}")
        if "t_f1" in part[0]:
            p, r, f = f1_mean(part, "t_")
            ms = statistics.median(x["t_seconds"] for x in part) * 1000
            lines.append(f"{'':<8}{'trafilatura':<13}{p:>7.3f}{r:>7.3f}{f:>9.3f}{'':>9}{ms:>9.1f}")
            ours_s, theirs_s = (sum(x[k] for x in part) for k in ("seconds", "t_seconds"))
            lines.append(
                f"{'':<8}reading's time over the set against trafilatura's: "
                f"{ours_s / theirs_s:.1f}× ({ours_s:.1f} s against {theirs_s:.1f} s)"
            )
        magic = [x["magic_html_f1"] for x in part if x["magic_html_f1"] is not None]
        if magic:
            lines.append(f"{'':<8}{'magic-html':<13}{'':>7}{'':>7}{statistics.fmean(magic):>9.3f}"
                         "  (mean of per-page F1 from truth.json)")  # fmt: skip
        p, r, f = f1_mean(part)
        ratio = statistics.fmean(x["f1"] for x in part)
        lines.append(f"{'':<8}{'ours, mean F1':<13}{'':>14}{ratio:>9.3f}")
        readers = Counter(x["reader"] for x in part)
        lines.append(f"{'':<8}readers: " + ", ".join(f"{k} {v}" for k, v in readers.most_common()))
        if worst:
            for x in sorted(part, key=lambda x: x["f1"])[:worst]:
                lines.append(
                    f"    {x['f1']:.2f} p{x['precision']:.2f} r{x['recall']:.2f} "
                    f"(magic {x['magic_html_f1'] or 0:.2f}, traf {x.get('t_f1', 0):.2f}) "
                    f"{x['posts']:>3} posts {x['reader']:<10} {x['id'][:10]} {x['url'][:70]}"
                )
    return "\n".join(lines)


def corpus_pages(
    sets: Sequence[str] | None = None, limit: int = 0
) -> list[tuple[str, str, dict[str, Any]]]:
    """``(set, page id, truth)`` of the corpus's pages, the first ``limit`` of each set (all
    with 0), in id order."""
    pages = []
    for kind in sets or SETS:
        truth = json.loads((CORPUS / kind / "truth.json").read_text(encoding="utf-8"))
        pages += [(kind, i, truth[i]) for i in sorted(truth)[: limit or None]]
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("--pages", type=int, default=0, help="first N pages of each set")
    parser.add_argument("--set", choices=SETS, action="append", help="only these sets")
    parser.add_argument("--worst", type=int, default=0, help="list the N weakest pages")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the baseline")
    parser.add_argument("--json", type=Path, help="write per-page rows to this file")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"bench.corpus: error: no corpus at {CORPUS}", file=sys.stderr)
        return 1
    jobs = [(*page, not args.no_trafilatura) for page in corpus_pages(args.set, args.pages)]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(score_page, jobs, chunksize=2))
    print(report(rows, args.worst))
    print(f"\n({len(rows)} pages, {time.monotonic() - started:.0f}s)")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
