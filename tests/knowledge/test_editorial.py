"""Editors' reviewed changes: propose → review by another → publish → in the answers → revert,
with roles, stale changes, the append-only audit and the holiday calendar; on SQLite and PostgreSQL.

The KB is the one ``make`` builds from the guides; the editorial store is a fresh database per test.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from actions import answers
from actions.kb_gateway import KnowledgeGateway
from casework import deadlines
from knowledge import editing, editorial
from knowledge.editorial import Editorial, EditorialError
from knowledge.schema import make_engine as kb_engine
from tests.postgres import database_url

TEST_DB = "yibao_editorial_test"
ROLES = {"ed": "editor", "ed2": "editor", "rv": "reviewer", "boss": "admin", "agent": "agent"}
#: 郴州 异地安置退休人员备案: its time limit as the guide prints it (000, line 1918)
ITEM, GUIDE_LIMIT = "002036004001", "线上不超过2个工作日，线下即时办结。"
NEW_LIMIT = "线上不超过1个工作日，线下即时办结。"


def _postgres_url() -> str:
    url = database_url(TEST_DB)
    engine = create_engine(url, future=True)
    with engine.begin() as conn:  # a clean store: the audit's trigger refuses DELETE, so drop the tables
        conn.execute(text("DROP TABLE IF EXISTS kb_audit, kb_changes, kb_publications CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'editorial.sqlite3'}" if request.param == "sqlite" else _postgres_url()
    engine = editorial.make_engine(url)
    yield engine
    editorial._engines.pop(url, None)
    engine.dispose()


@pytest.fixture()
def flow(store):
    kb = kb_engine()

    def live_value(target, field):
        return str(editing.live_record(kb, store, target)[field])

    return Editorial(store, role_of=ROLES.get, live_value=live_value)


def target():
    return editing.resolve_target(kb_engine(), "郴州", ITEM)


_gateway = KnowledgeGateway()


def gateway(store) -> KnowledgeGateway:
    """The answer engine's gateway (built once), reading this test's editorial store."""
    if _gateway._editorial_engine is not store:
        _gateway.follow_editorial(store)
    _gateway.changes_published()  # ask for the version now, not after the poll interval
    return _gateway


def answer(store, aspect="ask_time_limit") -> str:
    kb = gateway(store)
    return answers.answer_many(kb.records("chenzhou", ITEM)[0], [aspect], kb.region("chenzhou"))


def test_a_change_goes_live_only_after_another_person_approves_and_it_is_published(flow, store):
    assert GUIDE_LIMIT in answer(store)
    change = flow.propose(target(), "time_limit", NEW_LIMIT, "boss", "郴医保发〔2026〕3号：时限缩短")
    with pytest.raises(EditorialError, match="须由另一位审核人审核"):
        flow.review(change, True, "boss")
    assert flow.publish("rv") == []  # nothing approved yet
    assert GUIDE_LIMIT in answer(store)
    flow.review(change, True, "rv")
    assert GUIDE_LIMIT in answer(store)  # approved is not live
    assert flow.publish("rv") == [change]
    reply = answer(store)
    assert NEW_LIMIT in reply and GUIDE_LIMIT not in reply
    # the answer names the bureau's update instead of the guide's line for the changed field
    assert f"来源：医保部门{dt.date.today().isoformat()}更新（修改#{change}）" in reply
    # a field not changed still cites the guide
    assert "来源：《郴州市医保经办政务服务事项办事指南》第" in answer(store, "ask_materials")


def test_a_revert_is_reviewed_the_same_way_and_brings_the_guides_text_and_source_back(flow, store):
    change = flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "通知")
    flow.review(change, True, "rv")
    flow.publish("boss")
    with pytest.raises(EditorialError, match="只有已发布的修改可以撤回"):
        flow.propose_revert(flow.propose(target(), "time_limit", "即时办结。", "ed", "x"), "ed", "y")
    undo = flow.propose_revert(change, "ed2", "通知已废止")
    assert NEW_LIMIT in answer(store)
    flow.review(undo, True, "rv")
    flow.publish("rv")
    reply = answer(store)
    assert GUIDE_LIMIT in reply and "医保部门" not in reply and "来源：《郴州市医保经办政务服务事项办事指南》第" in reply
    assert flow.change(change)["status"] == editorial.REVERTED


def test_roles_decide_who_may_propose_review_and_publish(flow):
    with pytest.raises(EditorialError, match="agent）没有提出修改的权限"):
        flow.propose(target(), "time_limit", NEW_LIMIT, "agent", "x")
    with pytest.raises(EditorialError, match="没有名为“nobody”的工作人员账号"):
        flow.propose(target(), "time_limit", NEW_LIMIT, "nobody", "x")
    change = flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "x")
    with pytest.raises(EditorialError, match="editor）没有审核的权限"):
        flow.review(change, True, "ed2")
    flow.review(change, True, "rv")
    with pytest.raises(EditorialError, match="editor）没有发布的权限"):
        flow.publish("ed")


def test_bad_proposals_are_refused_in_one_sentence(flow):
    with pytest.raises(EditorialError, match="未知字段“colour”"):
        flow.propose(target(), "colour", "x", "ed", "x")
    with pytest.raises(EditorialError, match="不能为空"):
        flow.propose(target(), "time_limit", "  ", "ed", "x")
    with pytest.raises(EditorialError, match="理由"):
        flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "")
    with pytest.raises(EditorialError, match="与现行内容相同"):
        flow.propose(target(), "time_limit", GUIDE_LIMIT, "ed", "x")
    with pytest.raises(EditorialError, match="没有地区“火星”"):
        editing.resolve_target(kb_engine(), "火星", ITEM)
    with pytest.raises(EditorialError, match="没有事项"):
        editing.resolve_target(kb_engine(), "郴州", "不存在的事项名称")


def test_a_change_to_a_record_changed_since_it_was_proposed_is_refused(flow, store):
    first = flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "通知一")
    second = flow.propose(target(), "time_limit", "即时办结。", "ed2", "通知二")
    flow.review(first, True, "rv")
    flow.publish("rv")
    with pytest.raises(EditorialError, match="已被改动，请按现行内容重新提出"):
        flow.review(second, True, "rv")
    assert NEW_LIMIT in answer(store)


def test_two_approved_changes_to_one_field_are_not_published_together(flow, store):
    first = flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "通知一")
    second = flow.propose(target(), "time_limit", "即时办结。", "ed2", "通知二")
    flow.review(first, True, "rv")
    flow.review(second, True, "rv")
    with pytest.raises(EditorialError, match=f"修改 #{first} 和 #{second} 改的是同一字段"):
        flow.publish("rv")
    assert GUIDE_LIMIT in answer(store)


def test_materials_and_contacts_changes_rebuild_their_structured_parts(flow, store):
    new = "1.医保电子凭证或有效身份证件或社保卡；\n2.异地安置认定材料；\n3.本人银行账户信息。"
    change = flow.propose(target(), "materials", new, "ed", "材料调整")
    flow.review(change, True, "rv")
    flow.publish("rv")
    record = gateway(store).records("chenzhou", ITEM)[0]
    assert [m["text"] for m in record["structured"]["materials"]] == ["医保电子凭证或有效身份证件或社保卡", "异地安置认定材料", "本人银行账户信息"]
    assert record["updated"][0]["field"] == "materials"
    assert "3. 本人银行账户信息" in answer(store, "ask_materials")


def test_the_audit_keeps_every_step_and_refuses_to_be_edited(flow, store):
    change = flow.propose(target(), "time_limit", NEW_LIMIT, "ed", "通知")
    rejected = flow.propose(target(), "time_limit", "即时办结。", "ed2", "错误提议")
    flow.review(rejected, False, "rv", "依据不足")
    flow.review(change, True, "rv")
    flow.publish("boss")
    undo = flow.propose_revert(change, "ed", "撤回")
    flow.review(undo, True, "rv")
    flow.publish("rv")
    steps = [(r["who"], r["action"], r["change"]) for r in flow.history()]
    assert steps == [("ed", "propose", change), ("ed2", "propose", rejected), ("rv", "reject", rejected),
                     ("rv", "approve", change), ("boss", "publish", change), ("ed", "revert", undo),
                     ("rv", "approve", undo), ("rv", "publish", undo)]
    first = flow.history()[0]
    assert first["before"] == GUIDE_LIMIT and first["after"] == NEW_LIMIT and first["why"] == "通知"
    for statement in ("UPDATE kb_audit SET who = 'x'", "DELETE FROM kb_audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.begin() as conn:
                conn.execute(text(statement))
    assert len(flow.history()) == 8


def test_a_published_holiday_schedule_ends_the_estimate_for_its_year(flow, store, monkeypatch):
    monkeypatch.setenv("EDITORIAL_DATABASE_URL", str(store.url))
    monkeypatch.setattr(deadlines, "_published", {"at": -1e9, "version": None, "table": {}})
    year = 2031  # past chinesecalendar's data
    start = dt.date(year, 9, 30)
    assert deadlines.expected_completion(start, deadlines.WORKING_DAYS, 3).is_estimate
    holidays = [dt.date(year, 10, d) for d in range(1, 8)]
    with pytest.raises(EditorialError, match="既是节假日又是调休上班日"):
        flow.propose_holidays(year, holidays, [dt.date(year, 10, 1)], "ed", "通知")
    change = flow.propose_holidays(year, holidays, [dt.date(year, 10, 11)], "ed", "国务院办公厅关于2031年部分节假日安排的通知")
    flow.review(change, True, "rv")
    flow.publish("rv")
    monkeypatch.setattr(deadlines, "_published", {"at": -1e9, "version": None, "table": {}})
    due = deadlines.expected_completion(start, deadlines.WORKING_DAYS, 3)
    # 10-01..07 off, 10-08 Wed, 10-09 Thu, 10-10 Fri: the third working day
    assert not due.is_estimate and due.date == dt.date(year, 10, 10)


def test_the_cli_prints_ids_and_refuses_with_exit_2(tmp_path, monkeypatch, capsys):
    from knowledge import cli
    from web.staff import StaffStore, make_engine as staff_engine

    url = f"sqlite:///{tmp_path / 'staff.sqlite3'}"
    monkeypatch.setenv("STAFF_DATABASE_URL", url)
    monkeypatch.delenv("EDITORIAL_DATABASE_URL", raising=False)
    accounts = StaffStore(staff_engine(url))
    accounts.add_user("ed", "editor", "a-long-enough-password")
    accounts.add_user("rv", "reviewer", "a-long-enough-password")
    propose = ["propose", "--region", "chenzhou", "--code", ITEM, "--field", "time_limit", "--text", NEW_LIMIT,
               "--by", "ed", "--reason", "通知"]
    assert cli.main(propose) == 0
    change = int(capsys.readouterr().out.strip())
    assert cli.main(["review", str(change), "--approve", "--by", "ed"]) == 2
    assert "ed（editor）没有审核的权限" in capsys.readouterr().err
    assert cli.main(propose[:6] + ["colour"] + propose[7:]) == 2
    assert "未知字段" in capsys.readouterr().err
    assert cli.main(["review", str(change), "--approve", "--by", "rv"]) == 0
    assert cli.main(["publish", "--by", "rv"]) == 0
    assert f"#{change}" in capsys.readouterr().out
    assert cli.main(["history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in rows] == ["propose", "approve", "publish"]
    editorial._engines.pop(url, None)
