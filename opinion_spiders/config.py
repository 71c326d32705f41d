"""Every ``OPINION_*`` setting in one declaration: its type, default, range and meaning.

``load_config(settings)`` reads a settings mapping once — Scrapy's ``Settings``, the plain
values of ``project_values``, a test's dict — and returns a frozen, typed ``Config``; a value
that will not do raises ``ConfigError`` naming the setting, the value, where it was set and
what to write instead, and so does an unknown ``OPINION_`` name (with the closest known one).
``config_of(settings)`` is the same, kept on a frozen Scrapy ``Settings`` so that the
components of one crawler share one object.

Values come as Python values (the settings module) or as strings (``-s NAME=VALUE``, a
scrapyd ``setting=``, the environment), read as they always were: an empty string is the
default (a text setting whose default is empty stays empty: off),
``true/false/yes/no/on/off/1/0`` are booleans, ``a,b`` is a list, ``{…}`` is JSON.

The settings reference of docs/operators.md is this declaration, printed by
``python -m opinion_spiders.config --markdown`` (tests/test_config.py checks they agree).
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
import msgspec.inspect as mi

from opinion_spiders.errors import ConfigError

PREFIX = "OPINION_"


def _setting(
    description: str,
    *,
    example: str = "",
    expected: str = "",
    env: bool = False,
    default_doc: str = "",
    check: str = "",
    **constraints: Any,
) -> msgspec.Meta:
    """One setting's metadata: ``expected`` and ``example`` make its error message ("… is not
    EXPECTED; write e.g. EXAMPLE"); ``env``: unset, it is the environment variable of its
    name; ``default_doc`` is how the docs show the default; ``check`` names a check beyond
    type and range (``zone``: a time zone)."""
    extra = {"example": example, "expected": expected, "env": env, "default_doc": default_doc,
             "check": check}  # fmt: skip
    return msgspec.Meta(description=description, extra=extra, **constraints)


def _renamed(field: str) -> str:
    return PREFIX + field.upper()


_CLOCK = r"^$|^\s*([01]?\d|2[0-3]):[0-5]\d\s*-\s*([01]?\d|2[0-3]):[0-5]\d\s*$"
_SECONDS = "a number of seconds"


class Config(msgspec.Struct, frozen=True, kw_only=True, rename=_renamed):
    """The ``OPINION_*`` settings of one run, typed; the field ``x_y`` is ``OPINION_X_Y``."""

    store: Annotated[str, _setting(
        "store URI: `embedded://[folder]` or `mongodb://…` (`mongodb+srv://…`)",
        env=True, example="mongodb://127.0.0.1:27017/opinion",
        expected="a store URI (embedded://… or mongodb://…)",
        pattern=r"(?i)^\s*(embedded|mongodb|mongodb\+srv)://",
    )] = "embedded://"  # fmt: skip
    data_dir: Annotated[str, _setting(
        "embedded store and spool folder (batches waiting for a store that is down)",
        env=True, example="/srv/opinion",
    )] = ".data"  # fmt: skip
    sites_files: Annotated[list[str], _setting(
        "site definition files (TOML), besides the sites plugins declare",
        default_doc="`[]` (bundled `settings/sites.toml`)", example="sites/mine.toml",
    )] = []  # fmt: skip
    rule_files: Annotated[list[str], _setting(
        "keyword rule files (TOML)",
        default_doc="`[]` (bundled `settings/rules/default.toml`)", example="rules/mine.toml",
    )] = []  # fmt: skip
    watch_entities: Annotated[list[str], _setting(
        "watchlist files (TOML): the watched entities (docs/analysts.md, Watchlists)",
        default_doc="`[]` (the demo city's watchlist while `OPINION_SITES_FILES` is empty, "
        "else none)", example="watch/entities.toml",
    )] = []  # fmt: skip
    watch_periods: Annotated[list[str], _setting(
        "sensitive-period files (TOML)",
        default_doc="`[]` (the national periods of `settings/watch/periods.toml`, plus the "
        "demo city's while `OPINION_SITES_FILES` is empty)", example="watch/periods.toml",
    )] = []  # fmt: skip
    watch_plans: Annotated[list[str], _setting(
        "watch-plan files (TOML)",
        default_doc="`[]` (the demo city's plans while `OPINION_SITES_FILES` is empty, "
        "else none)", example="watch/plans.toml",
    )] = []  # fmt: skip
    demo_url: Annotated[str, _setting(
        "replaces `{demo}` in the start URLs of declared sites", env=True,
        example="http://127.0.0.1:8077",
    )] = "http://127.0.0.1:8077"  # fmt: skip
    plugins: Annotated[list[str], _setting(
        "built-in plugin modules to register (outside plugins come from entry points)",
        default_doc="`[]` (every public module of `plugins/`)", example="plugins.discuz",
    )] = []  # fmt: skip
    entrypoints_enabled: Annotated[bool, _setting(
        "load outside plugins from the `opinion_spiders` entry points",
    )] = True  # fmt: skip
    store_batch_size: Annotated[int, _setting(
        "posts per store write (a post that alerts writes the open batch within 0.25 s, or "
        "once no post has come for 0.05 s)",
        ge=1,
    )] = 200  # fmt: skip
    alert_threshold: Annotated[float, _setting(
        "score that raises an alert (0: no alerts)", ge=0,
    )] = 25.0  # fmt: skip
    webhook_url: Annotated[str, _setting(
        "webhook channel: a JSON body is POSTed to this URL for every alert (empty: off)",
        env=True, example="https://hooks.example.cn/opinion",
    )] = ""  # fmt: skip
    webhook_timeout: Annotated[float, _setting(
        "seconds a webhook call may take", gt=0, expected=_SECONDS + " above 0",
    )] = 10.0  # fmt: skip
    alert_tiers: Annotated[dict[str, float], _setting(
        'tier name → score it starts at, e.g. `{"notice": 25, "warning": 50, "urgent": 100}` '
        "(JSON with `-s`)",
        default_doc="`{}` (1×/2×/4× the threshold)",
        expected="a JSON object of tier name → score",
        example='{"notice": 25, "warning": 50, "urgent": 100}',
    )] = {}  # fmt: skip
    alert_quiet_hours: Annotated[str, _setting(
        "`HH:MM-HH:MM` in `OPINION_ALERT_TIMEZONE`: tiers below the top are held, then sent "
        "as one digest (empty: off)",
        expected="HH:MM-HH:MM", example="23:00-07:00", pattern=_CLOCK,
    )] = ""  # fmt: skip
    alert_timezone: Annotated[str, _setting(
        "clock of the quiet hours and of times in messages", check="zone",
        expected="a time zone",
    )] = "Asia/Shanghai"  # fmt: skip
    progress_interval: Annotated[float, _setting(
        "seconds between `opinion crawl`'s plain progress lines when stderr is no terminal "
        "(0: none; on a terminal one status line is redrawn every second)",
        ge=0, expected=_SECONDS + " (0 or more)", example="30",
    )] = 30.0  # fmt: skip
    timezone: Annotated[str, _setting(
        "the analysts' zone: `opinion report`, `search` and `export` show times in it and "
        "read bare ISO dates given to `--since`/`--until` in it", check="zone",
        expected="a time zone",
    )] = "Asia/Shanghai"  # fmt: skip
    alert_retry_base: Annotated[float, _setting(
        "seconds before the first retry of a failed channel (doubling)",
        gt=0, expected=_SECONDS + " above 0",
    )] = 60.0  # fmt: skip
    alert_retry_max: Annotated[float, _setting(
        "longest wait between retries of a failed channel, seconds",
        gt=0, expected=_SECONDS + " above 0",
    )] = 3600.0  # fmt: skip
    alert_timeout: Annotated[float, _setting(
        "seconds for an SMTP or robot call", gt=0, expected=_SECONDS + " above 0",
    )] = 10.0  # fmt: skip
    smtp_host: Annotated[str, _setting(
        "SMTP server of the email channel (empty: email off)", env=True,
        example="smtp.example.cn",
    )] = ""  # fmt: skip
    smtp_port: Annotated[int, _setting(
        "SMTP port (465 with `OPINION_SMTP_SSL`, 587 with `OPINION_SMTP_STARTTLS`)",
        ge=1, le=65535, expected="a port (1 to 65535)", example="587",
    )] = 25  # fmt: skip
    smtp_from: Annotated[str, _setting(
        "sender, e.g. `舆情监测 <monitor@example.cn>`",
    )] = "opinion-spiders@localhost"  # fmt: skip
    smtp_to: Annotated[list[str], _setting(
        "recipients of the email channel: at least one when `OPINION_SMTP_HOST` is set",
        example="a@example.cn,b@example.cn",
    )] = []  # fmt: skip
    smtp_user: Annotated[str, _setting("SMTP login, when set", env=True)] = ""
    smtp_password: Annotated[str, _setting("SMTP password, when set", env=True)] = ""
    smtp_starttls: Annotated[bool, _setting("STARTTLS on a plain SMTP port")] = False
    smtp_ssl: Annotated[bool, _setting("implicit TLS (SMTPS)")] = False
    dingtalk_url: Annotated[str, _setting(
        "DingTalk robot webhook (with `access_token`; empty: off)", env=True,
    )] = ""  # fmt: skip
    dingtalk_secret: Annotated[str, _setting(
        "the DingTalk robot's signing secret (`SEC…`)", env=True,
    )] = ""  # fmt: skip
    wecom_url: Annotated[str, _setting(
        "WeCom group robot webhook (with `key`; empty: off)", env=True,
    )] = ""  # fmt: skip
    feishu_url: Annotated[str, _setting(
        "Feishu custom bot webhook (empty: off)", env=True,
    )] = ""  # fmt: skip
    feishu_secret: Annotated[str, _setting(
        "the Feishu bot's signing secret", env=True,
    )] = ""  # fmt: skip
    max_listing_pages: Annotated[int, _setting(
        "listing pages followed per start URL (a site's own `max_listing_pages` may lower it)",
        ge=0,
    )] = 50  # fmt: skip
    full_recrawl: Annotated[bool, _setting(
        "ignore bookmarks and walk every thread again",
    )] = False  # fmt: skip
    cluster_enabled: Annotated[bool, _setting(
        "near-duplicate clusters of reposts and lightly edited copies (MinHash LSH; stage "
        "`pipelines.cluster`)",
    )] = True  # fmt: skip
    cluster_step_wait: Annotated[float, _setting(
        "seconds a crawl that ends waits for another process's cluster step (the single writer "
        "of clusters, `opinion cluster`) before it leaves its posts queued for the next step "
        "(stat `opinion/cluster/step/busy`)", ge=0,
    )] = 60.0  # fmt: skip
    events_enabled: Annotated[bool, _setting(
        "bursts of posts per rule, entity, site, cluster and word, and emerging terms (stage "
        "`pipelines.events`; docs/analysts.md, Events)",
    )] = True  # fmt: skip
    events_process: Annotated[bool | Literal["auto"], _setting(
        "the event detector in a process of its own beside the crawl process (counting posts "
        "under their words and keys and looking for bursts took about a quarter of the crawl "
        "process's CPU); `auto`: when the process may use two cores or more. The crawl sends "
        "it the posts it counts and asks it to look; one per `opinion crawl` and store (~150 "
        "MB), started as the first spider opens (no spider waits for it: the posts counted "
        "meanwhile are sent once it is up) and stopped with the crawl. If it dies or does "
        "not start, the crawl counts events "
        "itself from then on, with the stored posts as baseline and the posts it never looked "
        "at, or looked at without recording the bursts it found there — read back by `_id` — "
        "or was not sent yet (an ERROR line, stat "
        "`opinion/events/process_lost`)",
        expected="true, false or auto", example="auto",
    )] = "auto"  # fmt: skip
    events_batch: Annotated[int, _setting(
        "posts between two looks for bursts (a fast crawl looks at more posts at a time: "
        "each look rescans every key its posts touched); for the process's one detector per "
        "store, whichever crawler brought the posts; the spider's close always looks", ge=1,
    )] = 200  # fmt: skip
    events_min_interval: Annotated[float, _setting(
        "the fewest seconds between two looks for bursts", ge=0,
        expected=_SECONDS + " (0 or more)",
    )] = 5.0  # fmt: skip
    events_max_share: Annotated[float, _setting(
        "the largest share of the time spent looking for bursts: a look that took 1 s of CPU "
        "(finding the bursts, writing events and their alerts) pauses the next for 9 s, "
        "whatever `OPINION_EVENTS_MIN_INTERVAL` says. A crawl backfilling days of posts "
        "rescans long histories at each look; this keeps it from spending most of the crawl "
        "there", gt=0, le=1, expected="a share between 0 and 1 (above 0, at most 1)",
    )] = 0.1  # fmt: skip
    events_bucket_hours: Annotated[float, _setting(
        "bucket width, hours", gt=0, le=168, expected="a number of hours above 0, at most 168",
    )] = 1.0  # fmt: skip
    events_threshold: Annotated[float, _setting(
        "surprise (−log10 p) a bucket needs to burst; warning at 2×, urgent at 4× it", gt=0,
    )] = 3.0  # fmt: skip
    events_min_count: Annotated[int, _setting(
        "posts a bucket needs to burst", ge=0,
    )] = 3  # fmt: skip
    events_alpha: Annotated[float, _setting(
        "EWMA weight of the newest bucket in the baseline", gt=0, le=1,
    )] = 0.2  # fmt: skip
    events_floor: Annotated[float, _setting(
        "least expected posts per bucket: a silent key needs several posts to burst", gt=0,
    )] = 0.2  # fmt: skip
    events_dispersion: Annotated[float, _setting(
        "negative-binomial φ, the variance being λ + φλ² (0: Poisson)", ge=0,
    )] = 0.1  # fmt: skip
    events_history_days: Annotated[float, _setting(
        "days of baseline kept (and read from the store at start)", gt=0,
    )] = 7.0  # fmt: skip
    events_warmup_hours: Annotated[float, _setting(
        "hours at the start of what the detector has seen that only teach the baseline",
        ge=0,
    )] = 24.0  # fmt: skip
    events_terms: Annotated[bool, _setting("emerging terms: words that rise together")] = True
    events_term_threshold: Annotated[float, _setting(
        "surprise an emerging word needs", gt=0,
    )] = 4.5  # fmt: skip
    events_term_min_count: Annotated[int, _setting(
        "posts an emerging word needs (a sensitive period does not lower it)", ge=0,
    )] = 4  # fmt: skip
    events_term_min_stories: Annotated[int, _setting(
        "threads an emerging word needs", ge=0,
    )] = 2  # fmt: skip
    events_term_fold: Annotated[float, _setting(
        "a word whose burst shares this share of its posts (of the other's, if fewer) with "
        "a more surprising word's burst at the same time is one event with it (0: every "
        "word an event of its own)", ge=0, le=1,
    )] = 0.5  # fmt: skip
    events_alert_within_hours: Annotated[float, _setting(
        "events whose last burst ended longer ago than this raise no alert", ge=0,
    )] = 24.0  # fmt: skip
    retry_backoff_base: Annotated[float, _setting(
        "seconds before the first retry of a 429/5xx or failed request; doubles each retry "
        "(`RETRY_TIMES`), `Retry-After` wins when longer", ge=0,
        expected=_SECONDS + " (0 or more)",
    )] = 1.0  # fmt: skip
    retry_backoff_max: Annotated[float, _setting(
        "longest backoff wait, seconds", ge=0, expected=_SECONDS + " (0 or more)",
    )] = 60.0  # fmt: skip
    block_threshold: Annotated[int, _setting(
        "block signals in a row (HTTP 403/429 after retries, captcha pages) that pause a site",
        ge=1,
    )] = 3  # fmt: skip
    block_pause: Annotated[float, _setting(
        "seconds a blocking site stays paused; the next runs skip it until then (stat "
        "`opinion/site/paused`)", ge=0, expected=_SECONDS + " (0 or more)",
    )] = 3600.0  # fmt: skip
    gc_threshold: Annotated[int, _setting(
        "Python's garbage collector in a crawl process and its page workers: the youngest "
        "generation is swept every this many new objects (Python's default is 700), and what "
        "start-up built is frozen out of the sweeps once the spiders open. A crawl's growing "
        "state (the event detector's counts, the in-run indexes) made the collector a third "
        "of the detector's per-post CPU with the defaults. `0`: Python's own settings", ge=0,
        expected="a count of objects (0: Python's own settings)",
    )] = 100_000  # fmt: skip
    page_workers: Annotated[Annotated[int, msgspec.Meta(ge=0)] | Literal["auto"], _setting(
        "processes that read the crawl's pages and do their posts' own work (cleaning, "
        "rules, search terms, MinHash signatures) beside the crawl process, which keeps to "
        "fetching, the store and clustering; `auto`: one fewer than the cores the process "
        "may use, at most 4, none on one core; `0`: the crawl reads its pages itself. Each "
        "worker is a Python process of its own (~150 MB), shared by the crawls of one "
        "`opinion crawl` (which starts them first, while it builds Scrapy and its spiders), "
        "stopped with them. One that dies costs the page it was reading "
        "(`opinion/parse/failed/reader_crashed`) and is replaced, and so does one that spends "
        "over `OPINION_PAGE_READ_TIMEOUT` seconds on one page; after 3 replacements, or when "
        "none starts, the crawl reads its pages itself and says so in one error line. "
        "`opinion/page_workers/pages` counts the pages a worker read",
        expected="a count of workers (0: the crawl reads its pages itself) or auto",
        example="auto",
    )] = "auto"  # fmt: skip
    page_read_timeout: Annotated[float, _setting(
        "seconds a page worker may spend on one page before it is replaced "
        "(`opinion/parse/failed/reader_timeout`; 0: no limit), so a pathological page does "
        "not hold up the pages queued behind it", ge=0,
        expected=_SECONDS + " (0: no limit)", example="60",
    )] = 60.0  # fmt: skip
    runs_enabled: Annotated[bool, _setting("record each run in `runs`")] = True
    redis_url: Annotated[str, _setting(
        "distributed mode: `redis://[:PASSWORD@]HOST:PORT/DB` shared by every crawl process of "
        "a site list: one request queue and one duplicate filter (docs/operators.md, "
        "Distributed crawling; empty: off)", env=True, example="redis://127.0.0.1:6379/0",
    )] = ""  # fmt: skip
    redis_worker_timeout: Annotated[float, _setting(
        "seconds without a heartbeat after which a crawl process counts as dead (its work is "
        "requeued)", gt=0, expected=_SECONDS + " above 0",
    )] = 60.0  # fmt: skip


@dataclass(frozen=True)
class EnvironmentVariable:
    """A variable read from the environment only (no setting overrides it)."""

    name: str
    default: str
    takes: str
    description: str


ENVIRONMENT: tuple[EnvironmentVariable, ...] = (
    EnvironmentVariable(
        "OPINION_CHROMIUM", "`chromium` on PATH", "a path", "Chromium binary for scrapy-playwright"
    ),
    EnvironmentVariable(
        "OPINION_CACHE_DIR",
        "`$XDG_CACHE_HOME/opinion-spiders`, else `~/.cache/opinion-spiders`",
        "a folder",
        "what every process would otherwise derive again at start (jieba's dictionary with "
        "its word pairs, the match-form tables; ~15 MB, rebuilt when missing, unreadable or "
        "built from other code or data; an unwritable folder only costs the build, ~1 s a "
        "process); FerretDB builds for the tests are cached there too",
    ),
    EnvironmentVariable(
        "OPINION_WEB_TOKEN", '`""`', "text", "`opinion web --token`: the workspace's access token"
    ),
    EnvironmentVariable(
        "OPINION_FERRETDB_BIN",
        "the build of `scripts/build_ferretdb.sh`",
        "a path",
        "the FerretDB binary the tests start",
    ),
    EnvironmentVariable(
        "OPINION_REDIS_SERVER",
        "`redis-server` on PATH",
        "a path",
        "the redis-server binary the distributed-mode tests start",
    ),
)


# -- the declaration, read back ------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One setting as declared: what validation, messages and the docs read."""

    name: str
    attr: str
    #: bool, int, float, str, list, dict, count (an int or "auto"), switch (a bool or "auto")
    kind: str
    default: Any
    description: str
    example: str
    expected: str
    env: bool
    default_doc: str
    check: str


