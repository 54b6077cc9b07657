"""Parser for guide 002 (云南省医疗保障经办政务服务办事指南): traps on inline extracts, then the real file."""

from pathlib import Path
from typing import List

import pytest

from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import SourceLine, read_lines, unaccounted_lines
from knowledge.parsers.yunnan import parse

SOURCE = Path(__file__).resolve().parents[2] / "knowledge" / "sources" / "002_064aa0d9a171c7e4.txt"


def _lines(text: str) -> List[SourceLine]:
    return read_lines(text)


def _item_text(title: str, *, eval_heading: str = "八、满意度测评", chart: str = "九、{t}流程图") -> str:
    return "\n".join(
        [
            title,
            "",
            "一、事项名称",
            f"{title}。",
            "二、服务对象",
            "参保人。",
            "三、办理方式",
            "医保经办机构。",
            "四、办理流程",
            "申报。",
            "五、申办材料",
            "1.有效身份证件。",
            "六、办理时限",
            "即时办结。",
            "七、单位地址及监督电话",
            "单位地址：",
            "监督电话：",
            eval_heading,
            "非常满意、满意、一般、不满意。",
            chart.format(t=title),
            "进行好差评",
        ]
    )


# ---------------------------------------------------------------------------------------------
# Traps, on inline extracts


def test_part_heading_and_field_headings_share_numerals():
    text = "一、基本医疗保险参保和变更登记\n\n" + _item_text("单位参保登记") + "\n\n二、参保信息查询\n\n" + _item_text("参保人员参保信息查询")
    g = parse(_lines(text))
    assert [i.name for i in g.items] == ["单位参保登记", "参保人员参保信息查询"]
    assert [i.main_name for i in g.items] == ["基本医疗保险参保和变更登记", "参保信息查询"]
    assert [(d.kind, d.title, d.start) for d in g.documents] == [
        ("heading", "基本医疗保险参保和变更登记", 1),
        ("heading", "参保信息查询", 25),
    ]
    first = g.items[0]
    assert [f.key for f in first.fields] == [
        "name", "target", "channels", "process", "materials", "time_limit", "contact", "evaluation"
    ]
    assert first.field("time_limit").lines == [(16, "即时办结。")]
    assert first.main_code is None and first.code is None and first.variant is None
    assert unaccounted_lines(g, _lines(text)) == []


def test_title_wrapped_over_two_lines():
    text = "五、门诊慢特病待遇认定\n\n基本医疗保险参保人员享受门诊\n慢特病病种待遇认定\n\n一、事项名称\n门诊慢特病病种：\n二、服务对象\n参保人员。"
    g = parse(_lines(text))
    (item,) = g.items
    assert item.name == "基本医疗保险参保人员享受门诊慢特病病种待遇认定"
    assert item.start == 3 and item.extra == [(4, "慢特病病种待遇认定")]
    assert item.field("name").lines == [(7, "门诊慢特病病种：")]
    assert unaccounted_lines(g, _lines(text)) == []


def test_leaked_auto_numbering_and_fullwidth_digits_kept_verbatim():
    text = _item_text("职工参保登记", chart="9、 {t}流程图").replace("七、单位地址", "6、 单位地址").replace(
        "医保经办机构。", "１.医保经办机构；\n２.网上办理。"
    )
    g = parse(_lines(text))
    (item,) = g.items
    assert item.field("channels").lines == [(8, "１.医保经办机构；"), (9, "２.网上办理。")]
    assert item.field("contact").heading == "单位地址及监督电话"
    assert item.flowchart[0] == (21, "9、 职工参保登记流程图")
    assert item.flowchart[-1] == (22, "进行好差评")


def test_fee_settlement_item_without_materials_renumbers_fields():
    text = "\n".join(
        [
            "基本医疗保险定点零售药店费用结算",
            "",
            "一、事项名称",
            "基本医疗保险定点零售药店费用结算",
            "四、办理流程",
            "1.零售药店对账；",
            "五、办理时限",
            "不超过30个工作日。",
            "六、单位地址及监督电话",
            "单位地址：",
            "七、满意度测评",
            "非常满意、满意、一般、不满意。",
            "八、基本医疗保险定点零售药店费用结算流程图",
            "结  算",
        ]
    )
    (item,) = parse(_lines(text)).items
    assert item.field("materials") is None
    assert item.field("time_limit").lines == [(8, "不超过30个工作日。")]
    assert item.field("evaluation").lines == [(12, "非常满意、满意、一般、不满意。")]
    assert [n for n, _ in item.flowchart] == [13, 14]


