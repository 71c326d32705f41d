"""Live progress of a crawl on stderr: pages, posts and alerts per site, and the page rate.

On a terminal one status line is redrawn in place every second; elsewhere (a log file, a
pipe, scrapyd, cron) a plain line is printed every ``OPINION_PROGRESS_INTERVAL`` seconds, so
logs stay readable. Counts come from the crawlers' own stats, read on the reactor thread.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

#: Seconds between plain progress lines when stderr is not a terminal (0: none).
DEFAULT_INTERVAL = 30.0
#: Seconds between redraws of the status line on a terminal.
TERMINAL_INTERVAL = 1.0


#: The stat of event alerts (bursts across the sites of the process), counted by whichever
#: crawler's post set off the look that raised them: not that site's own.
EVENT_ALERTS = "opinion/alert/raised/event"


@dataclass
class Counts:
    pages: int
    posts: int
    #: the site's own: its posts' alerts and its health alerts
    alerts: int
    #: event alerts this crawler's looks raised (see :data:`EVENT_ALERTS`)
    events: int = 0


def counts(stats: Mapping[str, Any]) -> Counts:
    """Pages fetched, posts read and alerts raised so far, from one crawler's stats."""
    raised = sum(int(v) for k, v in stats.items() if k.startswith("opinion/alert/raised/"))
    events = int(stats.get(EVENT_ALERTS, 0))
    return Counts(
        pages=sum(int(v) for k, v in stats.items() if k.startswith("opinion/pages/")),
        posts=int(stats.get("item_scraped_count", 0)),
        alerts=raised - events,
        events=events,
    )


class Progress:
    """What every site of a run has done so far, shown on ``stream``."""

    def __init__(self, stream: IO[str], *, interactive: bool, interval: float) -> None:
        self.stream = stream
        self.interactive = interactive
        self.interval = TERMINAL_INTERVAL if interactive else interval
        self.sites: dict[str, Callable[[], Mapping[str, Any]]] = {}
        self.done: set[str] = set()
        self.started = time.monotonic()
        self._drawn = False
        #: Called once every watched site has finished (stops the ticks).
        self.on_all_done: Callable[[], object] = lambda: None

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def watch(self, site: str, stats: Callable[[], Mapping[str, Any]]) -> None:
        self.sites[site] = stats

    def finished(self, site: str) -> None:
        self.done.add(site)
        if self.done >= set(self.sites):
            self.on_all_done()

    def line(self) -> str:
        """One line: each running site's pages, posts and alerts, the event alerts of every
        site, then the page rate."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        parts, pages, events = [], 0, 0
        for site, stats in self.sites.items():
            c = counts(stats())
            pages, events = pages + c.pages, events + c.events
            if site not in self.done:
                parts.append(f"{site} {c.pages} pages {c.posts} posts {c.alerts} alerts")
        minutes, seconds = divmod(int(elapsed), 60)
        running = "; ".join(parts) or "finishing"
        if events:
            running += f"; events {events} alerts"
        return f"[{minutes}:{seconds:02d}] {running} — {pages / elapsed:.1f} pages/s"

    def tick(self) -> None:
        text = self.line()
        if self.interactive:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r\x1b[2K" + text[:width])
            self._drawn = True
        else:
            self.stream.write(f"  progress {text}\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        """Print a line of its own (a site started or finished) above the status line."""
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self._drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()
