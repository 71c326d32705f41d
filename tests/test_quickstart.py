"""What a new user tries first: `opinion demo` (twice), and the project as a Scrapy project."""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from opinion_spiders.stores import open_store
from tests._proc import BIN, ROOT, run_opinion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_demo_twice_same_counts_nothing_stored_or_alerted_twice(tmp_path: Path) -> None:
    env = {"OPINION_DATA_DIR": str(tmp_path / "data"), "OPINION_STORE": ""}
    port = str(_free_port())
    done = run_opinion("demo", "--port", port, env=env, cwd=tmp_path, timeout=300)
    first = done.stdout
    second = run_opinion("demo", "--port", port, env=env, cwd=tmp_path, timeout=300).stdout
    counts = re.compile(
        r"^Posts: (\d+) — times in Asia/Shanghai\n  by kind: forum (\d+), portal (\d+), "
        r"postbar (\d+)$",
        re.M,
    )
    m1, m2 = counts.search(first), counts.search(second)
    assert m1 and m2, first
    assert m1.groups() == m2.groups() and min(int(n) for n in m1.groups()) > 0
    assert re.search(r"This run: [1-9]\d* new posts stored, [1-9]\d* new alerts raised", first)
    assert "This run: 0 new posts stored, 0 new alerts raised (store: embedded)." in second
    assert (
        "Rule hits:" in first
        and "Top posts:" in first
        and "+30.0   rules: rule corruption" in first
    )
    store = open_store(f"embedded://{tmp_path / 'data'}")
    assert store.count("posts") == int(m1.group(1)) and store.count("runs") == 6
    # one alert per story: the threads with several alerting replies raised one alert each
    stories = [a for a in store.find_alerts() if a["type"] == "post"]
    assert len({a["title"] for a in stories}) == len(stories)
    assert any(a["posts"] > 1 for a in stories) and "(2 帖)" in first
    # the burst the demo holds: the site, and a word no rule names
    assert re.search(r"^Events \(bursts\): [1-9]", first, re.M)
    assert re.search(r"In the store: \d+ stories alerted .*emerging terms: .*农民工", first)
    assert [e["value"] for e in store.find_events(dimension="term")] == ["农民工"]
    # each site's line counts its own alerts; the event alerts (bursts across the sites) come
    # in a line of their own, whichever site's post set off the look that raised them
    own = [int(n) for n in re.findall(r"^  done demo-\S+: .* (\d+) alerts, ", done.stderr, re.M)]
    events = re.search(r"^  events: (\d+) event alerts ", done.stderr, re.M)
    assert len(own) == 3 and events, done.stderr
    ledger = store.find_alerts(limit=1000)
    assert sum(own) == len(stories) and int(events.group(1)) == len(ledger) - len(stories) > 0
    assert f"This run: {m1.group(1)} new posts stored, {len(ledger)} new alerts raised" in first
    store.close()


def test_scrapy_list_and_crawl_from_checkout(tmp_path: Path, demo_url: str) -> None:
    env = {**os.environ, "OPINION_DEMO_URL": demo_url}
    listed = subprocess.run(
        [str(BIN / "scrapy"), "list"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == ["forum", "portal", "postbar"]
    uri = f"embedded://{tmp_path / 'store'}"
    subprocess.run(
        [str(BIN / "scrapy"), "crawl", "portal", "-a", "site=demo-portal", "-s", f"OPINION_STORE={uri}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=180,
    )  # fmt: skip
    store = open_store(uri)
    assert [row["site"] for row in store.count_posts(("site",))] == ["demo-portal"]
    store.close()


@pytest.mark.parametrize(
    ("sig", "to_a_thread"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True)],
    ids=["SIGINT", "SIGTERM", "SIGTERM-to-a-thread"],
)
def test_demo_serve_stops_on_ctrl_c_and_sigterm(
    tmp_path: Path, sig: signal.Signals, to_a_thread: bool
) -> None:
    """`opinion demo --serve` keeps serving after its report and stops cleanly on a signal,
    whichever of its threads the kernel hands the signal to (sent to one that is not the main
    thread, it used to wait out an hour-long sleep)."""
    port = str(_free_port())
    # faulthandler: if it hangs, SIGABRT makes it print every thread's stack for the report
    store = f"embedded://{tmp_path / 'store'}"
    env = {**os.environ, "OPINION_STORE": store, "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen(
        [str(BIN / "opinion"), "demo", "--serve", "--port", port],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "serving the demo sites" in line:
                break
        else:
            raise AssertionError(f"demo ended before serving: {proc.wait()}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200
        if to_a_thread:
            threads = sorted(int(t) for t in os.listdir(f"/proc/{proc.pid}/task"))
            assert len(threads) > 1 and ctypes.CDLL(None).tgkill(proc.pid, threads[-1], sig) == 0
        else:
            proc.send_signal(sig)
        try:  # reading both pipes to the end, so a full pipe cannot hold it up
            _out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            _out, err = proc.communicate(timeout=20)
            raise AssertionError(f"still running 20 s after {sig.name}:\n{err}") from None
        assert proc.returncode == 0 and f"stopped ({sig.name})" in err, err
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("-a", "site=demo-portal", "-s", "OPINION_ALERT_THRESHOLD=abc"),
         "OPINION_ALERT_THRESHOLD: abc is not a number of at least 0; write e.g. 25 (given with -s)"),
        ((), "spider arguments: site: missing; run `scrapy crawl portal -a site=NAME`"),
    ],
)  # fmt: skip
def test_scrapy_crawl_reports_a_configuration_error_in_one_line(
    tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    """As `opinion crawl` does: the line that says what to fix, no traceback, exit 1 (scrapyd
    runs `scrapy crawl`, so its job logs read the same)."""
    uri = f"embedded://{tmp_path / 'store'}"
    done = subprocess.run(
        [str(BIN / "scrapy"), "crawl", "portal", *args, "-s", f"OPINION_STORE={uri}"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if "ERROR" in ln]
    assert len(errors) == 1 and errors[0].endswith(f"ERROR: {line}"), done.stderr
    assert "Traceback" not in done.stderr and "never retrieved" not in done.stderr
