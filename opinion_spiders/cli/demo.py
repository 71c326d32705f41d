"""``opinion demo``: serve the demo sites, crawl them all, print the report."""

from __future__ import annotations

import argparse

from opinion_spiders.cli._common import overrides
from opinion_spiders.demo.run import run_demo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8077, help="demo server port (default 8077)")
    parser.add_argument("--serve", action="store_true", help="keep serving after the report")


def run(args: argparse.Namespace) -> int:
    return run_demo(args.port, overrides(args.set), serve=args.serve)
