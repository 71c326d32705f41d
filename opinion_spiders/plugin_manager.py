"""Build one plugin manager per crawler (or CLI call): built-ins, then outside entry points.

pluggy's ``load_setuptools_entrypoints`` stops at the first plugin that fails to import, so
entry points are loaded one by one here and each failure is recorded by name and skipped.

Hooks are called through pluggy's own loop (``manager.hook.opinion_score(post=…, site=…)``),
so wrappers, ``tryfirst``/``trylast`` and ``firstresult`` specs work as pluggy documents them.
What pluggy does not do is isolate a failing plugin: one implementation that raises ends the
whole call. So every implementation is guarded as it is registered: one that raises is
recorded against its plugin (logged once) and counts as having returned nothing; a wrapper
that raises, does not yield, yields twice or returns something other than a list of results
counts as having passed on the results it was sent. A ``ConfigError`` (the user's bad
configuration, not a plugin bug) still propagates.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from collections.abc import Callable, Generator, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from opinion_spiders import PROJECT_NAME, hookspecs
from opinion_spiders.config import config_of
from opinion_spiders.errors import ConfigError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "opinion_spiders"

BUILTIN_PACKAGE = "plugins"

Fail = Callable[[Exception], None]

#: While ``results_by_plugin`` calls a hook: each plain implementation's (plugin, result).
_returned: ContextVar[list[tuple[str, object]] | None] = ContextVar("returned", default=None)


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


class OpinionPluginManager(pluggy.PluginManager):
    """pluggy's manager, whose implementations cannot end a hook call (see the module's
    docstring), plus the record of plugins that failed to load or failed in a hook."""

    def __init__(self, project_name: str = PROJECT_NAME) -> None:
        super().__init__(project_name)
        self.failures: list[PluginFailure] = []

    def register(self, plugin: object, name: str | None = None) -> str | None:
        plugin_name = super().register(plugin, name)
        if plugin_name is not None:
            for caller in self.get_hookcallers(plugin) or []:
                for impl in caller.get_hookimpls():
                    if impl.plugin is plugin:
                        # pluggy has no per-implementation error handling, and its call loop
                        # reads ``function`` at every call (with ``argnames`` taken from the
                        # original at registration): swapping in a guarded one is the seam.
                        guarded = _guarded(impl, caller, self._failed_in(impl, caller))
                        impl.function = guarded  # type: ignore[misc]
        return plugin_name

    def _failed_in(self, impl: pluggy.HookImpl, caller: pluggy.HookCaller) -> Fail:
        def fail(exc: Exception) -> None:
            self.record(impl.plugin_name, f"{caller.name}: {type(exc).__name__}: {exc}")

        return fail

    def record(self, plugin_name: str, error: str) -> None:
        """Record a plugin's failure, logging it the first time it happens."""
        failure = PluginFailure(plugin_name, error)
        if failure not in self.failures:
            logger.error("plugin %s failed: %s", plugin_name, error)
            self.failures.append(failure)

    def plugins(self) -> list[tuple[str, list[str]]]:
        """Loaded plugins with the hooks each implements, in registration order."""
        out = []
        for name, plugin in self.list_name_plugin():
            if plugin is None:
                continue
            hooks = sorted(h.name for h in self.get_hookcallers(plugin) or [])
            out.append((name, hooks))
        return out

    def results_by_plugin(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a hook whose results are concatenated, through pluggy's loop, and name the
        plugin each result came from; a result no implementation returned is a wrapper's and
        is named after the hook's wrappers."""
        caller = getattr(self.hook, hook_name)
        returned: list[tuple[str, object]] = []
        token = _returned.set(returned)
        try:
            results = caller(**kwargs)
        finally:
            _returned.reset(token)
        wrappers = [i.plugin_name for i in caller.get_hookimpls() if i.wrapper or i.hookwrapper]
        out = []
        for result in results:
            owner = next((i for i, (_, r) in enumerate(returned) if r is result), None)
            name = returned.pop(owner)[0] if owner is not None else ", ".join(wrappers)
            out.append((name, result))
        return out


def _guarded(impl: pluggy.HookImpl, caller: pluggy.HookCaller, fail: Fail) -> Callable[..., Any]:
    function = impl.function
    if impl.wrapper:
        guard = _guard_wrapper(function, caller, fail)
    elif impl.hookwrapper:
        guard = _guard_old_wrapper(function, caller, fail)
    else:
        guard = _guard_plain(function, impl.plugin_name, fail)
    return functools.wraps(function)(guard)


def _guard_plain(function: Callable[..., Any], plugin_name: str, fail: Fail) -> Callable[..., Any]:
    def guard(*args: Any, **kwargs: Any) -> Any:
        try:
            result = function(*args, **kwargs)
        except ConfigError:
            raise  # bad configuration is the user's to fix, not a plugin bug to skip
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not end the run
            fail(exc)
            return None
        returned = _returned.get()
        if returned is not None and result is not None:
            returned.append((plugin_name, result))
        return result

    return guard


def _lists_results(caller: pluggy.HookCaller) -> bool:
    return not (caller.spec is not None and caller.spec.opts.get("firstresult"))


def _started(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], fail: Fail
) -> Generator[Any, Any, Any] | None:
    """A wrapper run up to its ``yield``; None (the failure recorded) when it raised before
    it or never yielded. A ``ConfigError`` propagates."""
    try:
        wrapper = function(*args, **kwargs)
        next(wrapper)
    except ConfigError:
        raise
    except StopIteration:
        fail(RuntimeError("the wrapper did not yield"))
        return None
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not end the run
        fail(exc)
        return None
    return wrapper  # type: ignore[no-any-return]


