"""Search terms come from a post's own text: the thread title belongs to the opening post."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from opinion_spiders.items import Post
from pipelines.keywords import KeywordPipeline


def test_keywords_reply_terms_leave_out_the_thread_title() -> None:
    crawler = get_crawler(settings_dict={})
    stage = KeywordPipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    stage.open_spider()
    title = "拆迁补偿款被挪用"
    opening = Post(
        "f", "forum", "http://x/t/1#1", title=title, content="村里的补偿款一直没发", floor=1
    )
    reply = Post("f", "forum", "http://x/t/1#2", title=title, content="我们小区也一样", floor=2)
    article = Post("p", "portal", "http://x/a/1", title=title, content="记者走访了当地村民")
    for post in (opening, reply, article):
        stage.process_item(post)
    assert "挪用" in opening.terms and "挪用" in article.terms
    assert "挪用" not in reply.terms and "小区" in reply.terms


@pytest.mark.parametrize(("workers", "loaded"), [(0, True), (1, False)])
def test_keywords_load_the_dictionary_at_open_only_when_the_crawl_reads_its_pages(
    workers: int, loaded: bool
) -> None:
    """With page workers, the workers segment the posts: the crawl process builds no
    dictionary at start (it would when a post came to it unsegmented)."""
    crawler = get_crawler(settings_dict={"OPINION_PAGE_WORKERS": workers})
    stage = KeywordPipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    stage.open_spider()
    assert stage.runtime.segmenter.loaded is loaded
    post = Post("f", "forum", "http://x/t/1#1", title="补偿款", content="补偿款一直没发", floor=1)
    stage.process_item(post)
    assert stage.runtime.segmenter.loaded and "补偿款" in post.terms
