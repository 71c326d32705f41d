"""``opinion``: run the demo, list sites and plugins, crawl, report.

Errors are one clear line on stderr and a non-zero exit (2 for bad input, 1 otherwise).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from opinion_spiders.errors import ConfigError

#: Each command, its module in this package and its line in ``opinion --help``. A command's
#: module (``add_arguments(parser)``, ``run(args)``) is imported only when it is the one run.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "serve the demo sites, crawl them all, print the report"),
    "sites": ("sites", "declared sites with kind, engine and adapter"),
    "crawl": ("crawl", "crawl declared sites"),
    "run": ("run", "crawl sites again and again (7×24); faster in sensitive periods"),
    "report": ("report", "what was collected, matched, scored and alerted"),
    "periods": ("periods", "active and upcoming sensitive periods"),
    "plugins": ("plugins", "loaded plugins, the hooks each implements, and failures"),
    "match": ("match", "which keyword rules fire on a text, where, and the score"),
    "parse": ("parse", "parse one saved page or URL with an adapter"),
    "new-site": ("new_site", "declare a site, or scaffold a custom adapter"),
    "explain": ("explain", "why a stored post scored what it did"),
    "search": ("search", "find stored posts by words, like rules do"),
    "export": ("export", "write posts or alerts to CSV, xlsx or JSON"),
    "web": ("web", "the analysts' workspace in a browser"),
    "events": ("events", "bursts of posts (events) and emerging words"),
    "cluster": ("cluster", "write the near-duplicate clusters of newly stored posts"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``opinion`` parser with the arguments of the command ``argv`` names (its first
    word that is no option); with ``argv=None``, of every command. When ``argv`` names none
    or an unknown one, argparse answers from this table alone (``opinion --help`` lists the
    help lines; a missing or unknown command is a usage error), so no command is loaded."""
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    everything = chosen is None
    parser = argparse.ArgumentParser(prog="opinion", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_)
        p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy/opinion setting")  # fmt: skip
        if everything or name == chosen:
            module = importlib.import_module(f"{__name__}.{module_name}")
            module.add_arguments(p)
            p.set_defaults(func=module.run)
    return parser


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupted)  # as Ctrl-C: one line, exit 130
    if argv is None:
        argv = sys.argv[1:]
    try:
        # the command's module is imported here: a failed import or Ctrl-C is one line too
        args = build_parser(argv).parse_args(argv)
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