_BOUNDS = (("gt", "above"), ("ge", "of at least"), ("lt", "below"), ("le", "at most"))


def _kind(type_: Any) -> str:
    kinds: dict[type, str] = {
        mi.BoolType: "bool", mi.IntType: "int", mi.FloatType: "float", mi.StrType: "str",
        mi.ListType: "list", mi.DictType: "dict", mi.UnionType: "count",
    }  # fmt: skip
    if isinstance(type_, mi.UnionType) and any(isinstance(t, mi.BoolType) for t in type_.types):
        return "switch"
    return kinds[type(type_)]


def _expected(kind: str, type_: Any) -> str:
    if kind == "bool":
        return "true or false"
    if kind == "switch":
        return "true, false or auto"
    if kind == "list":
        return "a list, or one comma-separated string"
    if kind == "dict":
        return "a JSON object"
    if kind == "str":
        return "text"
    noun = "a whole number" if kind == "int" else "a number"
    bounds = [f"{word} {getattr(type_, key):g}" for key, word in _BOUNDS
              if getattr(type_, key, None) is not None]  # fmt: skip
    return " ".join([noun, ", ".join(bounds)]) if bounds else noun


@functools.cache
def fields() -> dict[str, Field]:
    """Every setting, by its ``OPINION_*`` name, in the order declared."""
    out: dict[str, Field] = {}
    info = mi.type_info(Config)
    assert isinstance(info, mi.StructType)
    for f in info.fields:
        meta = f.type
        assert isinstance(meta, mi.Metadata) and meta.extra is not None
        extra, type_ = meta.extra, meta.type
        kind = _kind(type_)
        default = f.default_factory() if f.default is msgspec.NODEFAULT else f.default
        out[f.encode_name] = Field(
            name=f.encode_name,
            attr=f.name,
            kind=kind,
            default=default,
            description=str((meta.extra_json_schema or {}).get("description", "")),
            example=extra["example"] or _shown(default),
            expected=extra["expected"] or _expected(kind, type_),
            env=extra["env"],
            default_doc=extra["default_doc"],
            check=extra["check"],
        )
    return out


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if value != "" else '""'


