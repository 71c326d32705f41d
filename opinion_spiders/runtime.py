"""Everything one crawl (or one CLI call) shares: plugins, sites, adapters, rules, channels,
store. Built once per crawler (never a module global) and validated before the first request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opinion_spiders.adapters import Adapter
from opinion_spiders.config import Config, config_of
from opinion_spiders.errors import ConfigError
from opinion_spiders.plugin_manager import OpinionPluginManager, PluginFailure, build_plugin_manager
from opinion_spiders.settings_util import bundled_path
from opinion_spiders.sites import Site, check_unique, load_sites_file, site_from_mapping

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from opinion_spiders.alerting import Channel
    from opinion_spiders.stores import Store
    from opinion_spiders.text.rules import Matcher, Rule, RuleSet
    from opinion_spiders.text.segment import Segmenter
    from opinion_spiders.watch.entities import Watchlist

_ATTR = "_opinion_runtime"
logger = logging.getLogger(__name__)


class Runtime:
    """Per-crawl state built from settings; cheap parts eagerly, the rest on first use."""

    def __init__(self, settings: Mapping[str, Any], extra_plugins: Sequence[object] = ()) -> None:
        self.settings = settings
        #: the ``OPINION_*`` settings, checked (a bad one fails here, before any plugin loads)
        self.config: Config = config_of(settings)
        self.plugins: OpinionPluginManager = build_plugin_manager(settings, extra_plugins)
        self.adapters = self._collect_adapters()
        #: Sites whose engine is missing while a plugin failed to load, with why: the rest
        #: still crawl, and asking for one of these names the failed plugin.
        self.unavailable: dict[str, str] = {}
        self.sites = self._collect_sites()

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> Runtime:
        runtime: Runtime | None = getattr(crawler, _ATTR, None)
        if runtime is None:
            runtime = cls(crawler.settings)
            setattr(crawler, _ATTR, runtime)
        return runtime

    @property
    def failures(self) -> list[PluginFailure]:
        return self.plugins.failures

    def _collect_adapters(self) -> dict[str, type[Adapter]]:
        out: dict[str, type[Adapter]] = {}
        owner: dict[str, str] = {}
        for name, impl_result in self.plugins.results_by_plugin("opinion_adapters"):
            for adapter in impl_result:
                if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
                    self.failures.append(PluginFailure(name, f"not an Adapter class: {adapter!r}"))
                elif adapter.engine in out:
                    clash = f"engine {adapter.engine!r} already provided by {owner[adapter.engine]}"
                    self.failures.append(PluginFailure(name, clash))
                else:
                    out[adapter.engine] = adapter
                    owner[adapter.engine] = name
        return out

    def site_substitutions(self) -> dict[str, str]:
        """Placeholders a sites file may use in its URLs: ``{demo}`` is the demo sites' base."""
        return {"demo": self.config.demo_url}

    def _collect_sites(self) -> dict[str, Site]:
        subs = self.site_substitutions()
        files = self.config.sites_files
        sites: list[Site] = []
        if files:
            for f in files:
                sites.extend(load_sites_file(Path(f), subs))
        else:
            sites.extend(load_sites_file(bundled_path("sites.toml"), subs))
        for name, declared in self.plugins.results_by_plugin(
            "opinion_sites", settings=self.settings
        ):
            for entry in declared:
                if isinstance(entry, Site):
                    sites.append(entry)
                else:
                    data = dict(entry)
                    site_name = str(data.pop("name", ""))
                    sites.append(site_from_mapping(site_name, data, f"plugin {name}", subs))
        indexed = check_unique(sites)
        for site in list(indexed.values()):
            if site.engine not in self.adapters and self.plugins.failures:
                # Its engine may be the plugin that failed: a job for another site must not
                # die of it, a job for this one says why.
                failed = "; ".join(f"{f.name}: {f.error}" for f in self.plugins.failures)
                reason = f"engine {site.engine!r} is not loaded (plugins that failed: {failed})"
                logger.error("site %s cannot be crawled: %s", site.name, reason)
                self.unavailable[site.name] = reason
                del indexed[site.name]
                continue
            self._check_engine(site)
        return indexed

    def _check_engine(self, site: Site) -> None:
        adapter = self.adapters.get(site.engine)
        where = f"[sites.{site.name}] engine"
        if adapter is None:
            known = ", ".join(sorted(self.adapters)) or "none loaded"
            raise ConfigError(site.source, where, f"unknown engine {site.engine!r}; known: {known}")
        if adapter.kind != site.kind:
            problem = f"engine {site.engine!r} reads {adapter.kind} sites, not {site.kind}"
            raise ConfigError(site.source, where, problem)

    def site(self, name: str, kind: str | None = None) -> Site:
        """A declared site by name, checked against the spider kind asking for it."""
        if name in self.unavailable:
            raise ConfigError("site", name, self.unavailable[name])
        if name not in self.sites:
            known = ", ".join(sorted(self.sites)) or "none"
            raise ConfigError("site", name, f"no such site; declared sites: {known}")
        site = self.sites[name]
        if kind is not None and site.kind != kind:
            raise ConfigError(site.source, f"[sites.{name}] kind", f"is {site.kind}, not {kind}")
        return site

    def adapter_for(self, site: Site) -> Adapter:
        return self.adapters[site.engine]()

    @cached_property
    def rule_sets(self) -> list[RuleSet]:
        out: list[RuleSet] = []
        for sets in self.plugins.hook.opinion_rule_sets(settings=self.settings):
            out.extend(sets)
        seen: dict[str, str] = {}
        for rs in out:
            for rule in rs.rules:
                if rule.id in seen:
                    problem = f"rule id {rule.id!r} also defined in {seen[rule.id]}; rename one"
                    raise ConfigError(rs.source, f"rule {rule.id!r}", problem)
                seen[rule.id] = rs.source
        return out

    @property
    def rules(self) -> list[Rule]:
        return [rule for rs in self.rule_sets for rule in rs.rules]

    @cached_property
    def watchlist(self) -> Watchlist:
        from opinion_spiders.watch.config import watchlist_from_settings

        return watchlist_from_settings(self.settings)

    @cached_property
    def segmenter(self) -> Segmenter:
        """jieba's dictionary with the domain words and the watched names (王书记 stays one
        word for the rules too); the matcher adds its rules' words. Built alike wherever the
        crawl's text is cut (a page worker, ``opinion match``)."""
        from opinion_spiders.text.segment import Segmenter

        return Segmenter(self.watchlist.words())

    @cached_property
    def matcher(self) -> Matcher:
        from opinion_spiders.text.rules import Matcher

        return Matcher(self.rules, self.segmenter)

    @cached_property
    def channels(self) -> list[Channel]:
        out: list[Channel] = []
        for chans in self.plugins.hook.opinion_alert_channels(settings=self.settings):
            out.extend(chans)
        return out

    @cached_property
    def store(self) -> Store:
        from opinion_spiders.stores import open_store

        return open_store(settings=self.settings)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]
