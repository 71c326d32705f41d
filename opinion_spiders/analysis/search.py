"""Search over stored posts with the keyword rules' own matching (``opinion search``).

A query is a tiny rule: its words must all be found, ``A|B`` finds one of them, ``-A`` must not
be found, and ``"A B"`` (quoted inside the query) is a phrase — words in sequence, as in a rule
file. Words are matched exactly as rules match them: width, case and traditional → simplified
folded, separators between Hanzi dropped (贪*污 is 贪污), whole words by jieba's segmentation
unless ``substring`` is asked for. A reply is matched on its own text; only an opening post or
an article on its title too (a reply carries its thread's title, which would otherwise make
every reply of a thread a hit).

The store first narrows by the filter (time, site, kind, rule, entity, score — each an indexed
field), newest first; the query is then matched on at most ``scan`` of those posts, and a
result says when that bound cut the search short.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from opinion_spiders.core.posts import opens_thread
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import PostFilter, Store
from opinion_spiders.text.rules import Group, Item, Rule, Term

#: Posts the query is matched on at most, newest first, unless told otherwise.
DEFAULT_SCAN = 20_000


@dataclass
class Found:
    """One post a search found, with where the query's words are in it."""

    post: dict[str, Any]
    hits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SearchResult:
    found: list[Found]
    scanned: int
    #: True when ``scan`` posts were matched and older ones passing the filter were not.
    cut_short: bool


def post_filter(
    tz: tzinfo,
    *,
    since: str | None = None,
    until: str | None = None,
    sites: Sequence[str] = (),
    kinds: Sequence[str] = (),
    rules: Sequence[str] = (),
    entities: Sequence[str] = (),
    min_score: float | None = None,
    names: tuple[str, str] = ("--since", "--until"),
) -> PostFilter:
    """The filter an analyst gave as text (``24h``, ``7d`` or ISO dates read in ``tz``; the
    option ``names`` say which field was wrong); a clear error when since is not before until."""
    from opinion_spiders.analysis.report import parse_when

    now = datetime.now(UTC)
    start = parse_when(since, names[0], tz, now)
    end = parse_when(until, names[1], tz, now)
    if start and end and start >= end:
        raise ConfigError("opinion", "/".join(names), f"{names[0]} must be before {names[1]}")
    return PostFilter(
        since=start, until=end, sites=tuple(sites), kinds=tuple(kinds), rules=tuple(rules),
        entities=tuple(entities), min_score=min_score,
    )  # fmt: skip


def parse_query(text: str, *, substring: bool = False) -> Rule | None:
    """The rule a query stands for; None for an empty query (every post the filter selects)."""
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise ConfigError("query", text, f"cannot read it ({exc}); close every quote") from None
    wanted: list[Item] = []
    unwanted: list[Item] = []
    for part in parts:
        negated = part.startswith("-") and len(part) > 1
        words = [w for w in (part[1:] if negated else part).split("|") if w.strip()]
        if not words:
            raise ConfigError("query", text, f"{part!r} names no word")
        terms = [Term(" ".join(w.split()), substring=substring) for w in words]
        item: Item = terms[0] if len(terms) == 1 else Group("any", tuple(terms))
        (unwanted if negated else wanted).append(item)
    if not wanted:
        if unwanted:
            raise ConfigError("query", text, "give at least one word to find, not only -words")
        return None
    return Rule(id="search", name="search", all_of=tuple(wanted), none_of=tuple(unwanted))


def search_fields(post: dict[str, Any]) -> dict[str, str]:
    """The text a query is matched on: content, and the title for an opening post/article."""
    fields = {"content": str(post.get("content") or "")}
    if opens_thread(post.get("floor"), post.get("reply_to")):
        fields["title"] = str(post.get("title") or "")
    return fields


