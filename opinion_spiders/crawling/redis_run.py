"""One crawl run of one site shared by several processes through Redis (no Scrapy here), and
the client helpers of the distributed mode.

Keys live under ``opinion:{SPIDER:SITE:DIGEST}`` (one hash slot); run ``N`` has
``…:run:N:queue`` (a sorted set: score = -priority, member = a sequence number and the request,
so equal priorities come out first in, first out), ``…:seen`` (request fingerprints),
``…:workers`` (process -> heartbeat deadline), ``…:busy`` (processes working right now),
``…:proc:WORKER`` (every request that process took in this run) and ``…:over``. Every step
that reads and writes is one Lua script, so no process sees half of another's step; the clock
is Redis' own, not the machines'.

A run ends when its queue is empty and no live process is busy: it is marked over, and a process
that joins later starts a new run with an empty queue and seen set (listings are read again; the
store's bookmarks decide which threads are walked). A process whose heartbeat lapses counts as
dead, and everything it took goes back to the queue: its posts may not have reached the store
(they are written in batches, at the latest when a process closes), so its pages are fetched
again by the others — at least once, never lost; the store's writes are idempotent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from opinion_spiders.errors import ConfigError

#: Keys of a run vanish this long after their last use, even if every process died.
KEY_TTL = 2 * 86400
#: Bytes before the request in a queue member: a zero-padded sequence number and ":".
SEQ_WIDTH = 16

_LIB = """
local function clock()
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function touch(r, ttl)
  for _, k in ipairs({r .. ':queue', r .. ':seen', r .. ':workers', r .. ':busy', r .. ':over'}) do
    redis.call('EXPIRE', k, ttl)
  end
end
local function reap(r, now)
  local dead = redis.call('ZRANGEBYSCORE', r .. ':workers', '-inf', now)
  local moved = 0
  for _, w in ipairs(dead) do
    local p = r .. ':proc:' .. w
    local items = redis.call('ZRANGE', p, 0, -1, 'WITHSCORES')
    for i = 1, #items, 2 do
      redis.call('ZADD', r .. ':queue', items[i + 1], items[i])
      moved = moved + 1
    end
    redis.call('DEL', p)
    redis.call('ZREM', r .. ':workers', w)
    redis.call('SREM', r .. ':busy', w)
  end
  return moved
end
local function drop(r)
  for _, w in ipairs(redis.call('ZRANGE', r .. ':workers', 0, -1)) do
    redis.call('DEL', r .. ':proc:' .. w)
  end
  redis.call('DEL', r .. ':queue', r .. ':seen', r .. ':workers', r .. ':busy', r .. ':over')
end
local b, run, worker, timeout, ttl = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local r = b .. ':run:' .. run
"""

# Join the current run unless it is over or has no live process left; else start run N+1.
_JOIN = """
local now = clock()
local current = redis.call('GET', b .. ':run')
if current then
  local cr = b .. ':run:' .. current
  reap(cr, now)
  if redis.call('EXISTS', cr .. ':over') == 1 then
    current = false
  elseif redis.call('ZCARD', cr .. ':workers') == 0 then
    drop(cr)
    current = false
  end
end
if not current then current = tostring(redis.call('INCR', b .. ':runs')) end
redis.call('SET', b .. ':run', current, 'EX', ttl)
r = b .. ':run:' .. current
redis.call('ZADD', r .. ':workers', now + timeout, worker)
touch(r, ttl)
return current
"""

_PUSH = """
local n = redis.call('INCR', b .. ':seq')
redis.call('EXPIRE', b .. ':seq', ttl)
redis.call('ZADD', r .. ':queue', ARGV[5], string.format('%015d', n) .. ':' .. ARGV[6])
"""

# A new request: unless its fingerprint (ARGV[7]) is seen already, record it and, in the same
# step, queue it — or, with no payload (a request only this process can run), mark this
# process busy. A request some process has seen is always queued or held by a busy process,
# so another process can never find the queue empty and nobody busy in between and call the
# run over before it started (as it could when the two were separate steps).
_OFFER = f"""
if ARGV[7] ~= '' and redis.call('SADD', r .. ':seen', ARGV[7]) == 0 then return 0 end
if ARGV[6] == '' then
  redis.call('SADD', r .. ':busy', worker)
  return 1
