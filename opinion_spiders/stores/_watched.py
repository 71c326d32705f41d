"""The posts a watch plan follows, selected in the database: those in a time window whose
search ``terms`` hold one of the plan's terms, that name one of its entities, or that fired
one of its rules. One query per store instead of reading every post of the window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opinion_spiders.stores._docs import iso


def sqlite_query(
    since: datetime,
    until: datetime,
    terms: Sequence[str],
    entities: Sequence[str],
    rules: Sequence[str],
    limit: int,
) -> tuple[str, list[Any]] | None:
    """SQL and parameters for the embedded store; None when the plan names nothing."""
    clauses: list[str] = []
    params: list[Any] = [iso(since), iso(until)]
    if terms:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(posts.doc, '$.terms') WHERE value IN "
            f"({_marks(terms)}))"
        )
        params += terms
    if entities:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(posts.doc, '$.entities') "
            f"WHERE json_extract(value, '$.id') IN ({_marks(entities)}))"
        )
        params += entities
    if rules:
        clauses.append(f"_id IN (SELECT post_id FROM post_rules WHERE rule IN ({_marks(rules)}))")
        params += rules
    if not clauses:
        return None
    sql = (
        "SELECT doc FROM posts WHERE time >= ? AND time < ? "
        f"AND ({' OR '.join(clauses)}) ORDER BY time DESC, _id LIMIT ?"
    )
    return sql, [*params, limit]


def mongo_query(
    since: datetime,
    until: datetime,
    terms: Sequence[str],
    entities: Sequence[str],
    rules: Sequence[str],
) -> dict[str, Any] | None:
    """The filter for MongoDB (each branch on a multikey index); None when nothing is named."""
    branches = [
        {field: {"$in": list(values)}}
        for field, values in (("terms", terms), ("entities.id", entities), ("matches.rule", rules))
        if values
    ]
    if not branches:
        return None
    return {"time": {"$gte": since, "$lt": until}, "$or": branches}


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))
