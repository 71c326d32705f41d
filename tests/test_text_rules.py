"""Keyword rule files and the matcher."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opinion_spiders.errors import ConfigError
from opinion_spiders.text.normalize import fold_for_match
from opinion_spiders.text.rules import (
    Matcher,
    Rule,
    Term,
    check_rules,
    load_rule_file,
    parse_rules,
)
from opinion_spiders.text.segment import Segmenter

RULES = """
[[rule]]
id = "cadre"
all = ["干部"]

[[rule]]
id = "org"
any = ["组织部"]

[[rule]]
id = "sub"
any = [{ term = "拆迁", substring = true }]

[[rule]]
id = "land"
any = ["强拆"]
none = ["电视剧"]

[[rule]]
id = "both"
all = ["贪污", "受贿"]

[[rule]]
id = "app"
any = ["app"]

[[rule]]
id = "local"
any = ["城管"]
sites = ["demo_forum"]
kinds = ["forum"]

[[rule]]
id = "author"
fields = ["author"]
any = ["水军"]
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(parse_rules(RULES, "test.toml").rules, Segmenter())


def fired(matcher: Matcher, text: str, site: str = "", kind: str = "") -> set[str]:
    return {r["rule"] for r in matcher.match({"title": "", "content": text}, site=site, kind=kind)}


@pytest.mark.parametrize(
    ("text", "site", "kind", "rule", "fires"),
    [
        ("他很能干部分工作没做完", "", "", "cadre", False),
        ("村干部不作为", "", "", "cadre", True),
        ("市委组织部发布通知", "", "", "org", True),
        ("拆迁办主任说话了", "", "", "sub", True),
        ("违规强拆引发不满", "", "", "land", True),
        ("电视剧里的强拆情节", "", "", "land", False),
        ("他贪污了", "", "", "both", False),
        ("他贪污又受贿", "", "", "both", True),
        ("请下载ＡＰＰ查看", "", "", "app", True),
        ("happy birthday", "", "", "app", False),
        ("城管打人", "demo_forum", "forum", "local", True),
        ("城管打人", "other_forum", "forum", "local", False),
        ("城管打人", "demo_forum", "portal", "local", False),
        ("城管打人", "", "", "local", False),
    ],
)
def test_matcher_fires_per_documented_semantics(
    matcher: Matcher, text: str, site: str, kind: str, rule: str, fires: bool
) -> None:
    assert (rule in fired(matcher, text, site, kind)) is fires


def test_matcher_hits_point_into_the_original_text(matcher: Matcher) -> None:
    content = "某县　ＡＰＰ上线，" + "很长的一段前文" * 3 + "村干部不作为"
    results = {r["rule"]: r for r in matcher.match({"title": "标题", "content": content})}
    (app_hit,) = results["app"]["hits"]
    assert content[app_hit["start"] : app_hit["end"]] == "ＡＰＰ"
    assert app_hit["term"] == "app" and app_hit["field"] == "content"
    (cadre_hit,) = results["cadre"]["hits"]
    assert content[cadre_hit["start"] : cadre_hit["end"]] == "干部"
    assert cadre_hit["context"] == content[cadre_hit["start"] - 15 : cadre_hit["end"] + 15]


@pytest.mark.parametrize(
    "before",
    ["𠀀𠀁 ", "🔥🔥，", "\ud800 ", "乱码\udc9f，"],  # astral Hanzi, emoji, lone surrogates
)
def test_matcher_positions_hold_after_astral_and_broken_characters(
    matcher: Matcher, before: str
) -> None:
    """Characters beyond the BMP and lone surrogates (from badly decoded pages) before a hit
    count as one character each, as Python counts them."""
    content = before + "这个村干部不作为"
    (cadre,) = [r for r in matcher.match({"content": content}) if r["rule"] == "cadre"]
    (hit,) = cadre["hits"]
    assert content[hit["start"] : hit["end"]] == "干部"