# -- validation ------------------------------------------------------------------------------
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DEFAULT = object()


class _Bad(Exception):
    """The value cannot be read as its kind."""


def _coerce(field: Field, raw: Any) -> Any:
    """``raw`` as msgspec should see it, or ``_DEFAULT``; raises ``_Bad``."""
    if raw is None:
        return _DEFAULT
    kind = field.kind
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return "" if kind == "str" and field.default == "" else _DEFAULT
        if kind in ("bool", "switch"):
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            if kind == "switch" and text.lower() == "auto":
                return "auto"
            raise _Bad
        if kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if kind == "dict":
            try:
                return json.loads(text)
            except ValueError:
                raise _Bad from None
        if kind == "count":
            if text.lower() == "auto":
                return "auto"
            try:
                return int(text)
            except ValueError:
                raise _Bad from None
        return text
    if kind in ("bool", "switch") and not isinstance(raw, bool) and raw != "auto":
        if raw in (0, 1):
            return bool(raw)
        raise _Bad
    if kind == "list" and isinstance(raw, list | tuple | set | frozenset):
        return [str(v) for v in raw]
    if kind == "dict" and isinstance(raw, Mapping):
        return dict(raw)
    if kind == "str" and isinstance(raw, os.PathLike):
        return os.fspath(raw)
    return raw


