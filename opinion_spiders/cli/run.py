"""``opinion run SITE… | --all``: crawl sites again and again, in this process or on scrapyd."""

from __future__ import annotations

import argparse

from opinion_spiders.cli._common import overrides, runtime_from_args
from opinion_spiders.errors import ConfigError
from opinion_spiders.scheduling.schedule import Stopping, parse_interval, process_cycle, run_forever
from opinion_spiders.watch.config import calendar_from_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sites", nargs="*")
    parser.add_argument("--all", action="store_true", help="every declared site")
    parser.add_argument("--every", default="30m", help="interval between cycles (default 30m)")
    parser.add_argument("--cycles", type=int, help="stop after this many cycles")
    parser.add_argument("--scrapyd", metavar="URL", help="schedule the crawls on this scrapyd")
    parser.add_argument("--project", help="scrapyd project (default opinion_spiders)")


def run(args: argparse.Namespace) -> int:
    runtime = runtime_from_args(args)
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
        # only with --scrapyd, and the spiders bring Scrapy
        from opinion_spiders.crawling.spiders import SPIDERS
        from opinion_spiders.scheduling.scrapyd_api import ScrapydAPI
        from opinion_spiders.scheduling.scrapyd_cycle import ScrapydCycle, SiteSpider

        targets = [SiteSpider(s.name, SPIDERS[s.kind].name) for s in sites]
        project = args.project or "opinion_spiders"
        cycle = ScrapydCycle(ScrapydAPI(args.scrapyd), project, targets, overrides(args.set), say)
    return run_forever(cycle, interval, calendar.crawl_interval_factor, args.cycles, say, stopping)
