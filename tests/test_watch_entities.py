"""Entity watchlists (README "Watchlists"): names, aliases, generated forms of
officials and of city bodies, exclusions, word boundaries, nearness to rule terms, scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.demo import watch_file
from opinion_spiders.errors import ConfigError
from opinion_spiders.items import Post
from opinion_spiders.text.segment import Segmenter
from opinion_spiders.watch.entities import (
    EntityFinder,
    Watchlist,
    entities_document,
    load_watchlists,
    near_rule_terms,
)
from pipelines.entities import EntityPipeline
from plugins.entities import MENTION_VALUE, NEAR_VALUE, entity_contributions

WATCHLIST = """
[watchlist]
city = "临江市"
window = 10

[[entity]]
id = "cg"
kind = "organisation"
name = "临江市城市管理局"
aliases = ["城管局", "城管"]
weight = 1.5

[[entity]]
id = "tv"
kind = "organisation"
name = "临江电视台"
aliases = ["LJTV"]

[[entity]]
id = "cn"
kind = "place"
name = "城南街道"
aliases = ["城南街道办事处"]

[[entity]]
id = "wang"
kind = "official"
name = "王立新"
surname = "王"
titles = ["书记"]

[[entity]]
id = "li"
kind = "official"
name = "李建华"
surname = "李"
titles = ["局长", "区长"]
exclude = ["李局长期"]