def _guard_wrapper(
    function: Callable[..., Any], caller: pluggy.HookCaller, fail: Fail
) -> Callable[..., Generator[None, Any, Any]]:
    """A new-style wrapper (``wrapper=True``) that raises counts as having passed the
    results it was sent through; an error from beneath it (a ``ConfigError``) is thrown into
    it as pluggy would, and whatever it makes of that stands."""

    def guard(*args: Any, **kwargs: Any) -> Generator[None, Any, Any]:
        wrapper = _started(function, args, kwargs, fail)
        if wrapper is None:
            return (yield)
        try:
            results = yield
        except BaseException as exc:
            try:
                wrapper.throw(exc)
            except StopIteration as stop:
                return stop.value
            wrapper.close()
            raise
        try:
            wrapper.send(results)
        except StopIteration as stop:
            if _lists_results(caller) and not isinstance(stop.value, list):
                fail(TypeError(f"the wrapper returned {stop.value!r}, not a list of results"))
                return results
            return stop.value
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(exc)
            return results
        wrapper.close()
        fail(RuntimeError("the wrapper yielded twice"))
        return results

    return guard


def _guard_old_wrapper(
    function: Callable[..., Any], caller: pluggy.HookCaller, fail: Fail
) -> Callable[..., Generator[None, Any, None]]:
    """The same for an old-style wrapper (``hookwrapper=True``), which is sent pluggy's
    ``Result`` and may replace what it holds with ``force_result``."""

    def guard(*args: Any, **kwargs: Any) -> Generator[None, Any, None]:
        wrapper = _started(function, args, kwargs, fail)
        if wrapper is None:
            yield
            return
        outcome: pluggy.Result[Any] = yield
        results = outcome.get_result() if outcome.exception is None else None
        try:
            wrapper.send(outcome)
        except StopIteration:
            pass
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(exc)
            return
        else:
            wrapper.close()
            fail(RuntimeError("the wrapper yielded twice"))
            return
        if outcome.exception is None and _lists_results(caller):
            forced = outcome.get_result()
            if not isinstance(forced, list):
                fail(TypeError(f"the wrapper forced {forced!r}, not a list of results"))
                outcome.force_result(results)

    return guard


def build_plugin_manager(
    settings: Mapping[str, Any] | None = None,
    extra_plugins: Iterable[object] = (),
) -> OpinionPluginManager:
    """Register the built-ins named by ``OPINION_PLUGINS``, then (unless
    ``OPINION_ENTRYPOINTS_ENABLED`` is false) every entry point of the group
    ``opinion_spiders``, one at a time."""
    config = config_of(settings or {})
    manager = OpinionPluginManager()
    manager.add_hookspecs(hookspecs)
    names = config.plugins or builtin_plugins()
    for name in names:
        _register_module(manager, name, name)
    for plugin in extra_plugins:
        manager.register(plugin)
    if config.entrypoints_enabled:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if manager.has_plugin(ep.name) or manager.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
                manager.register(plugin, name=ep.name)
            except Exception as exc:  # noqa: BLE001 - report, skip, go on with the others
                logger.error("plugin %s (%s) failed to load: %r", ep.name, ep.value, exc)
                manager.failures.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))
    return manager


def _register_module(manager: OpinionPluginManager, name: str, module: str) -> None:
    try:
        manager.register(importlib.import_module(module), name=name)
    except Exception as exc:  # noqa: BLE001
        logger.error("built-in plugin %s failed to load: %r", name, exc)
        manager.failures.append(PluginFailure(name, f"{type(exc).__name__}: {exc}"))
