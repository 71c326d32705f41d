"""Rule-file mistakes in the new language parts are rejected with the file, the line and what
to fix; rules that can never fire are warned about (and logged when a file loads)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from opinion_spiders.errors import ConfigError
from opinion_spiders.text.rules import check_rules, load_rule_file, parse_rules


@pytest.mark.parametrize(("text", "expected"), [
    ('[[rule]]\nid = "a"\nany = ["@nope"]\n', ["line 3", "rule 'a'", "'@nope'", "known lists"]),
    ('[lists]\nx = ["甲乙"]\n\n[[rule]]\nid = "a"\nany = ["@y"]\n', ["line 6", "@x"]),
    ('[[rule]]\nid = "a"\nany = [\n  "书记",\n  { term = "领导", not_in = ["干部"] },\n]\n',
     ["line 5", "not_in '干部'", "does not contain '领导'"]),
    ('[[rule]]\nid = "a"\nany = [{ any = ["x"], all = ["y"] }]\n', ["line 3", "exactly one of"]),
    ('[[rule]]\nid = "a"\nany = [{ near = ["x"], within = 3 }]\n', ["line 3", "at least two"]),
    ('[[rule]]\nid = "a"\nany = [{ near = ["x", "y"] }]\n', ["within"]),
    ('[[rule]]\nid = "a"\nany = [{ near = ["x", "y"], within = "3" }]\n', ["'within'", "whole number"]),
    ('[[rule]]\nid = "a"\nany = [{ any = ["x"], within = 3 }]\n', ["belong to a near group"]),
    ('[[rule]]\nid = "a"\nany = [{ near = ["x", { none = ["y"] }], within = 3 }]\n', ["none group"]),
    ('[[rule]]\nid = "a"\nany = ["x"]\nwithin = 3\n', ["line 4", "'within'", "near"]),
    ('[[rule]]\nid = "a"\nnear = ["x", "y"]\n', ["line 3", "within"]),
    ('[[rule]]\nid = "a"\nany = [{ term = "x", substring = 1 }]\n', ["'substring'", "true or false"]),
    ('[[rule]]\nid = "a"\nany = [{ any = [] }]\n', ["line 3", "empty list"]),
    ('lists = 3\n[[rule]]\nid = "a"\nany = ["x"]\n', ["[lists]", "must be a table"]),
    ('[lists]\nx = ["@y"]\n[[rule]]\nid = "a"\nany = ["x"]\n', ["line 2", "[lists]", "not other lists"]),
    ('[lists]\n"a b" = ["x"]\n[[rule]]\nid = "a"\nany = ["x"]\n', ["list name"]),
])  # fmt: skip
def test_rules_errors_say_where_and_what_to_fix(text: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "bad.toml")
    message = str(info.value)
    assert message.startswith("bad.toml")
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(("text", "expected"), [
    ('[[rule]]\nid = "a"\nall = ["干部"]\nnone = ["干部"]\n', "ruled out by 'none'"),
    ('[[rule]]\nid = "a"\nall = [{ all = ["贪污", "干部"] }, { none = [{ any = ["干部"] }] }]\n',
     "ruled out by 'none'"),
    ('[[rule]]\nid = "a"\nany = ["干部"]\nnone = [{ term = "干", substring = true }]\n',
     "every 'any' term"),
    ('[lists]\nofficials = []\n[[rule]]\nid = "a"\nall = ["@officials", "打人"]\n', "'@officials' is empty"),
    ('[[rule]]\nid = "a"\nany = [{ term = "领导", not_in = ["领导"] }]\n', "its own not_in"),
    ('[[rule]]\nid = "a"\nall = [{ none = ["干部"] }]\n', "fires on every post"),
])  # fmt: skip
def test_rules_check_warns_about_rules_that_never_or_always_fire(text: str, expected: str) -> None:
    warnings = check_rules(parse_rules(text, "w.toml"))
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("w.toml: line ") and "rule 'a': " in warnings[0]
    assert expected in warnings[0]


@pytest.mark.parametrize("text", [
    '[[rule]]\nid = "a"\nall = ["干部"]\nnone = ["干部作风"]\n',  # a longer word: can still fire
    '[lists]\nofficials = []\n[[rule]]\nid = "a"\nany = ["打人"]\nnone = ["@officials"]\n',
    '[[rule]]\nid = "a"\nall = ["干部"]\nnone = [{ all = ["干部", "电视剧"] }]\n',
])  # fmt: skip
def test_rules_check_is_quiet_for_rules_that_can_fire(text: str) -> None:
    assert check_rules(parse_rules(text, "ok.toml")) == []


def test_rules_load_logs_the_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "dead.toml"
    path.write_text('[[rule]]\nid = "dead"\nall = ["干部"]\nnone = ["干部"]\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ruleset = load_rule_file(path)
    assert [r.id for r in ruleset.rules] == ["dead"]
    assert any("dead" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)
