"""The processes a crawl starts beside itself (page workers, the events process): started
from the same Python and ``sys.path``, handed the crawl's settings on stdin, answering in
frames (:mod:`~opinion_spiders.crawling.frames`) on stdout, ended by the end of their stdin."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import IO, Any, TypeVar

from opinion_spiders.crawling.frames import frame, read_async


class NotStarted(Exception):
    """The process ended or said why before it was ready."""


def handed_settings(settings: Mapping[str, Any]) -> bytes:
    """The frame that hands a child the crawl's settings, as plain data: Scrapy's settings
    hold their dict settings (``ITEM_PIPELINES``, ``EXTENSIONS`` …) as Scrapy objects, and a
    child unpickling one imports Scrapy and Twisted (~0.4 s of CPU in the events process,
    which never uses them). Raises what pickling raises (a setting holding a lambda)."""
    copy = getattr(settings, "copy_to_dict", None)
    return frame(copy() if callable(copy) else dict(settings))


async def start_child(
    module: str, settings_frame: bytes, timeout: float
) -> asyncio.subprocess.Process:
    """``python -m module``, handed the settings; returned once it answers ``ready``.

    The child runs in a session (so a process group) of its own. Ctrl-C reaches every process
    of the terminal's group: the crawl stops gracefully, still using its children, and then
    closes their stdin, which ends them; they must not die first — nor while still importing,
    before any code of theirs could ignore the signal. (A new session rather than
    ``process_group=0``, which uvloop's loop, the crawl's, does not take.)"""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, env=_env(), start_new_session=True,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(settings_frame)
    return await _ready(proc, proc.stdout, timeout)


_P = TypeVar("_P", "asyncio.subprocess.Process", "Adopted")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.curdir for p in sys.path)}


async def _ready(proc: _P, stdout: asyncio.StreamReader, timeout: float) -> _P:
    try:
        said = await asyncio.wait_for(read_async(stdout), timeout)
    except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
        said = None
    if isinstance(said, tuple) and said[0] == "ready":
        return proc
    if proc.returncode is None:
        proc.kill()
    status = await proc.wait()
    raise NotStarted(said[1] if isinstance(said, tuple) else f"exit status {status}")


def start_early(module: str, settings_frame: bytes) -> subprocess.Popen[bytes]:
    """``python -m module`` started now, before an event loop runs, and handed the settings
    (a pipe holds them: nothing waits); :func:`adopt_child` takes it on the loop later. It
    starts as :func:`start_child`'s do, and ends with the end of its stdin — at the latest
    when this process ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module], env=_env(), start_new_session=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(settings_frame)
    proc.stdin.flush()
    return proc


class Adopted:
    """A child of :func:`start_early` on the event loop: what the crawl uses of an
    ``asyncio.subprocess.Process`` (its pipes as streams, ``wait``, ``kill``)."""

    def __init__(
        self, popen: subprocess.Popen[bytes], stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
    ) -> None:  # fmt: skip
        self.popen, self.pid = popen, popen.pid
        self.stdin, self.stdout = stdin, stdout

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    async def wait(self) -> int:
        return await asyncio.to_thread(self.popen.wait)

    def kill(self) -> None:
        self.popen.kill()


async def adopt_child(popen: subprocess.Popen[bytes], timeout: float) -> Adopted:
    """A child of :func:`start_early`, its pipes on the running loop; returned once it
    answers ``ready`` (:class:`NotStarted` else, as :func:`start_child`)."""
    assert popen.stdin is not None and popen.stdout is not None
    loop = asyncio.get_running_loop()
    stdout = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdout), popen.stdout)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, popen.stdin
    )
    stdin = asyncio.StreamWriter(transport, protocol, None, loop)
    return await _ready(Adopted(popen, stdin, stdout), stdout, timeout)


def run_child(serve: Callable[[IO[bytes], IO[bytes]], int], name: str) -> int:
    """A child's ``main``: ``serve(stdin, stdout)`` with its log lines on stderr, named."""
    # stdout carries the frames alone: whatever a plugin prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr,
        format=f"%(asctime)s [{name} %(process)d] %(name)s %(levelname)s: %(message)s",
    )  # fmt: skip
    return serve(sys.stdin.buffer, out)
