"""Stage 3½: find watched entities in the post and how close each is to a fired rule's term.

Runs after the keyword rules (it needs ``matches``) and before scoring (the entities plugin
scores what this stores on ``post.entities``). Off when the watchlist is empty.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from opinion_spiders.core.posts import match_fields
from opinion_spiders.items import Post
from opinion_spiders.watch.entities import EntityFinder, entities_document, near_rule_terms
from pipelines._base import Stage


class EntityPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.watchlist = self.runtime.watchlist
        if not self.watchlist.entities:
            raise NotConfigured("no watched entities (OPINION_WATCH_ENTITIES)")
        # The runtime's segmenter knows the watched names: 王书记 stays one word for the rules.
        self.finder = EntityFinder(self.watchlist, self.runtime.segmenter.is_word)

    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        hits = self.finder.find(match_fields(item))
        near = near_rule_terms(hits, item.matches, self.watchlist.window)
        item.entities = entities_document(hits, near)
        for entity in item.entities:
            self.stats.inc_value(f"opinion/entities/entity/{entity['id']}")
        if item.entities:
            self.stats.inc_value("opinion/entities/posts")
        return item