def test_flowchart_without_numbered_heading_starts_after_the_evaluation():
    # item #4 (灵活就业) has no "九、…流程图": l.279 answer, l.287 "…参保登记流程图"
    text = _item_text("灵活就业、自谋职业人员参保登记", chart="\n\n{t}流程图")
    g = parse(_lines(text))
    (item,) = g.items
    assert item.field("evaluation").lines == [(19, "非常满意、满意、一般、不满意。")]
    assert item.flowchart[0] == (22, "灵活就业、自谋职业人员参保登记流程图")
    assert unaccounted_lines(g, _lines(text)) == []


def test_value_on_the_heading_line_is_the_first_field_line():
    text = "门诊费用报销\n\n一、事项名称：门诊费用报销。\n六、办理时限：不超过30个工作日。\n补充说明"
    (item,) = parse(_lines(text)).items
    assert item.field("name").lines == [(3, "门诊费用报销。")]
    assert item.field("time_limit").lines == [(4, "不超过30个工作日。"), (5, "补充说明")]


def test_garbage_line_with_tab_run_stays_in_the_flowchart():
    garbage = "参保人在原参保地医保经办机构办理停保后，次月可以到转出地经办机构办理，并开具《参保凭证》\t\t\t\t.。"
    text = _item_text("出具《参保凭证》") + "\n" + garbage
    (item,) = parse(_lines(text)).items
    assert item.flowchart[-1] == (22, garbage)


def test_forms_are_labelled_by_order_with_page_number_and_blank_cells_excluded():
    text = "\n".join(
        [
            _item_text("单位参保登记"),
            "",
            "基本医疗保险单位参保信息登记表",
            "\t单位名称\t",
            "- 8 -",
            "",
            "XX城镇职工医疗保险参保人员变动表",
            "\t序号\t姓名",
            "\t1",
        ]
    )
    lines = _lines(text)
    g = parse(lines)
    assert [(f.label, f.title, f.start, f.end, f.item_seq) for f in g.forms] == [
        ("附件1", "基本医疗保险单位参保信息登记表", 23, 24, None),
        ("附件2", "XX城镇职工医疗保险参保人员变动表", 27, 28, None),
    ]
    assert g.excluded[25] == "page_number" and g.excluded[29] == "form_blank_cell"
    assert g.items[0].end == 21
    assert unaccounted_lines(g, lines) == []


# ---------------------------------------------------------------------------------------------
# The real guide

EXPECTED_NAMES = [
    "单位参保登记",
    "职工参保登记",
    "城乡居民参保登记",
    "灵活就业、自谋职业人员参保登记",
    "单位参保信息变更登记",
    "职工参保信息变更登记",
    "城乡居民参保信息变更登记",
    "退役士兵补缴城镇职工基本医疗保险",
    "社会保障卡（加载金融功能）申办与管理",
    "参保单位参保信息查询",
    "参保人员参保信息查询",
    "参保人员个人账户一次性支取",
    "出具《参保凭证》",
    "转移接续手续办理",
    "异地安置退休人员备案",
    "异地长期居住人员备案",
    "常驻异地工作人员备案",
    "异地转诊人员备案",
    "基本医疗保险参保人员享受门诊慢特病病种待遇认定",
    "门诊费用报销",
    "住院费用报销",
    "产前检查费支付",
    "生育医疗费支付",
    "计划生育医疗费支付",
    "生育津贴支付",
    "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
    "医疗救助对象手工（零星）报销",
    "医疗机构申请定点协议管理",
    "零售药店申请定点协议管理",
    "基本医疗保险定点医疗机构费用结算",
    "基本医疗保险定点零售药店费用结算",
]
EXPECTED_STARTS = [
    30, 91, 171, 244, 336, 406, 470, 539, 601, 680, 745, 811, 874, 935, 1020, 1083,
    1145, 1207, 1273, 1338, 1399, 1483, 1537, 1621, 1706, 1763, 1833, 1935, 2016, 2108, 2182,
]


@pytest.fixture(scope="module")
def real():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines, parse(lines)


def _text(item, key):
    return "".join(t for _, t in item.field(key).lines)


def test_real_items_names_and_starts(real):
    _, g = real
    assert len(g.items) == 31
    assert [i.name for i in g.items] == EXPECTED_NAMES
    assert [i.start for i in g.items] == EXPECTED_STARTS
    assert [i.seq for i in g.items] == list(range(1, 32))
    assert all(i.variant is None and i.code is None and i.main_code is None for i in g.items)


