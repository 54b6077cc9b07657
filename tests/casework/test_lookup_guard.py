"""The lookup guard: failures counted per target across senders, per sender, globally; locks end."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from casework.lookup_guard import Limits, LookupGuard
from casework.privacy import hmac_of

T0 = dt.datetime(2026, 11, 25, 10, 0)
TARGET = hmac_of("app:YBCZ202611200001")
PERSON = hmac_of("person:1")


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.fixture()
def guard(engine) -> LookupGuard:
    return LookupGuard(engine, Limits())


def sender(i: int) -> str:
    return hmac_of(f"sender:attacker-{i}")


def test_rotating_senders_does_not_help(guard):
    """Five failures from five different senders lock the target for everybody, the owner too."""
    for i in range(5):
        assert guard.check(sender(i), [TARGET], T0 + minutes(i)).allowed
        verdict = guard.record(sender(i), [TARGET], False, T0 + minutes(i))
    assert not verdict.allowed and verdict.reason == "target_locked"
    assert verdict.until == T0 + minutes(4) + dt.timedelta(hours=24)
    for who in (sender(99), hmac_of("sender:owner")):
        refused = guard.check(who, [TARGET], T0 + minutes(10))
        assert not refused.allowed and refused.reason == "target_locked"
    # another target is untouched; the lock ends after a day
    assert guard.check(sender(99), [hmac_of("app:other")], T0 + minutes(10)).allowed
    assert guard.check(sender(99), [TARGET], T0 + minutes(4) + dt.timedelta(hours=24)).allowed


def test_failures_count_against_the_person_whichever_key(guard):
    """Guessing through the application number and through the ID number adds up on the person."""
    by_id = hmac_of("431002199501011248")
    for i in range(3):
        guard.record(sender(i), [TARGET, PERSON], False, T0 + minutes(i))
    for i in range(3, 5):
        verdict = guard.record(sender(i), [by_id, PERSON], False, T0 + minutes(i))
    assert verdict.reason == "target_locked"
    assert not guard.check(sender(7), [hmac_of("app:YBCZ202611200002"), PERSON], T0 + minutes(6)).allowed


def test_success_resets_nothing(guard):
    """A success (one's own application) between guesses does not give the sender more guesses."""
    me = sender(1)
    guard.record(me, [TARGET], False, T0)
    guard.record(me, [hmac_of("app:mine")], True, T0 + minutes(1))
    guard.record(me, [TARGET], False, T0 + minutes(2))
    verdict = guard.record(me, [TARGET], False, T0 + minutes(3))
    assert verdict.reason == "sender_locked" and verdict.until == T0 + minutes(33)
    assert not guard.check(me, [hmac_of("app:mine")], T0 + minutes(20)).allowed
    assert guard.check(me, [hmac_of("app:mine")], T0 + minutes(33)).allowed


def test_remaining_is_the_smallest_budget(guard):
    guard.record(sender(1), [TARGET], False, T0)
    guard.record(sender(2), [TARGET], False, T0)
    guard.record(sender(3), [TARGET], False, T0)
    assert guard.record(sender(4), [TARGET], False, T0).remaining == 1  # the target has 1 left
    assert guard.record(sender(5), [hmac_of("app:x")], False, T0).remaining == 2  # the sender has 2


def test_failures_age_out_of_the_window(guard):
    for i in range(4):
        guard.record(sender(i), [TARGET], False, T0 + minutes(i))
    later = T0 + dt.timedelta(hours=25)
    verdict = guard.record(sender(9), [TARGET], False, later)
    assert verdict.allowed and verdict.remaining == 2  # the sender's budget: 3 - 1


def test_sender_rate_limit_counts_successes_too(guard):
    me = sender(1)
    for i in range(10):
        assert guard.check(me, [], T0 + minutes(i)).allowed
        guard.record(me, [hmac_of(f"app:{i}")], True, T0 + minutes(i))
    refused = guard.check(me, [], T0 + minutes(11))
    assert refused.reason == "sender_rate" and refused.until == T0 + dt.timedelta(hours=1)
    assert guard.check(me, [], T0 + dt.timedelta(hours=1, minutes=1)).allowed


def test_global_failures_pause_everybody(engine):
    guard = LookupGuard(engine, Limits(global_failures=6))
    for i in range(6):
        verdict = guard.record(sender(i), [hmac_of(f"app:{i}")], False, T0 + dt.timedelta(seconds=i))
    assert verdict.reason == "global_busy"
    refused = guard.check(hmac_of("sender:innocent"), [hmac_of("app:mine")], T0 + minutes(1))
    assert refused.reason == "global_busy" and refused.until == T0 + dt.timedelta(seconds=5) + minutes(5)
    assert guard.check(hmac_of("sender:innocent"), [], T0 + minutes(6)).allowed


def test_state_is_in_the_database_not_the_process(engine):
    """A second guard on the same database (another action-server process) sees the lock."""
    first, second = LookupGuard(engine, Limits()), LookupGuard(engine, Limits())
    for i in range(5):
        first.record(sender(i), [TARGET], False, T0)
    assert second.check(sender(42), [TARGET], T0 + minutes(1)).reason == "target_locked"


def test_locks_and_their_end_are_logged_without_personal_data(guard, caplog):
    caplog.set_level(logging.INFO)
    raw_id = "431002199501011248"
    for i in range(5):
        guard.record(sender(i), [hmac_of(raw_id)], False, T0)
    guard.check(sender(1), [hmac_of(raw_id)], T0 + dt.timedelta(days=2))
    assert "lookups locked: scope=target" in caplog.text and "lookup lock ended: scope=target" in caplog.text
    assert raw_id not in caplog.text and hmac_of(raw_id) not in caplog.text  # an 8-character prefix only


def test_limits_from_env_and_daily_budget(monkeypatch):
    monkeypatch.setenv("LOOKUP_TARGET_FAILURES", "4")
    monkeypatch.setenv("LOOKUP_TARGET_LOCK_MINUTES", "60")
    limits = Limits.from_env()
    assert limits.target_failures == 4 and limits.target_lock == dt.timedelta(hours=1)
    assert Limits().guesses_per_target_per_day() == 5


@pytest.mark.postgres
def test_locks_hold_across_processes_on_postgres():
    """The scaled topology keeps the guard on PostgreSQL: two guards (two processes) share one lock."""
    import os

    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("KB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'yibao_casework_test'")).first():
                conn.execute(text('CREATE DATABASE "yibao_casework_test"'))
    except Exception as exc:  # no server here: say why instead of failing
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {exc.__class__.__name__}".splitlines()[0])
    engine = create_engine(admin.url.set(database="yibao_casework_test"), future=True)
    from casework.schema import LookupAttempt, LookupLock, create_schema

    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(LookupAttempt.__table__.delete())
        conn.execute(LookupLock.__table__.delete())
    first, second = LookupGuard(engine, Limits()), LookupGuard(engine, Limits())
    for i in range(5):
        (first if i % 2 else second).record(sender(i), [TARGET, PERSON], False, T0 + minutes(i))
    refused = second.check(sender(42), [hmac_of("app:other"), PERSON], T0 + minutes(6))
    assert refused.reason == "target_locked" and refused.until == T0 + minutes(4) + dt.timedelta(hours=24)
    engine.dispose()
    admin.dispose()
