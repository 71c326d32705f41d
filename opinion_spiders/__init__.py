"""opinion-spiders: plugin-based crawling for public-opinion monitoring of the Chinese web."""

from __future__ import annotations

import warnings

import pluggy

__version__ = "0.1.0"
PROJECT_NAME = "opinion_spiders"
#: Marks a plugin's hook implementations: ``from opinion_spiders import hookimpl`` then
#: ``@hookimpl`` over ``opinion_adapters``, ``opinion_sites`` … (see ``hookspecs``).
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# jieba 0.42 imports pkg_resources (falling back to plain files when it is gone), and every
# command that segments printed setuptools' deprecation warning about it to users.
warnings.filterwarnings(
    "ignore", message="pkg_resources is deprecated", category=UserWarning, module="jieba"
)
