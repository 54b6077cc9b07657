"""Shared fixtures: one KB built per test session into a temporary SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from knowledge.build import BuildReport, build
from knowledge.schema import make_engine


@pytest.fixture(scope="session")
def kb_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.sqlite3'}")
    engine.build_report = build(engine)  # type: ignore[attr-defined]
    return engine


@pytest.fixture(scope="session")
def build_report(kb_engine) -> BuildReport:
    return kb_engine.build_report


@pytest.fixture()
def kb(kb_engine):
    with Session(kb_engine, future=True) as session:
        yield session
