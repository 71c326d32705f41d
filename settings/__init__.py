"""Scrapy settings of opinion-spiders (``scrapy.cfg`` points here).

Every ``OPINION_*`` setting is declared — type, default, range, meaning — in
``opinion_spiders/config.py`` (docs/operators.md's settings reference is printed from it) and
checked when a run starts; override any of them with ``-s NAME=VALUE``, in a scrapyd schedule
call, or (for the store) with the ``OPINION_STORE`` environment variable.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

BOT_NAME = "opinion_spiders"
SPIDER_MODULES = ["opinion_spiders.crawling.spiders"]
NEWSPIDER_MODULE = "opinion_spiders.crawling.spiders"
#: ``scrapy crawl`` reports a configuration error as one line (see that module).
COMMANDS_MODULE = "opinion_spiders.crawling.commands"

# -- politeness ----------------------------------------------------------------------------
USER_AGENT = "opinion-spiders/0.1 (+public-opinion monitoring; contact the operator)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
#: Items (posts, links) of one page processed at once. Scrapy's 100 starts 100 worker tasks
#: for every page, whose posts number 1-30: 16 keeps them all in flight for less.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "opinion_spiders.crawling.middlewares.BackoffRetryMiddleware": 550,
    "opinion_spiders.crawling.middlewares.RedirectLoopMiddleware": 610,  # sees redirects before 600
    #: Scrapy's meta refresh, without decoding the pages that cannot hold one (a page worker
    #: decodes what it reads).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "opinion_spiders.crawling.middlewares.LazyMetaRefreshMiddleware": 580,
}
#: Retries wait OPINION_RETRY_BACKOFF_BASE × 2^(n-1) seconds (at most …_MAX), or Retry-After.
OPINION_RETRY_BACKOFF_BASE = 1.0
OPINION_RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30
#: A forum or news page is well under 4 MiB; Scrapy's defaults (warn at 32 MiB, give up at 1 GiB)
#: would read a 500 MB "page" into memory and parse it. Bigger answers are cancelled and counted
#: as opinion/fetch/failed/too_large.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
TELNETCONSOLE_ENABLED = False
#: Scrapy 2.19's remote control: a token-guarded HTTP server in each crawler that runs the
#: Python code posted to it, announced in a job file under the user's profile. A crawl has
#: no use for it: off, no server for each site — and, off, not listed at all (ADDONS below),
#: since Scrapy imports every extension it lists, this one with aiohttp's web server.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

# -- pipelines, in order: normalise/validate -> dedup -> keywords -> score -> store -> alert --
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.dedup.DedupPipeline": 200,
    "pipelines.keywords.KeywordPipeline": 300,
    "pipelines.cluster.ClusterPipeline": 330,
    "pipelines.entities.EntityPipeline": 350,
    "pipelines.periods.PeriodPipeline": 360,
    "pipelines.score.ScorePipeline": 400,
    "pipelines.store.StorePipeline": 500,
    "pipelines.alert.AlertPipeline": 600,
    "pipelines.events.EventPipeline": 700,
}
#: Scrapy's in-memory stats without the per-attribute cost of its deprecation shim.
STATS_CLASS = "opinion_spiders.crawling.stats_collector.CrawlStatsCollector"
EXTENSIONS = {
    "opinion_spiders.crawling.runstats.RunStatsExtension": 500,
    "opinion_spiders.crawling.gc_policy.GcPolicy": 510,
    "opinion_spiders.crawling.log_records.LogLevelRecords": 520,
}
#: The youngest garbage-collector generation is swept every this many new objects (Python's
#: default 700; 0 leaves Python's settings); what start-up built is frozen out of the sweeps.
OPINION_GC_THRESHOLD = 100_000
#: Decided once -s and scrapyd overrides are known: with OPINION_REDIS_URL set, crawls share
#: their queue through Redis; with REMOTE_CONTROL_ENABLED off, its extension is not loaded.
ADDONS = {
    "opinion_spiders.crawling.addons.DistributedAddon": 0,
    "opinion_spiders.crawling.addons.RemoteControlAddon": 0,
}

# -- JS rendering: scrapy-playwright, only for requests an adapter marks render_js -----------
#: scrapy-playwright's handler, its Playwright driver started by the first page that needs a
#: browser (not when the engine starts: a post bar read from its mobile list needs none).
DOWNLOAD_HANDLERS = {
    "http": "opinion_spiders.crawling.browser_handler.BrowserOnDemandHandler",
    "https": "opinion_spiders.crawling.browser_handler.BrowserOnDemandHandler",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
#: The asyncio loop under the reactor: uvloop's (libuv) runs the crawl's callbacks, tasks and
#: pipes to its page workers for ~3 % less CPU than asyncio's own (bench: side B's crawl, 3
#: interleaved pairs, 40.6 -> 39.4 CPU s, 23.4 -> 22.6 s); asyncio's own where uvloop is not
#: installed (it is not built for Windows).
ASYNCIO_EVENT_LOOP = "uvloop.Loop" if importlib.util.find_spec("uvloop") else None
PLAYWRIGHT_BROWSER_TYPE = "chromium"


def chromium_args(euid: int) -> list[str]:
    """Chromium's flags. Its sandbox stays on unless the crawl runs as root (euid 0), where
    Chromium refuses to start sandboxed (containers, CI): run crawls as a user of their own to
    keep it."""
    sandbox = ["--no-sandbox"] if euid == 0 else []
    return [
        *sandbox,
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]


PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("OPINION_CHROMIUM")
    or shutil.which("chromium")
    or "/usr/bin/chromium",
    "headless": True,
    "args": chromium_args(os.geteuid()),
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

# -- opinion-spiders ------------------------------------------------------------------------
#: Store URI: "embedded://" (default, under OPINION_DATA_DIR) or any "mongodb://" URI.
OPINION_STORE = os.environ.get("OPINION_STORE", "embedded://")
#: Folder of the embedded store and of the spool (batches waiting for a store that is down).
OPINION_DATA_DIR = os.environ.get("OPINION_DATA_DIR", ".data")
#: Site definition files (TOML), besides sites that plugins declare through opinion_sites.
OPINION_SITES_FILES: list[str] = []
#: Keyword rule files (TOML); empty means the bundled settings/rules/default.toml.
OPINION_RULE_FILES: list[str] = []
#: Group reposts and lightly edited copies into near-duplicate clusters (MinHash LSH).
OPINION_CLUSTER_ENABLED = True
#: Bursts per rule, entity, site, cluster and word become events (docs/analysts.md "Events"); the
#: detector's other knobs are OPINION_EVENTS_* settings read by BurstPolicy.from_settings.
OPINION_EVENTS_ENABLED = True
OPINION_EVENTS_BATCH = 200
OPINION_EVENTS_MIN_INTERVAL = 5.0
#: At most this share of the time goes to looking for bursts: a look that took 1 s of CPU
#: pauses the next for 9 s (a backfill of days of posts rescans long histories).
OPINION_EVENTS_MAX_SHARE = 0.1
#: Watch files (TOML); empty means the defaults: the national periods of settings/watch, plus the
#: demo city's files (opinion_spiders/demo/watch) only while OPINION_SITES_FILES is empty —
#: the bundled demo sites (docs/analysts.md "Watchlists").
OPINION_WATCH_ENTITIES: list[str] = []
OPINION_WATCH_PERIODS: list[str] = []
OPINION_WATCH_PLANS: list[str] = []
#: Base URL substituted for "{demo}" in site start URLs.
OPINION_DEMO_URL = os.environ.get("OPINION_DEMO_URL", "http://127.0.0.1:8077")
#: Built-in plugin modules (None: the defaults); outside plugins come from entry points.
OPINION_PLUGINS: list[str] | None = None
OPINION_ENTRYPOINTS_ENABLED = True
#: Seconds between progress lines of `opinion crawl` when stderr is no terminal (0: none; on a
#: terminal one status line is redrawn every second).
OPINION_PROGRESS_INTERVAL = 30.0
#: Posts written to the store per batch.
OPINION_STORE_BATCH_SIZE = 200
#: A post whose score reaches this raises an alert (0 disables alerts).
OPINION_ALERT_THRESHOLD = 25.0
#: Alert tiers: name -> score it starts at (empty: notice/warning/urgent at 1×/2×/4× the threshold).
OPINION_ALERT_TIERS: dict[str, float] = {}
#: "HH:MM-HH:MM" in OPINION_ALERT_TIMEZONE: tiers below the top are held, then sent as one digest.
OPINION_ALERT_QUIET_HOURS = ""
OPINION_ALERT_TIMEZONE = "Asia/Shanghai"
#: The zone analysts read times in: `opinion report`, `search` and `export` show times in it
#: and read bare ISO dates given to --since/--until in it.
OPINION_TIMEZONE = "Asia/Shanghai"
#: A failed channel is retried after this many seconds, doubling, at most OPINION_ALERT_RETRY_MAX.
OPINION_ALERT_RETRY_BASE = 60.0
OPINION_ALERT_RETRY_MAX = 3600.0
#: Seconds for an SMTP or robot call.
OPINION_ALERT_TIMEOUT = 10.0
#: Email channel (empty host: off).
OPINION_SMTP_HOST = os.environ.get("OPINION_SMTP_HOST", "")
OPINION_SMTP_PORT = 25
OPINION_SMTP_FROM = "opinion-spiders@localhost"
OPINION_SMTP_TO: list[str] = []
OPINION_SMTP_USER = os.environ.get("OPINION_SMTP_USER", "")
OPINION_SMTP_PASSWORD = os.environ.get("OPINION_SMTP_PASSWORD", "")
OPINION_SMTP_STARTTLS = False
OPINION_SMTP_SSL = False
#: Group robots (empty URL: off); DingTalk and Feishu sign when their secret is set.
OPINION_DINGTALK_URL = os.environ.get("OPINION_DINGTALK_URL", "")
OPINION_DINGTALK_SECRET = os.environ.get("OPINION_DINGTALK_SECRET", "")
OPINION_WECOM_URL = os.environ.get("OPINION_WECOM_URL", "")
OPINION_FEISHU_URL = os.environ.get("OPINION_FEISHU_URL", "")
OPINION_FEISHU_SECRET = os.environ.get("OPINION_FEISHU_SECRET", "")
#: Webhook channel: POST a JSON body to this URL for every alert (empty: channel off).
OPINION_WEBHOOK_URL = os.environ.get("OPINION_WEBHOOK_URL", "")
OPINION_WEBHOOK_TIMEOUT = 10.0
#: Follow at most this many listing pages per start URL (also per-site max_listing_pages).
OPINION_MAX_LISTING_PAGES = 50
#: Re-walk threads even when their bookmark is unchanged.
OPINION_FULL_RECRAWL = False
#: Block signals (HTTP 403/429 after retries, captcha pages) in a row that pause a site …
OPINION_BLOCK_THRESHOLD = 3
#: … for this many seconds; the next runs skip it until then (stats opinion/site/paused).
OPINION_BLOCK_PAUSE = 3600
#: Distributed mode: a redis:// URL (docs/operators.md "Distributed crawling"); every crawl
#: process of a site using it shares one request queue and one duplicate filter. Empty: off.
OPINION_REDIS_URL = os.environ.get("OPINION_REDIS_URL", "")
#: Seconds without a heartbeat after which a crawl process counts as dead (its work is requeued).
OPINION_REDIS_WORKER_TIMEOUT = 60.0
