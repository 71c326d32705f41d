"""``opinion plugins``: loaded plugins, the hooks each implements, and failures."""

from __future__ import annotations

import argparse

from opinion_spiders.cli._common import runtime_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    runtime = runtime_from_args(args)
    for name, hooks in runtime.plugins.plugins():
        print(f"{name:<28} {', '.join(hooks)}")
    for failure in runtime.failures:
        print(f"FAILED {failure.name}: {failure.error}")
    return 0
