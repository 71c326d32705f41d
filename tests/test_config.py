"""The ``OPINION_*`` settings: declared once, read from strings as from Python values, a bad
one named with what to write, the docs' table generated from the declaration."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

import settings as settings_module
from opinion_spiders.config import (
    ENVIRONMENT,
    Config,
    config_of,
    fields,
    load_config,
    markdown_table,
)
from opinion_spiders.crawling.runstats import RunStatsExtension
from opinion_spiders.errors import ConfigError
from opinion_spiders.settings_util import project_values
from tests._proc import ROOT, run_opinion


@pytest.mark.parametrize(
    ("name", "given", "attr", "read"),
    [
        ("OPINION_EVENTS_MAX_SHARE", "0.5", "events_max_share", 0.5),
        ("OPINION_EVENTS_MAX_SHARE", " 1 ", "events_max_share", 1.0),
        ("OPINION_STORE_BATCH_SIZE", "7", "store_batch_size", 7),
        ("OPINION_FULL_RECRAWL", "true", "full_recrawl", True),
        ("OPINION_FULL_RECRAWL", "Yes", "full_recrawl", True),
        ("OPINION_FULL_RECRAWL", "on", "full_recrawl", True),
        ("OPINION_FULL_RECRAWL", "1", "full_recrawl", True),
        ("OPINION_CLUSTER_ENABLED", "false", "cluster_enabled", False),
        ("OPINION_CLUSTER_ENABLED", "NO", "cluster_enabled", False),
        ("OPINION_CLUSTER_ENABLED", "off", "cluster_enabled", False),
        ("OPINION_CLUSTER_ENABLED", "0", "cluster_enabled", False),
        ("OPINION_SMTP_TO", "a@x.cn, b@x.cn,", "smtp_to", ["a@x.cn", "b@x.cn"]),
        ("OPINION_ALERT_TIERS", '{"notice": 30, "urgent": 90}', "alert_tiers",
         {"notice": 30.0, "urgent": 90.0}),
        ("OPINION_PAGE_WORKERS", "auto", "page_workers", "auto"),
        ("OPINION_PAGE_WORKERS", "AUTO", "page_workers", "auto"),
        ("OPINION_PAGE_WORKERS", "3", "page_workers", 3),
        ("OPINION_ALERT_QUIET_HOURS", "23:00-07:00", "alert_quiet_hours", "23:00-07:00"),
        ("OPINION_TIMEZONE", "America/New_York", "timezone", "America/New_York"),
        # an empty value is the default; a text whose default is empty stays empty (off)
        ("OPINION_EVENTS_MAX_SHARE", "", "events_max_share", 0.1),
        ("OPINION_CLUSTER_ENABLED", "", "cluster_enabled", True),
        ("OPINION_PAGE_WORKERS", "", "page_workers", "auto"),
        ("OPINION_SMTP_TO", "", "smtp_to", []),
        ("OPINION_TIMEZONE", "", "timezone", "Asia/Shanghai"),
        ("OPINION_ALERT_QUIET_HOURS", "", "alert_quiet_hours", ""),
    ],
)  # fmt: skip
def test_config_reads_strings_as_the_command_line_gives_them(
    name: str, given: str, attr: str, read: Any
) -> None:
    config = load_config({name: given})
    assert getattr(config, attr) == read
    assert type(getattr(config, attr)) is type(read)


def test_config_reads_python_values_of_the_settings_module(tmp_path: Path) -> None:
    config = load_config({
        "OPINION_SITES_FILES": ("a.toml", Path("b.toml")),
        "OPINION_DATA_DIR": tmp_path,
        "OPINION_ALERT_TIERS": {"notice": 25},
        "OPINION_RUNS_ENABLED": 0,
        "OPINION_PLUGINS": None,
        "OPINION_EVENTS_MIN_COUNT": 5.0,
    })  # fmt: skip
    assert config.sites_files == ["a.toml", "b.toml"] and config.data_dir == str(tmp_path)
    assert config.alert_tiers == {"notice": 25.0} and config.runs_enabled is False
    assert config.plugins == [] and config.events_min_count == 5


def test_config_settings_module_agrees_with_the_declaration() -> None:
    """Every ``OPINION_*`` of settings/__init__.py is declared, with the declared default."""
    assert load_config(project_values()) == load_config({})


def test_config_env_setting_reads_the_environment_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPINION_STORE", "mongodb://db.example:27017/x")
    monkeypatch.setenv("OPINION_WEBHOOK_URL", "http://hook.example/")
    assert load_config({}).store == "mongodb://db.example:27017/x"
    assert load_config({"OPINION_STORE": ""}).store == "mongodb://db.example:27017/x"
    assert load_config({"OPINION_STORE": "embedded://"}).store == "embedded://"
    assert load_config({}).webhook_url == "http://hook.example/"
    assert load_config({"OPINION_WEBHOOK_URL": ""}).webhook_url == ""  # -s …= turns it off


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("OPINION_EVENTS_MAX_SHARE", "1.5",
         "OPINION_EVENTS_MAX_SHARE: 1.5 is not a share between 0 and 1 (above 0, at most 1); "
         "write e.g. 0.1"),
        ("OPINION_EVENTS_MAX_SHARE", "0", "OPINION_EVENTS_MAX_SHARE: 0 is not a share"),
        ("OPINION_EVENTS_MAX_SHARE", "a tenth", "OPINION_EVENTS_MAX_SHARE: a tenth is not a share"),
        ("OPINION_STORE_BATCH_SIZE", "0",
         "OPINION_STORE_BATCH_SIZE: 0 is not a whole number of at least 1; write e.g. 200"),
        ("OPINION_STORE_BATCH_SIZE", "2.5", "OPINION_STORE_BATCH_SIZE: 2.5 is not a whole number"),
        ("OPINION_BLOCK_PAUSE", -1, "OPINION_BLOCK_PAUSE: -1 is not a number of seconds (0 or more)"),
        ("OPINION_FULL_RECRAWL", "ture",
         "OPINION_FULL_RECRAWL: ture is not true or false; write e.g. false"),
        ("OPINION_FULL_RECRAWL", 2, "OPINION_FULL_RECRAWL: 2 is not true or false"),
        ("OPINION_SMTP_PORT", "70000", "OPINION_SMTP_PORT: 70000 is not a port (1 to 65535)"),
        ("OPINION_ALERT_TIERS", "{notice: 25}",
         'OPINION_ALERT_TIERS: {notice: 25} is not a JSON object of tier name → score; '
         'write e.g. {"notice": 25, "warning": 50, "urgent": 100}'),
        ("OPINION_ALERT_TIERS", '{"notice": "high"}', "OPINION_ALERT_TIERS: {\"notice\": \"high\"} is not a JSON object"),
        ("OPINION_ALERT_QUIET_HOURS", "23:00-25:00",
         "OPINION_ALERT_QUIET_HOURS: 23:00-25:00 is not HH:MM-HH:MM; write e.g. 23:00-07:00"),
        ("OPINION_TIMEZONE", "Mars/Olympus",
         "OPINION_TIMEZONE: Mars/Olympus is not a time zone; write e.g. Asia/Shanghai"),
        ("OPINION_ALERT_TIMEZONE", "UTC+8", "OPINION_ALERT_TIMEZONE: UTC+8 is not a time zone"),
        ("OPINION_PAGE_WORKERS", "-1", "OPINION_PAGE_WORKERS: -1 is not a count of workers"),
        ("OPINION_STORE", "postgres://db/x",
         "OPINION_STORE: postgres://db/x is not a store URI (embedded://… or mongodb://…)"),
        ("OPINION_SITES_FILES", 5, "OPINION_SITES_FILES: 5 is not a list, or one comma-separated"),
    ],
)  # fmt: skip
def test_config_bad_value_says_what_to_write(name: str, given: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: given})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_config_email_without_recipients_fails_at_start() -> None:
    """The email channel is made at the first alert: the missing recipients are found first."""
    with pytest.raises(ConfigError, match=r"^OPINION_SMTP_TO: name at least one recipient of "
                       r"the email channel \(OPINION_SMTP_HOST is smtp.x.cn\); write e.g. a@"):  # fmt: skip
        load_config({"OPINION_SMTP_HOST": "smtp.x.cn"})
    assert load_config({"OPINION_SMTP_HOST": "smtp.x.cn", "OPINION_SMTP_TO": "a@x.cn"}).smtp_to


def test_config_unknown_name_is_reported_with_the_closest_known_one() -> None:
    with pytest.raises(ConfigError, match=r"^OPINION_EVENT_MAX_SHARE: no such setting; did you "
                       r"mean OPINION_EVENTS_MAX_SHARE\?"):  # fmt: skip
        load_config({"OPINION_EVENT_MAX_SHARE": "0.2"})
    with pytest.raises(ConfigError, match="did you mean OPINION_SMTP_STARTTLS"):
        load_config({"OPINION_SMTP_STARTLS": "true"})
    with pytest.raises(ConfigError, match="^OPINION_FROBNICATE: no such setting; see docs"):
        load_config({"OPINION_FROBNICATE": "1"})
    with pytest.raises(ConfigError, match="^OPINION_CACHE_DIR: is an environment variable, not a "
                       "setting: export OPINION_CACHE_DIR="):  # fmt: skip
        load_config({"OPINION_CACHE_DIR": "/tmp/c"})
    assert load_config({"LOG_LEVEL": "ERROR", "MY_PLUGIN_KNOB": 3}) == Config()


def test_config_error_says_where_the_value_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"write e.g. 0.1 \(given with -s\)$"):
        load_config(project_values({"OPINION_EVENTS_MAX_SHARE": "2"}),
                    cmdline={"OPINION_EVENTS_MAX_SHARE"})  # fmt: skip
    scrapy_settings = Settings()
    scrapy_settings.set("OPINION_EVENT_MAX_SHARE", "0.2", priority="cmdline")
    with pytest.raises(
        ConfigError, match=r"did you mean OPINION_EVENTS_MAX_SHARE\? \(given with -s\)$"
    ):
        load_config(scrapy_settings)
    # set in the settings module: its file and line
    source = (ROOT / "settings" / "__init__.py").read_text(encoding="utf-8").splitlines()
    line = next(
        n for n, text in enumerate(source, 1) if text.startswith("OPINION_EVENTS_MAX_SHARE")
    )
    monkeypatch.setattr(settings_module, "OPINION_EVENTS_MAX_SHARE", 1.5)
    with pytest.raises(ConfigError) as caught:
        load_config(project_values())
    assert str(caught.value).endswith(f"write e.g. 0.1 (settings/__init__.py line {line})")


def test_config_is_built_once_per_crawler_and_checked_when_it_is_made() -> None:
    crawler = get_crawler(settings_dict={"OPINION_STORE_BATCH_SIZE": "9"})
    crawler.settings.freeze()
    assert config_of(crawler.settings) is config_of(crawler.settings)
    assert config_of(crawler.settings).store_batch_size == 9
    copied = crawler.settings.copy()
    copied.frozen = False
    copied.set("OPINION_STORE_BATCH_SIZE", 3)
    assert config_of(copied).store_batch_size == 3
    with pytest.raises(ConfigError, match="^OPINION_RUNS_ENABLED: maybe is not true or false"):
        RunStatsExtension.from_crawler(get_crawler(settings_dict={"OPINION_RUNS_ENABLED": "maybe"}))


def test_config_declares_every_setting_the_code_reads() -> None:
    """A name in the code, the settings module or the docs that is not declared is a setting
    the checks and the reference would miss."""
    known = set(fields()) | {var.name for var in ENVIRONMENT}
    used: set[str] = set()
    for folder in ("opinion_spiders", "pipelines", "plugins", "settings"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "config.py" and path.parent.name == "opinion_spiders":
                continue  # the declaration itself
            used |= set(re.findall(r"\bOPINION_[A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    assert used - known == set()


def test_config_docs_table_is_generated_from_the_declaration() -> None:
    """docs/operators.md's settings reference is ``python -m opinion_spiders.config
    --markdown``: after editing the declaration, paste its output there."""
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    begin = "<!-- settings table: generated by `python -m opinion_spiders.config --markdown` -->\n"
    end = "<!-- end of the generated settings table -->"
    assert begin in text and end in text
    in_docs = text.split(begin, 1)[1].split(end, 1)[0]
    assert in_docs == markdown_table()
    printed = run_opinion_module("--markdown")
    assert printed == markdown_table()
    for field in fields().values():
        assert field.description, f"{field.name} has no description"


def run_opinion_module(*args: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "opinion_spiders.config", *args],
                          cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def test_cli_crawl_with_a_bad_setting_stops_before_fetching(tmp_path: Path) -> None:
    """``opinion crawl -s OPINION_…=bad``: one line, exit 2, no page asked for, no store made."""
    site = socket.socket()
    site.bind(("127.0.0.1", 0))
    site.listen()
    site.setblocking(False)
    port = site.getsockname()[1]
    try:
        started = time.monotonic()
        done = run_opinion(
            "crawl", "demo-forum", "-s", "OPINION_EVENTS_MAX_SHARE=1.5",
            "-s", f"OPINION_DEMO_URL=http://127.0.0.1:{port}",
            "-s", f"OPINION_STORE=embedded://{tmp_path / 'store'}",
            check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        with pytest.raises(BlockingIOError):
            site.accept()  # nobody came for a page
    finally:
        site.close()
    assert done.returncode == 2
    assert done.stderr == (
        "opinion: error: OPINION_EVENTS_MAX_SHARE: 1.5 is not a share between 0 and 1 "
        "(above 0, at most 1); write e.g. 0.1 (given with -s)\n"
    )
    assert not (tmp_path / "store").exists() and elapsed < 30
    typo = run_opinion("crawl", "demo-forum", "-s", "OPINION_EVENT_MAX_SHARE=0.2", check=False)
    assert typo.returncode == 2 and typo.stderr == (
        "opinion: error: OPINION_EVENT_MAX_SHARE: no such setting; did you mean "
        "OPINION_EVENTS_MAX_SHARE? (given with -s)\n"
    )


def test_cli_report_with_a_bad_setting_is_one_line() -> None:
    done = run_opinion("report", "-s", "OPINION_TIMEZONE=Mars/Olympus", check=False)
    assert done.returncode == 2 and done.stderr == (
        "opinion: error: OPINION_TIMEZONE: Mars/Olympus is not a time zone; write e.g. "
        "Asia/Shanghai (given with -s)\n"
    )
