"""Demo sites shipped with the project: a Discuz!-style forum, a government news portal with
RSS and a Tieba-style post bar whose thread list is built in the browser, all served on
loopback by :class:`~opinion_spiders.demo.server.DemoServer` so the demo and the tests crawl
something real. The package itself only names the demo city's watch files: reading them (as
every command that loads the watch configuration does) imports no server code."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["watch_file"]


def watch_file(name: str) -> Traversable:
    """A watch file of the demo city (``entities.toml``, ``periods.toml``, ``plans.toml``);
    read it with ``.read_text()`` (inside a scrapyd egg it is no file on disk)."""
    return resources.files("opinion_spiders.demo").joinpath("watch", name)
