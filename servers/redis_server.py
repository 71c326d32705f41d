"""A throw-away Redis for tests and local trials of the distributed mode: Debian's
``redis-server`` on 127.0.0.1, a free port, no persistence, in a folder of its own.

Why a helper: the distributed tests need a real Redis (two crawl processes sharing a queue), and
redis-server needs no root and no service when started like this.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import redis

from servers.ferretdb import free_port
from servers.local_server import LocalServer

BIN_ENV = "OPINION_REDIS_SERVER"
START_TIMEOUT = 20.0
INSTALL_HINT = (
    "install Debian's redis-server (as root: apt-get install redis-server, or run "
    f"`bash scripts/setup.sh --test`), or set {BIN_ENV} to a redis-server binary"
)


class RedisServerError(RuntimeError):
    """redis-server is missing, or did not start."""


def find_binary() -> Path:
    """``$OPINION_REDIS_SERVER``, else ``redis-server`` on PATH; a clear error when neither."""
    chosen = os.environ.get(BIN_ENV) or shutil.which("redis-server")
    if not chosen:
        raise RedisServerError(f"redis-server not found: {INSTALL_HINT}")
    path = Path(chosen).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RedisServerError(f"{path} is not an executable redis-server: {INSTALL_HINT}")
    return path


class RedisServer(LocalServer):
    """One redis-server; ``start()`` gives its ``redis://127.0.0.1:PORT/0`` URL."""

    name = "redis-server"
    error = RedisServerError

    def __init__(self, workdir: Path | None = None, port: int = 0) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir).resolve() if workdir else Path(tempfile.gettempdir())
        self.port = port
        self.url = ""

    @property
    def log_path(self) -> Path:
        return self.workdir / "redis.log"

    def command(self, binary: Path) -> list[str]:
        """Loopback only, nothing written to disk (no RDB snapshots, no append-only file)."""
        return [
            str(binary),
            "--bind", "127.0.0.1", "--port", str(self.port), "--protected-mode", "yes",
            "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
            "--daemonize", "no", "--logfile", "", "--loglevel", "warning",
        ]  # fmt: skip

    def start(self) -> str:
        """Start and wait until it answers PING; raise RedisServerError otherwise."""
        if self._proc is not None:
            return self.url
        binary = find_binary()
        if self._own_dir:
            self.workdir = Path(tempfile.mkdtemp(prefix="opinion-redis-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self._spawn(self.command(binary), cwd=self.workdir)
        url = f"redis://127.0.0.1:{self.port}/0"
        self._wait_until(lambda: _pings(url), url, START_TIMEOUT, 0.05)
        self.url = url
        return url

    def stop(self) -> None:
        """Stop it (SIGTERM: redis-server shuts down at once, saving nothing) and remove the
        folder it was given by default (kept, with its log, when it never answered)."""
        super().stop()
        if self._own_dir and self.url:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _pings(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()