def _checked(field: Field, value: Any) -> None:
    if field.check == "zone":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _Bad from None


def load_config(settings: Mapping[str, Any], *, cmdline: Collection[str] = ()) -> Config:
    """The ``OPINION_*`` settings of ``settings``, checked and typed. ``cmdline`` names the
    settings given with ``-s`` (Scrapy's ``Settings`` know theirs), for the error message."""
    known = fields()
    for name in _opinion_names(settings):
        if name not in known:
            raise _unknown(name, settings, cmdline)
    values: dict[str, Any] = {}
    for name, field in known.items():
        raw = settings.get(name)
        try:
            value = _coerce(field, raw)
            if value is _DEFAULT and field.env:
                value = os.environ.get(name) or _DEFAULT
            if value is not _DEFAULT:
                values[name] = value
                _checked(field, value)
        except _Bad:
            raise _bad(field, raw, settings, cmdline) from None
    try:
        config = msgspec.convert(values, Config, strict=False)
    except msgspec.ValidationError as exc:
        found = re.search(r"\$\.(\w+)", str(exc))
        if not found or found.group(1) not in known:
            raise ConfigError("settings", "", str(exc)) from None
        name = found.group(1)
        raise _bad(known[name], settings.get(name), settings, cmdline) from None
    if config.smtp_host and not config.smtp_to:
        # the email channel is made at the first alert: without this, mid-crawl
        problem = (
            "name at least one recipient of the email channel (OPINION_SMTP_HOST is "
            f"{config.smtp_host}); write e.g. {known['OPINION_SMTP_TO'].example}"
        )
        raise ConfigError(
            "OPINION_SMTP_TO", "", problem + _origin("OPINION_SMTP_HOST", settings, cmdline)
        )
    return config


