"""Demo data: ≥200 synthetic persons in all five regions, valid unique IDs, every status, determinism."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from stdnum.cn import ric

from casework.demo import fill
from casework.kb import KbReader
from casework.privacy import hmac_of, validate_id
from casework.schema import APPLICATION_STATUSES, ENROLLMENT_STATUSES, make_engine

from .conftest import TODAY

REGIONS = {"chenzhou", "hunan", "yunnan", "xianan", "guizhou"}


def test_counts_and_regions(demo_engine, demo_store):
    report = demo_engine.demo_report
    persons = demo_store.person_listing()
    assert report.persons == len(persons) >= 200
    assert set(report.regions) == REGIONS == {p.region_key for p in persons}
    assert min(Counter(p.region_key for p in persons).values()) >= 40


def test_ids_valid_unique_and_hashed(demo_store):
    persons = demo_store.person_listing()
    ids = [p.id_number for p in persons]
    assert len(set(ids)) == len(ids)
    for number in ids:
        assert ric.is_valid(number) and validate_id(number).valid
        assert 1945 <= ric.get_birth_date(number).year <= 2020
    first = persons[0]
    assert demo_store.find_person(hmac_of(first.id_number)).id == first.person_id
    assert demo_store.check_name(first.person_id, hmac_of(first.name))
    assert demo_store.check_second_factor_phone(first.person_id, hmac_of(first.phone_last4))


def test_every_status_in_every_region(demo_store):
    rows = demo_store.listing()
    for region in REGIONS:
        assert {r.application.status for r in rows if r.application.region_key == region} == set(APPLICATION_STATUSES)
    enrollment_statuses = {e.status for p in demo_store.person_listing() for e in p.enrollments}
    assert enrollment_statuses == set(ENROLLMENT_STATUSES)
    categories = {e.personnel_category for p in demo_store.person_listing() for e in p.enrollments}
    assert categories == {"在职职工", "灵活就业人员", "退休人员", "城乡居民", "学生"}


def test_applications_are_consistent_with_the_kb_and_their_history(demo_store, kb_reader):
    rows = demo_store.listing()
    assert any(r.application.overdue for r in rows)
    assert any(not r.application.overdue and r.application.status in ("申请", "受理", "审核") for r in rows)
    for row in rows:
        app = row.application
        item = kb_reader.find(app.region_key, app.item_code, app.item_name, app.variant)
        assert item is not None, app.number
        assert app.time_limit_text == item.time_limit_text
        assert app.number.startswith("YB") and app.submitted_at.date() < TODAY
        history = [h.status for h in app.history]
        assert history[0] == "申请" and history[-1] == app.status
        assert all(a.at <= b.at for a, b in zip(app.history, app.history[1:]))
        assert app.history[-1].at < dt.datetime.combine(TODAY, dt.time())
        if app.status == "材料不全":
            assert app.missing_materials and set(app.missing_materials) <= set(item.materials)
        else:
            assert app.missing_materials == ()
        assert bool(app.reason) == (app.status == "不予受理")
        if app.limit_unit:
            assert app.expected_completion is not None


def test_history_loops_are_legal(demo_store):
    from casework.store import TRANSITIONS

    for row in demo_store.listing():
        steps = [h.status for h in row.application.history]
        for a, b in zip(steps, steps[1:]):
            assert b in TRANSITIONS[a], (row.application.number, steps)


def test_deterministic_for_a_seed(tmp_path, kb_engine, demo_store):
    kb = KbReader(kb_engine)
    again = make_engine(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    fill(again, kb, persons=220, seed=7, today=TODAY)
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    fill(other, kb, persons=40, seed=8, today=TODAY)
    from casework.store import CaseworkStore

    def snapshot(engine):
        store = CaseworkStore(engine, kb_engine, today=lambda: TODAY)
        return [(r.application, r.id_number, r.name, r.phone_last4) for r in store.listing()]

    assert snapshot(again) == [(r.application, r.id_number, r.name, r.phone_last4) for r in demo_store.listing()]
    assert snapshot(other) != snapshot(again)
