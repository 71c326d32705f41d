"""The compiled matcher of flat rules (``native/``) held to the Python matcher, the
reference: the same results, in the same form and order, on generated rules and posts."""

from __future__ import annotations

import gc
import itertools
import random

import pytest

from opinion_spiders.text.rules import Group, Matcher, Rule, Term
from opinion_spiders.text.segment import Segmenter

#: What the planted terms and words meet: punctuation, Latin letters and digits, letters
#: beyond the Basic Multilingual Plane (math bold A, CJK extension B), an emoji, fullwidth
#: letters, a combining mark, a lone surrogate, separators the match form drops or keeps
#: (spaces, an ideographic space, a spelled-out word, a soft hyphen), enclosed letters and a
#: traditional character.
JOINS = ["", "", "", "", "", "，", "。", " ", "x1.5", "AB", "app", "𝐀", "𠀋", "😀", "Ｗ",
         "e\u0301", "\ud800", "3", "  ", "\u3000", "v.p.n", "-", "／", "\u00ad", "①", "Ⓐ",
         "*", "貪"]  # fmt: skip
#: Evasions the match form undoes (and one it keeps: a Latin letter between).
EVASIONS = ["*", " ", "·", "\u200b", "😀", "x"]
FIELDS = [("title", "content"), ("content",), ("title",), ("content", "title")]


def _words(rng: random.Random) -> tuple[list[str], list[int]]:
    freq = Segmenter(compiled=False)._ready().FREQ
    pairs = [(w, f) for w, f in freq.items() if f and 1 <= len(w) <= 4]
    rng.shuffle(pairs)
    words, counts = zip(*pairs[:60_000], strict=True)
    return list(words), list(itertools.accumulate(counts))


def _rules(rng: random.Random, terms: list[str]) -> list[Rule]:
    rules = []
    for k in range(60):
        picks = rng.sample(terms, rng.randint(1, 12))
        items = tuple(Term(t, substring=rng.random() < 0.2) for t in picks)
        shape = rng.random()
        extra: dict[str, object] = {}
        if shape < 0.4:
            extra["any_of"] = items
        elif shape < 0.5:
            extra["all_of"] = items[:1]
        elif shape < 0.6:  # two terms that must both be there
            extra["all_of"] = items[:2]
        elif shape < 0.7:  # an exclusion
            extra["any_of"] = items
            extra["none_of"] = (Term(rng.choice(terms)), Term(rng.choice(terms)))
        elif shape < 0.8:  # a term that must be there, and one of others
            extra["all_of"] = (Term(rng.choice(terms)), Group("any", items))
            extra["none_of"] = (Term(rng.choice(terms)),) if rng.random() < 0.5 else ()
        elif shape < 0.9:  # not flat: a term with the longer words it must not be part of
            extra["any_of"] = (Term(picks[0], not_in=(picks[0] + rng.choice(terms),)),)
        else:  # not flat: close together
            extra["near"] = Group("near", items[:2] or items, within=rng.randint(2, 30))
        rules.append(Rule(
            id=f"r{k}", name=f"rule {k}", severity=rng.randint(1, 3), weight=rng.random(),
            fields=rng.choice(FIELDS), sites=rng.choice([(), (), ("a",), ("a", "b")]),
            kinds=rng.choice([(), (), ("thread",)]), **extra,  # type: ignore[arg-type]
        ))  # fmt: skip
    return rules


def _text(rng: random.Random, words: list[str], cumulative: list[int], terms: list[str]) -> str:
    parts = rng.choices(words, cum_weights=cumulative, k=rng.randint(0, 40))
    for _ in range(rng.randint(0, 6)):
        term = rng.choice(terms)
        if rng.random() < 0.3 and len(term) > 1:
            cut = rng.randint(1, len(term) - 1)
            term = term[:cut] + rng.choice(EVASIONS) + term[cut:]
        parts.insert(rng.randint(0, len(parts)), term)
    joins = rng.choices(JOINS, k=len(parts))
    return "".join(p + j for p, j in zip(parts, joins, strict=True))


