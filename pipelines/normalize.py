"""Stage 1: clean and validate posts, resolve published times, derive ``_id`` and buckets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy.exceptions import DropItem

from opinion_spiders.core.posts import InvalidPost, missing_fields, prepare_post
from opinion_spiders.items import Post
from opinion_spiders.sites import timezone_of
from pipelines._base import Stage

logger = logging.getLogger(__name__)


class NormalizePipeline(Stage):
    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        if "normalize" not in item.ahead:
            try:
                prepare_post(item, timezone_of(self.runtime.sites, item.site), datetime.now(UTC))
            except InvalidPost as exc:
                self.stats.inc_value(f"opinion/normalize/invalid/{exc.reason}")
                raise DropItem(f"invalid post: {exc}") from None
        self.stats.inc_value("opinion/fields/checked")
        for name in missing_fields(item):
            self.stats.inc_value(f"opinion/fields/missing/{name}")
        return item
