"""Rule matching vs ``jieba.lcut`` + set lookup, on the same generated posts, three workloads.

Run ``python -m bench.rules``. Posts are built from jieba's common words with punctuation;
planted rule terms are inserted half as written, half with the evasions the match form undoes
(贪*污, 贪 污, traditional characters). Rules hold 100 terms each. The workloads:

* ``sparse``: 10,000 rarer 2–4 character words of jieba's dictionary are watched; a quarter
  of the posts carry 1–3 of them.
* ``dense``: the rule files also watch common words, as real ones do (政府, 医院, 学校):
  ``--dense-common`` (200) of the 2–3 character words the posts are written with, among
  10,000 terms, so every post holds several watched words besides 2–4 planted rarer terms
  (500 makes it about 15 a post).
* ``100k``: as ``sparse`` with 100,000 watched terms (1,000 rules).

For each, one line: posts/s for both sides, the speed ratio (target ≥ 20×), watched terms
found a post, and recall on planted hits for both (as written / evaded).

Each side is timed over ``--repeat`` passes, interleaved (ours, jieba, ours, jieba …), and the
fastest pass of each counts, as ``timeit`` advises: a slower pass measures other load on the
machine, not the code.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import jieba
import opencc

from opinion_spiders.text.rules import Matcher, Rule, Term
from opinion_spiders.text.segment import COMPILED_JUDGE, Segmenter

PUNCTUATION = "，，，。！？、；"
EVASIONS = ("*", " ", "·", "\u200b", "😀")
TARGET = 20.0
WORKLOADS = ("sparse", "dense", "100k")
DENSE_COMMON = 200

Run = Callable[[list["Post"]], list[set[str]]]


@dataclass
class Post:
    text: str
    planted: list[str]
    evaded: list[str]


@dataclass
class Workload:
    name: str
    terms: list[str]
    posts: list[Post]


@dataclass
class Result:
    workload: Workload
    ours: float
    base: float
    our_found: list[set[str]]
    base_found: list[set[str]]


def _dictionary() -> list[tuple[str, int]]:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return [(w, f) for w, f in tokenizer.FREQ.items() if f > 0]


def _vocabularies() -> tuple[list[str], list[str]]:
    """Common words to write posts with, rarer words to watch."""
    words = [(w, f) for w, f in _dictionary() if all("\u4e00" <= c <= "\u9fff" for c in w)]
    words.sort(key=lambda wf: -wf[1])
    common = [w for w, _ in words[:4000] if len(w) <= 3]
    rare = [w for w, f in words if 2 <= len(w) <= 4 and 3 <= f <= 60]
    return common, rare


def _evade(term: str, rng: random.Random, t2s_inverse: dict[str, str]) -> str:
    """Spell a term the way posts dodge filters."""
    if rng.random() < 0.3 and any(c in t2s_inverse for c in term):
        return "".join(t2s_inverse.get(c, c) for c in term)
    return rng.choice(EVASIONS).join(term)


def _posts(
    rng: random.Random,
    common: list[str],
    plantable: list[str],
    n: int,
    *,
    share: float,
    per_post: tuple[int, int],
    inverse: dict[str, str],
) -> list[Post]:
    """``n`` posts; a ``share`` of them carry ``per_post`` planted terms of ``plantable``."""
    posts = []
    for _ in range(n):
        words: list[str] = []
        while sum(map(len, words)) < rng.randint(120, 400):
            words.extend(rng.choices(common, k=rng.randint(4, 12)))
            words.append(rng.choice(PUNCTUATION))
        planted: list[str] = []
        evaded: list[str] = []
        if rng.random() < share:
            for term in rng.sample(plantable, rng.randint(*per_post)):
                at = rng.randrange(len(words))
                if rng.random() < 0.5:
                    words.insert(at, term)
                    planted.append(term)
                else:
                    words.insert(at, _evade(term, rng, inverse))
                    evaded.append(term)
        posts.append(Post("".join(words), planted, evaded))
    return posts


def workload(
    name: str,
    n: int,
    seed: int,
    common: list[str],
    rare: list[str],
    dense_common: int = DENSE_COMMON,
) -> Workload:
    """One of :data:`WORKLOADS`, the same for the same seed."""
    rng = random.Random(seed)
    inverse = _traditional_forms()
    if name == "dense":
        watched_common = rng.sample([w for w in common if len(w) >= 2], dense_common)
        watched = set(watched_common)
        planted = [w for w in rng.sample(rare, 10_000) if w not in watched]
        planted = planted[: 10_000 - dense_common]
        terms = planted + watched_common
        rng.shuffle(terms)  # common words in every rule file, not in a few
        posts = _posts(rng, common, planted, n, share=1.0, per_post=(2, 4), inverse=inverse)
        return Workload(name, terms, posts)
    terms = rng.sample(rare, 100_000 if name == "100k" else 10_000)
    posts = _posts(rng, common, terms, n, share=0.25, per_post=(1, 3), inverse=inverse)
    return Workload(name, terms, posts)


def _traditional_forms() -> dict[str, str]:
    """Simplified → one traditional form, for planting traditional spellings."""
    s2t = opencc.OpenCC("s2t")
    chars = [chr(i) for i in range(0x4E00, 0x9FA6)]
    return {
        c: t
        for c, t in zip(chars, s2t.convert("\n".join(chars)).split("\n"), strict=True)
        if t != c and len(t) == 1
    }


def _recall(found: list[set[str]], posts: list[Post], attr: str) -> float:
    total = sum(len(getattr(p, attr)) for p in posts)
    hit = sum(len(set(getattr(p, attr)) & f) for p, f in zip(posts, found, strict=True))
    return hit / total if total else 1.0


def _settle_garbage() -> None:
    """Collect before timing, as ``timeit`` and pyperf do, so the one-off first scan of the
    setup's objects by the cyclic collector (jieba's 600,000-entry dictionary among them,
    ~20 ms) is not charged to whichever side happens to allocate next."""
    gc.collect()


def rules_side(terms: list[str]) -> Run:
    rules = [
        Rule(id=f"r{i}", name=f"r{i}", any_of=tuple(Term(t) for t in terms[i : i + 100]))
        for i in range(0, len(terms), 100)
    ]
    matcher = Matcher(rules, Segmenter())
    matcher.segmenter.tokenize("预热一下分词器")

    def run(posts: list[Post]) -> list[set[str]]:
        results = [matcher.match({"content": p.text}) for p in posts]
        return [{h["term"] for r in res for h in r["hits"]} for res in results]

    return run


def jieba_side(terms: list[str]) -> Run:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term in terms:
        tokenizer.add_word(term)
    watched = set(terms)
    tokenizer.lcut("预热一下分词器")

    def run(posts: list[Post]) -> list[set[str]]:
        return [watched.intersection(tokenizer.lcut(p.text)) for p in posts]

    return run


def _timed(run: Run, posts: list[Post]) -> tuple[float, list[set[str]]]:
    _settle_garbage()
    start = time.perf_counter()
    found = run(posts)
    return time.perf_counter() - start, found


def measure(load: Workload, repeat: int) -> Result:
    """Both sides on the workload's posts, interleaved, fastest pass of each."""
    ours_run, base_run = rules_side(load.terms), jieba_side(load.terms)
    ours = base = float("inf")
    our_found: list[set[str]] = []
    base_found: list[set[str]] = []
    for _ in range(max(1, repeat)):
        elapsed, our_found = _timed(ours_run, load.posts)
        ours = min(ours, elapsed)
        elapsed, base_found = _timed(base_run, load.posts)
        base = min(base, elapsed)
    return Result(load, ours, base, our_found, base_found)


