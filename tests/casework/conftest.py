"""Case-work fixtures: a fixed PII key, stores in tmp SQLite files, the session KB passed explicitly."""

from __future__ import annotations

import datetime as dt
import os
from typing import Iterator, Optional, Sequence

import pytest
from sqlalchemy.orm import Session

from casework import deadlines
from casework.demo import fill
from casework.kb import KbItem, KbReader
from casework.privacy import hmac_of
from casework.schema import Application, ApplicationEvent, Person, create_schema, make_engine
from casework.store import CaseworkStore

#: The anchor date of every test store (a Wednesday; demo submissions lie before it).
TODAY = dt.date(2026, 11, 25)
TEST_KEY = "test-key-not-secret"


@pytest.fixture(scope="session", autouse=True)
def pii_key() -> Iterator[str]:
    """A fixed HMAC key, so tests never create casework/generated/pii.key."""
    old = os.environ.get("PII_HMAC_KEY")
    os.environ["PII_HMAC_KEY"] = TEST_KEY
    yield TEST_KEY
    if old is None:
        os.environ.pop("PII_HMAC_KEY", None)
    else:
        os.environ["PII_HMAC_KEY"] = old


@pytest.fixture(scope="session")
def kb_reader(kb_engine) -> KbReader:
    return KbReader(kb_engine)


@pytest.fixture()
def engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'casework.sqlite3'}")


@pytest.fixture()
def store(engine, kb_engine) -> CaseworkStore:
    return CaseworkStore(engine, kb_engine, today=lambda: TODAY)


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory, kb_engine):
    """A store filled once by the demo generator (read-only tests share it)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('cw') / 'demo.sqlite3'}")
    engine.demo_report = fill(engine, KbReader(kb_engine), persons=220, seed=7, today=TODAY)  # type: ignore[attr-defined]
    return engine


@pytest.fixture(scope="session")
def demo_store(demo_engine, kb_engine) -> CaseworkStore:
    return CaseworkStore(demo_engine, kb_engine, today=lambda: TODAY)


def kb_item(reader: KbReader, region: str, name: str, variant: Optional[str] = None) -> KbItem:
    """The KB item of ``region`` called ``name`` (first match)."""
    return next(i for i in reader.items(region) if i.name == name and (variant is None or i.variant == variant))


def add_application(
    engine,
    item: KbItem,
    number: str = "YBCZ202611200001",
    status: str = "申请",
    submitted: dt.datetime = dt.datetime(2026, 11, 20, 10, 0),
    id_number: str = "431002199501011248",
    name: str = "测试甲",
    phone: str = "19912345678",
    history: Sequence[str] = (),
) -> int:
    """Insert a synthetic person (when new) and one application; returns the person id."""
    limit = item.limit()
    due = deadlines.expected_completion(submitted.date(), limit.unit if limit else None, limit.days if limit else None)
    create_schema(engine)
    with Session(engine, future=True) as s:
        person = s.query(Person).filter_by(id_number=id_number).first()
        if person is None:
            person = Person(
                id_number=id_number,
                id_hmac=hmac_of(id_number),
                name=name,
                name_hmac=hmac_of(name),
                phone=phone,
                region_key=item.region_key,
                created_at=submitted,
            )
            s.add(person)
        app = Application(
            number=number,
            item_code=item.code,
            item_name=item.name,
            variant=item.variant,
            region_key=item.region_key,
            channel="窗口",
            submitted_at=submitted,
            status=status,
            time_limit_text=item.time_limit_text,
            limit_unit=limit.unit if limit else None,
            limit_days=limit.days if limit else None,
            expected_completion=due.date,
            completion_is_estimate=due.is_estimate,
        )
        for i, step in enumerate(history or ("申请",)):
            app.events.append(ApplicationEvent(at=submitted + dt.timedelta(hours=i), status=step, actor="staff"))
        person.applications.append(app)
        s.commit()
        return person.id
