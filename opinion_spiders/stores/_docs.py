"""Documents as the stores keep them: JSON with tz-aware datetimes as ``{"$date": iso}``,
field-name checks, and counts in the order both stores return them."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@functools.lru_cache(maxsize=4096)
def iso(value: datetime) -> str:
    """Fixed-width UTC text, millisecond precision like BSON, so text order is time order.
    Cached: documents repeat their times (an event's buckets, a batch's clock), and turning
    each into text again was a tenth of writing the event detector's events and alerts."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": iso(value)}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} value {value!r}")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(obj.get("$date"), str):
        return _from_iso(obj["$date"])
    return obj


@functools.lru_cache(maxsize=4096)
def _from_iso(text: str) -> datetime:
    """Cached as :func:`iso` is (a datetime is immutable: one object may serve every read)."""
    return datetime.fromisoformat(text).astimezone(UTC)


def dumps(value: Any) -> str:
    """JSON text in which datetimes become ``{"$date": iso}`` (MongoDB extended JSON style)."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """Inverse of :func:`dumps`: ``{"$date": ...}`` comes back as a tz-aware UTC datetime."""
    return json.loads(text, object_hook=_hook)


def opt_iso(value: Any) -> str | None:
    return iso(value) if isinstance(value, datetime) else None


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """``$set`` semantics for dotted paths, so update_alert behaves as on MongoDB."""
    *parents, leaf = path.split(".")
    for part in parents:
        child = doc.get(part)
        if not isinstance(child, dict):
            child = doc[part] = {}
        doc = child
    doc[leaf] = value


def check_field(field: str) -> str:
    """Group-by fields are interpolated into queries: allow plain top-level names only."""
    if not _FIELD.match(field):
        raise ValueError(f"not a top-level field name: {field!r}")
    return field


def ordered_counts(rows: list[dict[str, Any]], by: Sequence[str]) -> list[dict[str, Any]]:
    """Largest count first, then by the group values, so both stores answer the same."""

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return (-row["count"], *((row[f] is None, str(row[f])) for f in by))

    return sorted(rows, key=key)
