"""Session-wide real parts: the demo sites on loopback, a FerretDB MongoDB-wire server, Redis."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures_demo",
    "tests.fixtures_ferretdb",
    "tests.fixtures_redis",
    "tests.receivers",
    "tests.fault_runs",
]