end
{_PUSH}
return 1
"""

# Take the first request, in one step with recording it as this process's and marking it busy.
_POP = """
local item = redis.call('ZPOPMIN', r .. ':queue')
if #item == 0 then return false end
redis.call('ZADD', r .. ':proc:' .. worker, item[2], item[1])
redis.call('EXPIRE', r .. ':proc:' .. worker, ttl)
redis.call('SADD', r .. ':busy', worker)
redis.call('ZADD', r .. ':workers', clock() + timeout, worker)
return item[1]
"""

# This process is idle (what it took is done). Returns {over, requeued from dead processes}.
_IDLE = """
local now = clock()
redis.call('SREM', r .. ':busy', worker)
redis.call('ZADD', r .. ':workers', now + timeout, worker)
touch(r, ttl)
if redis.call('EXISTS', r .. ':over') == 1 then return {1, 0} end
local moved = reap(r, now)
if redis.call('ZCARD', r .. ':queue') > 0 or redis.call('SCARD', r .. ':busy') > 0 then
  return {0, moved}
end
redis.call('SET', r .. ':over', '1', 'EX', ttl)
return {1, moved}
"""

_BEAT = """
redis.call('ZADD', r .. ':workers', clock() + timeout, worker)
touch(r, ttl)
"""

# Called once this process's posts are written: the last live process out removes the run.
_LEAVE = """
redis.call('DEL', r .. ':proc:' .. worker)
redis.call('ZREM', r .. ':workers', worker)
redis.call('SREM', r .. ':busy', worker)
reap(r, clock())
if redis.call('ZCARD', r .. ':workers') > 0 then return 0 end
drop(r)
if redis.call('GET', b .. ':run') == run then redis.call('DEL', b .. ':run') end
return 1
"""


class SharedRun:
    """This process's handle on the shared run of one site: ``join`` first, ``leave`` last."""

    def __init__(self, client: redis.Redis, base: str, worker: str, timeout: float) -> None:
        self.client = client
        self.base = base
        self.worker = worker
        self.timeout = timeout
        self.run = ""
        self.requeued = 0
        self._scripts = {
            name: client.register_script(_LIB + body)
            for name, body in (("join", _JOIN), ("push", _PUSH), ("offer", _OFFER), ("pop", _POP),
                               ("idle", _IDLE), ("beat", _BEAT), ("leave", _LEAVE))
        }  # fmt: skip

    def _call(self, name: str, *extra: Any) -> Any:
        args = [self.run or "-", self.worker, self.timeout, KEY_TTL, *extra]
        return self._scripts[name](keys=[self.base], args=args)

    @property
    def prefix(self) -> str:
        return f"{self.base}:run:{self.run}"

    def join(self) -> str:
        """Join the run in progress, or start a new one; returns its number."""
        self.run = _text(self._call("join"))
        return self.run

    def offer(self, payload: bytes | None, priority: int, fingerprint: str | None) -> bool:
        """Queue a new request, or with ``payload=None`` hold it in this process (which counts
        as busy until its next ``idle``); False, and nothing done, when its ``fingerprint`` was
        seen by some process of this run already. ``fingerprint=None`` skips the check."""
        return bool(self._call("offer", -priority, payload or b"", fingerprint or ""))

    def push(self, payload: bytes, priority: int) -> None:
        """Queue a request again (one this process took and gives back): no seen check."""
        self._call("push", -priority, payload)

    def pop(self) -> bytes | None:
        """The next request (highest priority, then oldest), now owned by this process."""
        member = self._call("pop")
        return bytes(member)[SEQ_WIDTH:] if member else None

    def idle(self) -> bool:
        """Say this process has finished what it popped; True when the whole run is over."""
        over, moved = self._call("idle")
        self.requeued += int(moved)
        return bool(over)

    def beat(self) -> None:
        self._call("beat")

    def leave(self) -> bool:
        """Stop taking part, once what this process collected is stored; True when it was the
        last one and the run's keys are gone."""
        return bool(self._call("leave"))

    def queued(self) -> int:
        return self.client.zcard(f"{self.prefix}:queue")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def safe_url(url: str) -> str:
    """The URL as it may be printed: the password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def connect(url: str) -> redis.Redis:
    """A client for ``url`` with timeouts, so a dead server stops a crawl instead of hanging it."""
    try:
        return redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=15, health_check_interval=30
        )
    except ValueError as exc:
        raise ConfigError("OPINION_REDIS_URL", safe_url(url), f"not a Redis URL: {exc}") from None


def check_url(url: str) -> None:
    """Raise ConfigError (one line: the URL and what to check) unless Redis answers there."""
    client = connect(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConfigError("OPINION_REDIS_URL", safe_url(url), unreachable(exc)) from None
    finally:
        client.close()


def unreachable(exc: BaseException) -> str:
    return (
        f"Redis does not answer ({type(exc).__name__}: {exc}); check that redis-server runs "
        "there and listens on that address, the port, the password and the database number"
    )
