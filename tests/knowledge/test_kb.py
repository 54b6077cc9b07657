"""The built knowledge base: counts per guide, completeness, coverage, verbatim facts, regions."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional

import pytest
from sqlalchemy import func, select

from knowledge import query
from knowledge.schema import AppliedCorrection, Guide, ListRow, Region, ServiceItem

# ---------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def records(kb_engine) -> Dict[str, List[dict]]:
    """Export records per guide key, as `python -m knowledge export` prints them."""
    from sqlalchemy.orm import Session

    result: Dict[str, List[dict]] = {}
    with Session(kb_engine, future=True) as session:
        for guide in session.scalars(select(Guide).order_by(Guide.key)):
            region = query.region_of_guide(session, guide)
            result[guide.key] = [query.variant_record(v, region) for v in query.variants(session, guide)]
    return result


def find(records, guide: str, name: str, variant: Optional[str] = None, level: Optional[str] = None) -> dict:
    hits = [
        r
        for r in records[guide]
        if name in r["name"]
        and (variant is None or variant in (r["variant"] or ""))
        and (level is None or r["level"] == level)
    ]
    assert hits, f"no record {guide} {name} {variant} {level}"
    return hits[0]


# ---------------------------------------------------------------------------------------------
# counts (INVENTORY.md §2)


def test_item_counts_per_guide(kb, records):
    assert len(records["000"]) == 33
    assert len(records["001"]) == 39
    hunan_items = kb.scalar(
        select(func.count()).select_from(ServiceItem).join(Guide).where(Guide.key == "001")
    )
    assert hunan_items == 27
    assert len(records["002"]) == 31
    assert Counter(r["level"] for r in records["003"]) == {"区级": 28, "乡镇": 25, "村": 9}
    assert len(records["004"]) == 28


def test_hunan_list_table_rows(kb):
    rows = list(kb.scalars(select(ListRow)))
    assert len(rows) == 39
    assert len({r.sub_code for r in rows}) == 27
    assert len({r.main_code for r in rows}) == 10


def test_every_variant_has_materials_time_limit_and_channels(records):
    # 云南's two fee-settlement items print no 申办材料 field at all (INVENTORY §2.3 #30, #31).
    no_materials_in_guide = {("002", "基本医疗保险定点医疗机构费用结算"), ("002", "基本医疗保险定点零售药店费用结算")}
    lacking = []
    for key, recs in records.items():
        for r in recs:
            has_materials = any(m["kind"] == "material" for m in r["structured"]["materials"]) or r["materials_marker"]
            if not has_materials:
                lacking.append((key, r["title"]))
            assert r["time_limit"], (key, r["title"], "time limit")
            assert r["channels"] or r["structured"]["channels"], (key, r["title"], "channels")
    assert {(k, t.rstrip("。")) for k, t in lacking} <= no_materials_in_guide | {
        (k, n) for k, n in no_materials_in_guide
    }, lacking
    assert len(lacking) == 2, lacking


def test_settlement_items_say_by_agreement(records):
    assert find(records, "001", "定点医疗机构费用结算")["materials_marker"] == "按协议"
    assert find(records, "003", "医疗机构申请定点协议管理", level="区级")["materials_marker"] == "按协议"


# ---------------------------------------------------------------------------------------------
# coverage (no fact lost)


def test_coverage_at_least_98_percent_per_guide(build_report):
    for key, cov in build_report.coverage.items():
        assert cov.ratio >= 0.98, (key, cov.ratio, cov.gaps[:10])


def test_exclusions_are_legitimate(build_report):
    for key, cov in build_report.coverage.items():
        assert cov.invalid_exclusions == [], (key, cov.invalid_exclusions[:5])


def test_build_is_fast(build_report):
    assert build_report.seconds <= 10


# ---------------------------------------------------------------------------------------------
# verbatim facts, at least five per guide from different parts


def test_chenzhou_facts(records):
    assert find(records, "000", "单位参保登记")["time_limit"].startswith("不超过5个工作日")
    remote = find(records, "000", "异地安置退休人员备案")
    assert remote["time_limit"].startswith("线上不超过2个工作日，线下即时办结")
    assert remote["code"] == "002036004001" and not remote["code_inferred"]
    assert find(records, "000", "参保人员个人账户一次性支取")["time_limit"].startswith("不超过7个工作日")
    assert find(records, "000", "医疗机构申请定点协议管理")["time_limit"].startswith("从审核资料合格到审批开通不超过 60天")
    assert "“湘医保”APP或微信公众号" in find(records, "000", "职工参保登记")["channels"]
    allowance = find(records, "000", "生育津贴支付")
    assert "方式一（窗口办）" in allowance["materials"] and "方式三（医院办）" in allowance["materials"]
    assert find(records, "000", "异地急诊人员备案")["code"] == "002036004005"
    assert "见附件2" in find(records, "000", "单位参保登记")["supervision"]


def test_hunan_facts(records):
    add = find(records, "001", "职工参保登记", variant="职工增加登记")
    assert add["time_limit"].startswith("不超过 5个工作日")
    # the list table says 即时办结: kept as a flagged conflict, not merged away
    assert any("即时办结" in c["other"] for c in add["structured"]["conflicts"])
    assert find(records, "001", "医疗机构申请定点协议管理")["time_limit"].startswith("不超过 80个自然日")
    assert "《湖南省生育津贴申领表》" in find(records, "001", "生育津贴支付")["materials"]
    assert "国家医疗保障局令第2号" in find(records, "001", "医疗机构申请定点协议管理")["legal_basis"].replace(" ", "")
    assert find(records, "001", "异地安置退休人员备案")["time_limit"].startswith("现场即时办结，线上 2个工作日")
    settle = find(records, "001", "定点医疗机构费用结算")
    assert "20个工作日" in settle["time_limit"]
    assert find(records, "001", "其他临时外出就医人员备案")["code"] == "002036004005"
    assert "国办发〔2021〕42号" in find(records, "001", "医疗救助对象手工")["legal_basis"].replace(" ", "")


def test_a_template_printed_after_an_item_that_names_it_is_its_form(records):
    # "异地工作劳动合同任选其一，或个人承诺书": the promise printed after the item, with its 告知书 part
    forms = {f["title"]: f for f in find(records, "001", "常驻异地工作人员备案")["forms"]}
    assert forms["基本医疗保险异地就医备案个人承诺书"]["reference"] == "个人承诺书"
    # the 职工 variant names its own 申请表; the 居民 one printed beside it shares only the title's end
    titles = [f["title"] for f in find(records, "001", "门诊慢特病", variant="职工医保")["forms"]]
    assert "湖南省居民基本医疗保险门诊慢特病待遇资格认定申请表" not in titles
    # an unlabelled template printed right after an item's form goes with it (表20 + 信用承诺书)
    titles = [f["title"] for f in find(records, "001", "零售药店申请定点协议管理")["forms"]]
    assert titles.count("信用承诺书") == 1


def test_hunan_list_table_remarks_are_kept_with_their_variant(records):
    # the table's 备注 say what the guide text does not: one numbered rule per line, sourced to the row
    birth = find(records, "001", "生育医疗待遇支付")["fields"]["list_remarks"]
    lines = birth["text"].splitlines()
    assert lines[1].startswith("2.产前检查费、计划生育医疗费和生育医疗费可合并支付") and len(lines) == 3
    assert birth["source"].startswith("001_e87ed86121f40618.txt:9403-")
    assert "list_remarks" not in find(records, "001", "异地转诊人员备案")["fields"]  # a row without 备注


def test_yunnan_facts(records):
    assert find(records, "002", "参保人员个人账户一次性支取")["time_limit"].startswith("即时办结")
    assert find(records, "002", "门诊慢特病")["time_limit"].startswith("特殊病病种5个工作日办结，慢性病病种10个工作日办结")
    assert find(records, "002", "转移接续")["time_limit"].startswith("不超过20个工作日")
    assert "《生育服务证》原件及复印件" in find(records, "002", "生育津贴支付")["materials"]
    assert "每季度第一个月的前5个工作日" in find(records, "002", "医疗机构申请定点协议管理")["time_limit"]
    assert find(records, "002", "住院费用报销")["time_limit"].startswith("不超过30个工作日")
    assert all(r["code"] is None or r["code_inferred"] for r in records["002"])


def test_xianan_facts(records):
    assert find(records, "003", "个人账户", level="区级")["time_limit"].startswith("不超过15个工作日")
    assert "0715-8876622" in find(records, "003", "单位参保登记", level="区级")["supervision"]
    assert "结婚证复印件" in find(records, "003", "生育津贴支付", level="区级")["materials"]
    assert find(records, "003", "卫生室门诊费用结算", level="乡镇")
    assert "鄂汇办APP" in find(records, "003", "城乡居民参保登记", level="区级")["channels"]
    assert find(records, "003", "医疗机构申请定点协议管理", level="区级")["time_limit"].startswith("不超过90工作日")
    assert "0715-8339438" in find(records, "003", "单位参保登记", level="区级")["phones"]


def test_guizhou_facts(records):
    assert find(records, "004", "参保人员个人账户一次性支取")["time_limit"].startswith("15个工作日")
    assert "0854-8192359" in find(records, "004", "异地安置退休人员备案")["phones"]
    assert "0854-8191131" in find(records, "004", "异地安置退休人员备案")["phones"]
    assert "产假期间工资收入证明" in find(records, "004", "生育津贴支付")["materials"]
    assert find(records, "004", "医疗机构申请定点协议管理")["time_limit"].startswith("每年两次集中申报，90个工作日办结")
    assert "由转入地经办机构受理并负责办结" in find(records, "004", "医疗保险关系转出")["time_limit"]
    assert "23、24号窗口" in find(records, "004", "单位参保登记")["channels"]


# ---------------------------------------------------------------------------------------------
# regions, precedence, provenance, corrections


@pytest.mark.parametrize(
    "alias, region",
    [
        ("昆明", "云南省"),
        ("都匀", "贵州省(黔南州都匀市)"),
        ("黔南", "贵州省(黔南州都匀市)"),
        ("咸宁", "咸安区"),
        ("咸安", "咸安区"),
        ("郴州", "郴州市"),
        ("北湖区", "郴州市"),
        ("长沙", "湖南省"),
    ],
)
def test_region_aliases(kb, alias, region):
    assert query.resolve_region(kb, alias).name == region


def test_chenzhou_answers_from_city_guide_then_province(kb):
    chenzhou = query.resolve_region(kb, "郴州")
    assert [(rg.guide.key, rg.precedence) for rg in chenzhou.guides] == [("000", 1), ("001", 2)]
    assert chenzhou.consult and "见附件2" in chenzhou.consult[0].text


def test_every_region_has_a_consult_channel_from_its_guide(kb):
    for region in kb.scalars(select(Region)):
        assert region.consult, region.name
        for c in region.consult:
            assert c.text and c.start_line <= c.end_line


def test_every_record_carries_its_source(records):
    for recs in records.values():
        for r in recs:
            assert r["source"].startswith(r["source_file"] + ":")
            for m in r["structured"]["materials"]:
                assert m["source"].startswith(r["source_file"])
            for f in r["fields"].values():
                start, end = map(int, f["source"].rsplit(":", 1)[1].split("-"))
                assert start <= end


def test_inferred_codes_are_real_national_codes(records):
    printed = {r["code"] for key in ("000", "001") for r in records[key] if r["code"]}
    for key in ("002", "003", "004"):
        for r in records[key]:
            if r["code"]:
                assert r["code_inferred"] and r["code"] in printed, (key, r["title"], r["code"])


def test_corrections_are_recorded(kb):
    from knowledge.corrections import load_corrections

    assert kb.scalar(select(func.count()).select_from(AppliedCorrection)) == len(load_corrections())
