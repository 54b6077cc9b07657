"""Stores for the shared-state tests: each test runs on the memory store and on Redis (database 11).

``replica_store`` makes the store one replica of the channel would use: on memory, the same store for
every call (replicas sharing nothing could not pass these tests); on Redis, a new ``RedisStore`` per
call, so two "replicas" share only what is in the Redis server. The Redis runs are skipped with the
reason when 127.0.0.1:6379 does not answer.
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
import redis

from bot.channels.shared_state import ENV_VAR, MemoryStore, RedisStore, Store

#: The tests' own database; flushed before and after each test that uses it.
REDIS_TEST_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture()
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at 127.0.0.1:6379 ({type(exc).__name__}): Redis backend untested")
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


@pytest.fixture()
def redis_client(redis_url) -> Iterator[redis.Redis]:
    """A plain client on the test database, to look at what the store wrote."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(params=["memory", "redis"])
def replica_store(request, monkeypatch) -> Callable[[], Store]:
    monkeypatch.delenv(ENV_VAR, raising=False)
    if request.param == "memory":
        shared = MemoryStore()
        return lambda: shared
    url = request.getfixturevalue("redis_url")
    return lambda: RedisStore(url)