def test_matcher_result_carries_rule_data() -> None:
    rules = parse_rules(
        '[[rule]]\nid = "x"\nname = "测试"\nseverity = 3\nweight = 2.5\nany = ["爆炸"]\n', "t.toml"
    ).rules
    (result,) = Matcher(rules, Segmenter()).match({"title": "化工厂爆炸", "content": ""})
    assert {k: result[k] for k in ("rule", "name", "severity", "weight")} == {
        "rule": "x",
        "name": "测试",
        "severity": 3,
        "weight": 2.5,
    }
    assert result["hits"] == [
        {"term": "爆炸", "field": "title", "start": 3, "end": 5, "context": "化工厂爆炸"}
    ]


def test_matcher_looks_only_at_the_rule_fields(matcher: Matcher) -> None:
    assert "author" not in fired(matcher, "水军来了")
    results = matcher.match({"title": "", "content": "", "author": "水军头子"})
    assert [r["rule"] for r in results] == ["author"]


def test_matcher_all_terms_may_come_from_different_fields(matcher: Matcher) -> None:
    results = matcher.match({"title": "局长贪污", "content": "还收受贿赂，受贿数额巨大"})
    assert "both" in {r["rule"] for r in results}


def test_matcher_returns_nothing_for_empty_fields(matcher: Matcher) -> None:
    assert matcher.match({}) == []


def test_rules_defaults_follow_the_format() -> None:
    (rule,) = parse_rules('[[rule]]\nid = "a"\nany = ["腐败"]\n', "t.toml").rules
    assert rule == Rule(id="a", name="a", any_of=(Term("腐败"),), line=1)
    assert rule.fields == ("title", "content") and rule.severity == 1 and rule.weight == 1.0


def test_rules_bundled_default_file_loads_cleanly() -> None:
    path = resources.files("settings").joinpath("rules/default.toml")
    ruleset = load_rule_file(path)
    assert [r.id for r in ruleset.rules] == ["corruption", "land", "petition", "cadre", "safety"]
    assert check_rules(ruleset) == []
    cadre = {r.id: r for r in ruleset.rules}["cadre"]
    matcher = Matcher([cadre], Segmenter())
    assert matcher.match({"content": "村干部吃拿卡要"})
    assert not matcher.match({"content": "他很能干部分工作没做完，作风不错"})


def test_rules_check_warns_about_rules_that_can_never_fire() -> None:
    text = '[[rule]]\nid = "dead"\nall = ["干部"]\nnone = ["干部"]\n'
    (warning,) = check_rules(parse_rules(text, "t.toml"))
    assert "t.toml" in warning and "dead" in warning and "干部" in warning


def error_for(text: str, source: str = "bad.toml") -> str:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, source)
    return str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[rule]]\nid = "a"\nany = [x]\n', ["bad.toml", "line 3", "TOML", "fix the syntax"]),
        ('[[rule]]\nid = "a"\nany = ["x"\n', ["end of file", "TOML"]),
        ('[[rule]]\nname = "无名"\nany = ["x"]\n', ["line 1", "missing id", "add id"]),
        ('[[rule]]\nid = "A b"\nany = ["x"]\n', ["line 2", "invalid id", "a-z"]),
        (
            '[[rule]]\nid = "a"\nany = ["x"]\n\n[[rule]]\nid = "a"\nany = ["y"]\n',
            ["line 6", "rule 'a'", "duplicate id", "line 1"],
        ),
        ('[[rule]]\nid = "a"\nany = ["x"]\nanny = ["y"]\n', ["line 4", "'anny'", "known keys"]),
        ('[[rule]]\nid = "a"\nseverity = "high"\nany = ["x"]\n', ["line 3", "1 to 5"]),
        ('[[rule]]\nid = "a"\nseverity = 9\nany = ["x"]\n', ["line 3", "1 to 5"]),
        ('[[rule]]\nid = "a"\nweight = 0\nany = ["x"]\n', ["'weight'", "greater than 0"]),
        ('[[rule]]\nid = "a"\nfields = ["body"]\nany = ["x"]\n', ["'fields'", "'body'", "title"]),
        ('[[rule]]\nid = "a"\nkinds = ["blog"]\nany = ["x"]\n', ["'kinds'", "forum"]),
        ('[[rule]]\nid = "a"\nany = []\n', ["line 3", "'any'", "empty list"]),
        ('[[rule]]\nid = "a"\nany = ["x", " "]\n', ["line 3", "empty term"]),
        ('[[rule]]\nid = "a"\nany = [3]\n', ["'any'", "string or a table"]),
        ('[[rule]]\nid = "a"\nany = "x"\n', ["'any'", "list of terms"]),
        ('[[rule]]\nid = "a"\nany = [{ term = "x", subs = true }]\n', ["substring = true"]),
        ('[[rule]]\nid = "a"\nname = "n"\n', ["line 1", "rule 'a'", "'any' or 'all'"]),
        ('name = "x"\n', ["no [[rule]]"]),
        ('rules = 1\n[[rule]]\nid = "a"\nany = ["x"]\n', ["'rules'"]),
    ],
)
def test_rules_bad_file_says_where_and_what_to_fix(text: str, expected: list[str]) -> None:
    message = error_for(text)
    assert message.startswith("bad.toml")
    for part in expected:
        assert part in message


