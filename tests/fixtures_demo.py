"""The demo sites on loopback: one server for the whole session, and a fresh one for tests
that add posts (so they do not change what other tests see)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opinion_spiders.demo.server import DemoServer


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The demo sites, started once; do not add posts to it (use ``fresh_demo_server``)."""
    server = DemoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_url(demo_server: DemoServer) -> str:
    """Base URL of the session's demo sites, e.g. ``http://127.0.0.1:PORT``."""
    return demo_server.base_url


@pytest.fixture
def fresh_demo_server() -> Iterator[DemoServer]:
    """A demo server of this test's own, for tests that add posts."""
    with DemoServer() as server:
        yield server
