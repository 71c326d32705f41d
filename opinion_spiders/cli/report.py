"""``opinion report``: what was collected, matched, scored and alerted; with ``--plan ID``,
a watch plan's baseline before its event against the reaction to it."""

from __future__ import annotations

import argparse
import json

from opinion_spiders.analysis.report import build_report, format_report, parse_since
from opinion_spiders.cli._common import (
    json_default,
    now_from_args,
    runtime_from_args,
    settings_from_args,
)
from opinion_spiders.errors import ConfigError
from opinion_spiders.runtime import Runtime
from opinion_spiders.settings_util import analyst_zone
from opinion_spiders.watch.config import plans_from_settings
from opinion_spiders.watch.plans import format_plan_report, plan_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="e.g. 24h, 7d, 30m, or an ISO date")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--top", type=int, default=10, help="how many top posts")
    parser.add_argument("--plan", metavar="ID", help="baseline vs reaction of a watch plan")
    parser.add_argument("--at", help="the plan report's 'now' (ISO date/time), default now")


def run(args: argparse.Namespace) -> int:
    if args.plan:
        return run_plan(args)
    runtime = runtime_from_args(args)
    since = parse_since(args.since, tz=analyst_zone(runtime.settings))
    report = build_report(runtime.store, since, top=args.top, settings=runtime.settings)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=json_default, indent=1))
    else:
        print(format_report(report))
    runtime.close()
    return 0


def run_plan(args: argparse.Namespace) -> int:
    """``opinion report --plan ID [--json]``: baseline before the event vs reaction to it."""
    settings = settings_from_args(args)
    plans = plans_from_settings(settings)
    if args.plan not in plans:
        known = ", ".join(sorted(plans)) or "none"
        raise ConfigError("opinion report", "--plan", f"no plan {args.plan!r}; plans: {known}")
    now = now_from_args(args, "opinion report", settings)
    runtime = Runtime(settings)
    try:
        report = plan_report(runtime.store, plans[args.plan], now)
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=json_default, indent=1))
    else:
        print(format_plan_report(report))
    return 0
