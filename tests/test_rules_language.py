"""The rule language, case by case, as documented in opinion_spiders/text/rules.py and the
README: evasions, word boundaries, phrases, NEAR, exclusions, traditional text, named lists,
nested groups and site/kind limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opinion_spiders.text.normalize import match_key
from opinion_spiders.text.rules import Matcher, parse_rules
from opinion_spiders.text.segment import Segmenter

RULES = """
[lists]
officials = ["书记", "局长", "主任"]
media = ["电视剧", "小说"]

[[rule]]
id = "corruption"
any = ["贪污", "受贿", "tan", "vpn"]

[[rule]]
id = "cadre"
any = ["干部"]

[[rule]]
id = "app"
any = ["app"]

[[rule]]
id = "phrase"
any = ["城管 打人"]

[[rule]]
id = "near-chars"
near = ["干部", "打人"]
within = 5

[[rule]]
id = "near-words"
near = ["@officials", "强拆"]
within_words = 2

[[rule]]
id = "leader"
any = [{ term = "领导", not_in = ["领导力", "领导者"] }]

[[rule]]
id = "petition"
all = ["@officials"]
any = ["上访"]
none = ["@media"]

[[rule]]
id = "nested"
all = [
  { any = ["征地", "拆迁"] },
  { any = [{ all = ["补偿", "没到位"] }, { near = ["村委会", "打人"], within = 4 }] },
  { none = [{ all = ["演习", "模拟"] }] },
]

