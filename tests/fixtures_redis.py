"""A real Redis for the distributed-mode tests: Debian's redis-server on a free loopback port,
started once per session; each test gets a database of its own, emptied first.

No mocks and no skipping: without redis-server the tests that need it fail, saying how to
install it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import redis

from servers.redis_server import RedisServer, RedisServerError

_DATABASES = itertools.cycle(range(1, 16))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except (RedisServerError, OSError) as exc:
        pytest.fail(f"Redis (for the distributed-mode tests) could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """``redis://127.0.0.1:PORT/N``: a database of this test's own, empty at its start."""
    url = redis_server.url.rpartition("/")[0] + f"/{next(_DATABASES)}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.close()
