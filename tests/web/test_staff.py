"""Staff accounts, sessions, the lockout and the look-up log, on SQLite and on the PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from tests.postgres import database_url
from web.staff import Base, StaffStore, create_demo_accounts, make_engine

TEST_DB = "yibao_staff_test"
PASSWORD = "a-long-enough-password"
NOW = datetime(2026, 12, 7, 9, 0)


def _postgres_engine():
    engine = make_engine(database_url(TEST_DB))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'staff.sqlite3'}") if request.param == "sqlite" else _postgres_engine()
    yield StaffStore(engine)
    engine.dispose()


def test_a_password_is_kept_only_as_an_argon2_hash_and_checked(store):
    store.add_user("agent-zhao", "agent", PASSWORD, now=NOW)
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM staff_users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    staff, why = store.login("agent-zhao", PASSWORD, now=NOW)
    assert staff is not None and staff.role == "agent" and why == ""
    assert store.login("agent-zhao", "wrong-password!", now=NOW) == (None, "用户名或密码不正确。")


def test_sessions_expire_and_end_and_only_their_digest_is_stored(store):
    staff = store.add_user("village-qian", "village", PASSWORD, now=NOW)
    token, csrf = store.start_session(staff, now=NOW)
    assert store.session(token, now=NOW + timedelta(hours=7)) == (staff, csrf)
    assert store.session(token, now=NOW + timedelta(hours=9)) is None  # 8 hours
    with store.engine.connect() as conn:
        assert token not in str(conn.execute(text("SELECT token_hash FROM staff_sessions")).all())
    store.end_session(token)
    assert store.session(token, now=NOW) is None
    assert store.session("x" * 500) is None and store.session(None) is None


def test_five_failures_lock_for_fifteen_minutes_and_a_success_resets_the_count(store):
    store.add_user("agent-sun", "agent", PASSWORD, now=NOW)
    for minute in range(4):
        store.login("agent-sun", "wrong-password!", now=NOW + timedelta(minutes=minute))
    assert store.login("agent-sun", PASSWORD, now=NOW + timedelta(minutes=5))[0] is not None  # 4 failures: fine
    for minute in range(5):
        store.login("agent-sun", "wrong-password!", now=NOW + timedelta(minutes=6 + minute))
    staff, why = store.login("agent-sun", PASSWORD, now=NOW + timedelta(minutes=12))
    assert staff is None and "锁定" in why
    assert store.login("agent-sun", PASSWORD, now=NOW + timedelta(minutes=27))[0] is not None  # the window passed


def test_the_lookup_log_and_demo_accounts(store, tmp_path):
    out = tmp_path / "demo.txt"
    assert create_demo_accounts(store, out) and not create_demo_accounts(store, out)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert [(n, r) for n, r, _ in lines] == [("demo-agent", "agent"), ("demo-village", "village"),
                                             ("demo-editor", "editor"), ("demo-reviewer", "reviewer")]
    staff, _ = store.login("demo-agent", lines[0][2], now=NOW)
    store.log_lookup(staff, "YBCZ202612010001", "refused", now=NOW)
    assert store.lookups() == [("demo-agent", NOW, "YBCZ202612010001", "refused")]
