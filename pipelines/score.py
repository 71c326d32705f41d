"""Stage 4: the score is the sum of every scoring plugin's contributions, each with its reason."""

from __future__ import annotations

from opinion_spiders.core.scoring import collect_contributions, total
from opinion_spiders.items import Post
from pipelines._base import Stage


class ScorePipeline(Stage):
    def process_item(self, item: object) -> object:
        if not isinstance(item, Post):
            return item
        results = self.runtime.plugins.hook.opinion_score(post=item, site=self.site_of(item.site))
        contributions = collect_contributions(results)
        item.contributions = [c.to_dict() for c in contributions]
        item.score = total(contributions)
        return item
