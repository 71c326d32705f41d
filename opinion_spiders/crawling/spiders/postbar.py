"""Post bars (Baidu Tieba style): bar thread lists, often built in the browser -> threads."""

from __future__ import annotations

from opinion_spiders.crawling.spiders._base import OpinionSpider


class PostbarSpider(OpinionSpider):
    name = "postbar"
    kind = "postbar"
    start_role = "listing"
