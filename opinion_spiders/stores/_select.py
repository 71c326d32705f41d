"""The posts an analyst's filter selects (:class:`~opinion_spiders.stores.base.PostFilter`),
as one query per store: SQL for the embedded store, a filter document for MongoDB."""

from __future__ import annotations

from typing import Any

from opinion_spiders.stores._docs import iso
from opinion_spiders.stores.base import PostFilter


def sqlite_query(selection: PostFilter, limit: int) -> tuple[str, list[Any]]:
    """SQL and parameters for the embedded store's ``posts`` table (newest first)."""
    clauses: list[str] = []
    params: list[Any] = []
    if selection.since is not None:
        clauses.append("time >= ?")
        params.append(iso(selection.since))
    if selection.until is not None:
        clauses.append("time < ?")
        params.append(iso(selection.until))
    for column, values in (("site", selection.sites), ("kind", selection.kinds)):
        if values:
            clauses.append(f"{column} IN ({_marks(values)})")
            params += values
    if selection.min_score is not None:
        clauses.append("score >= ?")
        params.append(selection.min_score)
    if selection.rules:
        clauses.append(
            f"_id IN (SELECT post_id FROM post_rules WHERE rule IN ({_marks(selection.rules)}))"
        )
        params += selection.rules
    if selection.entities:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(posts.doc, '$.entities') "
            f"WHERE json_extract(value, '$.id') IN ({_marks(selection.entities)}))"
        )
        params += selection.entities
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"SELECT doc FROM posts{where} ORDER BY time DESC, _id LIMIT ?", [*params, limit]


def mongo_query(selection: PostFilter) -> dict[str, Any]:
    """The filter document for MongoDB's ``posts`` collection."""
    query: dict[str, Any] = {}
    window = {
        op: value
        for op, value in (("$gte", selection.since), ("$lt", selection.until))
        if value is not None
    }
    if window:
        query["time"] = window
    for field, values in (
        ("site", selection.sites), ("kind", selection.kinds), ("matches.rule", selection.rules),
        ("entities.id", selection.entities),
    ):  # fmt: skip
        if values:
            query[field] = {"$in": list(values)}
    if selection.min_score is not None:
        query["score"] = {"$gte": selection.min_score}
    return query


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))
