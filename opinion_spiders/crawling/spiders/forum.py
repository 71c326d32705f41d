"""Forums (Discuz!, phpBB, Discourse …): board index -> thread lists -> threads with floors."""

from __future__ import annotations

from opinion_spiders.crawling.spiders._base import OpinionSpider


class ForumSpider(OpinionSpider):
    name = "forum"
    kind = "forum"
