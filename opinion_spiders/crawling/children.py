"""The processes a crawl starts beside itself (page workers, the events process): started
from the same Python and ``sys.path``, handed the crawl's settings on stdin, answering in
frames (:mod:`~opinion_spiders.crawling.frames`) on stdout, ended by the end of their stdin."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import IO

from opinion_spiders.crawling.frames import read_async


class NotStarted(Exception):
    """The process ended or said why before it was ready."""


async def start_child(
    module: str, settings_frame: bytes, timeout: float
) -> asyncio.subprocess.Process:
    """``python -m module``, handed the settings; returned once it answers ``ready``.

    The child runs in a session (so a process group) of its own. Ctrl-C reaches every process
    of the terminal's group: the crawl stops gracefully, still using its children, and then
    closes their stdin, which ends them; they must not die first — nor while still importing,
    before any code of theirs could ignore the signal. (A new session rather than
    ``process_group=0``, which uvloop's loop, the crawl's, does not take.)"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.curdir for p in sys.path)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, env=env, start_new_session=True,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(settings_frame)
    try:
        said = await asyncio.wait_for(read_async(proc.stdout), timeout)
    except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
        said = None
    if isinstance(said, tuple) and said[0] == "ready":
        return proc
    if proc.returncode is None:
        proc.kill()
    status = await proc.wait()
    raise NotStarted(said[1] if isinstance(said, tuple) else f"exit status {status}")


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
