"""The machine's PostgreSQL server for tests: a database of the test's own, or a skip saying why."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("KB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test server, created if missing; the test is skipped
    (with the reason) where no server answers."""
    try:
        admin = create_engine(ADMIN_URL, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: say why instead of failing
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {exc.__class__.__name__}: {exc}".splitlines()[0])
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)
