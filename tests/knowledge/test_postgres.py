"""The KB builds and answers on the PostgreSQL server of this machine (a real server, not SQLite)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.build import build

ADMIN_URL = os.environ.get("KB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DB = "yibao_kb_test"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def pg_engine():
    try:
        admin = create_engine(ADMIN_URL, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TEST_DB}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{TEST_DB}"'))
    except Exception as exc:  # no server here: say why instead of failing
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {exc.__class__.__name__}: {exc}".splitlines()[0])
    url = admin.url.set(database=TEST_DB)
    engine = create_engine(url, future=True)
    yield engine
    engine.dispose()
    admin.dispose()


def test_kb_builds_and_answers_on_postgres(pg_engine):
    report = build(pg_engine)
    assert report.counts == {"000": 33, "001": 39, "002": 31, "003": 62, "004": 28}
    with Session(pg_engine, future=True) as session:
        region = query.resolve_region(session, "昆明")
        assert region.name == "云南省"
        (variant,) = query.find_variants(session, region, "门诊慢特病")
        record = query.variant_record(variant, region)
        assert record["time_limit"].startswith("特殊病病种5个工作日办结")
    # building twice gives the same KB (idempotent)
    again = build(pg_engine)
    assert again.counts == report.counts
