"""Every hook of opinion-spiders, and nothing else.

Hooks are called with keyword arguments. Built-in adapters, rule sets, scoring rules and
alert channels are plugins on these same hooks (see ``plugins/``). Outside packages register
through the entry-point group ``opinion_spiders``. Hooks must be synchronous and fast: I/O
belongs in pipelines (alert channels are objects whose ``send`` the alert pipeline calls).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from opinion_spiders.adapters import Adapter
    from opinion_spiders.alerting import Channel
    from opinion_spiders.core.scoring import Contribution
    from opinion_spiders.items import Post
    from opinion_spiders.sites import Site
    from opinion_spiders.text.rules import RuleSet

hookspec = pluggy.HookspecMarker("opinion_spiders")


@hookspec
def opinion_adapters() -> Sequence[type[Adapter]]:
    """Return adapter classes (site engines) this plugin provides.

    Combined: all lists are concatenated; an engine name (``Adapter.engine``) must be unique
    across plugins, a clash is reported as a plugin error naming both.
    """


@hookspec
def opinion_sites(settings: Mapping[str, Any]) -> Sequence[Site | Mapping[str, Any]]:
    """Return site definitions (a :class:`Site` or a mapping in the ``sites.toml`` format).

    ``settings`` are the Scrapy settings of the run. Combined: concatenated; a site name must
    be unique, a clash is a configuration error naming both sources.
    """


@hookspec
def opinion_rule_sets(settings: Mapping[str, Any]) -> Sequence[RuleSet]:
    """Return keyword rule sets to match every post against.

    Combined: concatenated; every rule of every set is matched. Rule ids must be unique.
    """


@hookspec
def opinion_score(post: Post, site: Site) -> Sequence[Contribution] | None:
    """Return score contributions for a post that has been through keyword matching.

    ``post.matches`` holds the rules that fired. Each :class:`Contribution` carries a value
    and the reason for it. Combined: every contribution of every plugin is kept and the
    post's score is their sum.
    """


@hookspec
def opinion_alert_channels(settings: Mapping[str, Any]) -> Sequence[Channel]:
    """Return alert channels (objects with ``name`` and ``send(alert)``) to deliver alerts to.

    Combined: concatenated; every alert goes to every channel. A channel returns nothing and
    raises to report a failed delivery.
    """
