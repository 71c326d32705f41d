"""Log records below the crawl's LOG_LEVEL are not made (``crawling/log_records.py``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from scrapy.settings import Settings
from scrapy.utils.log import get_scrapy_root_handler, install_scrapy_root_handler
from scrapy.utils.test import get_crawler

from opinion_spiders.crawling.log_records import LogLevelRecords


class _Made(logging.Handler):
    """Every record that reaches the root, whatever its level."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def made() -> Iterator[_Made]:
    level, handlers = logging.root.level, list(logging.root.handlers)
    scrapy_level = logging.getLogger("scrapy").level
    before = get_scrapy_root_handler()
    handler = _Made()
    logging.root.addHandler(handler)
    yield handler
    for h in list(logging.root.handlers):
        if h not in handlers:
            logging.root.removeHandler(h)
    logging.root.setLevel(level)
    logging.getLogger("scrapy").setLevel(scrapy_level)
    if before is None:
        import scrapy.utils.log

        scrapy.utils.log._scrapy_root_handler = None


def test_log_records_below_the_level_are_not_made_once_a_spider_opens(made: _Made) -> None:
    install_scrapy_root_handler(Settings({"LOG_LEVEL": "INFO"}))  # root NOTSET, scrapy DEBUG
    extension = LogLevelRecords.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
    scraper, plugin = logging.getLogger("scrapy.core.scraper"), logging.getLogger("a.plugin")
    plugin.setLevel(logging.DEBUG)
    made.records.clear()  # what making the crawler logged
    try:
        scraper.debug("Scraped from %s", "<200 x>")
        assert [r.getMessage() for r in made.records] == ["Scraped from <200 x>"]  # made, dropped
        made.records.clear()
        extension.spider_opened()
        assert logging.root.level == logging.INFO
        assert logging.getLogger("scrapy").level == logging.INFO
        scraper.debug("Scraped from %s", "<200 y>")
        scraper.info("Closing spider")
        plugin.debug("its own level")  # a logger with a level of its own keeps it
        assert [r.getMessage() for r in made.records] == ["Closing spider", "its own level"]
    finally:
        plugin.setLevel(logging.NOTSET)


def test_log_records_without_scrapys_handler_leave_the_root_alone(made: _Made) -> None:
    import scrapy.utils.log

    installed = scrapy.utils.log._scrapy_root_handler
    scrapy.utils.log._scrapy_root_handler = None
    try:
        logging.root.setLevel(logging.NOTSET)
        LogLevelRecords.from_crawler(get_crawler()).spider_opened()
        assert logging.root.level == logging.NOTSET
    finally:
        scrapy.utils.log._scrapy_root_handler = installed
