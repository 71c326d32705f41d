"""Rule expressions: terms and nestable groups, and reading them from TOML values.

The language itself is documented in :mod:`opinion_spiders.text.rules`; every failure here
says where it is and what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from opinion_spiders.text._match_form import match_key
from opinion_spiders.text._rule_fields import Place, type_name
from opinion_spiders.text._rule_model import OPS, Group, Item, Term

TERM_KEYS = ("term", "substring", "not_in")
LIST_NAME = re.compile(r"[\w-]+")


class ItemReader:
    """Reads term lists and groups for one rule; ``lists`` are the file's named lists."""

    def __init__(self, place: Place, lists: Mapping[str, tuple[Term, ...]]) -> None:
        self.place = place
        self.lists = lists

    def items(self, value: Any, key: str) -> tuple[Item, ...]:
        """A non-empty list of terms, ``@list`` references and group tables."""
        if not isinstance(value, list):
            raise self.place.error(f"must be a list of terms, not {type_name(value)}", key)
        if not value:
            raise self.place.error("is an empty list; add terms or remove the key", key)
        return tuple(dict.fromkeys(self.item(v, key) for v in value))

    def item(self, value: Any, key: str) -> Item:
        if isinstance(value, str) and value.strip().startswith("@"):
            return self._list_ref(value.strip()[1:], key)
        if isinstance(value, dict) and "term" not in value and any(op in value for op in OPS):
            return self.group(value, key)
        return read_term(value, self.place, key)

    def _list_ref(self, name: str, key: str) -> Group:
        if name not in self.lists:
            known = ", ".join(f"@{n}" for n in self.lists) or "none; add a [lists] table"
            raise self.place.error(f"unknown list '@{name}'; known lists: {known}", key, f"@{name}")
        return Group("any", self.lists[name], list_name=name)

    def group(self, table: Mapping[str, Any], key: str) -> Group:
        """A group table such as ``{ any = [...] }`` or ``{ near = [...], within = 10 }``."""
        ops = [op for op in OPS if op in table]
        unknown = [k for k in table if k not in (*OPS, "within", "within_words")]
        if len(ops) != 1 or unknown:
            raise self.place.error(
                "a group table holds exactly one of any, all, none, near "
                '(near with within = N or within_words = N), like { any = ["a", "b"] }',
                key,
            )
        op = ops[0]
        items = self.items(table[op], key)
        if op != "near":
            if "within" in table or "within_words" in table:
                raise self.place.error("'within' and 'within_words' belong to a near group", key)
            return Group(op, items)
        return self.near(items, table, key)

    def near(self, items: tuple[Item, ...], table: Mapping[str, Any], key: str) -> Group:
        """A near group: two or more items, no none-groups, exactly one distance."""
        if len(items) < 2:
            raise self.place.error("a near group needs at least two items", key)
        if any(isinstance(i, Group) and i.op == "none" for i in items):
            raise self.place.error("a near group cannot hold a none group: it has no place", key)
        distances = [k for k in ("within", "within_words") if k in table]
        if len(distances) != 1:
            raise self.place.error(
                "near needs exactly one of within = N (characters) or within_words = N", key
            )
        value = table[distances[0]]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.place.error(f"'{distances[0]}' must be a whole number ≥ 0", key)
        if distances[0] == "within":
            return Group("near", items, within=value)
        return Group("near", items, within_words=value)


def read_term(value: Any, place: Place, key: str) -> Term:
    """A term string or a ``{ term = "…", substring = …, not_in = […] }`` table."""
    substring: Any = False
    not_in: Any = []
    if isinstance(value, dict):
        unknown = [k for k in value if k not in TERM_KEYS]
        if unknown or "term" not in value:
            raise place.error(
                'a term table needs { term = "…" } with optional substring = true and '
                'not_in = ["…"]; a group table needs one of any, all, none, near',
                key,
            )
        value, substring, not_in = (
            value["term"],
            value.get("substring", False),
            value.get("not_in", []),
        )
    if not isinstance(value, str):
        raise place.error(f"a term must be a string or a table, not {type_name(value)}", key)
    if not isinstance(substring, bool):
        raise place.error("'substring' must be true or false", key)
    if not value.strip() or not match_key(value):
        raise place.error("contains an empty term; remove it", key)
    term = value.strip()
    return Term(term, substring, _not_in(term, not_in, place, key))


def _not_in(term: str, value: Any, place: Place, key: str) -> tuple[str, ...]:
    """Exclusion contexts, each a longer word that contains the term."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise place.error("'not_in' must be a list of words, like not_in = [\"领导力\"]", key)
    needle = match_key(term)
    for context in value:
        if needle not in match_key(context):
            raise place.error(
                f"not_in '{context}' does not contain '{term}', so it can never exclude it; "
                "list longer words that contain the term",
                key,
                context,
            )
    return tuple(dict.fromkeys(v.strip() for v in value))


def read_lists(value: Any, place: Place) -> dict[str, tuple[Term, ...]]:
    """The ``[lists]`` table: named term lists that rules use as ``"@name"``."""
    if not isinstance(value, dict):
        raise place.error('must be a table: [lists] then name = ["term", …]')
    lists: dict[str, tuple[Term, ...]] = {}
    for name, terms in value.items():
        if not LIST_NAME.fullmatch(name):
            raise place.error(f"list name '{name}' may use letters, digits, _ and - only", name)
        if not isinstance(terms, list):
            raise place.error(f"must be a list of terms, not {type_name(terms)}", name)
        for term in terms:
            if isinstance(term, str) and term.strip().startswith("@"):
                raise place.error(
                    f"'{term}': a list holds terms, not other lists; copy its terms", name, term
                )
        lists[name] = tuple(dict.fromkeys(read_term(t, place, name) for t in terms))
    return lists


def walk(item: Item) -> list[Item]:
    """``item`` and everything nested in it, depth first."""
    out: list[Item] = [item]
    if isinstance(item, Group):
        for child in item.items:
            out.extend(walk(child))
    return out
