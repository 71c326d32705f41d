"""Rule matching with 10,000 terms vs ``jieba.lcut`` + set lookup, on the same generated posts.

Run ``python -m bench.rules``. Posts are built from jieba's common words with punctuation; a
quarter carry planted rule terms (half of those planted as written, half with the evasions
the match form undoes: 贪*污, 贪 污, traditional characters). Terms are 10,000 rarer 2–4
character words of jieba's dictionary, 100 rules of 100 terms. Prints posts/s for both, the
speed ratio (target ≥ 20×) and recall on planted hits for both.

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
from opinion_spiders.text.segment import Segmenter

PUNCTUATION = "，，，。！？、；"
EVASIONS = ("*", " ", "·", "\u200b", "😀")


@dataclass
class Post:
    text: str
    planted: list[str]
    evaded: list[str]


def _dictionary() -> list[tuple[str, int]]:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return [(w, f) for w, f in tokenizer.FREQ.items() if f > 0]


def _vocabularies(rng: random.Random) -> tuple[list[str], list[str]]:
    """Common words to write posts with, rarer words to watch."""
    words = [(w, f) for w, f in _dictionary() if all("\u4e00" <= c <= "\u9fff" for c in w)]
    words.sort(key=lambda wf: -wf[1])
    common = [w for w, _ in words[:4000] if len(w) <= 3]
    rare = [w for w, f in words if 2 <= len(w) <= 4 and 3 <= f <= 60]
    return common, rng.sample(rare, 10_000)


def _evade(term: str, rng: random.Random, t2s_inverse: dict[str, str]) -> str:
    """Spell a term the way posts dodge filters."""
    if rng.random() < 0.3 and any(c in t2s_inverse for c in term):
        return "".join(t2s_inverse.get(c, c) for c in term)
    return rng.choice(EVASIONS).join(term)


def _posts(rng: random.Random, common: list[str], terms: list[str], n: int) -> list[Post]:
    inverse = _traditional_forms()
    posts = []
    for _ in range(n):
        words: list[str] = []
        while sum(map(len, words)) < rng.randint(120, 400):
            words.extend(rng.choices(common, k=rng.randint(4, 12)))
            words.append(rng.choice(PUNCTUATION))
        planted: list[str] = []
        evaded: list[str] = []
        if rng.random() < 0.25:
            for term in rng.sample(terms, rng.randint(1, 3)):
                at = rng.randrange(len(words))
                if rng.random() < 0.5:
                    words.insert(at, term)
                    planted.append(term)
                else:
                    words.insert(at, _evade(term, rng, inverse))
                    evaded.append(term)
        posts.append(Post("".join(words), planted, evaded))
    return posts


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


def _rules_side(terms: list[str]) -> Callable[[list[Post]], list[set[str]]]:
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


def _jieba_side(terms: list[str]) -> Callable[[list[Post]], list[set[str]]]:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term in terms:
        tokenizer.add_word(term)
    watched = set(terms)
    tokenizer.lcut("预热一下分词器")

    def run(posts: list[Post]) -> list[set[str]]:
        return [watched.intersection(tokenizer.lcut(p.text)) for p in posts]

    return run


def _timed(
    run: Callable[[list[Post]], list[set[str]]], posts: list[Post]
) -> tuple[float, list[set[str]]]:
    _settle_garbage()
    start = time.perf_counter()
    found = run(posts)
    return time.perf_counter() - start, found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rules", description=__doc__)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved passes per side")
    args = parser.parse_args(argv)
    jieba.setLogLevel(30)
    rng = random.Random(args.seed)
    common, terms = _vocabularies(rng)
    posts = _posts(rng, common, terms, args.posts)
    chars = sum(len(p.text) for p in posts)
    rules_side, jieba_side = _rules_side(terms), _jieba_side(terms)
    ours = base = float("inf")
    for _ in range(max(1, args.repeat)):
        elapsed, our_found = _timed(rules_side, posts)
        ours = min(ours, elapsed)
        elapsed, base_found = _timed(jieba_side, posts)
        base = min(base, elapsed)
    print(
        f"rule matching: {len(posts)} posts, {chars} characters, {len(terms)} terms,"
        f" fastest of {max(1, args.repeat)} interleaved passes"
    )
    print(f"  rules (prefilter + windows) {len(posts) / ours:10.0f} posts/s")
    print(f"  jieba.lcut + set lookup     {len(posts) / base:10.0f} posts/s")
    print(f"  ratio                       {base / ours:10.1f}x  (target >= 20x)")
    for label, attr in (("as written", "planted"), ("evaded", "evaded")):
        print(
            f"  recall, planted {label:<10}  rules {_recall(our_found, posts, attr):6.1%}"
            f"   jieba {_recall(base_found, posts, attr):6.1%}"
        )


if __name__ == "__main__":
    main()
