"""Per-conversation notes the input channels keep, shared by every Rasa replica behind a load balancer.

With ``STATE_REDIS_URL`` unset (the default) a store is a dictionary in this process's memory, which
is all a single Rasa process needs. With it set (``redis://127.0.0.1:6379/2``) every replica reads and
writes the same Redis database, so a reply to the bot's question, a button press or the WeChat
platform's retry may reach any replica.

Both backends keep the same few operations, each with an expiry, so the channels have one code path:
``get``, ``set``, ``pop`` (read and delete at once), ``claim`` (set only when absent: exactly one
caller wins), and a bounded set of recent members per key (``add_recent`` / ``has_recent``).

Redis down or restarting never fails a message: a failed call is logged once (no keys, no values)
and this process keeps its notes in its own memory until Redis answers again, as one replica alone
would. Notes written to Redis before the outage are not seen meanwhile (no expectation, no offered
button, a retry on another replica runs the bot again). The client reconnects by itself; after a
failure Redis is tried again after a pause that grows while it stays down, so a Redis that hangs
cannot hold up the event loop on every message. Callers store no raw personal data: keys carry
sender ids (checked to hold none) and values are kinds, bot-made payloads and the bot's replies.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

import redis

logger = logging.getLogger(__name__)

ENV_VAR = "STATE_REDIS_URL"
#: Keys a memory store holds at most (the least recently written go first).
DEFAULT_SIZE = 20000
#: Redis answers on loopback in ~0.1 ms; a call that takes longer than this is a Redis in trouble.
SOCKET_SECONDS = 0.5
#: An idle connection is PINGed before use after this long, so a restarted Redis is noticed early.
HEALTH_CHECK_SECONDS = 5
#: After a failure, Redis is tried again after FIRST_PAUSE seconds, doubling up to MAX_PAUSE.
FIRST_PAUSE, MAX_PAUSE = 1.0, 30.0


class Store(Protocol):
    """What the channels need of a store; ``ttl`` is in seconds."""

    def get(self, key: str) -> Optional[str]: ...

    def set(self, key: str, value: str, ttl: float) -> None: ...

    def pop(self, key: str) -> Optional[str]: ...

    def claim(self, key: str, value: str, ttl: float) -> bool: ...

    def add_recent(self, key: str, members: List[str], limit: int, ttl: float) -> None: ...

    def has_recent(self, key: str, member: str, ttl: float) -> bool: ...


class MemoryStore:
    """The store in this process's memory: bounded in keys, each key expiring on its own."""

    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: "OrderedDict[str, Tuple[Any, float]]" = OrderedDict()
        self._lock = threading.Lock()
        self.size, self._clock = size, clock

    def _live(self, key: str) -> Any:
        item = self._items.get(key)
        if item is not None and item[1] <= self._clock():
            del self._items[key]
            return None
        return item[0] if item else None

    def _put(self, key: str, value: Any, ttl: float) -> None:
        self._items.pop(key, None)
        self._items[key] = (value, self._clock() + ttl)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str) -> Optional[str]:
        with self._lock:
            return self._live(key)

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._put(key, value, ttl)

    def pop(self, key: str) -> Optional[str]:
        with self._lock:
            value = self._live(key)
            self._items.pop(key, None)
            return value

    def claim(self, key: str, value: str, ttl: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._put(key, value, ttl)
            return True

    def add_recent(self, key: str, members: List[str], limit: int, ttl: float) -> None:
        """Note ``members`` as added now; the key keeps the ``limit`` most recent ones for ``ttl``."""
        if not members:
            return
        with self._lock:
            now = self._clock()
            recent: Dict[str, float] = dict(self._live(key) or {})
            for m in members:
                recent.pop(m, None)  # added again: now the newest
                recent[m] = now
            while len(recent) > limit:
                recent.pop(next(iter(recent)))
            self._put(key, recent, ttl)

    def has_recent(self, key: str, member: str, ttl: float) -> bool:
        """Whether ``member`` was added to ``key`` less than ``ttl`` seconds ago."""
        with self._lock:
            added = (self._live(key) or {}).get(member)
            return added is not None and self._clock() - added < ttl


class _Link:
    """One Redis client per URL in this process, and whether Redis answered lately."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_SECONDS,
            socket_connect_timeout=SOCKET_SECONDS,
            health_check_interval=HEALTH_CHECK_SECONDS,
            decode_responses=True,
        )
        self.first_pause = FIRST_PAUSE
        self._pause = 0.0
        self._retry_at = 0.0

    def usable(self) -> bool:
        return time.monotonic() >= self._retry_at

    def failed(self, exc: Exception) -> None:
        if not self._pause:
            logger.warning(
                "Shared state: Redis unreachable (%s); this process keeps conversation notes in its own "
                "memory until Redis answers again", type(exc).__name__
            )
        self._pause = min(self._pause * 2, MAX_PAUSE) if self._pause else self.first_pause
        self._retry_at = time.monotonic() + self._pause

    def answered(self) -> None:
        if self._pause:
            logger.info("Shared state: Redis answers again")
            self._pause = 0.0


@lru_cache(maxsize=None)
def _link(url: str) -> _Link:
    return _Link(url)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisStore:
    """The store in Redis, shared by every replica; this process's memory while Redis is unreachable."""

    def __init__(self, url: str, size: int = DEFAULT_SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.link = _link(url)
        self.fallback = MemoryStore(size, clock)

    def _run(self, name: str, *args: Any) -> Any:
        """Operation ``name`` on Redis (``_redis_<name>``), or on the memory fallback when Redis fails."""
        if self.link.usable():
            try:
                result = getattr(self, "_redis_" + name)(self.link.client, *args)
            except redis.RedisError as exc:  # ConnectionError, TimeoutError, a server refusing the command
                self.link.failed(exc)
            else:
                self.link.answered()
                return result
        return getattr(self.fallback, name)(*args)

    def get(self, key: str) -> Optional[str]:
        return self._run("get", key)

    def set(self, key: str, value: str, ttl: float) -> None:
        self._run("set", key, value, ttl)

    def pop(self, key: str) -> Optional[str]:
        return self._run("pop", key)

    def claim(self, key: str, value: str, ttl: float) -> bool:
        return self._run("claim", key, value, ttl)

    def add_recent(self, key: str, members: List[str], limit: int, ttl: float) -> None:
        self._run("add_recent", key, members, limit, ttl)

    def has_recent(self, key: str, member: str, ttl: float) -> bool:
        return self._run("has_recent", key, member, ttl)

    @staticmethod
    def _redis_get(r: redis.Redis, key: str) -> Optional[str]:
        return r.get(key)

    @staticmethod
    def _redis_set(r: redis.Redis, key: str, value: str, ttl: float) -> None:
        r.set(key, value, px=_ms(ttl))

    @staticmethod
    def _redis_pop(r: redis.Redis, key: str) -> Optional[str]:
        return r.getdel(key)  # Redis ≥ 6.2

    @staticmethod
    def _redis_claim(r: redis.Redis, key: str, value: str, ttl: float) -> bool:
        return bool(r.set(key, value, nx=True, px=_ms(ttl)))

    @staticmethod
    def _redis_add_recent(r: redis.Redis, key: str, members: List[str], limit: int, ttl: float) -> None:
        if not members:
            return
        # a sorted set scored by wall time (replicas share it; their monotonic clocks differ); a tiny
        # step per member keeps the order of one call, so trimming drops the earliest first
        now = time.time()
        pipe = r.pipeline(transaction=True)
        pipe.zadd(key, {m: now + i * 1e-6 for i, m in enumerate(members)})
        pipe.zremrangebyscore(key, "-inf", now - ttl)
        pipe.zremrangebyrank(key, 0, -limit - 1)
        pipe.pexpire(key, _ms(ttl))
        pipe.execute()

    @staticmethod
    def _redis_has_recent(r: redis.Redis, key: str, member: str, ttl: float) -> bool:
        added = r.zscore(key, member)
        return added is not None and time.time() - added < ttl


def open_store(size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.monotonic,
               url: Optional[str] = None) -> Store:
    """A store for one purpose: Redis when ``url`` (default ``$STATE_REDIS_URL``) is set, else memory.

    ``size`` and ``clock`` are the memory store's (in Redis mode: its fallback's).
    """
    url = os.environ.get(ENV_VAR, "").strip() if url is None else url
    return RedisStore(url, size, clock) if url else MemoryStore(size, clock)
