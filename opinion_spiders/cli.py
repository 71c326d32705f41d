"""``opinion``: run the demo, list sites and plugins, crawl, report.

Errors are one clear line on stderr and a non-zero exit (2 for bad input, 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opinion_spiders import cli_events, cli_search, cli_tools, cli_watch, cli_web, match_text
from opinion_spiders.errors import ConfigError


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def overrides(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError("-s", pair, "use -s NAME=VALUE")
        out[key] = value
    return out


def cmd_sites(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    for site in runtime.sites.values():
        adapter = runtime.adapters[site.engine]
        where = f"{adapter.__module__}.{adapter.__name__}"
        print(f"{site.name:<20} {site.kind:<8} {site.engine:<10} {where}")
        for url in site.start_urls:
            print(f"{'':<20} {url}")
    for name, reason in runtime.unavailable.items():
        print(f"{name:<20} UNAVAILABLE: {reason}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    for name, hooks in runtime.plugins.plugins():
        print(f"{name:<28} {', '.join(hooks)}")
    for failure in runtime.failures:
        print(f"FAILED {failure.name}: {failure.error}")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from opinion_spiders.crawl import project_settings, run_crawls

    # Until Scrapy takes SIGINT and SIGTERM over (a graceful stop once its reactor runs), a
    # stop request is noted and honoured before the crawl starts: one line, exit 130.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop_requested)

    settings = project_settings(overrides(args.set))
    names = args.sites
    if args.all:
        names = list(_runtime(args).sites)
    if not names:
        raise ConfigError("opinion crawl", "", "name at least one site, or use --all")
    results = run_crawls(names, settings)
    return 1 if any(r.finish_reason not in ("finished", "") for r in results) else 0


def cmd_run(args: argparse.Namespace) -> int:
    from opinion_spiders.schedule import Stopping, parse_interval, process_cycle, run_forever
    from opinion_spiders.watch.config import calendar_from_settings

    runtime = _runtime(args)
    names = list(runtime.sites) if args.all else args.sites
    if not names:
        raise ConfigError("opinion run", "", "name at least one site, or use --all")
    sites = [runtime.site(name) for name in names]
    try:
        interval = parse_interval(args.every)
    except ValueError as exc:
        raise ConfigError("opinion run", "--every", str(exc)) from None
    calendar = calendar_from_settings(runtime.settings)
    say = lambda line: print(line, flush=True)  # noqa: E731
    if args.scrapyd is None and args.project is not None:
        raise ConfigError("opinion run", "--project", "only goes with --scrapyd URL")
    stopping = Stopping()
    stopping.install()
    if args.scrapyd is None:
        cycle = process_cycle(names, overrides(args.set), stopping)
    else:
        from opinion_spiders._scrapyd_api import ScrapydAPI
        from opinion_spiders.scrapyd_cycle import ScrapydCycle, SiteSpider
        from opinion_spiders.spiders import SPIDERS

        targets = [SiteSpider(s.name, SPIDERS[s.kind].name) for s in sites]
        project = args.project or "opinion_spiders"
        cycle = ScrapydCycle(ScrapydAPI(args.scrapyd), project, targets, overrides(args.set), say)
    return run_forever(cycle, interval, calendar.crawl_interval_factor, args.cycles, say, stopping)


def cmd_report(args: argparse.Namespace) -> int:
    from opinion_spiders.report import build_report, format_report, parse_since

    if args.plan:
        return cli_watch.plan_report_command(args)
    from opinion_spiders.settings_util import analyst_zone

    runtime = _runtime(args)
    since = parse_since(args.since, tz=analyst_zone(runtime.settings))
    report = build_report(runtime.store, since, top=args.top, settings=runtime.settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=_json_default, indent=1))
    else:
        print(format_report(report))
    runtime.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from opinion_spiders.demo_run import run_demo

    return run_demo(args.port, overrides(args.set), serve=args.serve)


def _runtime(args: argparse.Namespace) -> Any:
    from opinion_spiders.runtime import Runtime
    from opinion_spiders.settings_util import project_values

    return Runtime(project_values(overrides(getattr(args, "set", []))))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="opinion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Any, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy/opinion setting")  # fmt: skip
        p.set_defaults(func=func)
        return p

    demo = add("demo", cmd_demo, "serve the demo sites, crawl them all, print the report")
    demo.add_argument("--port", type=int, default=8077, help="demo server port (default 8077)")
    demo.add_argument("--serve", action="store_true", help="keep serving after the report")
    add("sites", cmd_sites, "declared sites with kind, engine and adapter")
    crawl = add("crawl", cmd_crawl, "crawl declared sites")
    crawl.add_argument("sites", nargs="*")
    crawl.add_argument("--all", action="store_true", help="crawl every declared site")
    run = add("run", cmd_run, "crawl sites again and again (7×24); faster in sensitive periods")
    run.add_argument("sites", nargs="*")
    run.add_argument("--all", action="store_true", help="every declared site")
    run.add_argument("--every", default="30m", help="interval between cycles (default 30m)")
    run.add_argument("--cycles", type=int, help="stop after this many cycles")
    run.add_argument("--scrapyd", metavar="URL", help="schedule the crawls on this scrapyd")
    run.add_argument("--project", help="scrapyd project (default opinion_spiders)")
    report = add("report", cmd_report, "what was collected, matched, scored and alerted")
    report.add_argument("--since", help="e.g. 24h, 7d, 30m, or an ISO date")
    report.add_argument("--json", action="store_true", help="one JSON object")
    report.add_argument("--top", type=int, default=10, help="how many top posts")
    report.add_argument("--plan", metavar="ID", help="baseline vs reaction of a watch plan")
    report.add_argument("--at", help="the plan report's 'now' (ISO date/time), default now")
    cli_watch.register(add)
    add("plugins", cmd_plugins, "loaded plugins, the hooks each implements, and failures")
    match_text.register(add)
    cli_tools.register(add)
    cli_search.register(add)
    cli_web.register(add)
    cli_events.register(add)
    return parser


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_requested(signum: int, _frame: object) -> None:
    from opinion_spiders import crawl

    crawl.STOP_REQUESTED.set()


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupted)  # as Ctrl-C: one line, exit 130
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"opinion: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("opinion: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `opinion parse … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback
        print(f"opinion: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
