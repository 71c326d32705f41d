"""A page worker process: ``python -m opinion_spiders.crawling.page_workers``, started by
:class:`opinion_spiders.crawling.page_workers.PageWorkers`, never by hand.

It reads the crawl's settings, builds a runtime from them (plugins, sites, rules, the
dictionary), answers ``ready``, then reads one :class:`Fetched` page after another from stdin
and writes back each one's :class:`Outcome` (None when the outcome cannot be pickled: the
spider then reads that page itself). It ends when stdin does, that is with its crawl.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import IO

from opinion_spiders.adapters import Adapter
from opinion_spiders.clusters import signature
from opinion_spiders.crawling.children import run_child
from opinion_spiders.crawling.frames import frame, read_frame
from opinion_spiders.crawling.gc_policy import collect_less
from opinion_spiders.crawling.page_workers.work import Fetched, Outcome, read_fetched, work_ahead
from opinion_spiders.runtime import Runtime


def serve(inp: IO[bytes], out: IO[bytes]) -> int:
    settings = read_frame(inp)
    if settings is None:
        return 0
    try:
        runtime = Runtime(settings)
        warm_up(runtime)
        collect_less(runtime.config.gc_threshold)
    except Exception as exc:  # noqa: BLE001 - said to the spider, which reads pages itself
        out.write(frame(("error", f"{type(exc).__name__}: {exc}")))
        out.flush()
        return 1
    out.write(frame(("ready", os.getpid())))
    out.flush()
    adapters: dict[str, Adapter] = {}
    while (fetched := read_frame(inp)) is not None:
        try:
            data = frame(_work(runtime, adapters, fetched))
        except Exception:  # noqa: BLE001 - e.g. an engine's object pickle cannot carry
            logging.getLogger(__name__).exception("page worker: %s read in the crawl", fetched)
            data = frame(None)
        out.write(data)
        out.flush()
    return 0


def warm_up(runtime: Runtime) -> None:
    """Build what the first page would otherwise pay for (rules, the dictionary and its search
    cutter, MinHash), so no page's read time holds start-up."""
    runtime.matcher.match({"content": "预热"})
    runtime.segmenter.search_terms("预热")
    signature("预热" * 40)


def _work(runtime: Runtime, adapters: dict[str, Adapter], fetched: Fetched) -> Outcome:
    site = runtime.sites[fetched.site]
    adapter = adapters.get(site.name)
    if adapter is None:
        adapter = adapters[site.name] = runtime.adapter_for(site)
    outcome = read_fetched(fetched, site, adapter, runtime.adapters)
    if outcome.parsed is not None:
        work_ahead(outcome.parsed.posts, runtime)
    return outcome


def main() -> int:
    return run_child(serve, "page worker")


if __name__ == "__main__":
    sys.exit(main())
