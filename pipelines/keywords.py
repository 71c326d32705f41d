"""Stage 3: match the keyword rules; store fired rules with terms, positions and context, and
the segmented search terms analysts query."""

from __future__ import annotations

from opinion_spiders.core.posts import match_and_cut
from opinion_spiders.crawling.page_workers import worker_count
from opinion_spiders.items import Post
from pipelines._base import Stage


class KeywordPipeline(Stage):
    def open_spider(self) -> None:
        if not worker_count(self.crawler.settings):
            # the crawl reads its pages itself: build the matcher and load the dictionary
            # before the first item. With page workers they are theirs to build: here they
            # would cost the crawl process jieba's import and ~1 s of CPU for a fallback (a
            # worker that keeps dying) that builds them when first used.
            self.runtime.matcher.segmenter.search_terms("预热")

    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        if "keywords" not in item.ahead:
            match_and_cut(item, self.runtime.matcher, self.runtime.segmenter)
        for match in item.matches:
            self.stats.inc_value(f"opinion/keywords/rule/{match['rule']}")
        if item.matches:
            self.stats.inc_value("opinion/keywords/matched_posts")
        return item
