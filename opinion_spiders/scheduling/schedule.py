"""``opinion run``: crawl sites again and again, 7×24, with the interval shortened during
sensitive periods (their ``crawl_interval_factor``). Each cycle is its own process (Scrapy's
reactor starts once per process, and one crashed cycle must not end the watch), or a job per
site scheduled on scrapyd (``scrapyd_cycle``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from opinion_spiders.analysis.report import DURATION, UNITS


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


def cycle_wait(
    interval: float, factor_at: Callable[[datetime], float], now: datetime
) -> tuple[float, float]:
    """(wait, factor): the wait after a cycle ending at ``now``, and the period factor in it."""
    factor = factor_at(now)
    return next_wait(interval, factor), factor


def crawl_command(sites: Sequence[str], overrides: Mapping[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "opinion_spiders", "crawl", *sites]
    for key, value in overrides.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


#: One cycle: does its work, returns (exit code, a summary for the cycle's line).
Cycle = Callable[[], tuple[int, str]]


class Stopping:
    """SIGINT and SIGTERM for the watch loop: the first asks it to stop — at once between
    cycles, and by passing the signal on to the crawl of a cycle in progress, whose spiders
    close gracefully (their posts written, their runs recorded) before the loop ends. A
    second signal is left to the default (the process ends)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.signum = 0
        self.child: subprocess.Popen[bytes] | None = None

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        self.signum = signum
        self.requested.set()
        signal.signal(signum, signal.SIG_DFL)
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""


def process_cycle(
    sites: Sequence[str], overrides: Mapping[str, str], stopping: Stopping | None = None
) -> Cycle:
    """A cycle that runs ``opinion crawl SITES`` in a child process (which a stop request
    reaches too)."""
    command = crawl_command(sites, overrides)

    def cycle() -> tuple[int, str]:
        child = subprocess.Popen(command)
        if stopping is not None:
            stopping.child = child
        try:
            code = child.wait()
        finally:
            if stopping is not None:
                stopping.child = None
        if code < 0:  # ended by a signal: the shell's convention, 128 + its number
            return 128 - code, f"ended by {signal.Signals(-code).name}"
        return code, f"exit {code}"

    return cycle


def run_forever(
    cycle: Cycle,
    interval: float,
    factor_at: Callable[[datetime], float],
    cycles: int | None = None,
    say: Callable[[str], Any] = print,
    stopping: Stopping | None = None,
) -> int:
    """Run a cycle, wait, repeat; ``cycles`` bounds it (tests, one-off catch-ups). Returns the
    exit code of the last cycle — 0 when a stop was asked for between cycles."""
    stopping = stopping or Stopping()
    code, done = 0, 0
    while cycles is None or done < cycles:
        if stopping.requested.is_set():
            break
        started = datetime.now(UTC)
        code, summary = cycle()
        done += 1
        say(f"cycle {done} at {started:%Y-%m-%d %H:%M:%S}Z: {summary}")
        if stopping.requested.is_set() or (cycles is not None and done >= cycles):
            break
        wait, factor = cycle_wait(interval, factor_at, datetime.now(UTC))
        say(f"next cycle in {wait:.1f}s (interval {interval:g}s × period factor {factor:g})")
        if stopping.requested.wait(wait):
            code = 0
    if stopping.requested.is_set():
        say(f"stopped ({stopping.name}) after {done} cycle{'s' if done != 1 else ''}")
    return code
