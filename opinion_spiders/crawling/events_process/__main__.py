"""The events process: ``python -m opinion_spiders.crawling.events_process``, started by
:class:`opinion_spiders.crawling.events_process.EventsProcess`, never by hand.

It reads the crawl's settings, builds a runtime from them (the store, the alert channels) and
the event detector, answers ``ready``, then serves the crawl's requests from stdin in order:

* ``("add", [post, …])``: count the posts (no answer);
* ``("seed",)``: read the baseline from the store, once → ``("seeded", posts)``;
* ``("look", now)``: find the bursts the posts since the last look took part in, and hold
  them → ``("bursts", how many, CPU seconds)``;
* ``("record", now)``: write the bursts held as events and raise their alerts →
  ``("recorded", counts, CPU seconds)``; the crawl asks once the posts an event alert cites
  are stored.

A request the store could not serve is answered ``("unavailable", why)`` (the bursts are
looked at again with the next look); any other failure ``("error", why)``. It ends when stdin
does, that is with its crawl.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import IO, Any

from opinion_spiders.crawling.children import run_child
from opinion_spiders.crawling.frames import frame, read_frame
from opinion_spiders.crawling.gc_policy import collect_less, malloc_trim
from opinion_spiders.events.bursts import Burst
from opinion_spiders.events.detect import EventDetector
from opinion_spiders.runtime import Runtime
from opinion_spiders.stores import StoreUnavailable

logger = logging.getLogger(__name__)


class _Served:
    """The detector and the bursts of the last look, waiting to be recorded."""

    def __init__(self, runtime: Runtime, detector: EventDetector) -> None:
        self.runtime = runtime
        self.detector = detector
        self.held: list[Burst] = []
        self.trim = malloc_trim()

    def answer(self, request: tuple[Any, ...]) -> tuple[Any, ...] | None:
        kind = request[0]
        if kind == "add":
            for post in request[1]:
                self.detector.add(post)
            return None
        if kind == "seed":
            return ("seeded", self.detector.seed(self.runtime.store))
        if kind == "look":
            started = time.thread_time()
            self.held = self.detector.bursts(request[1])
            if not self.held:
                self._trim()
            return ("bursts", len(self.held), time.thread_time() - started)
        if kind == "record":
            held, self.held = self.held, []
            started = time.thread_time()
            try:
                done = self.detector.record(
                    held, self.runtime.store, self.runtime.channels, request[1]
                )
            except StoreUnavailable:
                self.detector.retouch(held)
                raise
            finally:
                self._trim()
            return ("recorded", done, time.thread_time() - started)
        raise ValueError(f"unknown request {kind!r}")

    def _trim(self) -> None:
        """A look frees the biggest buffers of a crawl: give malloc's free memory back."""
        if self.trim is not None:
            self.trim()


def serve(inp: IO[bytes], out: IO[bytes]) -> int:
    settings = read_frame(inp)
    if settings is None:
        return 0
    try:
        runtime = Runtime(settings)
        served = _Served(runtime, EventDetector.from_settings(settings))
        collect_less(runtime.config.gc_threshold)
    except Exception as exc:  # noqa: BLE001 - said to the crawl, which counts events itself
        out.write(frame(("error", f"{type(exc).__name__}: {exc}")))
        out.flush()
        return 1
    out.write(frame(("ready", os.getpid())))
    out.flush()
    while (request := read_frame(inp)) is not None:
        try:
            answer = served.answer(request)
        except StoreUnavailable as exc:
            answer = ("unavailable", str(exc))
        except Exception as exc:  # noqa: BLE001 - one request failed; the next may not
            logger.exception("events process: %s failed", request[0])
            # posts are sent without waiting for an answer: none may come for them
            answer = None if request[0] == "add" else ("error", f"{type(exc).__name__}: {exc}")
        if answer is not None:
            out.write(frame(answer))
            out.flush()
    return 0


def main() -> int:
    return run_child(serve, "events process")


if __name__ == "__main__":
    sys.exit(main())
