"""Pick the store from one URI: ``OPINION_STORE`` (env, then setting), else the embedded default.

Why a URI: operators switch between the zero-setup embedded file and MongoDB with one setting,
and every process (crawler, CLI, reports) resolves it the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import Store

#: where the embedded store, the spool and other local state live: env OPINION_DATA_DIR (read
#: at import; :func:`data_dir` reads it at call time and also looks at the settings), else .data
DEFAULT_DATA_DIR = Path(os.environ.get("OPINION_DATA_DIR") or ".data").expanduser()
DEFAULT_DB = "opinion"
EMBEDDED = "embedded://"
MONGO_SCHEMES = ("mongodb://", "mongodb+srv://")


def data_dir(settings: Mapping[str, Any] | None = None) -> Path:
    """The ``OPINION_DATA_DIR`` setting (whose default is the environment variable), then the
    environment variable, else ``.data`` under the cwd."""
    chosen = (settings or {}).get("OPINION_DATA_DIR") or os.environ.get("OPINION_DATA_DIR")
    return Path(chosen).expanduser() if chosen else Path(".data")


def spool_dir(settings: Mapping[str, Any] | None = None) -> Path:
    """Where batches for this store wait while it is down: one folder per store URI, so a
    batch is only ever replayed into the store it was meant for."""
    digest = hashlib.sha1(store_uri(settings).encode("utf-8")).hexdigest()[:12]
    return data_dir(settings) / "spool" / digest


def store_uri(settings: Mapping[str, Any] | None = None) -> str:
    """The ``OPINION_STORE`` setting (its default is the environment variable, so ``-s`` or a
    scrapyd ``setting=`` overrides the environment), then the variable, else embedded."""
    uri = (settings or {}).get("OPINION_STORE") or os.environ.get("OPINION_STORE")
    return str(uri) if uri else EMBEDDED


def mongo_db_name(uri: str) -> str:
    """The database in the URI path (``mongodb://host/db``), else ``opinion``; no DNS lookup."""
    rest = uri.split("://", 1)[1].split("?", 1)[0]
    name = rest.split("/", 1)[1] if "/" in rest else ""
    return unquote(name) or DEFAULT_DB


def embedded_dir(uri: str, settings: Mapping[str, Any] | None = None) -> Path:
    """``embedded://`` is the data dir; ``embedded:///abs`` and ``embedded://rel`` a folder."""
    rest = uri[len(EMBEDDED) :].split("?", 1)[0]
    return Path(unquote(rest)).expanduser() if rest else data_dir(settings)


def open_store(uri: str | None = None, settings: Mapping[str, Any] | None = None) -> Store:
    """The store the URI names. The schema is created on first use (MongoDB) or at open."""
    uri = uri or store_uri(settings)
    lowered = uri.lower()
    if lowered.startswith(MONGO_SCHEMES):
        from opinion_spiders.stores.mongo import MongoStore

        return MongoStore(uri, mongo_db_name(uri))
    if lowered.startswith(EMBEDDED):
        from opinion_spiders.stores.embedded import EmbeddedStore

        return EmbeddedStore(embedded_dir(uri, settings))
    scheme = uri.split("://", 1)[0] if "://" in uri else uri[:20]
    raise ConfigError(
        "OPINION_STORE",
        "",
        f"unsupported store {scheme!r}: use mongodb://host:port/db (or mongodb+srv://...) for "
        "MongoDB, or embedded:// for the local file store (embedded:///path picks its folder)",
    )
