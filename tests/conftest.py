"""Session-wide real parts: the demo sites on loopback and a FerretDB MongoDB-wire server."""

from __future__ import annotations

pytest_plugins = ["tests.fixtures_demo", "tests.fixtures_ferretdb", "tests.receivers"]
