"""Segmentation on a private jieba dictionary."""

from __future__ import annotations

import functools
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import jieba
import pytest

from opinion_spiders.text import segment
from opinion_spiders.text.disk_cache import source_of
from opinion_spiders.text.normalize import fold_for_search
from opinion_spiders.text.segment import Segmenter, shared_segmenter


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(["吃拿卡要"])


def test_segmenter_tokens_cover_the_text(segmenter: Segmenter) -> None:
    text = "市委组织部发布通知，吧友说楼主是城管。"
    tokens = segmenter.tokenize(text)
    assert "".join(word for word, _, _ in tokens) == text
    assert all(text[start:end] == word for word, start, end in tokens)


@pytest.mark.parametrize("word", ["组织部", "吧友", "楼主", "城管", "网格员", "信访局"])
def test_segmenter_keeps_domain_words_whole(segmenter: Segmenter, word: str) -> None:
    text = f"据说{word}今天来了"
    assert (word, 2, 2 + len(word)) in segmenter.tokenize(text)


IS_WORD = [
    ("他很能干部分工作没做完", "干部", False),
    ("村干部不作为", "干部", True),
    ("市委组织部发布通知", "组织部", True),
    ("中国人民很团结", "国人", False),
    ("乡里的干部都来了", "干部", True),
    ("打开app下载", "app", True),
    ("happy new year", "app", False),
]


@pytest.mark.parametrize(("text", "word", "expected"), IS_WORD)
@pytest.mark.parametrize("compiled", [False, True], ids=["python", "compiled"])
def test_segmenter_is_word_agrees_with_segmentation(
    text: str, word: str, expected: bool, compiled: bool
) -> None:
    segmenter = _segmenters(compiled)
    start = text.index(word)
    assert segmenter.is_word(text, start, start + len(word)) is expected
    assert segmenter.whole_words(text, [(start, start + len(word))]) == [expected]


@functools.cache
def _segmenters(compiled: bool) -> Segmenter:
    return Segmenter(["吃拿卡要", "app"], compiled=compiled)


def test_segmenter_is_word_rejects_spans_outside_the_text(segmenter: Segmenter) -> None:
    assert not segmenter.is_word("干部", 1, 5)
    assert not segmenter.is_word("干部", 1, 1)


def test_segmenter_added_words_stay_whole() -> None:
    segmenter = Segmenter()
    segmenter.tokenize("预热")
    segmenter.add_words(["蓝鲸计划"])
    assert ("蓝鲸计划", 2, 6) in segmenter.tokenize("据说蓝鲸计划又来了")


def test_segmenter_rule_term_does_not_eat_neighbours() -> None:
    """Adding 干部 as a term must not turn 能干/部分 into 能/干部/分."""
    segmenter = Segmenter(["干部"])
    words = [word for word, _, _ in segmenter.tokenize("他很能干部分工作没做完")]
    assert "干部" not in words
    assert "部分" in words


def test_segmenter_search_terms_keep_each_segmenters_own_words() -> None:
    """The first search cutter of a process takes the jieba-rs instance rjieba built when
    imported; the words one segmenter adds are still its own, whichever came first."""
    text = "据说蓝鲸计划乙又来了，鲸落计划丙也是"
    first, second = Segmenter(["蓝鲸计划乙"]), Segmenter(["鲸落计划丙"])
    a, b = first.search_terms(text), second.search_terms(text)
    assert "蓝鲸计划乙" in a and "鲸落计划丙" not in a
    assert "鲸落计划丙" in b and "蓝鲸计划乙" not in b
    assert "鲸落计划丙" not in Segmenter().search_terms(text)


def test_segmenter_does_not_touch_the_global_jieba_dictionary() -> None:
    Segmenter(["奇怪新词甲乙"]).tokenize("奇怪新词甲乙")
    assert "奇怪新词甲乙" not in jieba.dt.FREQ


def test_segmenter_search_terms_are_unique_folded_words_in_order(segmenter: Segmenter) -> None:
    terms = segmenter.search_terms("村干部不作为！村干部，2024年 ＡＰＰ……")
    assert terms.index("村干部") < terms.index("app")
    assert "干部" in terms  # parts of compounds are searchable too
    assert len(terms) == len(set(terms))
    assert all(len(term) >= 2 for term in terms)
    assert "2024" not in terms and "……" not in terms


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("村幹部不作為，強拆補償款沒到位", "村干部不作为，强拆补偿款没到位"),
        ("臨江市城市管理局發佈通告", "临江市城市管理局发布通告"),
        ("ＶＰＮ翻牆軟體", "vpn翻墙软体"),
    ],
)
def test_segmenter_search_terms_fold_traditional_to_simplified(
    segmenter: Segmenter, traditional: str, simplified: str
) -> None:
    """Analysts query simplified words; a post written in traditional characters (Taiwan,
    Hong Kong, or a dodge) must be found by them, so both spellings give the same terms."""
    assert segmenter.search_terms(traditional) == segmenter.search_terms(simplified)