def test_real_main_items_from_part_headings(real):
    _, g = real
    mains = [i.main_name for i in g.items]
    assert mains[0] == "基本医疗保险参保和变更登记" and mains[8] == "基本医疗保险参保和变更登记"
    assert mains[9] == "基本医疗保险参保信息查询和个人账户一次性支取"
    assert mains[-1] == "定点医药机构费用结算"
    assert len(set(mains)) == 10


def test_real_every_item_has_its_fields(real):
    _, g = real
    for item in g.items:
        for key in ("name", "target", "channels", "process", "time_limit", "contact", "evaluation"):
            assert item.field(key) is not None and item.field(key).lines, (item.seq, key)
        assert item.flowchart, item.seq
        if item.seq in (30, 31):  # fee settlement: no 申办材料 field
            assert item.field("materials") is None
        else:
            assert item.field("materials") is not None and item.field("materials").lines, item.seq


def test_real_spot_checks(real):
    _, g = real
    items = {i.seq: i for i in g.items}
    # 职工参保 l.110
    assert items[2].field("time_limit").lines == [(110, "每月1-15日受理,即时办结。")]
    # 12333 挂失 l.617
    assert any(n == 617 and "挂失电话12333" in t for n, t in items[9].field("materials").lines)
    # 门诊慢特病: time limit l.1292, disease lists l.1278–1279 (full-width "2５" kept)
    assert items[19].field("time_limit").lines == [(1292, "特殊病病种5个工作日办结，慢性病病种10个工作日办结。")]
    name_lines = dict(items[19].field("name").lines)
    assert name_lines[1278].startswith("(一)门诊慢性病共2５种病种:冠心病")
    assert name_lines[1279].startswith("(二)门诊特殊病共15种病种:恶性肿瘤")
    # 生育津贴 materials l.1719–1723
    mat = items[25].field("materials")
    assert mat.heading_line == 1719 and [n for n, _ in mat.lines] == [1720, 1721, 1722, 1723]
    assert mat.lines[-1][1] == "（二）灵活就业、自谋职业人员只享受生育医疗费，不享受生育津贴"
    # 医疗机构定点 time limit l.1957–1959
    tl = items[28].field("time_limit")
    assert tl.heading_line == 1957 and tl.lines[0] == (1958, "申报时间：每季度第一个月的前5个工作日，遇节假日顺延。")
    assert tl.lines[1][0] == 1959
    # full-width channel numbers l.98–99
    assert items[2].field("channels").lines == [(98, "１.医保经办机构；"), (99, "２.网上办理。")]
    # leaked numbering "6、 单位地址及监督电话" l.2126 and "9、 转移接续手续办理流程图" l.969
    assert items[30].field("contact").heading_line == 2126
    assert items[14].flowchart[0] == (969, "9、 转移接续手续办理流程图")
    # 转移接续 time limit
    assert _text(items[14], "time_limit") == "不超过20个工作日。"


def test_real_flowchart_residue(real):
    lines, g = real
    items = {i.seq: i for i in g.items}
    assert any(n == 906 for n, _ in items[13].flowchart)  # garbage line with the tab run
    assert items[4].flowchart[0] == (287, "灵活就业、自谋职业人员参保登记流程图")  # no "九、" heading
    assert any("长期居住认定材料" in t for _, t in items[16].flowchart)  # l.1119, not in 申办材料
    assert items[2].end == 151 and items[31].end == 2215


def test_real_documents_and_forms(real):
    _, g = real
    kinds = [d.kind for d in g.documents]
    assert kinds.count("preface") == 1 and kinds.count("heading") == 10
    preface = g.documents[0]
    assert (preface.kind, preface.start, preface.end) == ("preface", 1, 7)
    assert preface.title == "云南省医疗保障经办政务服务办事指南"
    heading_starts = [d.start for d in g.documents if d.kind == "heading"]
    assert heading_starts == [28, 678, 872, 1018, 1271, 1336, 1481, 1761, 1933, 2106]
    assert [f.label for f in g.forms] == [f"附件{k}" for k in range(1, 10)]
    assert [f.start for f in g.forms] == [2236, 2299, 2477, 2527, 2625, 2682, 2742, 2825, 2875]
    assert g.forms[7].title == "XX基本医疗保险参保人员特殊病慢性病申报表"
    assert g.forms[-1].end == 2974
    assert all(f.item_seq is None for f in g.forms)
    assert g.excluded[2297] == "page_number"


def test_real_every_line_accounted_and_exclusions_valid(real):
    lines, g = real
    assert unaccounted_lines(g, lines) == []
    text = dict(lines)
    bad = [(n, r) for n, r in g.excluded.items() if not exclusion_is_valid(text[n], r)]
    assert bad == []
