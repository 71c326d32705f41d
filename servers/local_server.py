"""A local server process started for a while (FerretDB, scrapyd): spawn with its output in a
log file, wait until it answers, show the log's tail when it does not, stop it for sure."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self


class LocalServer:
    #: What it is called in errors, and how long ``stop`` waits before it kills.
    name = "server"
    stop_timeout = 10.0
    error: type[Exception] = RuntimeError

    _proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (to signal it, e.g. in fault tests)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def freeze(self, timeout: float = 10.0) -> None:
        """Stop the server without closing its connections (SIGSTOP), and return once every
        thread of it has stopped: the signal takes effect a moment after ``kill`` returns,
        and a request sent in that moment is still answered (seen: 1 freeze in 5)."""
        pid = self.pid
        if pid is None:
            raise self.error(f"{self.name} is not running: nothing to freeze")
        os.kill(pid, signal.SIGSTOP)
        tasks = Path(f"/proc/{pid}/task")
        deadline = time.monotonic() + timeout
        while not all(_state(t) in {"T", "t"} for t in tasks.iterdir()):
            if time.monotonic() > deadline:
                raise self.error(f"{self.name} (pid {pid}) did not stop in {timeout}s")
            time.sleep(0.005)

    def thaw(self) -> None:
        """Let a frozen server run again (SIGCONT); nothing when it is not running."""
        if (pid := self.pid) is not None:
            os.kill(pid, signal.SIGCONT)

    @property
    def log_path(self) -> Path:  # pragma: no cover - each server says where
        raise NotImplementedError

    def _spawn(
        self, command: list[str], cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def _wait_until(
        self, ready: Callable[[], bool], where: str, timeout: float, step: float
    ) -> None:
        """Poll ``ready`` until it holds; raise ``error`` with the log tail when the process
        dies or ``timeout`` passes (and stop it)."""
        deadline = time.monotonic() + timeout
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self.stop()
                raise self.error(f"{self.name} exited with {code}:\n{self.log_tail()}")
            if ready():
                return
            time.sleep(step)
        self.stop()
        raise self.error(f"{self.name} did not answer on {where} in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def stop(self) -> None:
        """Terminate politely, then kill; safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def start(self) -> str:  # pragma: no cover - each server starts its own way
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _state(task: Path) -> str:
    """A thread's state letter from ``/proc/PID/task/TID/stat`` (after the command's ``)``);
    a thread that has exited counts as stopped."""
    try:
        return (task / "stat").read_text().rpartition(") ")[2][:1]
    except OSError:
        return "T"
