"""The story and event pages: what an analyst judges a story or a burst by — its key facts,
the timeline of its posts, the first publisher, the spread across sites, and the posts with
their rules' hits marked and each score contribution with its reason (the data is
:mod:`opinion_spiders.events.evidence`'s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from html import escape
from typing import Any

from opinion_spiders.analysis.review import review_state
from opinion_spiders.analysis.search import hit_spans, match_spans, word_hits
from opinion_spiders.events.documents import LABELS
from opinion_spiders.events.evidence import Evidence
from opinion_spiders.web import pages

#: Posts a story or event page lists at most (the timeline and spread count them all).
SHOWN_POSTS = 200
#: Field -> ``(start, end)`` spans to mark in it.
Spans = dict[str, list[tuple[int, int]]]


def story_body(alert: Mapping[str, Any], evidence: Evidence, tz: tzinfo) -> str:
    sites = ", ".join(str(s) for s in alert.get("sites") or [alert.get("site")] if s)
    facts = [
        ("tier", escape(str(alert.get("tier") or ""))),
        ("score", f"{float(alert.get('score') or 0):.1f} (top post "
                  f"{float(alert.get('top_score') or alert.get('score') or 0):.1f})"),
        ("posts", f"{len(evidence.posts)} stored · {int(alert.get('posts') or 1)} alerted"),
        ("sites", escape(sites)),
        ("replies", str(int(alert.get("replies") or 0))),
        ("rules", escape(", ".join(str(r) for r in alert.get("rules") or []))),
        ("review", escape(review_state(alert))),
        ("alerted", pages.when(alert.get("created_at"), tz)),
        ("updated", pages.when(alert.get("updated_at") or alert.get("created_at"), tz)),
    ]  # fmt: skip
    steps = alert.get("history") or []
    history = pages.table(("at", "step", "tier", "score", "note"), [
        (pages.when(h.get("at"), tz), escape(str(h.get("step") or "")),
         escape(str(h.get("tier") or "")), f"{float(h.get('score') or 0):.1f}",
         escape(str(h.get("note") or ""))) for h in steps],
        cls="history") if steps else '<p class="muted">Not grown yet.</p>'  # fmt: skip
    return _facts(facts) + _evidence(evidence, tz) + "<h2>经过 How it grew</h2>" + history


def event_body(event: Mapping[str, Any], evidence: Evidence, tz: tzinfo) -> str:
    dimension = str(event.get("dimension") or "")
    peak = event.get("peak") or {}
    facts = [
        ("key", escape(f"{LABELS.get(dimension, dimension)} {dimension}: {event.get('value')}")),
        ("name", escape(str(event.get("name") or event.get("value") or ""))),
        ("level", f'<span class="tier-{escape(str(event.get("level")))}">'
                  f"{escape(str(event.get('level') or ''))}</span>"),
        ("window", f"{pages.when(event.get('start'), tz)} – {pages.when(event.get('end'), tz)}"
                   f" ({float(event.get('bucket_hours') or 1):g} h buckets)"),
        ("posts", f"{int(event.get('count') or 0)} against {float(event.get('expected') or 0):.1f}"
                  f" expected (baseline {float(event.get('baseline') or 0):.2f} a bucket)"),
        ("peak", f"{int(peak.get('count') or 0)} posts in the bucket from "
                 f"{pages.when(peak.get('start'), tz)}"),
        ("surprise", f"{float(event.get('surprise') or 0):.1f} (threshold "
                     f"{float(event.get('threshold') or 0):.1f}, sensitive periods × "
                     f"{float(event.get('period_factor') or 1):g})"),
        ("sites", escape(", ".join(str(s) for s in event.get("sites") or []))),
    ]  # fmt: skip
    if event.get("words"):  # a story of words (docs/analysts.md, Events)
        facts.append(("words", escape("、".join(str(w.get("term")) for w in event["words"]))))
    levels = event.get("levels") or [
        {"level": event.get("level"), "at": event.get("created_at"), "count": event.get("count")}
    ]
    return (
        _facts(facts)
        + "<h2>等级 Level history</h2>"
        + pages.table(("level", "since", "posts then"), [
            (escape(str(step.get("level") or "")), pages.when(step.get("at"), tz),
             str(int(step.get("count") or 0))) for step in levels], cls="levels")
        + "<h2>上升词 Rising terms</h2>"
        + pages.table(("term", "posts", "expected", "surprise"), [
            (escape(str(t.get("term"))), str(t.get("count")), f"{float(t.get('expected') or 0):g}",
             f"{float(t.get('surprise') or 0):.1f}") for t in event.get("terms") or []],
            cls="terms")
        + _evidence(evidence, tz, _event_marks(event, evidence.posts))
    )  # fmt: skip


def _event_marks(event: Mapping[str, Any], posts: Sequence[Mapping[str, Any]]) -> list[Spans]:
    """Per post, what to mark besides its rules' hits: the event's word (a ``term`` event,
    found as rules find terms) or the event's entity's mentions (an ``entity`` event)."""
    dimension, value = event.get("dimension"), str(event.get("value") or "")
    if dimension == "term":
        hits = word_hits(posts, [value, *(str(w.get("term")) for w in event.get("words") or [])])
    elif dimension == "entity":
        hits = [[h for e in p.get("entities") or [] if e.get("id") == value
                 for h in e.get("hits") or []] for p in posts]  # fmt: skip
    else:
        return [{} for _ in posts]
    return [{f: hit_spans(found, f) for f in ("title", "content")} for found in hits]


def _facts(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def _evidence(evidence: Evidence, tz: tzinfo, marks: Sequence[Spans] = ()) -> str:
    """First publisher, timeline, spread and posts: the part a story and an event share
    (``marks``: per post, spans to mark besides its rules' hits)."""
    sites = [str(s["site"]) for s in evidence.spread]
    cut = (
        '<p class="muted">Not every post is shown: the latest were left out.</p>'
        if evidence.cut_short
        else ""
    )
    return (
        "<h2>首发 First publisher</h2>" + _first(evidence.first, tz)
        + f"<h2>时间线 Timeline (posts per {evidence.unit})</h2>"
        + pages.day_chart(evidence.timeline, sites, key="site", x="slot", chart_id="timeline")
        + "<h2>扩散 Spread across sites</h2>"
        + pages.table(("site", "posts", "first post"), [
            (escape(str(s["site"])), str(s["posts"]), pages.when(s["first"], tz))
            for s in evidence.spread], cls="spread")
        + f"<h2>帖子 Posts ({len(evidence.posts)})</h2>" + cut
        + pages.table(("time", "site", "author", "post", "score", "why it scored"),
                      [_post_row(p, tz, marks[i] if i < len(marks) else {})
                       for i, p in enumerate(evidence.posts[:SHOWN_POSTS])], cls="posts")
    )  # fmt: skip


def _first(post: Mapping[str, Any] | None, tz: tzinfo) -> str:
    if post is None:
        return '<p class="muted">No stored post.</p>'
    source = f' · <a href="{escape(str(post["url"]))}">source</a>' if post.get("url") else ""
    return (
        f'<p class="first-publisher" data-post="{escape(str(post["_id"]))}">'
        f"<b>{escape(str(post.get('site') or ''))}</b> · "
        f"{escape(str(post.get('author') or '(no author)'))} · "
        f"<time>{pages.when(post.get('published_at') or post.get('time'), tz)}</time> · "
        + pages.link("/post", str(post.get("title") or post["_id"]), id=post["_id"])
        + f"{source}</p>"
    )


def _post_row(post: Mapping[str, Any], tz: tzinfo, extra: Spans) -> tuple[str, ...]:
    title, content = (
        pages.highlighted(str(post.get(f) or ""), match_spans(post, f) + extra.get(f, []), width)
        for f, width in (("title", None), ("content", 80))
    )
    link = pages.link("/post", "›", id=post["_id"])
    reasons = "".join(
        f"<li>{float(c.get('value') or 0):+g} {escape(str(c.get('source') or ''))}: "
        f"{escape(str(c.get('reason') or ''))}</li>"
        for c in post.get("contributions") or []
    )
    return (
        pages.when(post.get("published_at") or post.get("time"), tz),
        escape(str(post.get("site") or "")),
        escape(str(post.get("author") or "")),
        f"<b>{title}</b> {link}<br>{content}",
        f"{float(post.get('score') or 0):.1f}",
        f'<ul class="contributions">{reasons}</ul>' if reasons else "",
    )
