"""The rule model: terms, nestable groups, rules and rule sets (the language is documented
in :mod:`opinion_spiders.text.rules`)."""

from __future__ import annotations

from dataclasses import dataclass

OPS = ("any", "all", "none", "near")


@dataclass(frozen=True)
class Term:
    """One term as written; strict terms must be whole words, substring terms need not be.

    ``not_in`` lists longer words that contain the term: an occurrence inside one of them
    does not count (领导 but not 领导力).
    """

    text: str
    substring: bool = False
    not_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """``any``/``all``/``none``/``near`` over items; ``list_name`` when it stands for ``@name``."""

    op: str
    items: tuple[Item, ...]
    within: int | None = None
    within_words: int | None = None
    list_name: str = ""


Item = Term | Group


@dataclass(frozen=True)
class Rule:
    """One keyword rule; ``sites``/``kinds`` empty means every site/kind.

    The rule's expression is the ``all`` of its keys: ``any_of`` as one any-group, each
    ``all_of`` item, ``none_of`` as one none-group, and ``near``.
    """

    id: str
    name: str
    severity: int = 1
    weight: float = 1.0
    fields: tuple[str, ...] = ("title", "content")
    any_of: tuple[Item, ...] = ()
    all_of: tuple[Item, ...] = ()
    none_of: tuple[Item, ...] = ()
    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    line: int | None = None
    near: Group | None = None

    @property
    def expression(self) -> Group:
        """The whole rule as one all-group."""
        parts: list[Item] = []
        if self.any_of:
            parts.append(Group("any", self.any_of))
        parts.extend(self.all_of)
        if self.none_of:
            parts.append(Group("none", self.none_of))
        if self.near is not None:
            parts.append(self.near)
        return Group("all", tuple(parts))


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file; ``source`` names the file for messages."""

    name: str
    rules: tuple[Rule, ...]
    source: str
