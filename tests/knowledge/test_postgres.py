"""The KB builds and answers on the PostgreSQL server of this machine (a real server, not SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from knowledge import query
from knowledge.build import build
from tests.postgres import database_url

TEST_DB = "yibao_kb_test"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def pg_engine():
    engine = create_engine(database_url(TEST_DB), future=True)
    yield engine
    engine.dispose()


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