def config_of(settings: Mapping[str, Any]) -> Config:
    """``load_config(settings)``, kept on a frozen Scrapy ``Settings`` (one crawler's): its
    components, built one after another from it, share one checked object."""
    owner, cached = getattr(settings, "_opinion_config", (None, None))
    if owner == id(settings) and isinstance(cached, Config):
        return cached  # not a copy's: ``Settings.copy()`` copies the attribute too
    config = load_config(settings)
    if getattr(settings, "frozen", False):
        settings._opinion_config = (id(settings), config)  # type: ignore[attr-defined]
    return config


def _opinion_names(settings: Mapping[str, Any]) -> Iterator[str]:
    return (name for name in settings if isinstance(name, str) and name.startswith(PREFIX))


def _bad(field: Field, raw: Any, settings: Mapping[str, Any], cmdline: Collection[str]) -> Any:
    shown = raw if isinstance(raw, str) else repr(raw)
    if field.env and raw in (None, ""):
        shown = f"{os.environ.get(field.name)} (the environment variable)"
    problem = f"{shown} is not {field.expected}; write e.g. {field.example}"
    return ConfigError(field.name, "", problem + _origin(field.name, settings, cmdline))


def _unknown(name: str, settings: Mapping[str, Any], cmdline: Collection[str]) -> ConfigError:
    origin = _origin(name, settings, cmdline)
    if any(var.name == name for var in ENVIRONMENT):
        problem = f"is an environment variable, not a setting: export {name}=…"
        return ConfigError(name, "", problem + origin)
    close = difflib.get_close_matches(name, fields(), n=1, cutoff=0.8)
    hint = (
        f"did you mean {close[0]}?" if close
        else "see docs/operators.md, Settings reference (a plugin's own settings take a "
        "prefix of their own, not OPINION_)"
    )  # fmt: skip
    return ConfigError(name, "", f"no such setting; {hint}{origin}")


