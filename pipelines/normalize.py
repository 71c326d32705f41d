"""Stage 1: clean and validate posts, resolve published times, derive ``_id`` and buckets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy.exceptions import DropItem

from opinion_spiders.items import Post
from opinion_spiders.posts import InvalidPost, missing_fields, prepare_post
from pipelines._base import Stage

logger = logging.getLogger(__name__)


class NormalizePipeline(Stage):
    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        if "normalize" not in item.ahead:
            site = self.runtime.sites.get(item.site)
            tz = site.timezone if site else "Asia/Shanghai"
            try:
                prepare_post(item, tz, datetime.now(UTC))
            except InvalidPost as exc:
                self.stats.inc_value(f"opinion/normalize/invalid/{exc.reason}")
                raise DropItem(f"invalid post: {exc}") from None
        self.stats.inc_value("opinion/fields/checked")
        for name in missing_fields(item):
            self.stats.inc_value(f"opinion/fields/missing/{name}")
        return item
