"""One writer thread per store: the crawl's per-post store calls, made off the reactor.

Why: a store call made on Scrapy's reactor thread stops every crawler of the process for as
long as it takes — milliseconds on a healthy server, the driver's whole timeout on one that
went away. The cluster and store stages hand their calls to the writer of their store instead
and await the answer, so the reactor keeps downloading and parsing meanwhile. One thread,
because the calls then run one at a time in the order they were asked for (the in-run cluster
index they touch is not shared with another thread) and a slow server is not hit harder the
slower it gets; with the :mod:`~opinion_spiders.stores.breaker`, an outage holds it up for one
timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar
from weakref import WeakValueDictionary

P = ParamSpec("P")
T = TypeVar("T")


class StoreWriter:
    """A one-thread executor awaited from the reactor's asyncio loop."""

    def __init__(self, name: str = "store") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"opinion-{name}")

    async def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on the writer thread, after every call asked before it."""
        return await asyncio.wrap_future(self._pool.submit(fn, *args, **kwargs))

    def close(self) -> None:
        """Let the thread end once the calls already asked for are done."""
        self._pool.shutdown(wait=False)


_WRITERS: WeakValueDictionary[str, StoreWriter] = WeakValueDictionary()
_LOCK = threading.Lock()


def writer_for(uri: str) -> StoreWriter:
    """The process's writer for the store ``uri``, shared by every crawler writing to it (as
    they share its in-run cluster index) while one of them holds it."""
    with _LOCK:
        writer = _WRITERS.get(uri)
        if writer is None:
            writer = StoreWriter()
            _WRITERS[uri] = writer
        return writer
