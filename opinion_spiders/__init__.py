"""opinion-spiders: plugin-based crawling for public-opinion monitoring of the Chinese web."""

from __future__ import annotations

__version__ = "0.1.0"
PROJECT_NAME = "opinion_spiders"