def search(
    store: Store,
    query: Rule | None,
    selection: PostFilter,
    *,
    limit: int = 20,
    scan: int = DEFAULT_SCAN,
) -> SearchResult:
    """The newest posts passing ``selection`` that the ``query`` finds, at most ``limit``."""
    from opinion_spiders.text.rules import Matcher
    from opinion_spiders.text.segment import Segmenter

    posts = store.select_posts(selection, limit=scan if query is not None else limit)
    if query is None:
        found = [Found(post) for post in posts[:limit]]
        return SearchResult(found, len(posts), cut_short=False)
    matcher = Matcher([query], Segmenter())
    found = []
    scanned = 0
    for post in posts:
        scanned += 1
        fired = matcher.match(search_fields(post))
        if fired:
            found.append(Found(post, fired[0]["hits"]))
            if len(found) >= limit:
                break
    return SearchResult(found, scanned, cut_short=len(posts) >= scan and len(found) < limit)


def hit_spans(hits: Sequence[Mapping[str, Any]], field: str) -> list[tuple[int, int]]:
    """Where the ``hits`` (a rule's or a search's) are in ``field``: ``(start, end)`` pairs."""
    return [(h["start"], h["end"]) for h in hits if h.get("field") == field]


def match_spans(post: Mapping[str, Any], field: str) -> list[tuple[int, int]]:
    """Where the post's fired rules found their terms in ``field``."""
    return [s for m in post.get("matches") or [] for s in hit_spans(m.get("hits") or [], field)]


def word_hits(
    posts: Sequence[Mapping[str, Any]], words: Sequence[str]
) -> list[list[dict[str, Any]]]:
    """Where any of ``words`` is in each post's title and content, found as a rule finds its
    terms (folded, whole words): per post, its hits (``field``, ``start``, ``end`` …)."""
    from opinion_spiders.text.rules import Matcher
    from opinion_spiders.text.segment import shared_segmenter

    wanted = tuple(Term(w) for w in dict.fromkeys(" ".join(w.split()) for w in words) if w)
    if not wanted:
        return [[] for _ in posts]
    matcher = Matcher([Rule(id="words", name="words", any_of=wanted)], shared_segmenter())
    found = []
    for post in posts:
        texts = {"title": str(post.get("title") or ""), "content": str(post.get("content") or "")}
        fired = matcher.match(texts)
        found.append(list(fired[0]["hits"]) if fired else [])
    return found


@dataclass(frozen=True)
class Excerpt:
    """A text, or a window of it, as runs of ``(text, marked)``; ``cut_before``/``cut_after``
    say whether text was left out there. Each surface marks the runs its own way."""

    runs: list[tuple[str, bool]]
    cut_before: bool = False
    cut_after: bool = False


def excerpt(text: str, spans: Sequence[tuple[int, int]], width: int | None = None) -> Excerpt:
    """``text`` with its ``spans`` (original positions) marked: whole when ``width`` is None,
    else ``width`` characters either side of the first span (the start when there is none).
    Spans that overlap an earlier one or fall outside the window are left unmarked."""
    ordered = sorted(set(spans))
    start, end = 0, len(text)
    if width is not None:
        if ordered:
            start = max(0, ordered[0][0] - width)
            end = min(len(text), ordered[0][1] + width)
        else:
            end = min(len(text), width * 2)
    runs: list[tuple[str, bool]] = []
    at = start
    for s, e in ordered:
        if s < at or e > end or s >= e:
            continue
        runs += [(text[at:s], False), (text[s:e], True)]
        at = e
    runs.append((text[at:end], False))
    return Excerpt([r for r in runs if r[0]], start > 0, end < len(text))


def marked(text: str, spans: Sequence[tuple[int, int]], width: int = 60) -> str:
    """A snippet of ``text`` around its first span with every span in it marked 【…】, on one
    line (for a terminal)."""
    cut = excerpt(text, spans, width)
    snippet = " ".join("".join(f"【{t}】" if m else t for t, m in cut.runs).split())
    return ("…" if cut.cut_before else "") + snippet + ("…" if cut.cut_after else "")
