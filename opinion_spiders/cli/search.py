"""``opinion search``: the stored posts a query finds, newest first, with the found words marked.

It shares its filter (``--since``/``--until``, ``--site``, ``--kind``, ``--rule``,
``--entity``, ``--min-score``) with ``opinion export``. Times are read and shown in
``OPINION_TIMEZONE``.
"""

from __future__ import annotations

import argparse
import json
from datetime import tzinfo

from opinion_spiders import settings_util
from opinion_spiders.analysis import export
from opinion_spiders.analysis.search import (
    DEFAULT_SCAN,
    SearchResult,
    hit_spans,
    marked,
    parse_query,
    post_filter,
    search,
)
from opinion_spiders.cli._common import with_runtime
from opinion_spiders.errors import ConfigError
from opinion_spiders.runtime import Runtime
from opinion_spiders.stores.base import PostFilter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="*", help='words (all found), A|B, -A (not found), "A B"')
    add_filters(parser)
    parser.add_argument("--limit", type=int, default=20, help="posts to show (default 20)")
    parser.add_argument("--scan", type=int, default=DEFAULT_SCAN,
                        help=f"newest posts to match at most (default {DEFAULT_SCAN})")  # fmt: skip
    parser.add_argument("--substring", action="store_true", help="words may be parts of words")
    parser.add_argument("--json", action="store_true", help="JSON Lines, one object per post")


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", help="24h, 7d, 30m … back from now, or an ISO date/time")
    p.add_argument("--until", help="as --since: only posts before it")
    p.add_argument("--site", action="append", default=[], help="only this site (repeatable)")
    p.add_argument("--kind", action="append", default=[], help="forum, portal or postbar")
    p.add_argument("--rule", action="append", default=[], help="only posts that fired this rule")
    p.add_argument("--entity", action="append", default=[], help="only posts naming this entity")
    p.add_argument("--min-score", type=float, help="only posts scoring at least this")


def analyst_zone(runtime: Runtime) -> tzinfo:
    """``OPINION_TIMEZONE``: the zone times are read and shown in."""
    return settings_util.analyst_zone(runtime.settings)


def selection_from(args: argparse.Namespace, tz: tzinfo) -> PostFilter:
    return post_filter(
        tz, since=args.since, until=args.until, sites=args.site, kinds=args.kind,
        rules=args.rule, entities=args.entity, min_score=args.min_score,
    )  # fmt: skip


def positive(value: int, option: str) -> int:
    if value <= 0:
        raise ConfigError("opinion", option, f"{value}: give a number above 0")
    return value


def find(args: argparse.Namespace, runtime: Runtime) -> int:
    tz = analyst_zone(runtime)
    query = parse_query(" ".join(args.query), substring=args.substring)
    if query is None:
        raise ConfigError("opinion search", "", "give the words to find (see --help)")
    result = search(
        runtime.store, query, selection_from(args, tz),
        limit=positive(args.limit, "--limit"), scan=positive(args.scan, "--scan"),
    )  # fmt: skip
    if args.json:
        for item in result.found:
            row = export.post_row(item.post, tz) | {"hits": item.hits}
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(_summary(result, tz))
    for item in result.found:
        post = item.post
        row = export.post_row(post, tz)
        print(f"\n{row['time']}  {row['site']}  score {row['score'] or 0:g}  {row['id']}")
        if post.get("title"):
            print(f"  {marked(post['title'], hit_spans(item.hits, 'title'), 80)}")
        print(f"  {marked(str(post.get('content') or ''), hit_spans(item.hits, 'content'))}")
        print(f"  {post.get('url') or ''}")
    return 0


def _summary(result: SearchResult, tz: tzinfo) -> str:
    line = f"{len(result.found)} posts found in {result.scanned} searched (times in {tz})"
    if result.cut_short:
        line += "; older posts were not searched — narrow with --since/--site or raise --scan"
    return line


run = with_runtime(find)
