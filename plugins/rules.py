"""Built-in keyword rule sets: the files named by ``OPINION_RULE_FILES``, or the bundled
``settings/rules/default.toml`` when none are named."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opinion_spiders import hookimpl
from opinion_spiders.config import config_of
from opinion_spiders.settings_util import bundled_path
from opinion_spiders.text.rules import RuleSet, load_rule_file


@hookimpl
def opinion_rule_sets(settings: Mapping[str, Any]) -> list[RuleSet]:
    files = config_of(settings).rule_files
    if not files:
        return [load_rule_file(bundled_path("rules", "default.toml"))]
    return [load_rule_file(Path(f)) for f in files]