[[entity]]
id = "zhou"
kind = "official"
name = "周建国"
surname = "周"
titles = ["市长"]
aliases = ["临江市长"]
exclude = ["临江市长江"]
"""


@pytest.fixture(scope="module")
def watchlist(tmp_path_factory: pytest.TempPathFactory) -> Watchlist:
    path = tmp_path_factory.mktemp("watch") / "entities.toml"
    path.write_text(WATCHLIST, encoding="utf-8")
    return load_watchlists([path])


@pytest.fixture(scope="module")
def finder(watchlist: Watchlist) -> EntityFinder:
    segmenter = Segmenter(watchlist.words())
    return EntityFinder(watchlist, segmenter.is_word)


def found(finder: EntityFinder, text: str) -> list[tuple[str, str]]:
    return [(h.entity.id, h.text) for h in finder.find({"content": text})]


FINDS = [
    # name, aliases, and the longest form wins where forms overlap
    ("临江市城市管理局发布通告", [("cg", "临江市城市管理局")]),
    ("城管局的人来了", [("cg", "城管局")]),
    ("城管又来了，城管打人了", [("cg", "城管"), ("cg", "城管")]),
    ("城南街道办事处门口", [("cn", "城南街道办事处")]),
    # a name starting with the city is also found without it
    ("临江城市管理局回应", [("cg", "临江城市管理局")]),
    ("市城市管理局回应", [("cg", "市城市管理局")]),
    # officials: surname + title, name + title, title + name, given name + title
    ("王书记到城南街道调研", [("wang", "王书记"), ("cn", "城南街道")]),
    ("王立新书记讲话", [("wang", "王立新书记")]),
    ("书记王立新讲话", [("wang", "书记王立新")]),
    ("立新书记很忙", [("wang", "立新书记")]),
    ("找李局长，李区长也在", [("li", "李局长"), ("li", "李区长")]),
    ("周市长在长江边视察", [("zhou", "周市长")]),
    # width and case folded; evidence cut from the original text
    ("ＬＪＴＶ报道了此事", [("tv", "ＬＪＴＶ")]),
    ("ljtv报道了此事", [("tv", "ljtv")]),
    # traditional characters, and separators put between characters, as rules undo them
    ("臨江市城市管理局發布通告", [("cg", "臨江市城市管理局")]),
    ("王書記到城南街道調研", [("wang", "王書記"), ("cn", "城南街道")]),
    ("城*管*局的人又來了", [("cg", "城*管*局")]),
    ("王 立 新 书记讲话", [("wang", "王 立 新 书记")]),
    ("李局長期以來都在外地", []),
    ("這座城管理得很好", []),
    # an exclusion phrase around the form cancels it
    ("李局长期以来都在外地", []),
    ("临江市长江路堵车", []),
    # a two-character form counts only as a whole word
    ("这座城管理得很好", []),
    # no watched entity
    ("王先生和李女士", []),
]


@pytest.mark.parametrize(("text", "expected"), FINDS)
def test_entities_finder_cases(finder: EntityFinder, text: str, expected: list[Any]) -> None:
    assert found(finder, text) == expected


def test_entities_dictionary_words_are_in_match_form(tmp_path: Path) -> None:
    """Word boundaries are judged on the match form (simplified), so a form written in
    traditional characters must teach the dictionary its simplified spelling."""
    path = tmp_path / "w.toml"
    path.write_text(
        '[[entity]]\nid = "a"\nkind = "official"\nname = "鄭國強"\nsurname = "鄭"\n'
        'titles = ["書記"]\naliases = ["ＺＧＱ"]\n',
        encoding="utf-8",
    )
    words = load_watchlists([path]).words()
    assert {"郑国强", "郑书记", "国强书记", "zgq"} <= set(words)
    assert not any(c in "".join(words) for c in "鄭國強書記")


def test_entities_hits_point_into_the_original_fields(finder: EntityFinder) -> None:
    text = "网友爆料：ＬＪＴＶ记者采访了王书记"
    hits = finder.find({"title": "城管局回应", "content": text})
    assert [(h.field, h.start, h.end) for h in hits] == [
        ("title", 0, 3),
        ("content", 5, 9),
        ("content", 14, 17),
    ]
    assert [text[h.start : h.end] for h in hits[1:]] == ["ＬＪＴＶ", "王书记"]


def rule_match(rule: str, term: str, start: int, field: str = "content") -> dict[str, Any]:
    hit = {"term": term, "field": field, "start": start, "end": start + len(term), "context": ""}
    return {"rule": rule, "name": rule, "severity": 2, "weight": 8, "hits": [hit]}


NEAR = [
    # text, rule term, its position, expected (rule, term, distance) or None; window is 10
    ("城管强拆了我家", "强拆", 2, ("land", "强拆", 0)),
    ("城管昨天下午又来强拆", "强拆", 8, ("land", "强拆", 6)),
    ("城管" + "，" * 10 + "强拆", "强拆", 12, ("land", "强拆", 10)),
    ("城管" + "，" * 11 + "强拆", "强拆", 13, None),
    ("强拆的事王书记知道吗", "强拆", 0, ("land", "强拆", 2)),
]


@pytest.mark.parametrize(("text", "term", "start", "expected"), NEAR)
def test_entities_near_rule_terms_within_window(
    finder: EntityFinder, text: str, term: str, start: int, expected: Any
) -> None:
    assert text[start : start + len(term)] == term
    hits = finder.find({"content": text})
    near = near_rule_terms(hits, [rule_match("land", term, start)], window=10)
    assert [(n.rule, n.term, n.distance) for n in near] == ([expected] if expected else [])


def test_entities_near_needs_the_same_field(finder: EntityFinder) -> None:
    hits = finder.find({"title": "城管", "content": "强拆"})
    assert near_rule_terms(hits, [rule_match("land", "强拆", 0)], window=10) == []


def test_entities_score_more_near_a_rule_term(finder: EntityFinder) -> None:
    """The entity plugin: near a fired rule's term is worth more than a mention alone."""
    near_post, far_post = Post("s", "forum", "u"), Post("s", "forum", "u")
    for post, text, start in (
        (near_post, "城管强拆", 2),
        (far_post, "城管" + "。" * 30 + "强拆", 32),
    ):
        post.content = text
        post.matches = [rule_match("land", "强拆", start)]
        hits = finder.find({"content": text})
        post.entities = entities_document(hits, near_rule_terms(hits, post.matches, 10))
    (near,), (far,) = entity_contributions(near_post), entity_contributions(far_post)
    assert near.value == NEAR_VALUE * 1.5 and far.value == MENTION_VALUE * 1.5
    assert near.value > far.value
    assert "临江市城市管理局" in near.reason and "强拆" in near.reason and "land" in near.reason
    assert near_post.entities[0]["near"] == {"rule": "land", "term": "强拆", "distance": 0}
    assert far_post.entities[0]["near"] is None


