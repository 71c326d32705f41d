"""HTML of the analysts' workspace: plain server-rendered pages, charts as inline SVG (nothing
loaded from a CDN, nothing to install — the page works offline and prints as it shows)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from html import escape
from typing import Any
from urllib.parse import urlencode

from opinion_spiders.analysis.search import excerpt

STYLE = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
header{background:#1f3b57;color:#fff;padding:8px 16px}header a{color:#fff;margin-right:16px}
main{padding:12px 16px;max-width:1200px}table{border-collapse:collapse;margin:8px 0}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}mark{background:#ffe27a}.muted{color:#777}.tier-urgent{color:#b00020}
.tier-warning{color:#b36b00}form.inline{display:inline}input,select,button{font:inherit}
.cards span{display:inline-block;border:1px solid #ddd;border-radius:4px;padding:6px 12px;
margin:0 8px 8px 0}.error{color:#b00020}ul.contributions{margin:0;padding-left:16px}
"""
KIND_COLOURS = {"forum": "#3a7bd5", "portal": "#e07b39", "postbar": "#4caf50"}
PALETTE = ("#3a7bd5", "#e07b39", "#4caf50", "#9c27b0", "#d32f2f", "#00897b", "#795548")


def layout(title: str, body: str, *, note: str = "") -> str:
    links = (("/", "总览 Overview"), ("/alerts", "预警 Alerts"), ("/search", "检索 Search"))
    nav = "".join(f'<a href="{href}">{label}</a>' for href, label in links)
    shown = f'<p class="muted">{escape(note)}</p>' if note else ""
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{escape(title)} — '
        f"opinion</title><style>{STYLE}</style></head><body><header>{nav}</header><main>"
        f"<h1>{escape(title)}</h1>{shown}{body}</main></body></html>"
    )


def when(value: Any, tz: tzinfo) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return "-"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "") -> str:
    """A table; cells are HTML already (escape what comes from the store first)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def highlighted(text: str, spans: Sequence[tuple[int, int]], width: int | None = None) -> str:
    """``text`` escaped, with every span (original positions) in ``<mark>``; with ``width``,
    only that many characters either side of the first span (see :func:`search.excerpt`)."""
    cut = excerpt(text, spans, width)
    inner = "".join(f"<mark>{escape(t)}</mark>" if m else escape(t) for t, m in cut.runs)
    return ("…" if cut.cut_before else "") + inner + ("…" if cut.cut_after else "")


def day_chart(
    rows: Sequence[Mapping[str, Any]],
    kinds: Sequence[str],
    *,
    key: str = "kind",
    chart_id: str = "posts-per-day",
    x: str = "day",
) -> str:
    """Posts per day (or per any sortable ``x``: ``2026-12-02 14:00`` for hours), stacked by
    ``key`` (kind, rule, site …), as an inline SVG bar chart with a legend. A row with a count
    of 0 keeps its slot on the axis empty."""
    colours = {k: KIND_COLOURS.get(k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(kinds)}
    slots = sorted({str(r[x]) for r in rows if r.get(x)})
    if not slots:
        return '<p class="muted">No posts in this period.</p>'
    counts = {(str(r.get(x)), str(r.get(key))): int(r["count"]) for r in rows}
    totals = [sum(counts.get((d, k), 0) for k in kinds) for d in slots]
    top = max(totals) or 1
    labels = [s.split(" ")[-1] if " " in s else s[5:] for s in slots]  # 14:00, or 12-02
    pitch = 34.0 if len(slots) <= 30 else max(6.0, 1000 / len(slots))
    # A label every ``every`` bars, so that labels (9 px type: ~6 px a digit) never overlap.
    every = math.ceil((6 * max(len(x) for x in labels) + 4) / pitch)
    width, height, pad = max(320, int(pitch * len(slots)) + 60), 220, 30
    parts = [
        f'<svg id="{chart_id}" role="img" aria-label="posts per {x}" width="{width}" '
        f'height="{height + 40}" viewBox="0 0 {width} {height + 40}">',
        f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#999"/>',
        f'<text x="{pad}" y="14" font-size="11" fill="#555">{top}</text>',
    ]
    for i, slot in enumerate(slots):
        left, base = pad + i * pitch + 1, float(height)
        for kind in kinds:
            n = counts.get((slot, kind), 0)
            if not n:
                continue
            h = (height - 20) * n / top
            base -= h
            parts.append(
                f'<rect class="bar kind-{escape(kind)}" x="{left:.1f}" y="{base:.1f}" '
                f'width="{pitch - 2:.1f}" height="{h:.1f}" fill="{colours[kind]}">'
                f"<title>{escape(slot)} {escape(kind)}: {n}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{left:.1f}" y="{height + 14}" font-size="9" fill="#555">'
                f"{escape(labels[i])}</text>"
            )
    legend_x = pad
    for kind in kinds:
        parts.append(
            f'<rect x="{legend_x}" y="{height + 24}" width="10" height="10" '
            f'fill="{colours[kind]}"/><text x="{legend_x + 14}" '
            f'y="{height + 33}" font-size="11">{escape(kind)}</text>'
        )
        legend_x += 30 + 8 * len(kind)
    parts.append("</svg>")
    return "".join(parts)


def href(path: str, **query: Any) -> str:
    """``path`` with the given query (empty values left out), not yet escaped for HTML."""
    params = {k: v for k, v in query.items() if v not in (None, "", [])}
    return path + ("?" + urlencode(params, doseq=True) if params else "")


def link(path: str, label: str, **query: Any) -> str:
    return f'<a href="{escape(href(path, **query))}">{escape(label)}</a>'
