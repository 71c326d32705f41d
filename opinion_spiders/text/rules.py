"""Keyword rules: the TOML file format, its loader and the matcher.

A rule file holds ``[[rule]]`` tables (and optionally a top-level ``name`` for the set;
the default is the file name without ``.toml``)::

    name = "default"

    [[rule]]
    id = "cadre"                      # required, unique, [a-z0-9_-]+
    name = "干部作风"                  # shown to analysts; default: the id
    severity = 2                      # integer 1–5, default 1
    weight = 6                        # number > 0, default 1.0
    fields = ["title", "content"]     # any of title, content, author; this is the default
    all = ["干部"]                    # every one of these must be found
    any = ["不作为", "打人", { term = "吃拿卡要", substring = true }]   # at least one of these
    none = ["电视剧"]                  # none of these may be found
    sites = ["demo_forum"]            # optional: only these sites
    kinds = ["forum", "postbar"]      # optional: only these kinds (forum, portal, postbar)

A term written as a plain string is strict: it fires only where jieba's segmentation agrees it
is a word (干部 fires in 村干部不作为, not in 能干部分工作). ``{ term = "…", substring = true }``
fires anywhere inside longer words. Matching ignores width and case (ＡＰＰ matches app).

A rule fires when (``any`` is empty or one of its terms is found) and every ``all`` term is
found and no ``none`` term is found, looking across the rule's fields together. At least one
of ``any`` and ``all`` must be given.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from opinion_spiders.errors import ConfigError
from opinion_spiders.text import _rule_fields as f
from opinion_spiders.text._matcher import Matcher
from opinion_spiders.text.normalize import fold_for_match

__all__ = [
    "Matcher",
    "Rule",
    "RuleSet",
    "Term",
    "check_rules",
    "load_rule_file",
    "parse_rules",
]

_HEADER = re.compile(r"^\s*\[\[\s*\"?rule\"?\s*\]\]", re.MULTILINE)
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


@dataclass(frozen=True)
class Term:
    """One term as written; strict terms must be whole words, substring terms need not be."""

    text: str
    substring: bool = False


@dataclass(frozen=True)
class Rule:
    """One keyword rule; ``sites``/``kinds`` empty means every site/kind."""

    id: str
    name: str
    severity: int = 1
    weight: float = 1.0
    fields: tuple[str, ...] = ("title", "content")
    any_of: tuple[Term, ...] = ()
    all_of: tuple[Term, ...] = ()
    none_of: tuple[Term, ...] = ()
    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file; ``source`` names the file for messages."""

    name: str
    rules: tuple[Rule, ...]
    source: str


def load_rule_file(path: str | os.PathLike[str] | Traversable) -> RuleSet:
    """Read and check a rule file (a path or an ``importlib.resources`` file)."""
    source = str(path)
    try:
        text = (
            path.read_text(encoding="utf-8")
            if isinstance(path, Traversable)
            else Path(path).read_text(encoding="utf-8")
        )
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read the rule file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "", "is not UTF-8; save it as UTF-8") from exc
    return parse_rules(text, source)


def parse_rules(text: str, source: str) -> RuleSet:
    """Parse rule-file text; ``source`` is the file name used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        where = "" if not found else f"line {found[1]}" if found[1] else "end of file"
        problem = _TOML_POSITION.sub("", message)
        raise ConfigError(source, where, f"invalid TOML: {problem}; fix the syntax") from exc
    for key in data:
        if key not in ("rule", "name"):
            raise ConfigError(source, "", f"unknown top-level key '{key}'; use [[rule]] tables")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(source, "", "no [[rule]] tables found; add at least one rule")
    name = data.get("name", _default_name(source))
    if not isinstance(name, str) or not name:
        raise ConfigError(source, "", "top-level 'name' must be a non-empty string")
    rules = _parse_tables(tables, text, source)
    return RuleSet(name=name, rules=rules, source=source)


def _default_name(source: str) -> str:
    stem = Path(source).name
    return stem.removesuffix(".toml") or "rules"


def _parse_tables(tables: list[Any], text: str, source: str) -> tuple[Rule, ...]:
    headers = [text.count("\n", 0, m.start()) + 1 for m in _HEADER.finditer(text)]
    if len(headers) != len(tables):
        headers = []  # written as an inline array: no header lines to point at
    rules: list[Rule] = []
    seen: dict[str, int | None] = {}
    for index, table in enumerate(tables):
        line = headers[index] if headers else None
        end = headers[index + 1] - 1 if headers and index + 1 < len(headers) else None
        place = f.Place(source, text, line, end, f"#{index + 1}")
        rule = _parse_rule(table, place)
        if rule.id in seen:
            first = f" (first at line {seen[rule.id]})" if seen[rule.id] else ""
            raise _named(place, rule.id).error(f"duplicate id{first}; ids must be unique", "id")
        seen[rule.id] = line
        rules.append(rule)
    return tuple(rules)


def _named(place: f.Place, rule_id: str) -> f.Place:
    return f.Place(place.source, place.text, place.header_line, place.block_end, f"'{rule_id}'")


def _parse_rule(table: Any, place: f.Place) -> Rule:
    if not isinstance(table, dict):
        raise place.error("must be a table")
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not f.ID_PATTERN.fullmatch(rule_id):
        problem = "missing id" if rule_id is None else f"invalid id {rule_id!r}"
        raise place.error(f'{problem}; add id = "…" using a-z, 0-9, _ and -', "id")
    place = _named(place, rule_id)
    f.check_keys(table, place)
    terms = {key: f.get_terms(table, key, place) for key in ("any", "all", "none")}
    if not terms["any"] and not terms["all"]:
        raise place.error("has no terms; give 'any' or 'all' (or both) a list of terms")
    return Rule(
        id=rule_id,
        name=f.get_str(table, "name", rule_id, place) or rule_id,
        severity=f.get_severity(table, place),
        weight=f.get_weight(table, place),
        fields=f.get_names(table, "fields", ("title", "content"), f.FIELDS, place),
        any_of=tuple(Term(t, s) for t, s in terms["any"]),
        all_of=tuple(Term(t, s) for t, s in terms["all"]),
        none_of=tuple(Term(t, s) for t, s in terms["none"]),
        sites=f.get_names(table, "sites", (), None, place),
        kinds=f.get_names(table, "kinds", (), f.KINDS, place),
        line=place.header_line,
    )


def check_rules(ruleset: RuleSet) -> list[str]:
    """Warnings for rules that can never fire (a required term is also forbidden)."""
    warnings: list[str] = []
    for rule in ruleset.rules:
        where = f"{ruleset.source}: line {rule.line}, " if rule.line else f"{ruleset.source}: "
        for term in rule.all_of:
            if _forbidden(term, rule.none_of):
                warnings.append(
                    f"{where}rule '{rule.id}': 'all' term '{term.text}' is ruled out by 'none', "
                    "so the rule can never fire; remove it from one of them"
                )
        if rule.any_of and all(_forbidden(t, rule.none_of) for t in rule.any_of):
            warnings.append(
                f"{where}rule '{rule.id}': every 'any' term is ruled out by 'none', "
                "so the rule can never fire"
            )
    return warnings


def _forbidden(term: Term, none_of: tuple[Term, ...]) -> bool:
    """Whether finding ``term`` always means finding one of ``none_of`` too."""
    folded = fold_for_match(term.text)
    for other in none_of:
        banned = fold_for_match(other.text)
        if banned in folded if other.substring else banned == folded and not term.substring:
            return True
    return False
