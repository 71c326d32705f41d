"""Lists of posts and alerts as files analysts open elsewhere: CSV, Excel (xlsx), JSON.

Every row is flat (lists joined with ``; ``), times are shown in the analysts' time zone
(``OPINION_TIMEZONE``) with their offset, and CSV starts with a byte-order mark so that Excel
reads Chinese text as UTF-8. A file is written next to its target and renamed into place, so
a failed export never leaves half a file where a good one was.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from opinion_spiders.analysis.review import review_state
from opinion_spiders.errors import ConfigError

FORMATS = ("csv", "xlsx", "json", "jsonl")
POST_COLUMNS = (
    "id", "time", "site", "kind", "floor", "title", "author", "url", "score", "rules",
    "entities", "cluster_id", "content",
)  # fmt: skip
ALERT_COLUMNS = (
    "id", "created_at", "tier", "status", "score", "site", "kind", "title", "url", "rules",
    "terms", "post_id", "cluster_id", "review_state", "review_by", "review_at", "review_note",
)  # fmt: skip
#: Excel's limit on the characters of one cell.
XLSX_CELL = 32_767


def shown(value: Any, tz: tzinfo) -> Any:
    """A stored value as a cell: a time in ``tz`` (ISO with offset), lists joined."""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return "; ".join(str(shown(v, tz)) for v in value)
    return value


def post_row(post: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    """One stored post as a flat row of :data:`POST_COLUMNS`."""
    row = {
        "id": post.get("_id"),
        "time": post.get("published_at") or post.get("crawled_at"),
        "rules": [m.get("rule") for m in post.get("matches") or []],
        "entities": [e.get("name") or e.get("id") for e in post.get("entities") or []],
    }
    row |= {c: post.get(c) for c in POST_COLUMNS if c not in row}
    return {c: shown(row.get(c), tz) for c in POST_COLUMNS}


def alert_row(alert: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    """One ledger entry as a flat row of :data:`ALERT_COLUMNS`."""
    review = alert.get("review") or {}
    row = {c: alert.get(c) for c in ALERT_COLUMNS} | {
        "id": alert.get("_id"),
        "review_state": review_state(alert),
        "review_by": review.get("by"),
        "review_at": review.get("at"),
        "review_note": review.get("note"),
    }
    return {c: shown(row.get(c), tz) for c in ALERT_COLUMNS}


def format_of(path: Path, given: str | None) -> str:
    """The export format: ``given``, else the file's extension."""
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ConfigError(
            "opinion export", str(path), f"unknown format {fmt!r}: use --format or a file "
            f"ending in one of {', '.join('.' + f for f in FORMATS)}",
        )  # fmt: skip
    return fmt


def write(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], path: Path, fmt: str) -> int:
    """Write ``rows`` to ``path`` in ``fmt``; the number of rows written."""
    path = path.expanduser()
    if not path.parent.is_dir():
        raise ConfigError("opinion export", str(path), "its folder does not exist")
    rows = list(rows)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        _WRITERS[fmt](rows, columns, Path(temp))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return len(rows)


def _csv(rows: list[Mapping[str, Any]], columns: Sequence[str], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def _xlsx(rows: list[Mapping[str, Any]], columns: Sequence[str], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("opinion")
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    book.save(path)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters are not allowed in xlsx cells; a cell holds at most 32,767.
        value = "".join(ch for ch in value if ch >= " " or ch in "\t\n")
        return value[:XLSX_CELL]
    return value


def _json(rows: list[Mapping[str, Any]], columns: Sequence[str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        json.dump([{c: row.get(c) for c in columns} for row in rows], out, ensure_ascii=False,
                  indent=1)  # fmt: skip
        out.write("\n")


def _jsonl(rows: list[Mapping[str, Any]], columns: Sequence[str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n")


_WRITERS = {"csv": _csv, "xlsx": _xlsx, "json": _json, "jsonl": _jsonl}