def test_rules_error_names_the_rule_by_id() -> None:
    text = '[[rule]]\nid = "ok"\nany = ["x"]\n\n[[rule]]\nid = "broken"\nweight = -1\nany = ["y"]\n'
    error = pytest.raises(ConfigError, parse_rules, text, "rules/x.toml").value
    assert error.source == "rules/x.toml"
    assert error.where == "line 7, rule 'broken', key 'weight'"


def test_rules_load_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="nope.toml"):
        load_rule_file(missing)


def test_rules_load_file_uses_file_name_as_source(tmp_path: Path) -> None:
    path = tmp_path / "watch.toml"
    path.write_text('[[rule]]\nid = "a"\nany = ["x"]\nseverity = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rule_file(path)
    assert str(path) in str(info.value) and "line 4" in str(info.value)
    path.write_text('[[rule]]\nid = "a"\nany = ["x"]\n', encoding="utf-8")
    assert load_rule_file(path).name == "watch"


@given(st.text(max_size=30), st.text(max_size=30))
def test_matcher_substring_term_always_fires_and_points_at_it(before: str, after: str) -> None:
    content = before + "ＡＢ舆情" + after
    (result,) = SUBSTRING_MATCHER.match({"content": content})
    spans = [content[h["start"] : h["end"]] for h in result["hits"]]
    assert "ＡＢ舆情" in spans
    assert all(fold_for_match(span) == "ab舆情" for span in spans)


SUBSTRING_MATCHER = Matcher(
    parse_rules('[[rule]]\nid = "s"\nany = [{ term = "ab舆情", substring = true }]\n', "t").rules,
    Segmenter(),
)


MANY_TERMS = ("干部", "部分", "能干", "工作", "村干部", "分工", "app", "领导", "导力", "干部分")
MANY_MATCHER = Matcher(
    [Rule(id="many", name="many", any_of=tuple(Term(t) for t in MANY_TERMS))], Segmenter()
)
PIECES = (*MANY_TERMS, "他很", "的", "没做完", "下载", "happy", "，", "领导力", "村", "乡里")


@settings(deadline=None)  # the first example builds the segmenter
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_matcher_judges_a_posts_terms_together_as_each_alone(pieces: list[str]) -> None:
    """Every occurrence of every term fires exactly where the segmenter, asked about that
    one span, says it is whole words: judging a post's terms together changes no verdict."""
    text = "".join(pieces)
    expected = {
        (start, start + len(term), term)
        for term in MANY_TERMS
        for start in range(len(text))
        if text.startswith(term, start)
        and MANY_MATCHER.segmenter.is_word(text, start, start + len(term))
    }
    results = MANY_MATCHER.match({"content": text})
    found = {(h["start"], h["end"], h["term"]) for r in results for h in r["hits"]}
    assert found == expected
