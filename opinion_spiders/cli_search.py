"""``opinion search`` and ``opinion export``: the analysts' lists, on either store.

Both take the same filter (``--since``/``--until``, ``--site``, ``--kind``, ``--rule``,
``--entity``, ``--min-score``); ``search`` prints the posts a query finds with the found words
marked, ``export`` writes a list of posts (all, or those a query finds) or of alerts to CSV,
xlsx, JSON or JSON Lines. Times are read and shown in ``OPINION_TIMEZONE``.
"""

from __future__ import annotations

import argparse
import json
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opinion_spiders import export, settings_util
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import PostFilter

if TYPE_CHECKING:
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.search import SearchResult

#: As :data:`opinion_spiders.search.DEFAULT_SCAN` (not imported: the CLI starts without the
#: rule matcher and jieba).
DEFAULT_SCAN = 20_000


def register(add: Any) -> None:
    """Add ``search`` and ``export`` to the ``opinion`` parser (``add`` is cli.py's helper)."""
    from opinion_spiders.cli_tools import with_runtime

    found = add("search", with_runtime(cmd_search), "find stored posts by words, like rules do")
    found.add_argument("query", nargs="*", help='words (all found), A|B, -A (not found), "A B"')
    _filters(found)
    found.add_argument("--limit", type=int, default=20, help="posts to show (default 20)")
    found.add_argument("--scan", type=int, default=DEFAULT_SCAN,
                       help=f"newest posts to match at most (default {DEFAULT_SCAN})")  # fmt: skip
    found.add_argument("--substring", action="store_true", help="words may be parts of words")
    found.add_argument("--json", action="store_true", help="JSON Lines, one object per post")
    out = add("export", with_runtime(cmd_export), "write posts or alerts to CSV, xlsx or JSON")
    out.add_argument("what", choices=("posts", "alerts"))
    out.add_argument("query", nargs="*", help="posts: only those these words find (as search)")
    _filters(out)
    out.add_argument("-o", "--out", required=True, help="the file to write (.csv .xlsx .json)")
    out.add_argument("--format", choices=export.FORMATS, help="default: from the file name")
    out.add_argument("--limit", type=int, default=100_000, help="rows at most (default 100000)")
    out.add_argument("--scan", type=int, default=DEFAULT_SCAN * 10, help="as for search")
    out.add_argument("--substring", action="store_true", help="as for search")
    out.add_argument("--status", action="append", default=[], help="alerts: only this status")


def _filters(p: argparse.ArgumentParser) -> None:
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
    from opinion_spiders.search import post_filter

    return post_filter(
        tz, since=args.since, until=args.until, sites=args.site, kinds=args.kind,
        rules=args.rule, entities=args.entity, min_score=args.min_score,
    )  # fmt: skip


def _positive(value: int, option: str) -> int:
    if value <= 0:
        raise ConfigError("opinion", option, f"{value}: give a number above 0")
    return value


def cmd_search(args: argparse.Namespace, runtime: Runtime) -> int:
    from opinion_spiders.search import hit_spans, marked, parse_query, search

    tz = analyst_zone(runtime)
    query = parse_query(" ".join(args.query), substring=args.substring)
    if query is None:
        raise ConfigError("opinion search", "", "give the words to find (see --help)")
    result = search(
        runtime.store, query, selection_from(args, tz),
        limit=_positive(args.limit, "--limit"), scan=_positive(args.scan, "--scan"),
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


def cmd_export(args: argparse.Namespace, runtime: Runtime) -> int:
    from opinion_spiders.search import parse_query, search

    tz = analyst_zone(runtime)
    path = Path(args.out)
    fmt = export.format_of(path, args.format)
    selection = selection_from(args, tz)
    limit = _positive(args.limit, "--limit")
    if args.what == "alerts":
        if args.query:
            raise ConfigError("opinion export alerts", "", "alerts take no query words")
        alerts = runtime.store.find_alerts(selection.since, limit=limit, status=args.status)
        if selection.until is not None:
            alerts = [
                a for a in alerts if a.get("created_at") and a["created_at"] < selection.until
            ]
        rows = [export.alert_row(a, tz) for a in alerts]
        count = export.write(rows, export.ALERT_COLUMNS, path, fmt)
    else:
        query = parse_query(" ".join(args.query), substring=args.substring)
        result = search(runtime.store, query, selection, limit=limit,
                        scan=_positive(args.scan, "--scan"))  # fmt: skip
        rows = [export.post_row(item.post, tz) for item in result.found]
        count = export.write(rows, export.POST_COLUMNS, path, fmt)
        if result.cut_short:
            print("older posts were not searched — narrow with --since/--site or raise --scan")
    print(f"wrote {count} {args.what} to {path} ({fmt}, times in {tz})")
    return 0
