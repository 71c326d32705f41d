"""``opinion run``: crawl sites again and again, 7×24, with the interval shortened during
sensitive periods (their ``crawl_interval_factor``). Each cycle is its own process: Scrapy's
reactor starts once per process, and one crashed cycle must not end the watch."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from opinion_spiders.report import DURATION, UNITS


def parse_interval(text: str) -> float:
    """``30m``, ``2h``, ``45s`` → seconds (the ``--since`` duration forms)."""
    m = DURATION.match(text)
    seconds = timedelta(**{UNITS[m.group(2)]: int(m.group(1))}).total_seconds() if m else 0.0
    if seconds <= 0:
        raise ValueError(f"--every {text!r}: use a duration like 30m, 2h or 45s")
    return seconds


def next_wait(interval: float, factor: float) -> float:
    """The wait before the next cycle: the interval times the sensitive-period factor."""
    return interval * factor


def crawl_command(sites: Sequence[str], overrides: Mapping[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "opinion_spiders", "crawl", *sites]
    for key, value in overrides.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run_forever(
    sites: Sequence[str],
    interval: float,
    overrides: Mapping[str, str],
    factor_at: Callable[[datetime], float],
    cycles: int | None = None,
    say: Callable[[str], Any] = print,
) -> int:
    """Crawl, wait, repeat; ``cycles`` bounds it (tests, one-off catch-ups). Returns the exit
    code of the last cycle."""
    code, done = 0, 0
    while cycles is None or done < cycles:
        started = datetime.now(UTC)
        code = subprocess.run(crawl_command(sites, overrides), check=False).returncode
        done += 1
        say(f"cycle {done} at {started:%Y-%m-%d %H:%M:%S}Z: exit {code}")
        if cycles is not None and done >= cycles:
            break
        factor = factor_at(datetime.now(UTC))
        wait = next_wait(interval, factor)
        say(f"next cycle in {wait:.1f}s (interval {interval:g}s × period factor {factor:g})")
        time.sleep(wait)
    return code
