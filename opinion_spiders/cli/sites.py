"""``opinion sites``: declared sites with kind, engine and adapter."""

from __future__ import annotations

import argparse

from opinion_spiders.cli._common import runtime_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    runtime = runtime_from_args(args)
    for site in runtime.sites.values():
        adapter = runtime.adapters[site.engine]
        where = f"{adapter.__module__}.{adapter.__name__}"
        print(f"{site.name:<20} {site.kind:<8} {site.engine:<10} {where}")
        for url in site.start_urls:
            print(f"{'':<20} {url}")
        for url in site.search_urls:
            words = (
                "its watched names"
                if site.search_terms is None
                else (f"{len(site.search_terms)} word(s) of its own")
            )
            print(f"{'':<20} search {url} ({words})")
        if site.revisit_hours:
            print(f"{'':<20} revisits the threads stored in the last {site.revisit_hours:g} h")
    for name, reason in runtime.unavailable.items():
        print(f"{name:<20} UNAVAILABLE: {reason}")
    return 0