@pytest.mark.parametrize("flat_only", [False, True], ids=["with-python-rules", "flat-only"])
def test_compiled_flat_rules_match_as_python_does(flat_only: bool) -> None:
    """``flat-only``: every rule is the compiled matcher's, which then returns the results
    alone (no rule index to merge Python's by)."""
    rng = random.Random(3)
    words, cumulative = _words(rng)
    terms = [w for w in rng.sample(words, 400) if len(w) >= 2]
    terms += ["农民 工", "讨 薪", "app", "iPhone", "貪污", "贪污", "Ｗ", "中国人民", "干部"]
    rules = _rules(rng, terms) + [
        Rule(id="cap", name="cap", fields=("content",), any_of=(Term("干部"), Term("貪污"))),
        Rule(id="phrase", name="phrase", any_of=(Term("农民 工"), Term("讨薪", substring=True))),
        Rule(id="latin", name="latin", any_of=(Term("new year"), Term("vpn"))),
        Rule(
            id="land", name="land", any_of=(Term("强拆"), Term("拆迁")), none_of=(Term("电视剧"),)
        ),
        Rule(id="cadre", name="cadre", all_of=(Term("干部"),), any_of=(Term("打人"), Term("作风"))),
    ]
    if flat_only:
        sorting = Matcher(rules, Segmenter(compiled=False))
        rules = [r for r, c in zip(rules, sorting._compiled, strict=True) if c.flat is not None]
    python = Matcher(rules, Segmenter(compiled=False))
    compiled = Matcher(rules, Segmenter(compiled=True))
    posts = [
        {"title": _text(rng, words, cumulative[:], terms)[:40],
         "content": _text(rng, words, cumulative, terms)}
        for _ in range(500)
    ]  # fmt: skip
    posts.append({"title": "", "content": "干部，" * 30 + "贪*污" * 25})  # the per-term cap
    posts.append({"content": "农民工讨薪找农民 工"})
    posts.append({"title": "happy new  year", "content": "翻墙用v.p.n，new\u3000 year"})
    posts += [{"content": "强拆了，电视剧里"}, {"content": "强拆了"}, {"content": "干部作风"},
              {"content": "作风问题"}, {"title": "干部", "content": "打人"}]  # fmt: skip
    posts.append({"title": None, "content": ""})  # type: ignore[dict-item]
    fired = hits = 0
    for post, (site, kind) in zip(
        posts, itertools.cycle([("", ""), ("a", "thread"), ("b", "reply")]), strict=False
    ):
        expected = python.match(post, site=site, kind=kind)
        assert compiled.match(post, site=site, kind=kind) == expected, post
        fired += len(expected)
        hits += sum(len(r["hits"]) for r in expected)
    assert compiled._flat_rules is not None and python._flat_rules is None
    # rules the compiled matcher leaves to Python, or none
    assert bool(compiled._rest_by_needle) is not flat_only
    assert fired > 500 and hits > 1_000, (fired, hits)
    capped = compiled.match(posts[-9])
    assert [len(r["hits"]) for r in capped if r["rule"] == "cap"] == [40]  # 20 a term
    latin = compiled.match(posts[-7])
    assert [len(r["hits"]) for r in latin if r["rule"] == "latin"] == [3]
    fired_on = [{r["rule"] for r in compiled.match(p)} & {"land", "cadre"} for p in posts[-6:-1]]
    assert fired_on == [set(), {"land"}, {"cadre"}, set(), {"cadre"}]


def test_compiled_hits_are_left_out_of_the_cyclic_collectors_walks() -> None:
    """A hit holds strings and ints only, so the compiled matcher untracks it (CPython's
    collector would, after walking it once); given a container, it is tracked again."""
    rules = [Rule(id="land", name="land", any_of=(Term("强拆"), Term("拆迁")))]
    matcher = Matcher(rules, Segmenter(compiled=True))
    matcher.match({"content": "预热"})
    [result] = matcher.match({"content": "村里强拆，又说拆迁"})
    assert matcher._flat_rules is not None
    assert [h["term"] for h in result["hits"]] == ["强拆", "拆迁"]
    hit = result["hits"][0]
    assert not gc.is_tracked(hit) and gc.is_tracked(result)
    hit["seen_by"] = []
    assert gc.is_tracked(hit)
