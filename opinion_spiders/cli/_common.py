"""What several ``opinion`` commands share: ``-s NAME=VALUE`` overrides, the settings and the
``Runtime`` they make, ``--at``, and JSON output of dates.

Every command loads this module: it stays light. ``Runtime`` (plugins, adapters, parsel) is
imported where one is built, since ``periods`` and ``demo`` build none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opinion_spiders.config import load_config
from opinion_spiders.errors import ConfigError
from opinion_spiders.settings_util import project_values

if TYPE_CHECKING:
    from opinion_spiders.runtime import Runtime


def overrides(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError("-s", pair, "use -s NAME=VALUE")
        out[key] = value
    return out


def settings_from_args(args: argparse.Namespace) -> Any:
    """The project's settings with the ``-s`` overrides, their ``OPINION_*`` checked: a typo is
    one line before the command does anything."""
    given = overrides(getattr(args, "set", None) or [])
    values = project_values(given)
    load_config(values, cmdline=given)
    return values


def runtime_from_args(args: argparse.Namespace) -> Runtime:
    from opinion_spiders.runtime import Runtime

    return Runtime(settings_from_args(args))


def with_runtime(func: Callable[[argparse.Namespace, Runtime], int]) -> Callable[..., int]:
    """``func(args, runtime)`` as a command: the runtime closed and stdout flushed after it."""

    def run(args: argparse.Namespace) -> int:
        runtime = runtime_from_args(args)
        try:
            return func(args, runtime)
        finally:
            runtime.close()
            sys.stdout.flush()

    return run


def now_from_args(args: argparse.Namespace, command: str, settings: Any) -> datetime:
    """``--at`` (or now); a time without an offset is in ``settings``' ``OPINION_TIMEZONE``."""
    text = getattr(args, "at", None)
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(command, "--at", f"{text!r}: use an ISO date or time") from None
    if value.tzinfo:
        return value
    # a time without an offset is the analysts' wall clock (OPINION_TIMEZONE)
    from opinion_spiders.settings_util import analyst_zone

    return value.replace(tzinfo=analyst_zone(settings))


def json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
