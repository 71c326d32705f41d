"""Demo sites shipped with the project: a Discuz!-style forum, a government news portal with
RSS and a Tieba-style post bar whose thread list is built in the browser, all served on
loopback by :class:`DemoServer` so the demo and the tests crawl something real."""

from __future__ import annotations

from opinion_spiders.demo.server import DemoServer

__all__ = ["DemoServer"]
