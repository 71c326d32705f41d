"""``opinion new-site NAME --engine E --url URL``: declare a site in a sites file, or scaffold
a custom adapter plugin with its test."""

from __future__ import annotations

import argparse
from pathlib import Path

from opinion_spiders.cli._common import with_runtime
from opinion_spiders.runtime import Runtime
from opinion_spiders.scaffold.new_site import NewSite, create


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")
    parser.add_argument(
        "--engine", required=True, help="a known engine, or 'custom' for a new adapter"
    )
    parser.add_argument("--url", required=True, help="the site's start URL")
    parser.add_argument(
        "--kind", choices=["forum", "portal", "postbar"], help="default: the engine's"
    )
    parser.add_argument(
        "--sites-file", help="default: first OPINION_SITES_FILES, else settings/sites.toml"
    )
    parser.add_argument(
        "--root", default=".", help="project checkout to write plugins/ and tests/ in"
    )
    parser.add_argument("--page", help="a saved page of the site for the custom adapter's test")


def new_site(args: argparse.Namespace, runtime: Runtime) -> int:
    root = Path(args.root)
    configured = runtime.config.sites_files
    sites_file = Path(
        args.sites_file or (configured[0] if configured else root / "settings" / "sites.toml")
    )
    req = NewSite(args.name, args.engine, args.url, args.kind, sites_file, root,
                  Path(args.page) if args.page else None)  # fmt: skip
    for path in create(runtime, req):
        print(f"wrote {path}")
    return 0


run = with_runtime(new_site)
