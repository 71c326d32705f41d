"""Keyword rules: the TOML rule language, its loader and the matcher.

A rule file holds an optional ``name`` for the set (default: the file name without
``.toml``), optional named term lists, and ``[[rule]]`` tables::

    name = "default"

    [lists]                             # named term lists, shared by every rule of the file
    officials = ["书记", "局长", "主任"]

    [[rule]]
    id = "cadre"                        # required, unique, [a-z0-9_-]+
    name = "干部作风"                    # shown to analysts; default: the id
    severity = 2                        # integer 1–5, default 1
    weight = 6                          # number > 0, default 1.0; score = severity × weight
    fields = ["title", "content"]       # any of title, content, author; this is the default
    all = ["干部"]                      # every item must be found
    any = ["不作为", "打人", "@officials"]   # at least one item must be found
    none = ["电视剧"]                    # no item may be found
    near = ["干部", "打人"]              # every item, close together (see near below)
    within = 10                         # … at most 10 characters apart (or within_words = 3)
    sites = ["demo-forum"]              # optional: only these sites
    kinds = ["forum", "postbar"]        # optional: only these kinds (forum, portal, postbar)

A rule fires when every expression key it has holds: ``any`` (one item found), ``all`` (each
item found), ``none`` (no item found), ``near`` (the items found close together). It needs at
least one of ``any``, ``all`` and ``near``. Items are found across the rule's fields together,
except that a ``near`` group looks inside one field at a time.

Items. Each list item is one of:

* a term string: ``"干部"``; several words separated by spaces form a phrase, matched as that
  sequence of words (``"城管 打人"``; ``"free tibet"``);
* a term table: ``{ term = "拆迁", substring = true }``,
  ``{ term = "领导", not_in = ["领导力", "领导者"] }`` (an occurrence of 领导 that is part of
  领导力 or 领导者 does not count; each ``not_in`` word must contain the term);
* a named list: ``"@officials"`` stands for *one* term of ``[lists] officials`` (in ``all``,
  some official must be found; in ``none``, no official may be); a term that really starts
  with ``@`` is written as a table, ``{ term = "@某账号" }``;
* a group table, nested as deep as needed: ``{ any = [...] }``, ``{ all = [...] }``,
  ``{ none = [...] }``, ``{ near = [...], within = N }`` or ``{ near = [...], within_words = N }``.

``near`` (NEAR/n): every item is found in one field, linked in a chain where each occurrence
is at most ``within`` characters (``within_words``: words) from the next one; for two items,
some occurrence of one is at most N characters/words from some occurrence of the other, in
either order. The gap is counted between the end of one and the start of the next, in the
match form below (so ``贪*污`` is two characters). Items of a near group may be groups (not
``none``) or named lists.

Strict words. A term is strict by default: it fires only where jieba's segmentation (on the
private dictionary, with every rule term added) agrees it is whole words; 干部 fires in
村干部不作为 and 乡里的干部 but not in 他很能干部分工作没做完 (能干/部分). Latin terms need
letter boundaries (app fires in 下载app, not in happy). ``substring = true`` fires anywhere.

Match form. Text and terms are compared after the same normalisation, and every hit points
into the original text (positions and context): full-width → half-width, case folded,
traditional → simplified (OpenCC ``t2s``, character by character), look-alikes folded (0/o,
1/l, ① → 1, Cyrillic/Greek look-alike letters), separators between Hanzi dropped (spaces,
``* - . · _ | /``, zero-width characters, other symbols and emoji: 贪*污, 贪 污, 贪😀污 all
read 贪污; sentence punctuation such as ，。！？ stays), spelled-out Latin joined (v.p.n →
vpn), zero-width characters dropped everywhere. See :mod:`opinion_spiders.text._match_form`.

Mistakes (bad TOML, an unknown key, a wrong type, an unknown ``@list``, a ``not_in`` word that
does not contain its term) raise :class:`~opinion_spiders.errors.ConfigError` with the file,
the line and what to fix. A rule that can never fire (a term both required and in ``none``,
an empty named list it needs, a term excluded by its own ``not_in``) or that fires on every
post is reported by :func:`check_rules`; :func:`load_rule_file` logs those warnings.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from opinion_spiders.errors import ConfigError
from opinion_spiders.text import _rule_fields as f
from opinion_spiders.text._matcher import Matcher
from opinion_spiders.text._rule_check import check_rules
from opinion_spiders.text._rule_expr import ItemReader, read_lists
from opinion_spiders.text._rule_model import Group, Item, Rule, RuleSet, Term

__all__ = [
    "Group",
    "Item",
    "Matcher",
    "Rule",
    "RuleSet",
    "Term",
    "check_rules",
    "load_rule_file",
    "parse_rules",
]

log = logging.getLogger(__name__)

_HEADER = re.compile(r"^\s*\[\[\s*\"?rule\"?\s*\]\]", re.MULTILINE)
_LISTS_HEADER = re.compile(r"^\s*\[\s*\"?lists\"?\s*\]", re.MULTILINE)
_ANY_HEADER = re.compile(r"^\s*\[", re.MULTILINE)
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_TOP_KEYS = ("name", "lists", "rule")


def load_rule_file(path: str | os.PathLike[str] | Traversable) -> RuleSet:
    """Read and check a rule file (a path or an ``importlib.resources`` file); warnings about
    rules that can never fire go to the log."""
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
    ruleset = parse_rules(text, source)
    for warning in check_rules(ruleset):
        log.warning("%s", warning)
    return ruleset


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
        if key not in _TOP_KEYS:
            raise ConfigError(
                source, "", f"unknown top-level key '{key}'; use name, [lists] and [[rule]] tables"
            )
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(source, "", "no [[rule]] tables found; add at least one rule")
    name = data.get("name", _default_name(source))
    if not isinstance(name, str) or not name:
        raise ConfigError(source, "", "top-level 'name' must be a non-empty string")
    lists = read_lists(data.get("lists", {}), _lists_place(text, source))
    rules = _parse_tables(tables, text, source, lists)
    return RuleSet(name=name, rules=rules, source=source)


def _default_name(source: str) -> str:
    stem = Path(source).name
    return stem.removesuffix(".toml") or "rules"


def _lists_place(text: str, source: str) -> f.Place:
    """Where the ``[lists]`` table sits, for messages about it."""
    header = _LISTS_HEADER.search(text)
    if header is None:
        return f.Place(source, text, None, None, "[lists]")
    line = text.count("\n", 0, header.start()) + 1
    following = _ANY_HEADER.search(text, header.end())
    end = text.count("\n", 0, following.start()) if following else None
    return f.Place(source, text, line, end, "[lists]")


def _parse_tables(
    tables: list[Any], text: str, source: str, lists: dict[str, tuple[Term, ...]]
) -> tuple[Rule, ...]:
    headers = [text.count("\n", 0, m.start()) + 1 for m in _HEADER.finditer(text)]
    if len(headers) != len(tables):
        headers = []  # written as an inline array: no header lines to point at
    rules: list[Rule] = []
    seen: dict[str, int | None] = {}
    for index, table in enumerate(tables):
        line = headers[index] if headers else None
        end = headers[index + 1] - 1 if headers and index + 1 < len(headers) else None
        place = f.Place(source, text, line, end, f"#{index + 1}")
        rule = _parse_rule(table, place, lists)
        if rule.id in seen:
            first = f" (first at line {seen[rule.id]})" if seen[rule.id] else ""
            raise _named(place, rule.id).error(f"duplicate id{first}; ids must be unique", "id")
        seen[rule.id] = line
        rules.append(rule)
    return tuple(rules)


def _named(place: f.Place, rule_id: str) -> f.Place:
    return f.Place(place.source, place.text, place.header_line, place.block_end, f"'{rule_id}'")


def _parse_rule(table: Any, place: f.Place, lists: dict[str, tuple[Term, ...]]) -> Rule:
    if not isinstance(table, dict):
        raise place.error("must be a table")
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not f.ID_PATTERN.fullmatch(rule_id):
        problem = "missing id" if rule_id is None else f"invalid id {rule_id!r}"
        raise place.error(f'{problem}; add id = "…" using a-z, 0-9, _ and -', "id")
    place = _named(place, rule_id)
    f.check_keys(table, place)
    reader = ItemReader(place, lists)
    items = {k: reader.items(table[k], k) if k in table else () for k in ("any", "all", "none")}
    near = _near(table, reader, place)
    if not items["any"] and not items["all"] and near is None:
        raise place.error("has no terms; give 'any' or 'all' (or both, or 'near') a list of terms")
    return Rule(
        id=rule_id,
        name=f.get_str(table, "name", rule_id, place) or rule_id,
        severity=f.get_severity(table, place),
        weight=f.get_weight(table, place),
        fields=f.get_names(table, "fields", ("title", "content"), f.FIELDS, place),
        any_of=items["any"],
        all_of=items["all"],
        none_of=items["none"],
        sites=f.get_names(table, "sites", (), None, place),
        kinds=f.get_names(table, "kinds", (), f.KINDS, place),
        line=place.header_line,
        near=near,
    )


def _near(table: dict[str, Any], reader: ItemReader, place: f.Place) -> Group | None:
    """The rule-level ``near`` key with its ``within``/``within_words``."""
    if "near" not in table:
        for key in ("within", "within_words"):
            if key in table:
                raise place.error("belongs with a near list; add near = [...] or remove it", key)
        return None
    distances: dict[str, Any] = {k: table[k] for k in ("within", "within_words") if k in table}
    return reader.near(reader.items(table["near"], "near"), distances, "near")