def test_segmenter_search_terms_keep_digits_and_urls_as_typed(segmenter: Segmenter) -> None:
    """Search terms fold script, width and case only: the look-alikes rules undo (0 → o,
    1 → l) would make words no analyst types."""
    terms = segmenter.search_terms("访问 example01.com 下载 ＡＰＰ1")
    assert "example01" in terms and "app1" in terms


def test_segmenter_first_use_from_many_threads_agrees() -> None:
    segmenter = Segmenter()
    results: list[list[tuple[str, int, int]]] = []
    threads = [
        threading.Thread(target=lambda: results.append(segmenter.tokenize("村委会开会")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_segmenter_shared_instance_is_cached() -> None:
    assert shared_segmenter() is shared_segmenter()


def test_segmenter_latin_terms_need_letter_boundaries() -> None:
    """Once "app" is in the dictionary jieba cuts h/app/y; letters still decide."""
    segmenter = Segmenter(["app"])
    assert not segmenter.is_word("happy birthday", 1, 4)
    assert segmenter.is_word("下载app看看", 2, 5)
    assert segmenter.is_word("the app is slow", 4, 7)
    assert not segmenter.is_word("apps", 0, 3)


def test_search_terms_letters_are_unicode_letter_categories() -> None:
    """A search term needs a letter: ``str.isalpha`` is exactly the L* categories."""
    import sys
    import unicodedata

    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert c.isalpha() == unicodedata.category(c).startswith("L"), hex(code)


_SAME_READING = """
import json, sys
from opinion_spiders.text.normalize import fold_for_match
from opinion_spiders.text.segment import Segmenter
seg = Segmenter(["吃拿卡要"])
texts = ["他很能干部分工作没做完", "村干部吃拿卡要，市委组织部发布通知", "貪污 ＴＡＮ 贪*污 g0v ①", "happy new year 打开app下载"]
spans = [[(3, 5), (2, 4), (4, 6)], [(1, 3), (3, 7), (11, 14)], [(0, 2), (6, 9)], [(1, 4), (17, 20)]]
json.dump({
    "tokens": [seg.tokenize(t) for t in texts],
    "whole": [seg.whole_words(t, s) for t, s in zip(texts, spans)],
    "terms": [seg.search_terms(t) for t in texts],
    "folded": [fold_for_match(t) for t in texts],
}, sys.stdout, ensure_ascii=False)
"""


def _reading(cache_dir: Path) -> Any:
    env = {**os.environ, "OPINION_CACHE_DIR": str(cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", _SAME_READING], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_segmenter_reads_the_same_from_its_disk_cache_as_built_afresh(tmp_path: Path) -> None:
    """The default dictionary, its word pairs and the match-form tables are built by the first
    process and read from the cache by the next ones: every reading must be the same either
    way, and the same when the cache cannot be written at all (a file where its folder goes)."""
    cache = tmp_path / "cache"
    built = _reading(cache)
    entries = sorted(p.name.split(".")[0] for p in cache.glob("*.marshal"))
    assert entries == ["jieba-dictionary", "match-form-tables"]
    read = _reading(cache)
    assert read == built
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    assert _reading(blocked) == built
    assert built["whole"][0] == [False, True, True]  # 能干|部分: 干部 is no word there


def _jieba_search_terms(tokenizer: jieba.Tokenizer, text: str) -> list[str]:
    """What the terms were before jieba-rs cut them: jieba's own search mode, in Python."""
    seen: dict[str, None] = {}
    for word, _, _ in tokenizer.tokenize(fold_for_search(text), mode="search"):
        if len(word) >= 2 and any(c.isalpha() for c in word):
            seen.setdefault(word, None)
    return list(seen)


def test_search_terms_see_a_word_added_after_a_text_was_cut() -> None:
    """A word's terms are kept from text to text; a word added since holds parts they lack
    (华人民 in 中华人民共和国, which stays whole), as jieba's search mode then cuts them."""
    segmenter, text = Segmenter(), "中华人民共和国成立了"
    assert "华人民" not in segmenter.search_terms(text)
    segmenter.add_words(["华人民"])
    assert segmenter.search_terms(text) == [
        "中华", "华人", "人民", "共和", "华人民", "共和国", "中华人民共和国", "成立",
    ]  # fmt: skip


def test_search_terms_are_jiebas_search_mode_cut_word_for_word() -> None:
    """Terms are cut by jieba-rs; they must be jieba's own cut, word for word and in order,
    with the segmenter's words added: on texts drawn from jieba's dictionary by frequency and
    on the places where the two part (unknown Latin runs with dots, CJK extension A)."""
    added = ["吃拿卡要", "农民工讨薪", "网格员"]
    segmenter = Segmenter(added[:1])
    reference = jieba.Tokenizer()
    reference.initialize()
    domain = resources.files("opinion_spiders.text").joinpath("data/domain_words.txt")
    for line in domain.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            reference.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)
    reference.add_word(added[0])
    segmenter.search_terms("预热")  # built before the next words come, as in a crawl
    segmenter.add_words(added[1:])
    for word in added[1:]:
        reference.add_word(word)
    rng = random.Random(7)
    words, counts = zip(*((w, f) for w, f in reference.FREQ.items() if f), strict=True)
    cumulative = list(itertools.accumulate(counts))
    texts = [
        "访问 example01.com 下载 ＡＰＰ1，0005.HK 股价涨 3.14%，见 www.aastocks.com/a_b-c",
        "㐀㐁中国人民 鿖鿗 丽 村干部吃拿卡要，农民工讨薪找网格员 貪污受賄 Ｔａｎ　Ｗｕ",
        "C++ 和 c# 还有 T恤 B超 iPhone15ProMax 5G手机 2024年12月3日 @某人 #话题#",
    ]
    for _ in range(1500):
        picks = rng.choices(words, cum_weights=cumulative, k=rng.randint(3, 40))
        joins = rng.choices(["", "", "", "，", "。", " ", "x1.5", "AB", "㐀"], k=len(picks))
        texts.append("".join(w + j for w, j in zip(picks, joins, strict=True)))
    for text in texts:
        assert segmenter.search_terms(text) == _jieba_search_terms(reference, text), text


def test_cache_keys_read_module_sources_from_a_zipped_egg(tmp_path: Path) -> None:
    """scrapyd runs the project from a zipped egg, where a module's ``__file__`` is no file:
    the cache key reads the source through the module's loader."""
    egg = tmp_path / "r1.egg"
    with zipfile.ZipFile(egg, "w") as z:
        z.writestr("zipped_builder.py", "VALUE = 1\n")
    sys.path.insert(0, str(egg))
    try:
        assert source_of("zipped_builder") == b"VALUE = 1\n"
    finally:
        sys.path.remove(str(egg))
        sys.modules.pop("zipped_builder", None)


def test_windows_route_the_same_in_jieba_rs_as_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Word boundaries are judged on jieba's route over a window of Hanzi: in Python for a
    process's first windows, in jieba-rs after. Both must cut every window alike, with rule
    terms added — new words and known ones given a new frequency, before and after jieba-rs
    is built — which needs the Python dictionary's total to stay the sum of its frequencies,
    as jieba-rs keeps it (jieba's ``add_word`` adds a known word's new frequency without
    taking off its old one)."""
    from opinion_spiders.text import segment

    monkeypatch.setattr(segment, "ROUTES_IN_PYTHON", 10**9)
    first = ["吃拿卡要", "本日", "政府", "用户"]  # 本日, 政府, 用户: known words
    added = ["农民工讨薪", "学校", "发展中"]  # 学校: a known word again
    python, compiled = Segmenter(first), Segmenter(first)
    compiled.search_terms("预热")  # jieba-rs built before the next words come, as in a crawl
    tokenizer = python._ready()
    total, old = tokenizer.total, {w: tokenizer.FREQ.get(w, 0) for w in added}
    for segmenter in (python, compiled):
        segmenter.add_words(added)
    assert tokenizer.total == total + sum(tokenizer.FREQ[w] - old[w] for w in added)
    rng = random.Random(11)
    words, counts = zip(*((w, f) for w, f in tokenizer.FREQ.items() if f), strict=True)
    cumulative = list(itertools.accumulate(counts))
    texts = ["你本日用户", "村干部吃拿卡要农民工讨薪", "发展中国家的学校政府", "㐀㐁中国人民丽"]
    for _ in range(1500):
        picks = rng.choices(words, cum_weights=cumulative, k=rng.randint(2, 12))
        texts.append("".join(w for w in picks if all(_han(c) for c in w)))
    windows = 0
    for text in texts:
        for start in range(0, max(1, len(text) - 1), 3):
            stop = min(len(text), start + rng.randint(1, 24))
            expected = python._cuts(text, start, stop)
            assert compiled._cuts(text, start, stop) == expected, (text, start, stop)
            windows += 1
    assert windows > 5000 and python._search is None and compiled._search is not None


def test_whole_words_agree_before_and_after_jieba_rs_routes() -> None:
    """The same judgements from a segmenter routing in Python and one past the switch."""
    from opinion_spiders.text import segment

    texts = ["他很能干部分工作没做完", "村干部吃拿卡要，市委组织部发布通知", "发展中国家政府"]
    spans = [[(3, 5), (2, 4), (4, 6)], [(1, 3), (3, 7), (11, 14)], [(2, 4), (5, 7), (0, 3)]]
    python = Segmenter(["吃拿卡要", "政府"])
    assert python._search is None
    judged = [python.whole_words(t, s) for t, s in zip(texts, spans, strict=True)]
    assert python._search is None  # a few windows: jieba-rs not built
    compiled = Segmenter(["吃拿卡要", "政府"])
    compiled._routed = segment.ROUTES_IN_PYTHON
    assert [compiled.whole_words(t, s) for t, s in zip(texts, spans, strict=True)] == judged
    assert compiled._search is not None  # the windows went to jieba-rs
    assert judged[0] == [False, True, True]  # 能干|部分: 干部 is no word there


def _han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def test_compiled_word_judge_is_installed() -> None:
    """``scripts/setup.sh`` builds the compiled judge (``native/``, with cargo) and the suite
    runs on it: a machine where it did not build fails here, not silently in Python."""
    assert segment.COMPILED_JUDGE, "opinion_native is not installed: run scripts/setup.sh"


#: What words meet in the texts the two judges are held to: punctuation, Latin letters and
#: digits, letters beyond the Basic Multilingual Plane (math bold A, CJK extension B), an
#: emoji, fullwidth letters, a combining mark, a lone surrogate.
JOINS = ["", "", "", "", "，", "。", " ", "x1.5", "AB", "app", "㐀", "𝐀", "𠀋", "😀", "Ｗ",
         "é", "e\u0301", "\ud800", "3"]  # fmt: skip


def test_compiled_judge_agrees_with_python_on_every_span() -> None:
    """The compiled judge is a second implementation of the Python one: on texts drawn from
    jieba's dictionary by frequency, every span of up to 6 characters and phrases with their
    joints get the same answer from both — with rule terms added before it is built and
    after, and the spans it leaves to Python (letters beyond the BMP) settled there."""
    first = ["吃拿卡要", "本日", "政府", "app"]
    added = ["农民工讨薪", "学校", "发展中", "村干部吃"]
    python, compiled = Segmenter(first, compiled=False), Segmenter(first, compiled=True)
    tokenizer = python._ready()
    words, counts = zip(*((w, f) for w, f in tokenizer.FREQ.items() if f), strict=True)
    cumulative = list(itertools.accumulate(counts))
    rng = random.Random(5)
    texts = ["他很能干部分工作没做完", "村干部吃拿卡要，市委组织部发布通知", "发展中国家政府",
             "打开app下载happy", "𝐀政府𝐀 𠀋政府𠀋"]  # fmt: skip
    for _ in range(600):
        picks = rng.choices(words, cum_weights=cumulative, k=rng.randint(2, 16))
        joins = rng.choices(JOINS, k=len(picks))
        texts.append("".join(w + j for w, j in zip(picks, joins, strict=True)))
    checked = 0
    for round_ in range(2):
        if round_:
            for segmenter in (python, compiled):
                segmenter.add_words(added)
            texts = [t.replace("学", "学校", 1) for t in texts] + ["村干部吃拿卡要农民工讨薪"]
        for text in texts:
            n = len(text)
            spans = [(s, e) for s in range(n + 1) for e in range(s + 1, min(n, s + 6) + 1)]
            assert compiled.whole_words(text, spans) == python.whole_words(text, spans), text
            phrases = [(s, e, tuple(sorted(rng.sample(range(s + 1, e), min(2, e - s - 1)))))
                       for s, e in spans if e - s >= 3]  # fmt: skip
            assert compiled.check_spans(text, phrases) == python.check_spans(text, phrases)
            checked += len(spans) + len(phrases)
    assert checked > 100_000
    assert compiled._native is not None and python._native is None