def test_entities_document_groups_hits_per_entity(finder: EntityFinder) -> None:
    hits = finder.find({"content": "城管和城管局，王书记"})
    doc = entities_document(hits, [])
    assert [(e["id"], e["count"]) for e in doc] == [("cg", 2), ("wang", 1)]
    assert doc[0]["hits"][1] == {
        "form": "城管局",
        "field": "content",
        "start": 3,
        "end": 6,
        "text": "城管局",
    }


def test_entities_bundled_watchlist_finds_demo_mentions() -> None:
    """The bundled 临江市 watchlist names bodies and places the demo sites write about."""
    finder = EntityFinder(load_watchlists([watch_file("entities.toml")]))
    cases = {
        "城南街道旧改拆迁，补偿款拖了半年还没到位": "chengnan-jiedao",
        "市纪委监委通报3起违反中央八项规定精神典型问题": "lj-jiwei",
        "关于城北片区集体土地征收补偿安置方案的公示": "chengbei-pianqu",
        "几十个工人今天一起去劳动局讨薪": "lj-renshe",
        "河西化工园区晚上偷偷排气": "hexi-huagong",
    }
    for text, entity in cases.items():
        assert entity in {h.entity.id for h in finder.find({"content": text})}, text


ERRORS = [
    ('[[entity]]\nid = "a"\nkind = "person"\nname = "甲"\n', "line 1 [[entity]] id 'a' kind"),
    ('[[entity]]\nid = "a"\nkind = "official"\nname = "王甲"\n', "surname"),
    ('[[entity]]\nid = "a"\nkind = "place"\nname = "甲地"\nalias = ["乙"]\n', "unknown key"),
    (
        '[[entity]]\nid = "a"\nkind = "place"\nname = "甲地"\n\n'
        '[[entity]]\nid = "b"\nkind = "place"\nname = "乙地"\naliases = ["甲地"]\n',
        "line 6 [[entity]] id 'b' aliases",
    ),
    (
        '[[entity]]\nid = "a"\nkind = "place"\nname = "甲地"\n\n'
        '[[entity]]\nid = "a"\nkind = "place"\nname = "乙地"\n',
        "declared twice",
    ),
    (  # the same name in traditional characters is the same name
        '[[entity]]\nid = "a"\nkind = "place"\nname = "临江"\n'
        '[[entity]]\nid = "b"\nkind = "place"\nname = "甲地"\naliases = ["臨江"]\n',
        "also names",
    ),
    ('[[entity]\nid = "a"\n', "line 1"),
    ("[watchlist]\nwindow = -1\n", "window"),
]


@pytest.mark.parametrize(("text", "needle"), ERRORS)
def test_entities_file_errors_name_file_place_and_fix(
    tmp_path: Path, text: str, needle: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_watchlists([path])
    assert str(path) in str(err.value) and needle in str(err.value)


def test_entities_pipeline_stores_entities_from_settings(tmp_path: Path) -> None:
    path = tmp_path / "entities.toml"
    path.write_text(WATCHLIST, encoding="utf-8")
    crawler = get_crawler(settings_dict={"OPINION_WATCH_ENTITIES": [str(path)]})
    stage = EntityPipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    post = Post("demo-forum", "forum", "http://x/1", title="王书记", content="城管强拆")
    post.matches = [rule_match("land", "强拆", 2)]
    stage.process_item(post)
    assert {e["id"]: e["near"] for e in post.entities} == {
        "wang": None,
        "cg": {"rule": "land", "term": "强拆", "distance": 0},
    }
    assert crawler.stats.get_value("opinion/entities/entity/cg") == 1
