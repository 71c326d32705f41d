"""FerretDB 1.24 (SQLite backend) as a real MongoDB-wire server on loopback, for tests and demos.

Why a helper: the tests must run against a real server, not mocks, and FerretDB is a single
Go binary that needs no root, no service and no network beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pymongo
from pymongo.errors import PyMongoError

from servers.local_server import LocalServer

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_ferretdb.sh"
BIN_ENV = "OPINION_FERRETDB_BIN"
START_TIMEOUT = 30.0
#: SQLite settings of the server's files, as the driver's ``_pragma`` URI parameters (FerretDB
#: adds its own: WAL, a busy timeout). ``synchronous(normal)``: the WAL is synced at checkpoints,
#: not at every commit — the durability of the embedded store (``stores/_sqlite.py``) and of a
#: MongoDB's default write concern (acknowledged before its journal is synced, every 100 ms): a
#: write survives the server being killed, not a power cut. FerretDB leaves SQLite's default,
#: an fsync a commit, and commits each update statement alone: a ``$addToSet`` took 0.49 ms
#: with that default and 0.28 ms with this; an insert 32 µs a document with either.
#: ``temp_store(memory)``: a statement's journal (the pages it changed, kept to undo it alone)
#: stays in memory. FerretDB inserts a hundred documents a statement inside a transaction; their
#: random ``_id`` values change ~100 index pages, past SQLite's 64 KiB, so at the default each such
#: statement spilled its journal to a temp file it created, wrote and deleted: ~10 % of the
#: server's CPU in a side-D crawl of ``bench.vs_scrapy``. ``wal_autocheckpoint(20000)``: the WAL
#: is copied into the database file every 20,000 pages written (80 MB at 4 KiB) instead of
#: every 1,000: the index pages a crawl rewrites over and over are copied once a checkpoint, so
#: fewer times. Side D, alternated pairs: the journal alone 40.5 / 40.6 → 39.0 / 38.9 s; both
#: 43.6 / 36.8 / 49.9 / 46.3 → 36.9 / 34.6 / 39.7 / 35.8 s, the server's writes 5.6 → 3.0 GB.
SQLITE_PRAGMAS = ("synchronous(normal)", "temp_store(memory)", "wal_autocheckpoint(20000)")
#: The Go collector's target, as ``GOGC`` in the server's environment (Go's default is 100: a
#: collection each time the heap doubles its live part). FerretDB's live heap is small (tens of
#: MB) and each command makes garbage (decoded documents, a tracked iterator), so at 100 the
#: collector took ~20 % of the server's CPU in a crawl. 1000 lets the heap grow to eleven times
#: its live part between collections: on side D of ``bench.vs_scrapy`` (3,182 pages) the
#: server's CPU went 50–54 → 35 s and its peak RSS 80 → 270–290 MB. A ``GOGC`` already in the
#: environment is kept.
GO_GC_PERCENT = "1000"


def build_binary() -> Path:
    """A FerretDB binary that starts: ``$OPINION_FERRETDB_BIN`` or the script's cached build."""
    prebuilt = os.environ.get(BIN_ENV)
    if prebuilt:
        path = Path(prebuilt).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise RuntimeError(f"{BIN_ENV}={prebuilt}: not an executable file")
        return check_binary(path)
    return check_binary(_run_script())


def check_binary(path: Path) -> Path:
    """Run ``--version``: a build whose version.txt is missing panics before doing anything."""
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise RuntimeError(f"cannot run FerretDB binary {path}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[:4])
        raise RuntimeError(
            f"FerretDB binary {path} does not start (exit {done.returncode}); rebuild it with "
            f"build/version/version.txt present, or set {BIN_ENV} to a working binary:\n{tail}"
        )
    return path


def _run_script() -> Path:
    if not SCRIPT.is_file():
        raise RuntimeError(f"FerretDB build script missing: {SCRIPT}")
    done = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1800, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise RuntimeError(f"building FerretDB failed (exit {done.returncode}):\n{tail}")
    return Path(lines[-1])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FerretDBProcess(LocalServer):
    """One FerretDB server whose SQLite files live in ``data_dir``; ``start()`` gives its URI."""

    name = "FerretDB"

    def __init__(self, data_dir: Path, port: int = 0, binary: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.binary = binary
        self.uri = ""

    @property
    def log_path(self) -> Path:
        return self.data_dir / "ferretdb.log"

    def command(self) -> list[str]:
        """The command line; ``--debug-addr=-`` keeps it from taking a second fixed port."""
        binary = self.binary or build_binary()
        return [
            str(binary),
            "--handler=sqlite",
            f"--sqlite-url=file:{self.data_dir.resolve()}/?{_pragmas()}",
            f"--listen-addr=127.0.0.1:{self.port}",
            "--telemetry=disable",
            f"--state-dir={self.data_dir.resolve()}",
            "--debug-addr=-",
            "--log-level=warn",
        ]

    def start(self) -> str:
        """Start the server and wait until it answers ``ping``; raise RuntimeError otherwise."""
        if self._proc is not None:
            return self.uri
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self._spawn(self.command(), env=server_env())
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self._wait_until(lambda: _pings(self.uri), self.uri, START_TIMEOUT, 0.1)
        return self.uri


def server_env() -> dict[str, str]:
    """The server's environment: this process's, with :data:`GO_GC_PERCENT` unless ``GOGC``
    is set."""
    return {"GOGC": GO_GC_PERCENT, **os.environ}


def _pragmas() -> str:
    return "&".join(f"_pragma={pragma}" for pragma in SQLITE_PRAGMAS)


def _pings(uri: str) -> bool:
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()
