"""The store's writer thread: calls run off the caller's loop, one at a time, in order, and a
call held up by the server does not hold up the loop."""

from __future__ import annotations

import asyncio
import threading

from opinion_spiders.stores.writer import StoreWriter, writer_for


def test_writer_runs_calls_on_one_other_thread_in_order() -> None:
    writer = StoreWriter()
    seen: list[tuple[int, int]] = []

    def call(n: int) -> int:
        seen.append((n, threading.get_ident()))
        return n * 10

    async def main() -> list[int]:
        return await asyncio.gather(*(writer.call(call, n) for n in range(50)))

    try:
        assert asyncio.run(main()) == [n * 10 for n in range(50)]
    finally:
        writer.close()
    assert [n for n, _ in seen] == list(range(50))
    threads = {ident for _, ident in seen}
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_writer_a_stuck_call_leaves_the_loop_running() -> None:
    """While the writer waits (a server that does not answer), the loop does other work;
    calls asked for meanwhile run after it, and its error reaches the caller."""
    writer = StoreWriter()
    release = threading.Event()

    def stuck() -> None:
        release.wait(timeout=60)
        raise ConnectionError("server went away")

    async def main() -> tuple[str, list[str]]:
        first = asyncio.ensure_future(writer.call(stuck))
        second = asyncio.ensure_future(writer.call(lambda: "after"))
        progress = []
        for step in range(20):  # the loop keeps turning while the writer is stuck
            await asyncio.sleep(0)
            progress.append(f"step {step}")
        assert not first.done() and not second.done()
        release.set()
        try:
            await first
        except ConnectionError as exc:
            progress.append(str(exc))
        return await second, progress

    try:
        after, progress = asyncio.run(main())
    finally:
        writer.close()
    assert after == "after"
    assert progress[-1] == "server went away" and len(progress) == 21


def test_writer_one_per_store_in_a_process() -> None:
    first = writer_for("embedded:///a")
    try:
        assert writer_for("embedded:///a") is first
        assert writer_for("mongodb://b/") is not first
    finally:
        first.close()