def _origin(name: str, settings: Mapping[str, Any], cmdline: Collection[str]) -> str:
    """Where the value of ``name`` was given: `` (-s)`` or `` (FILE line N)``, if known."""
    priority = getattr(settings, "getpriority", None)
    given_by_cmdline = name in cmdline or (priority is not None and (priority(name) or 0) >= 40)
    if given_by_cmdline:
        return " (given with -s)"
    module = sys.modules.get(os.environ.get("SCRAPY_SETTINGS_MODULE", "settings"))
    path = getattr(module, "__file__", None)
    if module is None or path is None or getattr(module, name, None) != settings.get(name):
        return ""
    try:
        with open(path, encoding="utf-8") as source:
            lines = list(source)
    except OSError:
        return ""
    for number, line in enumerate(lines, 1):
        if re.match(rf"{name}\s*(:[^=]*)?=", line):
            relative = os.path.relpath(path)
            return f" ({path if relative.startswith('..') else relative} line {number})"
    return ""


# -- the docs --------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default_doc(field: Field) -> str:
    shown = field.default_doc or f"`{_shown(field.default)}`"
    return f"env `{field.name}`, else {shown}" if field.env else shown


def markdown_table() -> str:
    """The settings reference of docs/operators.md, from the declaration."""
    lines = ["| setting | default | takes | meaning |", "| --- | --- | --- | --- |"]
    for field in fields().values():
        row = (f"`{field.name}`", _default_doc(field), field.expected, field.description)
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    for var in ENVIRONMENT:
        row = (f"`{var.name}` (env)", var.default, var.takes, var.description)
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        print("usage: python -m opinion_spiders.config --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
