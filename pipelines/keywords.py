"""Stage 3: match the keyword rules; store fired rules with terms, positions and context, and
the segmented search terms analysts query."""

from __future__ import annotations

from opinion_spiders.items import Post
from opinion_spiders.posts import match_fields
from pipelines._base import Stage


class KeywordPipeline(Stage):
    def open_spider(self) -> None:
        self.matcher = self.runtime.matcher
        self.runtime.segmenter.search_terms("预热")  # load jieba (~0.6 s) before the first item

    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        fields = match_fields(item)
        item.matches = self.matcher.match(fields, site=item.site, kind=item.kind)
        # A reply's search terms come from its own text: its thread's title is the opening
        # post's, or every reply would be found by a search for the title's words.
        item.terms = self.runtime.segmenter.search_terms(
            "\n".join(fields[k] for k in ("title", "content") if k in fields)
        )
        for match in item.matches:
            self.stats.inc_value(f"opinion/keywords/rule/{match['rule']}")
        if item.matches:
            self.stats.inc_value("opinion/keywords/matched_posts")
        return item
