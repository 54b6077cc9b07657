"""The shared state store (memory and Redis) and the inbound guard's notes shared by two replicas."""

from __future__ import annotations

import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List


from bot.channels.inbound import STALE_BUTTON, InboundGuard, OfferedButtons
from bot.channels.pii_guard import Expectations
from bot.channels.shared_state import ENV_VAR, MemoryStore, RedisStore, open_store
from casework.privacy import hmac_of
from tests.bot.fake_wechat import free_port
from tests.bot.test_inbound import KNOWN

NAME = "郭桂浩"


def test_the_memory_store_is_the_default_and_the_variable_chooses_redis(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert isinstance(open_store(), MemoryStore)
    monkeypatch.setenv(ENV_VAR, "redis://127.0.0.1:6379/11")
    assert isinstance(open_store(), RedisStore)  # (connects only when used)


# -- the store's operations, on both backends -------------------------------------------------------


def test_values_expire(replica_store):
    store = replica_store()
    store.set("k", "v", 0.2)
    assert store.get("k") == "v" and not store.claim("k", "w", 5)
    time.sleep(0.3)
    assert store.get("k") is None and store.pop("k") is None
    assert store.claim("k", "w", 5) and store.get("k") == "w"


def test_pop_hands_a_value_to_exactly_one_caller(replica_store):
    for round_ in range(5):
        replica_store().set(f"once{round_}", "name", 5)
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda _: replica_store().pop(f"once{round_}"), range(8)))
        assert got.count("name") == 1 and got.count(None) == 7


def test_a_claim_is_won_once_and_keeps_the_winners_value(replica_store):
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda i: replica_store().claim("claim", f"v{i}", 5), range(8)))
    assert won.count(True) == 1
    winner = f"v{won.index(True)}"
    assert replica_store().get("claim") == winner
    assert not replica_store().claim("claim", "other", 5) and replica_store().get("claim") == winner


def test_recent_members_are_bounded_per_key_and_age_on_their_own(replica_store):
    store = replica_store()
    store.add_recent("a", [f"/p{i}" for i in range(10)], 5, 60)
    assert [store.has_recent("a", f"/p{i}", 60) for i in range(10)] == [False] * 5 + [True] * 5
    store.add_recent("a", ["/p5"], 5, 60)  # offered again: now the newest
    store.add_recent("a", ["/p10"], 5, 60)
    assert not store.has_recent("a", "/p6", 60) and store.has_recent("a", "/p5", 60)
    assert not store.has_recent("b", "/p5", 60)  # per key
    store.add_recent("b", ["/old"], 5, 60)
    time.sleep(0.3)
    store.add_recent("b", ["/new"], 5, 60)  # refreshes the key, not the older member
    assert store.has_recent("b", "/new", 0.25) and not store.has_recent("b", "/old", 0.25)


# -- the guard's notes, shared by two replicas ------------------------------------------------------


def test_two_replicas_see_one_anothers_expectations_and_offers(replica_store):
    a, b = InboundGuard(300, KNOWN, store=replica_store()), InboundGuard(300, KNOWN, store=replica_store())
    a.outgoing("u-rep", [{"text": "请输入姓名", "custom": {"pii_expect": "name"}}])
    first = b.incoming("u-rep", NAME)  # the reply reaches the other replica
    assert NAME not in first.text and hmac_of(NAME) in first.text
    assert a.incoming("u-rep", NAME).text == NAME  # used up, on both
    payload = '/inform{"region": "elsewhere"}'  # no KB key: passes only as an offered button
    a.outgoing("u-rep", [{"text": "请选择", "buttons": [{"title": "别处", "payload": payload}]}])
    assert b.incoming("u-rep", payload).text == payload
    assert b.incoming("u-other", payload).stop == STALE_BUTTON


def test_guards_made_from_the_environment_share_redis(redis_url, redis_client, monkeypatch):
    monkeypatch.setenv(ENV_VAR, redis_url)
    a, b = InboundGuard(300, KNOWN), InboundGuard(300, KNOWN)
    a.outgoing("u-env", [{"custom": {"pii_expect": "phone_last4"}}, {"text": "选", "buttons": [{"payload": "/x"}]}])
    assert hmac_of("5678") in b.incoming("u-env", "5678").text
    assert b.offered.has("u-env", "/x")
    assert set(redis_client.keys()) == {"offers:u-env"}  # the expectation was popped


