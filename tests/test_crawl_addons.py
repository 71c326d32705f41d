"""The crawl's add-ons (``opinion_spiders.crawling.addons``): what they leave in and out of a
crawl's settings once the overrides are known. Which modules a whole crawl then imports is
``tests/test_crawl.py``'s."""

from __future__ import annotations

from scrapy.settings import Settings

from opinion_spiders.crawling.addons import REMOTE_CONTROL, RemoteControlAddon


def test_remote_control_is_left_out_of_the_extensions_unless_enabled() -> None:
    off = Settings({"REMOTE_CONTROL_ENABLED": False})
    assert REMOTE_CONTROL in off.getdict("EXTENSIONS_BASE")  # Scrapy 2.19 lists it
    RemoteControlAddon().update_settings(off)
    assert REMOTE_CONTROL not in off.getdict("EXTENSIONS_BASE")
    assert "scrapy.extensions.corestats.CoreStats" in off.getdict("EXTENSIONS_BASE")
    on = Settings({"REMOTE_CONTROL_ENABLED": True})  # -s REMOTE_CONTROL_ENABLED=true
    RemoteControlAddon().update_settings(on)
    assert REMOTE_CONTROL in on.getdict("EXTENSIONS_BASE")
