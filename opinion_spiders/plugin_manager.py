"""Build one plugin manager per crawler (or CLI call): built-ins, then outside entry points.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails to import, so
entry points are loaded one by one here and each failure is recorded by name and skipped.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from opinion_spiders import PROJECT_NAME, hookspecs
from opinion_spiders.errors import ConfigError
from opinion_spiders.settings_util import setting_bool, setting_list

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "opinion_spiders"

BUILTIN_PACKAGE = "plugins"


def builtin_plugins() -> list[str]:
    """Every public module of the ``plugins`` package (``_name`` modules are helpers), so an
    adapter added there — by hand or by ``opinion new-site --engine custom`` — is registered
    through the same hooks as outside plugins without further wiring."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    names = (m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    return [f"{BUILTIN_PACKAGE}.{name}" for name in sorted(names)]


@dataclass
class PluginFailure:
    name: str
    error: str


@dataclass
class OpinionPluginManager:
    """A pluggy manager plus the record of plugins that failed to load."""

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def plugins(self) -> list[tuple[str, list[str]]]:
        """Loaded plugins with the hooks each implements, in registration order."""
        out = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            out.append((name, hooks))
        return out

    def call_safely(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook implementation by implementation, so one that raises is reported and
        skipped rather than ending the run; non-None results in call order."""
        caller = getattr(self.pm.hook, hook_name)
        results = []
        for impl in reversed(caller.get_hookimpls()):
            res = self.call_safely_one(hook_name, impl.plugin_name, **kwargs)
            if res is not None:
                results.append(res)
        return results

    def call_safely_one(self, hook_name: str, plugin_name: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook; on error record it and return None."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin_name != plugin_name:
                continue
            try:
                return impl.function(**{a: kwargs[a] for a in impl.argnames})
            except ConfigError:
                raise  # bad configuration is the user's to fix, not a plugin bug to skip
            except Exception as exc:  # noqa: BLE001 - a plugin's bug must not end the run
                failure = PluginFailure(plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                if failure not in self.failures:
                    logger.error("plugin %s failed in %s: %r", plugin_name, hook_name, exc)
                    self.failures.append(failure)
        return None


def build_plugin_manager(
    settings: Mapping[str, Any] | None = None,
    extra_plugins: Iterable[object] = (),
) -> OpinionPluginManager:
    """Register the built-ins named by ``OPINION_PLUGINS``, then (unless
    ``OPINION_ENTRYPOINTS_ENABLED`` is false) every entry point of the group
    ``opinion_spiders``, one at a time."""
    settings = settings or {}
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    manager = OpinionPluginManager(pm)
    names = setting_list(settings, "OPINION_PLUGINS") or builtin_plugins()
    for name in names:
        _register_module(manager, name, name)
    for plugin in extra_plugins:
        pm.register(plugin)
    if setting_bool(settings, "OPINION_ENTRYPOINTS_ENABLED", True):
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # noqa: BLE001 - report, skip, go on with the others
                logger.error("plugin %s (%s) failed to load: %r", ep.name, ep.value, exc)
                manager.failures.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))
    return manager


def _register_module(manager: OpinionPluginManager, name: str, module: str) -> None:
    try:
        manager.pm.register(importlib.import_module(module), name=name)
    except Exception as exc:  # noqa: BLE001
        logger.error("built-in plugin %s failed to load: %r", name, exc)
        manager.failures.append(PluginFailure(name, f"{type(exc).__name__}: {exc}"))
