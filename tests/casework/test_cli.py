"""`python -m casework demo | list | advance`: output shape, empty-store rule, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework import cli
from casework.privacy import mask_id, validate_id

from .conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
LIST_KEYS = {
    "number", "status", "id_number", "masked_id", "name", "masked_name", "phone_last4", "region_key",
    "item_code", "item_name", "variant", "expected_completion", "overdue", "missing_materials",
}


@pytest.fixture()
def filled(engine, kb_engine, capsys):
    assert cli.main(["demo", "--persons", "25", "--seed", "3", "--today", TODAY.isoformat()], engine, kb_engine) == 0
    capsys.readouterr()
    return engine


def lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_demo_fills_only_an_empty_store(engine, kb_engine, capsys):
    assert cli.main(["demo", "--persons", "10", "--today", TODAY.isoformat()], engine, kb_engine) == 0
    assert "10人" in capsys.readouterr().out
    assert cli.main(["demo", "--persons", "30", "--if-empty"], engine, kb_engine) == 0
    assert "已有数据（10人）" in capsys.readouterr().out
    assert cli.main(["demo", "--persons", "30", "--reset", "--today", TODAY.isoformat()], engine, kb_engine) == 0
    assert "30人" in capsys.readouterr().out


def test_list_json_shape(filled, kb_engine, capsys):
    assert cli.main(["list", "--json"], filled, kb_engine) == 0
    rows = lines(capsys)
    assert rows and all(LIST_KEYS <= r.keys() for r in rows)
    for r in rows:
        assert validate_id(r["id_number"]).valid and r["masked_id"] == mask_id(r["id_number"])
        assert len(r["phone_last4"]) == 4 and r["phone_last4"].isdigit()
        assert isinstance(r["missing_materials"], list) and isinstance(r["overdue"], bool)
        assert r["history"][-1]["status"] == r["status"]


def test_list_filters(filled, kb_engine, capsys):
    assert cli.main(["list", "--json", "--region", "yunnan", "--status", "办结"], filled, kb_engine) == 0
    rows = lines(capsys)
    assert rows and {(r["region_key"], r["status"]) for r in rows} == {("yunnan", "办结")}
    assert cli.main(["list", "--json", "--persons"], filled, kb_engine) == 0
    persons = lines(capsys)
    assert len(persons) == 25 and all(p["enrollments"] for p in persons)


def test_plain_list_is_masked(filled, kb_engine, capsys):
    assert cli.main(["list", "--json"], filled, kb_engine) == 0
    raw = lines(capsys)
    assert cli.main(["list"], filled, kb_engine) == 0
    text = capsys.readouterr().out
    assert raw[0]["masked_id"] in text
    assert not any(r["id_number"] in text or r["name"] in text for r in raw)


def test_advance_exit_codes(filled, kb_engine, capsys):
    assert cli.main(["list", "--json", "--status", "受理"], filled, kb_engine) == 0
    number = lines(capsys)[0]["number"]
    assert cli.main(["advance", number, "--to", "办结"], filled, kb_engine) == 2
    assert "不能从“受理”变为“办结”" in capsys.readouterr().err
    assert cli.main(["advance", number, "--to", "材料不全", "--missing", "不存在的材料"], filled, kb_engine) == 2
    assert "不是该事项办事指南所列材料原文" in capsys.readouterr().err
    assert cli.main(["advance", "YBXX000000000000", "--to", "受理"], filled, kb_engine) == 2
    assert cli.main(["advance", number, "--to", "审核", "--note", "开始审核"], filled, kb_engine) == 0
    out = capsys.readouterr().out
    assert "状态：审核" in out and "开始审核" in out


def test_advance_missing_materials_through_the_cli(filled, kb_engine, kb_reader, capsys):
    assert cli.main(["list", "--json", "--status", "审核"], filled, kb_engine) == 0
    row = next(r for r in lines(capsys) if kb_reader.find(r["region_key"], r["item_code"], r["item_name"], r["variant"]).materials)
    material = kb_reader.find(row["region_key"], row["item_code"], row["item_name"], row["variant"]).materials[0]
    assert cli.main(["advance", row["number"], "--to", "材料不全", "--missing", material], filled, kb_engine) == 0
    assert f"缺少材料：{material}" in capsys.readouterr().out
    assert cli.main(["list", "--json", "--status", "材料不全"], filled, kb_engine) == 0
    updated = next(r for r in lines(capsys) if r["number"] == row["number"])
    assert updated["missing_materials"] == [material]
    assert updated["history"][-1]["actor"] == "staff"


def test_module_entry_point(tmp_path, kb_engine):
    """The real `python -m casework` with env-var URLs: exit 0 on a move, 2 on a refused one."""
    env = dict(
        os.environ,
        CASEWORK_DATABASE_URL=f"sqlite:///{tmp_path / 'cw.sqlite3'}",
        KB_DATABASE_URL=str(kb_engine.url),
        PII_HMAC_KEY="test-key-not-secret",
    )

    def run(*args):
        return subprocess.run([sys.executable, "-m", "casework", *args], cwd=ROOT, env=env, capture_output=True, text=True)

    assert run("demo", "--persons", "10", "--today", TODAY.isoformat()).returncode == 0
    listed = run("list", "--json", "--status", "申请")
    number = json.loads(listed.stdout.splitlines()[0])["number"]
    refused = run("advance", number, "--to", "办结")
    assert refused.returncode == 2 and "不能从“申请”变为“办结”" in refused.stderr
    assert run("advance", number, "--to", "受理").returncode == 0
