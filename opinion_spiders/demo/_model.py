"""The demo sites' data: threads and posts in memory, guarded by one lock.

Times are stored tz-aware (Asia/Shanghai) so pages can show them the way each engine does,
absolute or relative to the server's clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
TARGETS = ("forum", "portal", "postbar")


@dataclass
class DemoPost:
    """One floor (or the body of an article)."""

    pid: int
    author: str
    uid: int
    text: str
    time: datetime
    floor: int
    quote: tuple[str, str] | None = None
    sign: str = ""
    edited: bool = False
    #: The replies inside this floor (a post bar's 楼中楼), oldest first.
    lzl: list[DemoPost] = field(default_factory=list)


@dataclass
class DemoThread:
    """A forum thread, a post-bar thread or a portal article (whose one post is the body)."""

    target: str
    tid: int
    board: str
    title: str
    views: int = 0
    sticky: bool = False
    broken: bool = False
    source: str = ""
    posts: list[DemoPost] = field(default_factory=list)
    bump: int = 0

    @property
    def created(self) -> datetime:
        return self.posts[0].time

    @property
    def last(self) -> DemoPost:
        return self.posts[-1]

    @property
    def replies(self) -> int:
        return len(self.posts) - 1


class DemoStore:
    """All demo threads; every read and write of the pages goes through ``lock``."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.threads: dict[str, dict[int, DemoThread]] = {t: {} for t in TARGETS}
        self.uids: dict[str, int] = {}
        self.next_pid = {"forum": 5001, "portal": 1, "postbar": 140000000001}
        self.next_spid = 150000000001  # a post bar's replies inside floors have ids of their own
        self.next_tid = {"forum": 1001, "portal": 1001, "postbar": 9100000001}
        self._bumps = 0

    def uid(self, author: str) -> int:
        """A stable user id per name, in order of first appearance."""
        return self.uids.setdefault(author, 100001 + len(self.uids))

    def new_thread(
        self, target: str, board: str, title: str, *, tid: int | None = None
    ) -> DemoThread:
        tid = tid if tid is not None else self.next_tid[target]
        self.next_tid[target] = max(self.next_tid[target], tid + 1)
        thread = DemoThread(target=target, tid=tid, board=board, title=title)
        self.threads[target][tid] = thread
        return thread

    def append(self, thread: DemoThread, author: str, text: str, when: datetime) -> DemoPost:
        pid = self.next_pid[thread.target]
        self.next_pid[thread.target] = pid + 1
        post = DemoPost(pid, author, self.uid(author), text, when, len(thread.posts) + 1)
        thread.posts.append(post)
        return post

    def reply_in_floor(self, floor: DemoPost, author: str, text: str, when: datetime) -> DemoPost:
        """A reply inside a post bar's floor (楼中楼), with its own id and the floor's number."""
        reply = DemoPost(self.next_spid, author, self.uid(author), text, when, floor.floor)
        self.next_spid += 1
        floor.lzl.append(reply)
        return reply

    def listing(self, target: str, board: str) -> list[DemoThread]:
        """Threads of one board, pinned first, then by last reply (newest first)."""
        rows = [t for t in self.threads[target].values() if t.board == board]
        rows.sort(key=lambda t: (t.sticky, t.last.time, t.bump, t.tid), reverse=True)
        return rows

    def add_post(
        self, target: str, thread: str | None, title: str, content: str, author: str
    ) -> tuple[DemoThread, DemoPost]:
        """Add a thread (``thread=None``) or a reply; raise ValueError/KeyError on bad input."""
        if target not in TARGETS:
            raise ValueError(f"target must be one of {list(TARGETS)}, not {target!r}")
        if not content.strip():
            raise ValueError("content must not be empty")
        with self.lock:
            now = self.clock()
            if thread is None:
                if not title.strip():
                    raise ValueError("a new thread or article needs a title")
                found = self.new_thread(target, self.default_board(target), title.strip())
            else:
                found = self._find(target, thread)
            self._bumps += 1
            found.bump = self._bumps
            return found, self.append(found, author or "新用户", content.strip(), now)

    def _find(self, target: str, thread: str) -> DemoThread:
        if target == "portal":
            raise ValueError("portal articles take no replies; leave thread empty")
        try:
            return self.threads[target][int(str(thread).strip())]
        except (ValueError, KeyError):
            raise KeyError(f"no {target} thread {thread!r}") from None

    def default_board(self, target: str) -> str:
        """Where new threads go: the first board of the site."""
        first = min(self.threads[target].values(), key=lambda t: t.tid, default=None)
        return first.board if first else ""


def minutes_ago(anchor: datetime, minutes: float) -> datetime:
    return anchor - timedelta(minutes=minutes)
