"""The CLI: export prints stable JSON lines, show renders Chinese, stats reports coverage."""

from __future__ import annotations

import json

import pytest

from knowledge import cli

REQUIRED_KEYS = {
    "region", "code", "name", "variant", "target", "channels", "process", "materials", "time_limit",
    "query", "consult", "supervision", "contact", "evaluation", "legal_basis", "forms", "source",
}


@pytest.fixture()
def use_kb(kb_engine, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", str(kb_engine.url))


def test_export_prints_one_record_per_variant_per_region(use_kb, capsys):
    assert cli.main(["export"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    records = [r for r in lines if "kind" not in r]
    assert len(records) == 33 + 39 + 31 + 62 + 28
    assert {r["region"] for r in records} == {"郴州市", "湖南省", "云南省", "咸安区", "贵州省(黔南州都匀市)"}
    for r in records:
        assert REQUIRED_KEYS <= r.keys()


def test_export_one_region(use_kb, capsys):
    assert cli.main(["export", "--region", "昆明"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    records = [r for r in lines if "kind" not in r]
    assert len(records) == 31 and {r["region"] for r in lines} == {"云南省"}


def test_export_prints_forms_and_notices(use_kb, capsys):
    assert cli.main(["export"]) == 0
    texts = [r for r in map(json.loads, capsys.readouterr().out.splitlines()) if "kind" in r]
    kinds = {r["kind"] for r in texts}
    assert {"form", "notice", "preface"} <= kinds and "heading" not in kinds
    for r in texts:
        assert {"region", "kind", "title", "text", "source"} <= r.keys() and r["text"].strip()
    yunnan_forms = [r for r in texts if r["kind"] == "form" and r["region"] == "云南省"]
    assert len(yunnan_forms) == 9  # 附件1–9
    assert any("承诺" in r["text"] and "法律责任" in r["text"] for r in texts)


def test_show_renders_an_item_for_a_hotline_agent(use_kb, capsys):
    assert cli.main(["show", "都匀", "生育津贴"]) == 0
    out = capsys.readouterr().out
    assert "【办理材料（一次性告知）】" in out and "产假期间工资收入证明" in out
    assert "0854-8191131" in out and "004_6d45830b27820030.txt:" in out
    assert "都匀" in out  # the region caveat


def test_show_unknown_region_and_item(use_kb, capsys):
    assert cli.main(["show", "火星", "生育津贴"]) == 2
    assert "未找到地区" in capsys.readouterr().err
    assert cli.main(["show", "昆明", "驾照"]) == 1
    assert "没有与" in capsys.readouterr().err


def test_stats_prints_counts_and_coverage(use_kb, capsys):
    assert cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    for name in ("郴州市", "湖南省", "云南省", "咸安区", "贵州省(黔南州都匀市)"):
        assert name in out
    assert "来源覆盖" in out and "%" in out
