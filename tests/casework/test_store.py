"""CaseworkStore: lookups by keyed hash, every advance path, invalid moves, materials from the KB,
overdue flags; the lookup guard's logs carry no personal data."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from casework.privacy import hmac_of
from casework.schema import Enrollment
from casework.store import CaseworkStore

from .conftest import TODAY, add_application, kb_item

NUMBER = "YBCZ202611200001"
ID = "431002199501011248"


@pytest.fixture()
def item(kb_reader):
    return kb_item(kb_reader, "chenzhou", "职工参保登记")


@pytest.fixture()
def person_id(engine, item):
    return add_application(engine, item, NUMBER)


def moved(store, *steps):
    """Apply (status, kwargs) steps and return the last result, failing on any refusal."""
    result = None
    for status, kwargs in steps:
        result = store.advance(NUMBER, status, **kwargs)
        assert result.ok, result.error
    return result


# -- lookups ------------------------------------------------------------------------------------


def test_find_application_and_view(store, person_id):
    app = store.find_application(NUMBER.lower())
    assert app is not None and app.person_id == person_id
    assert app.status == "申请" and app.step_no == 1 and "等待" in app.current_step
    assert app.item_name == "职工参保登记" and app.region_name == "郴州市"
    assert app.time_limit_text == "不超过5个工作日；灵活就业人员即时办结。"
    assert (app.limit_unit, app.limit_days) == ("working_days", 5)
    assert app.expected_completion == dt.date(2026, 11, 27) and not app.completion_is_estimate
    assert not app.overdue and [h.status for h in app.history] == ["申请"]


def test_not_found_is_none_not_an_exception(store, person_id):
    assert store.find_application("YBCZ000000000000") is None
    assert store.find_person(hmac_of("110101199003070000")) is None
    assert store.applications_of(9999) == [] and store.enrollments_of(9999) == []
    assert not store.check_second_factor_phone(9999, hmac_of("5678"))
    assert not store.check_name(9999, hmac_of("测试甲"))


def test_find_person_and_second_factors(store, person_id):
    person = store.find_person(hmac_of(ID))
    assert person is not None and person.id == person_id
    assert person.masked_id == "431***********1248" and person.masked_name == "测**"
    assert store.check_second_factor_phone(person_id, hmac_of("5678"))
    assert not store.check_second_factor_phone(person_id, hmac_of("5679"))
    assert not store.check_second_factor_phone(person_id, "")
    assert store.check_name(person_id, hmac_of("测试甲"))
    assert not store.check_name(person_id, hmac_of("测试乙"))


def test_applications_and_enrollments_of(store, engine, item, person_id):
    add_application(engine, item, "YBCZ202611210002", submitted=dt.datetime(2026, 11, 21, 9, 0))
    assert [a.number for a in store.applications_of(person_id)] == ["YBCZ202611210002", NUMBER]
    with Session(engine, future=True) as s:
        s.add_all(
            [
                Enrollment(person_id=person_id, region_key="chenzhou", insurance_type="城乡居民医保",
                           personnel_category="城乡居民", status="终止", since=dt.date(2010, 1, 1)),
                Enrollment(person_id=person_id, region_key="chenzhou", insurance_type="职工医保",
                           personnel_category="在职职工", status="参保中", since=dt.date(2018, 3, 1),
                           unit="郴州示例有限公司", last_paid_month="2026-10"),
            ]
        )
        s.commit()
    enrollments = store.enrollments_of(person_id)
    assert [e.status for e in enrollments] == ["参保中", "终止"]
    assert enrollments[0].region_name == "郴州市" and enrollments[0].last_paid_month == "2026-10"


# -- every advance path ----------------------------------------------------------------------------


def test_main_flow_to_done(store, person_id):
    result = moved(store, ("受理", {}), ("审核", {"note": "材料齐全"}), ("办结", {"actor": "hotline-7"}))
    app = result.application
    assert app.status == "办结" and app.step_no == 4 and not app.overdue
    assert [h.status for h in app.history] == ["申请", "受理", "审核", "办结"]
    assert app.history[2].note == "材料齐全" and app.history[3].actor == "hotline-7"
    assert app.expected_completion == dt.date(2026, 11, 27)  # nothing recomputed


@pytest.mark.parametrize("before", [[], ["受理"]])
def test_refusal_needs_a_reason(store, person_id, before):
    for status in before:
        assert store.advance(NUMBER, status).ok
    refused = store.advance(NUMBER, "不予受理")
    assert not refused.ok and "理由" in refused.error
    result = store.advance(NUMBER, "不予受理", reason="不属于本经办机构受理范围")
    assert result.ok and result.application.reason == "不属于本经办机构受理范围"
    assert result.application.history[-1].note == "理由：不属于本经办机构受理范围"
    assert result.application.step_no is None and not result.application.overdue


@pytest.mark.parametrize("before", [["受理"], ["受理", "审核"]])
def test_missing_materials_then_handed_in(store, person_id, item, before):
    for status in before:
        assert store.advance(NUMBER, status).ok
    missing = [item.materials[1], item.materials[0]]
    result = store.advance(NUMBER, "材料不全", missing=missing)
    assert result.ok and result.application.missing_materials == tuple(missing)
    assert result.application.history[-1].note == "需补齐：" + "；".join(missing)
    back = store.advance(NUMBER, "受理")
    assert back.ok and back.application.missing_materials == ()
    assert back.application.history[-1].note == "已补齐：" + "；".join(missing)
    assert [h.status for h in back.application.history] == ["申请"] + before + ["材料不全", "受理"]


def test_missing_materials_must_be_kb_texts(store, person_id, item):
    assert store.advance(NUMBER, "受理").ok
    for missing in ([], ["身份证"], [item.materials[0], item.materials[0] + "复印件"]):
        result = store.advance(NUMBER, "材料不全", missing=missing)
        assert not result.ok
    assert "不是该事项办事指南所列材料原文" in result.error and item.materials[0] in result.error
    app = store.find_application(NUMBER)
    assert app.status == "受理" and app.missing_materials == () and len(app.history) == 2


@pytest.mark.parametrize(
    "path,to",
    [
        ([], "审核"),
        ([], "办结"),
        ([], "材料不全"),
        (["受理"], "申请"),
        (["受理"], "办结"),
        (["受理", "审核"], "不予受理"),
        (["受理", "审核", "办结"], "受理"),
        (["受理", "材料不全"], "审核"),
        (["受理", "材料不全"], "办结"),
        ([], "已完成"),
    ],
)
def test_invalid_transitions_change_nothing(store, person_id, item, path, to):
    for status in path:
        kwargs = {"missing": [item.materials[0]]} if status == "材料不全" else {}
        assert store.advance(NUMBER, status, **kwargs).ok
    before = store.find_application(NUMBER)
    kwargs = {"reason": "x"} if to == "不予受理" else {}
    result = store.advance(NUMBER, to, **kwargs)
    assert not result.ok and result.error.startswith("不能从“")
    assert store.find_application(NUMBER) == before


def test_no_moves_after_refusal(store, person_id):
    assert store.advance(NUMBER, "不予受理", reason="材料虚假").ok
    result = store.advance(NUMBER, "受理")
    assert not result.ok and "办理已结束" in result.error


def test_reason_or_missing_on_the_wrong_move(store, person_id, item):
    assert "只有不予受理" in store.advance(NUMBER, "受理", reason="x").error
    assert "只有材料不全" in store.advance(NUMBER, "受理", missing=[item.materials[0]]).error


def test_unknown_application(store):
    result = store.advance("YBXX202601010000", "受理")
    assert not result.ok and "未找到" in result.error


# -- overdue -------------------------------------------------------------------------------------


def test_overdue_only_while_the_office_is_working(store, engine, item, person_id):
    old = "YBCZ202611020003"
    add_application(engine, item, old, submitted=dt.datetime(2026, 11, 2, 9, 0))  # due 2026-11-09
    assert store.find_application(old).overdue  # 申请, TODAY = 2026-11-25
    store.advance(old, "受理")
    assert store.find_application(old).overdue
    store.advance(old, "材料不全", missing=[item.materials[0]])
    assert not store.find_application(old).overdue  # waiting for the applicant
    store.advance(old, "受理")
    store.advance(old, "审核")
    store.advance(old, "办结")
    assert not store.find_application(old).overdue


def test_unknown_time_limit_has_no_date(store, engine, kb_reader):
    yunnan = kb_item(kb_reader, "yunnan", "职工参保登记")  # 每月1-15日受理 comes first: unit other
    add_application(engine, yunnan, "YBYN202611200004", id_number="530102199501011246")
    app = store.find_application("YBYN202611200004")
    assert app.expected_completion is None and app.limit_unit is None and not app.overdue
    assert app.time_limit_text.startswith("每月1-15日受理")


def test_kb_unreachable_still_answers(engine, tmp_path, item, person_id):
    empty_kb = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}", future=True)
    store = CaseworkStore(engine, empty_kb, today=lambda: TODAY)
    assert store.find_application(NUMBER).region_name == "chenzhou"
    assert store.advance(NUMBER, "受理").ok
    result = store.advance(NUMBER, "材料不全", missing=[item.materials[0]])
    assert not result.ok and result.error


def test_logs_carry_no_personal_data(store, person_id, item, caplog):
    caplog.set_level(logging.DEBUG)
    store.find_person(hmac_of(ID))
    store.advance(NUMBER, "受理")
    store.advance(NUMBER, "材料不全", missing=[item.materials[0]])
    for failure in range(6):
        store.guard.record(hmac_of("sender:log"), [hmac_of(ID)], False, dt.datetime(2026, 11, 25, 10, failure))
    text = caplog.text
    assert NUMBER in text
    for raw in (ID, "测试甲", "19912345678", "5678"):
        assert raw not in text
