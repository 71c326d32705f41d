"""``opinion cluster [--watch SECONDS] [--wait SECONDS]``: run the cluster step — the single
writer of near-duplicate clusters — on the posts stored since it last ran.

Every crawl runs it when it ends; run it here after a crawl that could not (its store was
down, or another process held the step past ``OPINION_CLUSTER_STEP_WAIT``), or standing
beside crawls that run for days (``--watch``), so clusters follow within seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import time

from opinion_spiders.cli._common import runtime_from_args
from opinion_spiders.clusters import ClusterStep, StepResult
from opinion_spiders.errors import ConfigError
from opinion_spiders.stores import StoreUnavailable

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="wait this long for another process's step (default 60)")  # fmt: skip
    parser.add_argument("--watch", type=float, default=None, metavar="SECONDS",
                        help="keep running, looking for new posts every SECONDS")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")


def run(args: argparse.Namespace) -> int:
    if args.wait < 0 or (args.watch is not None and args.watch <= 0):
        raise ConfigError("opinion cluster", "--wait/--watch", "give a positive number of seconds")
    runtime = runtime_from_args(args)
    total = StepResult()
    try:
        step = ClusterStep(runtime.store)
        while True:
            try:
                result = step.run(args.wait)
            except StoreUnavailable as exc:
                if args.watch is None:
                    raise  # one line and exit 1 (cli.main); the posts stay queued
                logger.warning("store unavailable, trying again in %.0fs: %s", args.watch, exc)
                result = StepResult()
            if result.busy and args.watch is None:
                print(f"opinion cluster: another process ran the step for over {args.wait:.0f}s;"
                      " its step clusters the queued posts")  # fmt: skip
                return 1
            total.add(result)
            if args.watch is None:
                break
            time.sleep(args.watch)
    finally:
        runtime.close()
    counts = {k: getattr(total, k) for k in ("posts", "new", "joined", "merged", "known")}
    if args.json:
        print(json.dumps(counts))
    else:
        print("clustered {posts} posts: {new} new, {joined} joined, {merged} clusters merged, "
              "{known} known".format(**counts))  # fmt: skip
    return 0
