"""A new edition of a guide, imported by an editor: parsed with the region's parser, compared item
by item for review, built into the KB on publication beside the old edition (which answers until the
effective date), named in answers, and kept through a rebuild; on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import answers
from actions.kb_gateway import KnowledgeGateway
from knowledge import editing, editions, editorial, query
from knowledge.build import build
from knowledge.editorial import EditorialError
from knowledge.manifest import load_manifest
from knowledge.schema import make_engine
from sqlalchemy.orm import Session
from tests.knowledge.test_editorial import ROLES
from tests.knowledge.test_editorial import _postgres_url as postgres_store_url
from tests.postgres import database_url

GUIDE = load_manifest().guide("004")


def edited_copy() -> str:
    """The Guizhou guide as a bureau might reissue it: 门诊费用报销 takes 20 working days, not 25,
    and asks for the outpatient record too; the consult phone changes everywhere."""
    lines = GUIDE.text().split("\n")
    assert lines[424].startswith("25个工作日") and lines[421] == "5.参保人员银行账号。"
    lines[424] = lines[424].replace("25个工作日", "20个工作日")
    lines[421] = "5.参保人员银行账号；\n6.门诊病历。"
    return "\n".join(lines).replace("0854-8192359", "0854-8190000")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture()
def store(backend, tmp_path):
    """The editorial store on the same kind of database as the KB (both SQLite, or both PostgreSQL)."""
    url = f"sqlite:///{tmp_path / 'editorial.sqlite3'}" if backend == "sqlite" else postgres_store_url()
    engine = editorial.make_engine(url)
    yield engine
    editorial._engines.pop(url, None)
    engine.dispose()


@pytest.fixture()
def kb(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}" if backend == "sqlite" else database_url("yibao_kb_edition_test")
    engine = make_engine(url)
    build(engine, load_manifest())  # the guides alone
    yield engine
    engine.dispose()


def outpatient(kb_engine, store) -> dict:
    gw = KnowledgeGateway(kb_engine, editorial_engine=store)
    key = gw.item_named("guizhou", "门诊费用报销")
    return gw, gw.records("guizhou", key)[0]


def test_an_edition_is_diffed_reviewed_published_and_then_answers_naming_itself(kb, store, monkeypatch):
    flow = editing.workflow(kb_engine=kb, editorial_engine=store, role_of=ROLES.get)
    with pytest.raises(EditorialError, match="与现行内容相同"):
        editing.import_guide(flow, kb, GUIDE.text(), "same.txt", "都匀", "2026年版", "2026-01-01", "ed")
    with pytest.raises(EditorialError, match="没有提出修改的权限"):
        editing.import_guide(flow, kb, edited_copy(), "g.txt", "都匀", "2026年版", "2026-01-01", "agent")
    change, diff = editing.import_guide(flow, kb, edited_copy(), "guizhou-2026.txt", "都匀", "2026年版", "2026-01-01", "boss")
    lines = editions.summary(diff)
    assert "门诊费用报销：新增材料 门诊病历" in lines
    assert "门诊费用报销：办理时限改为 20个工作日。（原 25个工作日。）" in lines
    assert any("0854-8190000" in line for line in lines) and not diff["items_added"] and not diff["items_removed"]
    # the reviewed typo fixes of unchanged lines carry over: no spurious "登陆 → 登录" differences
    assert not any("登陆" in line for line in lines)
    running, before = outpatient(kb, store)  # an assistant already answering when it is published
    assert before["time_limit"].startswith("25个工作日")
    with pytest.raises(EditorialError, match="须由另一位审核人审核"):
        flow.review(change, True, "boss")
    flow.review(change, True, "rv")
    assert flow.publish("rv") == [change]  # publishing rebuilds the KB with the edition
    gw, after = outpatient(kb, store)
    assert after["time_limit"].startswith("20个工作日") and after["guide_title"].endswith("（2026年版）")
    # the running one notices the new build and reloads in the background, without a restart
    running.changes_published()
    running.records("guizhou", running.item_named("guizhou", "门诊费用报销"))
    running.wait_for_reload()
    key = running.item_named("guizhou", "门诊费用报销")
    assert running.records("guizhou", key)[0]["time_limit"].startswith("20个工作日")
    assert any(p.source.startswith(f"004_6d45830b27820030-e{change}.txt") for p in running.search.passages("guizhou"))
    reply = answers.answer_many(after, ["ask_materials", "ask_time_limit"], gw.region("guizhou"))
    assert "6. 门诊病历" in reply and "20个工作日" in reply and "来源：《贵州省统一医疗保障经办服务办事指南（试行）（2026年版）》" in reply
    assert [r["action"] for r in flow.history()] == ["import", "approve", "publish"]
    # a later rebuild from the guides (make kb) keeps the published edition
    monkeypatch.setenv("EDITORIAL_DATABASE_URL", str(store.url.render_as_string(hide_password=False)))
    build(kb)
    assert outpatient(kb, store)[1]["time_limit"].startswith("20个工作日")


def test_before_its_effective_date_the_old_edition_answers(kb, store):
    flow = editing.workflow(kb_engine=kb, editorial_engine=store, role_of=ROLES.get)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    change, _ = editing.import_guide(flow, kb, edited_copy(), "g.txt", "guizhou", "2027年版", tomorrow.isoformat(), "ed")
    flow.review(change, True, "rv")
    flow.publish("boss")
    assert outpatient(kb, store)[1]["time_limit"].startswith("25个工作日")  # not yet in force
    with Session(kb, future=True) as session:
        region = query.region_by_key(session, "guizhou")
        assert query.guides_in_force(region)[0].guide.key == "004"
        assert query.guides_in_force(region, on=tomorrow)[0].guide.key == f"004-e{change}"
        assert [rg.guide.key for rg in query.guides_in_force(region, on=tomorrow)] == [f"004-e{change}"]


def test_a_file_the_regions_parser_cannot_read_is_refused_in_one_sentence(kb, store):
    flow = editing.workflow(kb_engine=kb, editorial_engine=store, role_of=ROLES.get)
    with pytest.raises(EditorialError, match="过短"):
        editing.import_guide(flow, kb, "不是指南", "x.txt", "guizhou", "2026年版", "2026-01-01", "ed")
    with pytest.raises(EditorialError, match="施行日期"):
        editing.import_guide(flow, kb, edited_copy(), "x.txt", "guizhou", "2026年版", "明年", "ed")
    with pytest.raises(EditorialError, match="没有地区"):
        editing.import_guide(flow, kb, edited_copy(), "x.txt", "火星", "2026年版", "2026-01-01", "ed")
    unreadable = "\n".join(["随便写的一段文字，没有任何事项。"] * 40)
    with pytest.raises(EditorialError, match="未能从文件中解析出任何事项|解析失败"):
        editing.import_guide(flow, kb, unreadable, "x.txt", "guizhou", "2026年版", "2026-01-01", "ed")