[[rule]]
id = "local"
any = ["封路"]
sites = ["city-forum"]
kinds = ["forum"]
"""

MATCHER = Matcher(parse_rules(RULES, "language.toml").rules, Segmenter())


def fired(text: str, title: str = "", site: str = "", kind: str = "") -> set[str]:
    results = MATCHER.match({"title": title, "content": text}, site=site, kind=kind)
    return {r["rule"] for r in results}


EVASIONS = [
    ("他贪污了", True),
    ("他贪*污了", True),
    ("他贪 污了", True),
    ("他貪污了", True),
    ("他贪\u200b污了", True),
    ("他贪😀污了", True),
    ("他贪-污了", True),
    ("他贪·污了", True),
    ("他贪_污了", True),
    ("他贪|污了", True),
    ("他贪.污了", True),
    ("他贪　污了", True),  # ideographic space
    ("他贪\u200d*\ufe0f污了", True),
    ("他受賄了", True),  # traditional
    ("ＴＡＮ官", True),  # full width
    ("TAN官", True),  # case
    ("翻墙用v.p.n", True),  # spelled out
    ("翻墙用ｖｐｎ", True),
    ("他贪，污了", False),  # sentence punctuation is not a separator
    ("他贪。污了", False),
    ("tank来了", False),  # Latin needs letter boundaries
]


@pytest.mark.parametrize(("text", "fires"), EVASIONS)
def test_rules_language_evasions_are_undone(text: str, fires: bool) -> None:
    assert ("corruption" in fired(text)) is fires


@pytest.mark.parametrize(("text", "rule", "fires"), [
    ("村干部不作为", "cadre", True),
    ("乡里的干部都来了", "cadre", True),
    ("他很能干部分工作没做完", "cadre", False),
    ("他很能幹部分工作没做完", "cadre", False),  # traditional, still 能干/部分
    ("村幹部不作為", "cadre", True),
    ("下载app看看", "app", True),
    ("下载ＡＰＰ看看", "app", True),
    ("happy birthday", "app", False),
    ("apps", "app", False),
])  # fmt: skip
def test_rules_language_strict_terms_need_word_boundaries(
    text: str, rule: str, fires: bool
) -> None:
    assert (rule in fired(text)) is fires


@pytest.mark.parametrize(("text", "fires"), [
    ("城管打人了", True),
    ("城管 打人了", True),
    ("城管在打人", False),  # a phrase is a sequence: nothing in between
    ("打人城管", False),
])  # fmt: skip
def test_rules_language_phrase_is_a_word_sequence(text: str, fires: bool) -> None:
    assert ("phrase" in fired(text)) is fires


@pytest.mark.parametrize(("text", "fires"), [
    ("干部打人", True),
    ("打人的干部", True),  # either order
    ("干部在街上打人", True),  # 3 characters apart
    ("干部在大街上又打人", True),  # 5 apart
    ("干部在大街上不停地打人", False),  # 7 apart
    ("干*部在街上打人", True),  # counted after evasions are undone
    ("幹部在街上打人", True),
])  # fmt: skip
def test_rules_language_near_within_characters(text: str, fires: bool) -> None:
    assert ("near-chars" in fired(text)) is fires


def test_rules_language_near_looks_inside_one_field() -> None:
    assert "near-chars" not in fired("打人", title="干部")
    assert "near-chars" in fired("", title="干部打人")


@pytest.mark.parametrize(("text", "fires"), [
    ("王书记强拆", True),
    ("局长昨天又强拆", True),  # 昨天 / 又: two words between
    ("强拆的是主任", True),  # 的 / 是
    ("局长昨天在大街上强拆", False),
])  # fmt: skip
def test_rules_language_near_within_words(text: str, fires: bool) -> None:
    assert ("near-words" in fired(text)) is fires


@pytest.mark.parametrize(("text", "fires"), [
    ("领导说了算", True),
    ("他的领导力很强", False),
    ("优秀的领导者", False),
    ("领导力不行的领导", True),  # the second occurrence stands alone
    ("領導說了算", True),  # traditional
])  # fmt: skip
def test_rules_language_exclusion_contexts(text: str, fires: bool) -> None:
    assert ("leader" in fired(text)) is fires


@pytest.mark.parametrize(("text", "fires"), [
    ("局长不让上访", True),
    ("书记说可以上访", True),
    ("群众上访", False),  # no official
    ("电视剧里局长不让上访", False),  # a @media term rules it out
])  # fmt: skip
def test_rules_language_named_lists(text: str, fires: bool) -> None:
    assert ("petition" in fired(text)) is fires


@pytest.mark.parametrize(("text", "fires"), [
    ("征地补偿一直没到位", True),
    ("拆迁那天村委会有人打人", True),
    ("征地的事村委会说了", False),
    ("征地补偿没到位的演习，只是模拟", False),
    ("征地补偿没到位的演习", True),  # none holds unless both 演习 and 模拟
])  # fmt: skip
def test_rules_language_nested_groups(text: str, fires: bool) -> None:
    assert ("nested" in fired(text)) is fires


@pytest.mark.parametrize(("site", "kind", "fires"), [
    ("city-forum", "forum", True),
    ("other", "forum", False),
    ("city-forum", "portal", False),
    ("", "", False),
])  # fmt: skip
def test_rules_language_site_and_kind_limits(site: str, kind: str, fires: bool) -> None:
    assert ("local" in fired("明天封路", site=site, kind=kind)) is fires


def test_rules_language_hits_are_evidence_from_the_original_text() -> None:
    text = "有人举报：村干部贪 * 污扶贫款"
    (result,) = [r for r in MATCHER.match({"content": text}) if r["rule"] == "corruption"]
    (hit,) = result["hits"]
    assert text[hit["start"] : hit["end"]] == "贪 * 污"
    assert hit["term"] == "贪污" and hit["field"] == "content"
    assert hit["context"] == text[max(0, hit["start"] - 15) : hit["end"] + 15]


SEPARATORS = st.sampled_from(
    [" ", "*", "-", ".", "·", "_", "|", "\u200b", "\u200d", "😀", "★", "/"]
)
TERMS = st.sampled_from(["贪污", "受贿", "干部", "领导", "城管打人"])
OUTSIDE = st.text(alphabet="，。！？ abc123\n", max_size=12)


@settings(deadline=None)
@given(TERMS, st.lists(st.lists(SEPARATORS, max_size=3), min_size=4, max_size=4), OUTSIDE, OUTSIDE)
def test_rules_language_separators_never_lose_a_match(
    term: str, gaps: list[list[str]], before: str, after: str
) -> None:
    spelled = term[0] + "".join("".join(g) + c for g, c in zip(gaps, term[1:], strict=False))
    text = f"{before}，{spelled}。{after}"
    matcher = SEPARATED[term]
    (result,) = matcher.match({"content": text})
    assert any(match_key(text[h["start"] : h["end"]]) == term for h in result["hits"])


SHARED = Segmenter()
SEPARATED = {
    term: Matcher(parse_rules(f'[[rule]]\nid = "t"\nany = ["{term}"]\n', "t").rules, SHARED)
    for term in ["贪污", "受贿", "干部", "领导", "城管打人"]
}

NOISY = st.text(alphabet="贪污貪受贿賄干部幹 *·\u200b😀，。abc", max_size=40)


@settings(deadline=None)
@given(NOISY)
def test_rules_language_positions_cut_text_that_normalises_to_the_term(text: str) -> None:
    for result in SUBSTRING.match({"content": text}):
        for hit in result["hits"]:
            assert match_key(text[hit["start"] : hit["end"]]) == match_key(hit["term"])
            assert text[max(0, hit["start"] - 15) : hit["end"] + 15] == hit["context"]


SUBSTRING = Matcher(
    parse_rules(
        '[[rule]]\nid = "s"\nany = [{ term = "贪污", substring = true }, '
        '{ term = "干部", substring = true }]\n',
        "s",
    ).rules,
    SHARED,
)
