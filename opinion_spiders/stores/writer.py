"""One writer thread per store: the crawl's per-post store calls, made off the reactor.

Why: a store call made on Scrapy's reactor thread stops every crawler of the process for as
long as it takes — milliseconds on a healthy server, the driver's whole timeout on one that
went away. The cluster and store stages hand their calls to the writer of their store instead
and await the answer, so the reactor keeps downloading and parsing meanwhile; on a store that
reads beside its writes (the embedded store's SQLite file), the cluster stage's lookups and its
steps go to threads of their own (:func:`reader_for`, :func:`stepper_for`), so a post's
cluster is not looked up after the writes queued before it, nor the posts of the crawlers
still running written after a step. One thread,
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
_READERS: WeakValueDictionary[str, StoreWriter] = WeakValueDictionary()
_STEPPERS: WeakValueDictionary[str, StoreWriter] = WeakValueDictionary()
_LOCK = threading.Lock()


def writer_for(uri: str) -> StoreWriter:
    """The process's writer for the store ``uri``, shared by every crawler writing to it (as
    they share its in-run cluster index) while one of them holds it."""
    return _lane(_WRITERS, uri, "store")


def reader_for(uri: str) -> StoreWriter:
    """The process's thread for the crawl's cluster lookups on the store ``uri``, beside its
    writer (the embedded store reads through a connection of its own, MongoDB on a connection
    of the client's pool): one thread, as the writer, since the in-run cluster index those
    lookups keep is touched by them alone."""
    return _lane(_READERS, uri, "reader")


def stepper_for(uri: str) -> StoreWriter:
    """The process's thread for the cluster steps of the crawlers on the store ``uri``, beside
    its writer: one step at a time, and the writes of the crawlers still running do not wait
    behind one (FerretDB 1.24 stalled with two threads' update commands of 50 statements at
    once, never with the 10 a command the store sends it)."""
    return _lane(_STEPPERS, uri, "step")


def _lane(lanes: WeakValueDictionary[str, StoreWriter], uri: str, name: str) -> StoreWriter:
    with _LOCK:
        lane = lanes.get(uri)
        if lane is None:
            lane = StoreWriter(name)
            lanes[uri] = lane
        return lane
