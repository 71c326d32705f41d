"""Data derived once and kept on disk between processes, so a command starts fast.

Building the match-form tables (every code point folded, OpenCC's ``t2s`` data) and reading
jieba's dictionary with its word pairs take most of a second; their results only change
with the code and data they are built from. An entry is one ``marshal`` file named for what
it holds and for a digest of everything it was built from — the caller's sources and data
versions, and the Python version (``marshal``'s format is Python's own) — in
``$OPINION_CACHE_DIR``, else ``$XDG_CACHE_HOME/opinion-spiders``, else
``~/.cache/opinion-spiders``. An entry that is missing or unreadable is built and written
again (to a temporary file, then renamed, so processes starting together never read half a
file); a directory that cannot be written costs only the build. Old entries of a name are
removed when a new one is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where entries live (see the module)."""
    explicit = os.environ.get("OPINION_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "opinion-spiders"


def source_of(module: str) -> bytes:
    """The source of the module named ``module``, as a part of a key (a changed builder, a new
    entry) — read through its loader, so also from a zipped egg (scrapyd runs those)."""
    spec = importlib.util.find_spec(module)
    get_data = getattr(spec.loader, "get_data", None) if spec is not None else None
    if spec is None or spec.origin is None or get_data is None:
        raise LookupError(f"no source to read for module {module}")
    data: bytes = get_data(spec.origin)
    return data


def cached(name: str, parts: Iterable[str | bytes], build: Callable[[], T]) -> T:
    """The entry ``name`` for ``parts``: read from disk, or built by ``build`` and written.

    ``build`` must return what ``marshal`` keeps (numbers, strings, bytes, and tuples, lists
    and dicts of them)."""
    digest = hashlib.sha256(sys.version.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    folder = cache_dir()
    path = folder / f"{name}.{digest.hexdigest()[:24]}.marshal"
    try:
        value: T = marshal.loads(path.read_bytes())
        return value
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("cache entry %s is unreadable (%s); building it again", path, exc)
    value = build()
    _write(folder, path, value)
    return value


def _write(folder: Path, path: Path, value: Any) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                marshal.dump(value, f)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        log.debug("cache entry %s not written: %s", path, exc)
        return
    stem = path.name.split(".", 1)[0]
    for old in folder.glob(f"{stem}.*.marshal"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
