"""Stores for tests: a real FerretDB (MongoDB wire) server for the session, and the embedded store.

No mocks: if FerretDB cannot be built or started the tests that need it fail, loudly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opinion_spiders.stores.base import Store
from opinion_spiders.stores.embedded import EmbeddedStore
from opinion_spiders.stores.mongo import MongoStore
from servers.ferretdb import FerretDBProcess


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URI of a FerretDB 1.24 server on 127.0.0.1, built (or taken from the cache) and started."""
    server = FerretDBProcess(tmp_path_factory.mktemp("ferretdb"))
    try:
        uri = server.start()
    except (RuntimeError, OSError) as exc:
        pytest.fail(f"FerretDB (the test MongoDB) could not be built or started: {exc}")
    try:
        yield uri
    finally:
        server.stop()


@pytest.fixture
def mongo_store(mongo_uri: str) -> Iterator[MongoStore]:
    """A MongoStore on a fresh database, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    store = MongoStore(mongo_uri, name)
    try:
        yield store
    finally:
        store.client.drop_database(name)
        store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "embedded")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["embedded", "mongodb"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each contract test runs once per store; the FerretDB server starts only when needed."""
    fixture = "embedded_store" if request.param == "embedded" else "mongo_store"
    store: Store = request.getfixturevalue(fixture)
    return store


def store_uri_on(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> str:
    """For a fixture parametrised ``["embedded", "mongodb"]``: a fresh store's URI of that
    kind — an embedded folder under ``tmp_path``, or a database of its own (``prefix_…``) on
    the session's FerretDB, started only when asked for."""
    if request.param == "embedded":
        return f"embedded://{tmp_path / 'store'}"
    base: str = request.getfixturevalue("mongo_uri")
    return f"{base.rstrip('/')}/{prefix}_{tmp_path.name[-12:].replace('-', '_')}"
