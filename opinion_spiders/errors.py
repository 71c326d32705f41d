"""Errors that carry what the user has to fix."""

from __future__ import annotations


class ConfigError(ValueError):
    """A site definition, rule file or setting is wrong; the message says where and how to fix."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        place = f"{source}: {where}" if where else source
        super().__init__(f"{place}: {problem}")


class ParseError(Exception):
    """An adapter could not read a page; ``reason`` is a short stable key for the run stats."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)