def test_redis_holds_no_personal_data_and_every_key_expires(redis_url, redis_client):
    guard = InboundGuard(300, KNOWN, store=RedisStore(redis_url))
    guard.outgoing("u-pii", [{"text": "请输入姓名", "custom": {"pii_expect": "name"}}])
    guard.outgoing("u-pii", [{"text": "请输入手机号后四位", "custom": {"pii_expect": "phone_last4"}}])
    guard.incoming("u-pii2", "我叫郭桂浩，电话13812345678")
    guard.outgoing("u-pii2", [{"text": "好", "buttons": [{"title": "查", "payload": "/more"}]}])
    dump = {k: redis_client.dump(k) for k in redis_client.keys()}
    assert set(dump) == {"pii:expect:u-pii", "offers:u-pii2"}
    assert redis_client.get("pii:expect:u-pii") == "phone_last4"  # the kind only
    assert not any(NAME.encode() in v or b"13812345678" in v for v in dump.values())
    assert 0 < redis_client.pttl("pii:expect:u-pii") <= 600_000
    assert 0 < redis_client.pttl("offers:u-pii2") <= 86_400_000


def test_expectations_and_offers_take_a_store(replica_store):
    notes, offers = Expectations(store=replica_store()), OfferedButtons(per_sender=2, store=replica_store())
    notes.set("s", "name")
    assert Expectations(store=replica_store()).pop("s") == "name" and notes.pop("s") is None
    offers.add("s", ["/a", "/b", "/c"])
    other = OfferedButtons(store=replica_store())
    assert [other.has("s", p) for p in ("/a", "/b", "/c")] == [False, True, True]


# -- Redis unreachable, and back --------------------------------------------------------------------


class Forwarder:
    """A TCP forwarder from ``port`` to the test Redis: Redis appearing at a URL that was closed."""

    def __init__(self, port: int) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.05)
        self.sockets: List[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:  # closed
                return
            upstream = socket.create_connection(("127.0.0.1", 6379))
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        """Redis goes away: no new connections, and the open ones are dropped (as by a restart)."""
        self.running = False
        self.server.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def shared_state_warnings(caplog) -> List[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.channels.shared_state" and r.levelno >= logging.WARNING]


def test_with_redis_unreachable_the_guard_works_from_memory_and_warns_once(caplog):
    unreachable = open_store(url=f"redis://127.0.0.1:{free_port()}/11")  # nothing listens there
    guard = InboundGuard(300, KNOWN, store=unreachable)
    caplog.set_level(logging.INFO)
    guard.outgoing("u-down", [{"text": "请输入姓名", "custom": {"pii_expect": "name"}}])
    assert hmac_of(NAME) in guard.incoming("u-down", NAME).text  # this process's own notes still work
    guard.outgoing("u-down", [{"text": "选", "buttons": [{"payload": '/inform{"region": "x"}'}]}])
    assert guard.incoming("u-down", '/inform{"region": "x"}').text == '/inform{"region": "x"}'
    warnings = shared_state_warnings(caplog)
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]
    assert "u-down" not in caplog.text and NAME not in caplog.text


def test_the_store_uses_redis_again_once_it_answers_and_survives_a_restart(redis_url, redis_client, caplog):
    port = free_port()
    store = RedisStore(f"redis://127.0.0.1:{port}/11")
    store.link.first_pause = 0.05
    caplog.set_level(logging.INFO)
    assert store.claim("k1", "v", 60)  # unreachable: the memory fallback takes it
    time.sleep(0.06)
    assert store.get("k1") == "v" and redis_client.get("k1") is None  # tried again: still down, no new warning
    assert len(shared_state_warnings(caplog)) == 1
    forwarder = Forwarder(port)
    try:
        time.sleep(0.15)  # past the pause, doubled to 0.1
        store.set("k2", "v", 60)
        assert redis_client.get("k2") == "v"  # reconnected by itself
        assert any("answers again" in r.getMessage() for r in caplog.records)
        forwarder.close()  # a restart: the connection drops
        store.set("k3", "v", 60)  # (no exception)
        assert redis_client.get("k3") is None and store.get("k3") == "v"
        forwarder = Forwarder(port)
        time.sleep(0.1)
        assert store.get("k2") == "v"
    finally:
        forwarder.close()
    assert len(shared_state_warnings(caplog)) == 2  # one per outage
