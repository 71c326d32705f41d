"""One ``opinion run --scrapyd`` cycle: schedule each site's crawl on scrapyd, unless its
previous job is still pending or running there.

Job ids are ``SITE.YYYYMMDDTHHMMSSZ-xxxx``, so which site a job crawls is known from scrapyd
alone: a restarted ``opinion run``, or a second one, does not pile jobs up either. Pending
jobs scheduled by other tools count through their ``site`` argument.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from opinion_spiders.errors import ConfigError
from opinion_spiders.scheduling.scrapyd_api import (
    ScrapydAPI,
    ScrapydDown,
    ScrapydError,
    ScrapydMisaddressed,
    ScrapydRejected,
)

JOB_ID = re.compile(r"^(?P<site>.+)\.\d{8}T\d{6}Z-[0-9a-f]{4}$")
ACTIVE = ("running", "pending")


class SiteSpider(NamedTuple):
    """A site and the spider that crawls it (``opinion crawl SITE`` runs the same)."""

    site: str
    spider: str


def _safe(site: str) -> str:
    """The site name as scrapyd can use it in a log file name."""
    return re.sub(r"[^\w.-]", "_", site)


def new_job_id(site: str, now: datetime) -> str:
    return f"{_safe(site)}.{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def job_site(job: Mapping[str, Any]) -> str | None:
    """The (log-safe) site a listed job crawls: its ``site`` argument, else its id."""
    args = job.get("args")
    if isinstance(args, Mapping) and args.get("site"):
        return _safe(str(args["site"]))
    found = JOB_ID.match(str(job.get("id", "")))
    return found.group("site") if found else None


def active_jobs(listing: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Site → (state, job) for jobs still running or pending, running first."""
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for state in ACTIVE:
        for job in _jobs(listing, state):
            site = job_site(job)
            if site is not None:
                out.setdefault(site, (state, job))
    return out


def last_finished(listing: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Site → its most recently ended job among those scrapyd still lists as finished."""
    out: dict[str, Mapping[str, Any]] = {}
    for job in sorted(_jobs(listing, "finished"), key=lambda j: str(j.get("end_time", ""))):
        site = job_site(job)
        if site is not None:
            out[site] = job
    return out


def _jobs(listing: Mapping[str, Any], state: str) -> Iterable[Mapping[str, Any]]:
    return [j for j in listing.get(state) or () if isinstance(j, Mapping)]


def _time(job: Mapping[str, Any], key: str) -> str:
    return str(job.get(key) or "?")[:19]


@dataclass
class ScrapydCycle:
    """Called once a cycle; says a line per site and returns (exit code, summary)."""

    api: ScrapydAPI
    project: str
    targets: Sequence[SiteSpider]
    settings: Mapping[str, str]
    say: Callable[[str], Any] = print
    contacted: bool = field(default=False, init=False)

    def __call__(self) -> tuple[int, str]:
        where = f"scrapyd {self.api.shown} project {self.project}"
        try:
            listing = self._answer(lambda: self.api.get("listjobs.json", project=self.project))
        except ScrapydError as exc:
            self.say(f"  {self._hint(exc)}; trying again next cycle")
            return 1, f"{where}: nothing scheduled"
        active, finished = active_jobs(listing), last_finished(listing)
        counts = dict.fromkeys(("scheduled", "skipped", "failed"), 0)
        for done, target in enumerate(self.targets):
            try:
                counts[self._site(target, active, finished)] += 1
            except ScrapydDown as exc:  # the rest would wait out the same timeout
                counts["failed"] += len(self.targets) - done
                self.say(f"  {target.site} and the rest: not scheduled: {exc}")
                break
        summary = f"{where}: {counts['scheduled']} scheduled, {counts['skipped']} skipped "
        summary += "(still pending or running)"
        if counts["failed"]:
            return 1, summary + f", {counts['failed']} failed"
        return 0, summary

    def _site(
        self,
        target: SiteSpider,
        active: Mapping[str, tuple[str, Mapping[str, Any]]],
        finished: Mapping[str, Mapping[str, Any]],
    ) -> str:
        """Schedule one site unless its last job is still active; says and returns what
        happened."""
        key = _safe(target.site)
        if key in active:
            state, job = active[key]
            since = f" since {_time(job, 'start_time')}" if state == "running" else ""
            self.say(f"  {target.site}: skipped, job {job.get('id')} is still {state}{since}")
            return "skipped"
        try:
            job_id = self._schedule(target)
        except (ScrapydRejected, ScrapydMisaddressed) as exc:
            self.say(f"  {target.site}: not scheduled: {self._hint(exc)}")
            return "failed"
        last = finished.get(key)
        before = f"; last job {last.get('id')} finished {_time(last, 'end_time')}" if last else ""
        self.say(f"  {target.site}: scheduled job {job_id} (pending){before}")
        return "scheduled"

    def _schedule(self, target: SiteSpider) -> str:
        job_id = new_job_id(target.site, datetime.now(UTC))
        data = [("project", self.project), ("spider", target.spider), ("jobid", job_id)]
        data += [("setting", f"{k}={v}") for k, v in self.settings.items()]
        data.append(("site", target.site))
        answer = self._answer(lambda: self.api.post("schedule.json", data))
        return str(answer.get("jobid", job_id))

    def _answer(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """One API call; a wrong address at the very first contact ends the run (a typo)."""
        first, self.contacted = not self.contacted, True
        try:
            return call()
        except ScrapydMisaddressed as exc:
            if first:
                raise ConfigError("opinion run --scrapyd", "", str(exc)) from None
            raise

    def _hint(self, exc: ScrapydError) -> str:
        text = str(exc)
        if isinstance(exc, ScrapydRejected) and "project" in text and "not found" in text:
            text += (
                f": check --project {self.project} and that it is deployed "
                f"(scrapyd-deploy -p {self.project}; listprojects.json lists them)"
            )
        elif isinstance(exc, ScrapydRejected) and "spider" in text and "not found" in text:
            text += ": the deployed egg lacks that spider; deploy this checkout again"
        return text
