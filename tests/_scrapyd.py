"""A real scrapyd for tests: started in its own folder on a free loopback port, fed with this
project's egg by ``scrapyd-deploy``, driven through its JSON API.

Why a copy of the checkout for deploying: ``scrapyd-deploy`` writes its own ``setup.py`` (and
``build/``, ``*.egg-info``) next to ``scrapy.cfg`` the first time; the tests must not leave
files in the checkout, so the deploy runs in a copy whose ``scrapy.cfg`` names the test server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from servers.ferretdb import free_port
from servers.local_server import LocalServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0

#: what the copy of the checkout leaves out (never part of the egg)
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".data", ".cache", ".*_cache", ".hypothesis", "__pycache__", "*.pyc",
    "build", "dist", "*.egg-info", "setup.py", "tests", "bench",
)  # fmt: skip


class ScrapydError(RuntimeError):
    """scrapyd did not start, or answered an API call with an error."""


class Scrapyd(LocalServer):
    """One scrapyd process whose config, eggs, logs, items and databases live in ``workdir``."""

    name = "scrapyd"
    stop_timeout = 20.0  # scrapyd stops its running jobs first
    error = ScrapydError

    def __init__(self, workdir: Path, port: int = 0, poll_interval: float = 0.5) -> None:
        self.workdir = Path(workdir).resolve()
        self.port = port
        self.poll_interval = poll_interval
        self.url = ""

    # -- process -----------------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.workdir / "scrapyd.out"

    @property
    def eggs_dir(self) -> Path:
        return self.workdir / "eggs"

    @property
    def logs_dir(self) -> Path:
        return self.workdir / "logs"

    def write_config(self) -> Path:
        """``scrapyd.conf`` in the working folder (scrapyd reads ``./scrapyd.conf``)."""
        conf = self.workdir / "scrapyd.conf"
        conf.write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.eggs_dir}\n"
            f"logs_dir = {self.logs_dir}\n"
            f"items_dir = {self.workdir / 'items'}\n"
            f"dbs_dir = {self.workdir / 'dbs'}\n"
            f"poll_interval = {self.poll_interval}\n"
            "max_proc = 2\n",
            encoding="utf-8",
        )
        return conf

    def start(self, env: dict[str, str] | None = None) -> str:
        """Start scrapyd and wait until ``daemonstatus.json`` answers; return its base URL."""
        if self._proc is not None:
            return self.url
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.write_config()
        executable = BIN / "scrapyd"
        if not executable.exists():
            raise ScrapydError(f"{executable} is missing: install the dev extras (make setup-test)")
        self._spawn([str(executable), "--pidfile="], cwd=self.workdir, env=env)
        self.url = f"http://127.0.0.1:{self.port}/"
        self._wait_until(self._answers, self.url, START_TIMEOUT, 0.2)
        return self.url

    def _answers(self) -> bool:
        try:
            return bool(self.get("daemonstatus.json").get("status") == "ok")
        except (OSError, ScrapydError):
            return False

    # -- JSON API ----------------------------------------------------------------------------
    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call(urllib.request.Request(self.url + endpoint + query))

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(data).encode("utf-8")
        return self._call(urllib.request.Request(self.url + endpoint, data=body, method="POST"))

    def _call(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer: dict[str, Any] = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:2000]
            raise ScrapydError(f"{request.full_url}: HTTP {exc.code}: {detail}") from None
        if answer.get("status") != "ok":
            raise ScrapydError(f"{request.full_url}: {json.dumps(answer, ensure_ascii=False)}")
        return answer

    def schedule(self, project: str, spider: str, settings: dict[str, str], **args: str) -> str:
        """``schedule.json``; settings go as repeated ``setting=NAME=VALUE``; returns the job id."""
        data = [("project", project), ("spider", spider)]
        data += [("setting", f"{k}={v}") for k, v in settings.items()]
        data += list(args.items())
        return str(self.post("schedule.json", data)["jobid"])

    def wait_job(self, project: str, job: str, timeout: float = 180) -> dict[str, Any]:
        """Poll ``listjobs.json`` until the job is finished; its entry (with ``log_url``)."""
        deadline = time.monotonic() + timeout
        state = "unknown"
        while time.monotonic() < deadline:
            jobs = self.get("listjobs.json", project=project)
            for state in ("pending", "running", "finished"):
                found = [j for j in jobs.get(state, []) if j.get("id") == job]
                if found:
                    if state == "finished":
                        return dict(found[0])
                    break
            else:
                state = "missing"
            time.sleep(0.5)
        raise ScrapydError(f"job {job} still {state} after {timeout}s:\n{self.log_tail()}")

    def job_log(self, project: str, spider: str, job: str) -> str:
        path = self.logs_dir / project / spider / f"{job}.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no job log at {path}: {exc})"

    # -- deploying ---------------------------------------------------------------------------
    def deploy(
        self, project: str, version: str, source: Path = ROOT
    ) -> subprocess.CompletedProcess[str]:
        """``scrapyd-deploy test -p PROJECT -v VERSION`` from a copy of ``source`` whose
        ``scrapy.cfg`` has a ``[deploy:test]`` target naming this server."""
        copy = self.workdir / "checkout"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(source, copy, ignore=_NOT_COPIED)
        with (copy / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
            cfg.write(f"\n[deploy:test]\nurl = {self.url}\nproject = {project}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
        done = subprocess.run(
            [str(BIN / "scrapyd-deploy"), "test", "-p", project, "-v", version],
            cwd=copy, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ScrapydError(
                f"scrapyd-deploy exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
                f"\n--- stderr\n{done.stderr[-3000:]}"
            )
        return done

    def deployed_egg(self, project: str, version: str) -> Path:
        """The egg file scrapyd stored for a project version."""
        eggs = sorted((self.eggs_dir / project).glob(f"{version}*.egg"))
        if not eggs:
            listing = sorted(p.name for p in self.eggs_dir.rglob("*"))
            raise ScrapydError(f"no egg for {project} {version} in {self.eggs_dir}: {listing}")
        return eggs[0]


def egg_names(egg: Path) -> set[str]:
    with zipfile.ZipFile(egg) as archive:
        return set(archive.namelist())
