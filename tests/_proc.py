"""Run the real command-line tools in a subprocess (Scrapy's reactor runs once per process)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_opinion(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 240,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """``opinion ARGS…`` with the given environment added; fails the test with its output."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(
        [str(BIN / "opinion"), *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f"opinion {' '.join(args)} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-6000:]}"
        )
    return proc


def crawl_site(
    tmp_path: Path, name: str, table: str, env: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """``opinion crawl`` of one site, declared by ``table`` (its TOML keys, one a line) in a
    sites file of its own, into a fresh embedded store; the posts it stored, oldest first."""
    from opinion_spiders.stores import open_store

    sites = tmp_path / "sites.toml"
    sites.write_text(f"[sites.{name}]\n{table}\n", encoding="utf-8")
    uri = f"embedded://{tmp_path / 'store'}"
    run_opinion("crawl", name, "-s", f"OPINION_SITES_FILES={sites}",
                env={"OPINION_STORE": uri, **(env or {})}, timeout=300)  # fmt: skip
    store = open_store(uri)
    try:
        return list(store.find_posts(sort="time", limit=1000))
    finally:
        store.close()
