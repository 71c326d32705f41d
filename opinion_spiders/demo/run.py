"""``opinion demo``: serve the bundled demo sites on loopback, crawl all three kinds of target
through every pipeline into the configured store (the embedded one by default), report."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Mapping

from opinion_spiders.errors import ConfigError
from opinion_spiders.stores.base import Store


def run_demo(port: int, overrides: Mapping[str, str], *, serve: bool = False) -> int:
    from opinion_spiders.analysis.report import build_report, format_report
    from opinion_spiders.crawling.runner import project_settings, run_crawls
    from opinion_spiders.demo.server import DemoServer
    from opinion_spiders.runtime import Runtime

    server = DemoServer(port=port)
    try:
        base = server.start()
    except OSError as exc:
        raise ConfigError(
            "opinion demo",
            "--port",
            f"cannot serve on port {port} ({exc}); pick another with --port",
        ) from None
    try:
        settings = project_settings({"OPINION_DEMO_URL": base, "LOG_LEVEL": "ERROR", **overrides})
        runtime = Runtime(settings)
        demo_sites = [
            s.name for s in runtime.sites.values()
            if any(url.startswith(base) for url in s.start_urls)  # a site may only search
        ]  # fmt: skip
        print(f"demo sites on {base}: {', '.join(demo_sites)}", file=sys.stderr)
        results = run_crawls(demo_sites, settings)
        print(format_report(build_report(runtime.store, settings=runtime.settings)))
        new = sum(r.new for r in results)
        alerts = sum(r.alerts + r.events for r in results)
        print(f"\nThis run: {new} new posts stored, {alerts} new alerts raised "
              f"(store: {runtime.store.kind}).")  # fmt: skip
        print(_stories_and_events(runtime.store))
        runtime.close()
        if serve:
            _serve_until_stopped(base)
    finally:
        server.stop()
    return 0


def _stories_and_events(store: Store) -> str:
    """One line on what the alerts are: stories (a thread or repost cluster each, however
    many posts) and events (bursts), as ``opinion events`` lists them."""
    alerts = store.find_alerts(limit=100_000)
    stories = [a for a in alerts if a.get("type") == "post"]
    grown = sum(int(a.get("posts") or 1) > 1 for a in stories)
    events = store.find_events(limit=100_000)
    words = [e["value"] for e in events if e.get("dimension") == "term"]
    return (
        f"In the store: {len(stories)} stories alerted ({grown} grew past their first post), "
        f"{len(events)} events (bursts; opinion events)"
        + (f", emerging terms: {'、'.join(words)}" if words else "")
        + "."
    )


def _serve_until_stopped(base: str) -> None:
    """Serve until Ctrl-C or SIGTERM. Scrapy's crawl left its own shutdown handlers on both
    signals (they only stop a reactor that has already stopped), so ours go back first.

    The main thread waits on a socket that Python's signal wake-up writes to, not in a long
    sleep: a signal the kernel hands to another thread (the server's, say) only flags the
    handler for the main thread, which would run it when the sleep ended, an hour later."""

    def stop(signum: int, frame: object) -> None:
        raise _Stop(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    wake, woken = socket.socketpair()
    wake.setblocking(False)
    previous = signal.set_wakeup_fd(wake.fileno(), warn_on_full_buffer=False)
    try:  # the announcement too: a signal sent as soon as it is read may land inside print
        print(f"serving the demo sites on {base} — Ctrl-C to stop", file=sys.stderr, flush=True)
        while True:
            woken.recv(64)  # the handler raises here, or at the loop's next step
    except _Stop as stopped:
        print(f"stopped ({signal.Signals(stopped.signum).name})", file=sys.stderr)
    finally:
        signal.set_wakeup_fd(previous)
        wake.close()
        woken.close()


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
