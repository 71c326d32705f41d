"""Live crawl progress: a status line redrawn on a terminal, plain lines in logs."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import threading
from pathlib import Path

from opinion_spiders.crawling.progress import Progress
from opinion_spiders.demo.server import DemoServer
from tests._proc import BIN, ROOT, run_opinion


def test_progress_line_counts_each_running_site_and_the_rate() -> None:
    out = io.StringIO()
    forum = {"opinion/pages/thread": 7, "opinion/pages/listing": 3, "item_scraped_count": 40,
             "opinion/alert/raised/post": 2, "opinion/alert/raised/health": 1}  # fmt: skip
    portal = {
        "opinion/pages/article": 5,
        "item_scraped_count": 5,
        "opinion/alert/raised/event": 4,
    }  # bursts across the sites: not the portal's
    progress = Progress(out, interactive=False, interval=30)
    progress.watch("forum", lambda: forum)
    progress.watch("portal", lambda: portal)
    stopped: list[bool] = []
    progress.on_all_done = lambda: stopped.append(True)
    progress.tick()
    line = out.getvalue()
    assert line.startswith("  progress [0:00] forum 10 pages 40 posts 3 alerts; ")
    assert "portal 5 pages 5 posts 0 alerts; events 4 alerts — " in line
    assert line.endswith(" pages/s\n")
    progress.finished("forum")
    assert not stopped
    progress.tick()
    assert "forum" not in out.getvalue().splitlines()[-1]
    progress.finished("portal")
    assert stopped == [True]


def test_progress_on_a_terminal_redraws_one_line_and_clears_it_for_messages() -> None:
    out = io.StringIO()
    progress = Progress(out, interactive=True, interval=30)
    progress.watch("forum", lambda: {"item_scraped_count": 3})
    assert progress.interval == 1.0
    progress.tick()
    progress.tick()
    progress.say("  done forum")
    text = out.getvalue()
    assert text.count("\r\x1b[2K[0:00] forum 0 pages 3 posts 0 alerts") == 2
    assert text.endswith("\r\x1b[2K  done forum\n")


def test_crawl_prints_progress_lines_in_logs_and_a_status_line_on_a_terminal(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    env = {
        "OPINION_STORE": f"embedded://{tmp_path / 'logs'}",
        "OPINION_DEMO_URL": demo_server.base_url,
    }
    done = run_opinion("crawl", "demo-forum", "-s", "OPINION_PROGRESS_INTERVAL=0.2",
                       "-s", "DOWNLOAD_DELAY=0.05", env=env, timeout=300)  # fmt: skip
    lines = [x for x in done.stderr.splitlines() if x.startswith("  progress [")]
    assert lines, done.stderr[-3000:]
    assert "demo-forum" in lines[0] and lines[-1].endswith("pages/s")
    assert "\x1b[" not in done.stderr  # no terminal codes in a log

    master, slave = pty.openpty()
    env = {**os.environ, **env, "OPINION_STORE": f"embedded://{tmp_path / 'tty'}",
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    proc = subprocess.Popen(
        [str(BIN / "opinion"), "crawl", "demo-forum", "-s", "DOWNLOAD_DELAY=0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    assert proc.wait(timeout=300) == 0
    reader.join(timeout=10)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\r\x1b[2K[0:0" in screen and "demo-forum" in screen, screen[-2000:]
    assert "\r\x1b[2K  done demo-forum:" in screen
