"""Warnings for rules that load but can never fire, or fire on every post."""

from __future__ import annotations

from opinion_spiders.text._match_form import match_key
from opinion_spiders.text._rule_model import Group, Item, Rule, RuleSet, Term


def check_rules(ruleset: RuleSet) -> list[str]:
    """One message per problem, each naming the file, line, rule and what to change."""
    warnings: list[str] = []
    for rule in ruleset.rules:
        where = f"{ruleset.source}: line {rule.line}, " if rule.line else f"{ruleset.source}: "
        prefix = f"{where}rule '{rule.id}': "
        warnings.extend(prefix + problem for problem in _problems(rule))
    return warnings


def _problems(rule: Rule) -> list[str]:
    expression = rule.expression
    problems: list[str] = []
    for group in _groups(expression):
        if group.op == "all":
            problems.extend(_contradictions(group))
        for item in group.items:
            if isinstance(item, Group) and item.list_name and not item.items and group.op != "none":
                problems.append(
                    f"named list '@{item.list_name}' is empty, so what needs it can never "
                    "fire; add terms to the list"
                )
    for term in _terms(expression):
        own = [c for c in term.not_in if match_key(c) == match_key(term.text)]
        if own:
            problems.append(
                f"term '{term.text}' is excluded by its own not_in '{own[0]}', so it can never "
                "fire; list only longer words"
            )
    if _fires_without_evidence(expression):
        problems.append(
            "has nothing it must find (only none), so it fires on every post; "
            "add an any, all or near term"
        )
    return problems


def _contradictions(group: Group) -> list[str]:
    """Required terms of an all-group that a sibling none-group forbids."""
    forbidden = [
        t
        for item in group.items
        if isinstance(item, Group) and item.op == "none"
        for t in _forbidding(item)
    ]
    if not forbidden:
        return []
    problems = [
        f"'all' term '{t.text}' is ruled out by 'none', so the rule can never fire; "
        "remove it from one of them"
        for t in _required(group)
        if _covered(t, forbidden)
    ]
    for item in group.items:
        if isinstance(item, Group) and item.op == "any" and item.items:
            terms = [i for i in item.items if isinstance(i, Term)]
            if len(terms) == len(item.items) and all(_covered(t, forbidden) for t in terms):
                problems.append(
                    "every 'any' term is ruled out by 'none', so the rule can never fire"
                )
    return problems


def _required(group: Group) -> list[Term]:
    """Terms an all-group cannot fire without (through nested all-groups too)."""
    out: list[Term] = []
    for item in group.items:
        if isinstance(item, Term):
            out.append(item)
        elif item.op == "all":
            out.extend(_required(item))
    return out


def _covered(term: Term, forbidden: list[Term]) -> bool:
    """Whether finding ``term`` always means finding one of ``forbidden`` too."""
    needle = match_key(term.text)
    for other in forbidden:
        if other.not_in:
            continue
        banned = match_key(other.text)
        if banned in needle if other.substring else banned == needle and not term.substring:
            return True
    return False


def _forbidding(group: Group) -> list[Term]:
    """Terms of a none-group that each rule the text out alone (directly or through any)."""
    out: list[Term] = []
    for item in group.items:
        if isinstance(item, Term):
            out.append(item)
        elif item.op == "any":
            out.extend(_forbidding(item))
    return out


def _groups(item: Item) -> list[Group]:
    if isinstance(item, Term):
        return []
    return [item, *(g for child in item.items for g in _groups(child))]


def _terms(item: Item) -> list[Term]:
    if isinstance(item, Term):
        return [item]
    return [t for child in item.items for t in _terms(child)]


def _fires_without_evidence(item: Item) -> bool:
    """Whether the expression holds on a text where no term is found."""
    if isinstance(item, Term):
        return False
    if item.op == "none":
        return True
    if item.op == "near":
        return False
    results = [_fires_without_evidence(child) for child in item.items]
    return any(results) if item.op == "any" else all(results)