def format_results(results: list[Result], repeat: int) -> str:
    lines = [
        "rule matching (prefilter + windows) vs jieba.lcut + set lookup, rules of 100 terms,"
        f" fastest of {repeat} interleaved passes a side; target >= {TARGET:.0f}x",
        f"  {'workload':<8}{'posts':>6}{'chars':>9}{'terms':>8}{'found':>7}"
        f"{'rules/s':>10}{'jieba/s':>9}{'ratio':>8}   recall rules / jieba: as written; evaded",
    ]
    for r in results:
        load, n = r.workload, len(r.workload.posts)
        found = sum(map(len, r.base_found)) / n
        posts = load.posts
        recall = "; ".join(
            f"{_recall(r.our_found, posts, a):6.1%} / {_recall(r.base_found, posts, a):6.1%}"
            for a in ("planted", "evaded")
        )
        verdict = "" if r.base / r.ours >= TARGET else "  BELOW TARGET"
        lines.append(
            f"  {load.name:<8}{n:>6}{sum(len(p.text) for p in load.posts):>9}"
            f"{len(load.terms):>8}{found:>7.1f}{n / r.ours:>10.0f}{n / r.base:>9.0f}"
            f"{r.base / r.ours:>7.1f}x   {recall}{verdict}"
        )
    lines.append("  (found: watched terms a post, by jieba.lcut + set)")
    lines.append(
        "  (our side: "
        + (
            "the compiled word judge and plain rules (opinion_native, native/), once a matcher"
            " has matched 200 posts"
            if COMPILED_JUDGE
            else "in Python: opinion_native is not installed (scripts/setup.sh builds it)"
        )
        + ")"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rules", description=__doc__)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved passes per side")
    parser.add_argument(
        "--only", action="append", choices=WORKLOADS, help="these workloads (default: all)"
    )
    parser.add_argument(
        "--dense-common", type=int, default=DENSE_COMMON,
        help=f"common words the dense workload watches (default {DENSE_COMMON})",
    )  # fmt: skip
    args = parser.parse_args(argv)
    jieba.setLogLevel(30)
    common, rare = _vocabularies()
    results = []
    for name in args.only or WORKLOADS:
        load = workload(name, args.posts, args.seed, common, rare, args.dense_common)
        results.append(measure(load, args.repeat))
        del load
    print(format_results(results, max(1, args.repeat)))


if __name__ == "__main__":
    main()
