"""``opinion export posts|alerts -o FILE``: a list of posts (all, or those a query finds) or of
alerts, written to CSV, xlsx, JSON or JSON Lines; the filter is ``opinion search``'s."""

from __future__ import annotations

import argparse
from pathlib import Path

from opinion_spiders.analysis import export
from opinion_spiders.analysis.search import DEFAULT_SCAN, parse_query, search
from opinion_spiders.cli._common import with_runtime
from opinion_spiders.cli.search import add_filters, analyst_zone, positive, selection_from
from opinion_spiders.errors import ConfigError
from opinion_spiders.runtime import Runtime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=("posts", "alerts"))
    parser.add_argument("query", nargs="*", help="posts: only those these words find (as search)")
    add_filters(parser)
    parser.add_argument("-o", "--out", required=True, help="the file to write (.csv .xlsx .json)")
    parser.add_argument("--format", choices=export.FORMATS, help="default: from the file name")
    parser.add_argument("--limit", type=int, default=100_000, help="rows at most (default 100000)")
    parser.add_argument("--scan", type=int, default=DEFAULT_SCAN * 10, help="as for search")
    parser.add_argument("--substring", action="store_true", help="as for search")
    parser.add_argument("--status", action="append", default=[], help="alerts: only this status")


def write(args: argparse.Namespace, runtime: Runtime) -> int:
    tz = analyst_zone(runtime)
    path = Path(args.out)
    fmt = export.format_of(path, args.format)
    selection = selection_from(args, tz)
    limit = positive(args.limit, "--limit")
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
                        scan=positive(args.scan, "--scan"))  # fmt: skip
        rows = [export.post_row(item.post, tz) for item in result.found]
        count = export.write(rows, export.POST_COLUMNS, path, fmt)
        if result.cut_short:
            print("older posts were not searched — narrow with --since/--site or raise --scan")
    print(f"wrote {count} {args.what} to {path} ({fmt}, times in {tz})")
    return 0


run = with_runtime(write)
