"""Parser for guide 003 (咸安区): traps on inline extracts, then the real file."""

from pathlib import Path
from typing import List

import pytest

from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import ParsedItem, SourceLine, read_lines, unaccounted_lines
from knowledge.parsers.xianan import parse

SOURCE = Path("knowledge/sources/003_93e2ebf3d0788e82.txt")

_HEAD = ["附件 1：", "咸安区医疗保障经办窗口服务事项清单", "（区级）", ""]


def _lines(*texts: str) -> List[SourceLine]:
    return [(i + 1, t) for i, t in enumerate(texts)]


def _item(title: str, *body: str, tail: tuple = ()) -> List[str]:
    """A minimal item: title, the given body, the closing fields, then ``tail`` (flowchart)."""
    closing = [
        "七、办理时限：即时办结",
        "八、咨询方式：",
        "区医保经办机构电话：0715-8339438或现场经办窗口。",
        "九、咸安区医疗保障局监督电话：0715-8876622",
        "十、评价渠道：现场评价(评价器)、互联网评价、第三方评价等多种形式相结合的评价，并向社会公布。",
    ]
    return [title, *body, *closing, *tail]


def _text(lines: List[SourceLine]) -> List[str]:
    return [t for _, t in lines]


# ---------------------------------------------------------------------------------------------
# Traps on inline extracts


def test_mixed_title_numbering_and_bookmark_tag():
    src = _lines(
        *_HEAD,
        *_item(" [bookmark: _GoBack]1.单位参保登记 ", "一、事项名称：单位参保登记", "六、办理材料：介绍信"),
        *_item(" 2、职工参保登记", "一、事项名称：职工参保登记", "六、办理材料：身份证"),
        *_item(" 3. 参保人员参保信息查询", "一、事项名称：参保人员参保信息查询", "六、办理材料：身份证"),
    )
    g = parse(src)
    assert [(i.seq, i.title, i.name, i.level) for i in g.items] == [
        (1, "1.单位参保登记", "单位参保登记", "区级"),
        (2, "2、职工参保登记", "职工参保登记", "区级"),
        (3, "3. 参保人员参保信息查询", "参保人员参保信息查询", "区级"),
    ]
    assert unaccounted_lines(g, src) == []


def test_wrapped_title_is_joined_and_first_review_label_leaves_the_name():
    src = _lines(
        *_HEAD,
        *_item(" 1. 参保人员个人账户一次性支取", "           （初审）", "", "一、事项名称：参保人员个人账户一次性支取"),
        *_item(" 2.基本医疗保险定点医疗机构", "费用结算", "", "一、事项名称：基本医疗保险定点医疗机构费用结算"),
    )
    g = parse(src)
    first, second = g.items
    assert first.title == "1. 参保人员个人账户一次性支取（初审）"
    assert first.name == "参保人员个人账户一次性支取"
    assert _text(first.extra) == ["           （初审）"]
    assert second.title == "2.基本医疗保险定点医疗机构费用结算"
    assert second.name == "基本医疗保险定点医疗机构费用结算"
    assert [n for n, _ in second.extra] == [second.start + 1]
    assert unaccounted_lines(g, src) == []


def test_field_headings_are_recognised_by_name_despite_glitchy_numbering():
    src = _lines(
        *_HEAD,
        *_item(
            "1.职工参保信息变更登记",
            "    一、事项名称：职工参保信息变更登记",
            "    内容：信息系统中已参保人员姓名予以更改。",
            "四、办理渠道：",
            "现场办理:咸安区行政服务大厅医保窗口；",
            "5、 办理流程：",
            "1.申请人向所属地医保经办机构现场申请;",
            "2.2.网上办理：湖北政务服务网",
            "(2.医保经办机构收到申请材料后在承诺时限内完成受理、审核；",
            " 五、办理流程 ： ",
            "六、办理材料",
            "1.在职职工：《职工基本医疗保险参保登记表》 ②参保人员有效身份证件复印件；",
        ),
    )
    item = parse(src).items[0]
    assert [f.key for f in item.fields] == [
        "name", "content", "channels", "process", "process", "materials",
        "time_limit", "consult", "supervision", "evaluation",
    ]  # fmt: skip
    assert item.field("content").lines == [(7, "信息系统中已参保人员姓名予以更改。")]
    assert _text(item.field("process").lines)[1:] == ["2.2.网上办理：湖北政务服务网", "(2.医保经办机构收到申请材料后在承诺时限内完成受理、审核；"]
    assert item.field("time_limit").lines[0][1] == "即时办结"


def test_supervision_value_inside_the_heading_becomes_the_first_line():
    src = _lines(*_HEAD, *_item("1.单位参保登记", "一、事项名称：单位参保登记", "六、办理材料：介绍信"))
    sup = parse(src).items[0].field("supervision")
    assert sup.heading == "咸安区医疗保障局监督电话"
    assert sup.lines == [(sup.heading_line, "0715-8876622")]


def test_flowchart_residue_after_the_last_field():
    src = _lines(
        *_HEAD,
        *_item(
            "1.住院费用报销（初审）",
            "一、事项名称：住院费用报销",
            "六、办理材料：发票",
            tail=(
                "住院费用报销办理流程图（初审）",
                "",
                "需要补正申请材料申请",
                "",
                "补正",
                "                        不符合受理条件                   ",
                "不予受理",
                "受理",
                "\t",
                "初审",
                "办结",
                "",
            ),
        ),
        "2.符合资助条件的救助对象",
        "参加城乡居民基本医疗保险",
        "个人缴费补贴（初审）",
        "",
        "一、事项名称:符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴",
    )
    g = parse(src)
    first = g.items[0]
    assert [t.strip() for t in _text(first.flowchart)] == [
        "住院费用报销办理流程图（初审）", "需要补正申请材料申请", "补正", "不符合受理条件", "不予受理", "受理", "初审", "办结",
    ]  # fmt: skip
    assert g.items[1].name == "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴"
    assert all(g.excluded[n] == "blank" for n, t in src if not t.strip())
    assert unaccounted_lines(g, src) == []


def test_material_line_before_the_materials_heading_is_kept_as_extra():
    # 乡镇 item 7 (l.862–866): the unit's material sits after the last process step
    src = _lines(
        *_HEAD,
        *_item(
            "1.参保单位参保信息查询",
            "一、事项名称：参保单位参保信息查询",
            "五、办理流程：",
            "1.申请人向所属地医保经办机构现场申请或网上申请;",
            "2.医保经办机构受理;",
            "3.完成参保单位(参保人)参保信息查询。",
            "单位有效证明文件，包括:统一社会信用代码证书或介绍信",
            "六、办理材料：医保电子凭证(或有效身份证件、社会保障卡)。",
        ),
    )
    item = parse(src).items[0]
    assert _text(item.extra) == ["单位有效证明文件，包括:统一社会信用代码证书或介绍信"]
    assert len(item.field("process").lines) == 3


def test_wrapped_process_step_is_not_mistaken_for_a_stray_line():
    src = _lines(
        *_HEAD,
        *_item(
            "1.查询",
            "一、事项名称：查询",
            "6、 办理流程：  ",
            "   1.申请人向所属地村（社区）经办服务窗口现场申请或网",
            "  上申请;",
            "2.查询。",
            "六、办理材料：医保电子凭证",
        ),
    )
    item = parse(src).items[0]
    assert item.extra == [] and len(item.field("process").lines) == 3


def test_copy_pasted_title_takes_the_name_from_the_name_field():
    src = _lines(
        "附件 3：",
        "咸安区村医疗保障经办窗口服务",
        "事项清单（村、社区）",
        "",
        *_item("1.查询、宣传、培训城乡居民、职工", "异地居住备案登记", "一、事项名称：查询、宣传、培训已参保人员异地居住备案登记"),
        *_item(
            "2.查询、宣传、培训城乡居民、职工",
            "异地居住备案登记",
            "一、事项名称：查询、宣传、培训城乡居民、职工常驻异地工作人员备案登记",
        ),
    )
    g = parse(src)
    assert [i.level for i in g.items] == ["村", "村"]
    assert g.items[0].name == "查询、宣传、培训城乡居民、职工异地居住备案登记"
    assert g.items[1].name == "查询、宣传、培训城乡居民、职工常驻异地工作人员备案登记"
    assert g.items[1].title == "2.查询、宣传、培训城乡居民、职工异地居住备案登记"


def test_duties_faq_and_list_headings_become_documents_and_levels_restart_seq():
    src = _lines(
        "",
        "《咸安区基层医保经办创建优良营商环境提升服务能力建设试点工作实施方案》政策解读",
        "附件1",
        "",
        "咸安区医疗保障服务中心主要工作职责",
        "",
        "具体职责如下：",
        "（一）负责本中心各股室业务的综合协调。",
        "附件2",
        "咸安区乡镇（办）医疗保障服务窗口工作职责",
        "（一）贯彻落实。",
        "",
        "五、《咸安区区、乡镇、村（社区）医疗保障经办窗口服务事项清单》的内容什么？",
        *_HEAD,
        *_item("1.单位参保登记", "一、事项名称：单位参保登记", "六、办理材料：介绍信", tail=("单位参保登记办理流程图",)),
        " 附件 2",
        "咸安区医疗保障经办窗口服务事项清单",
        "（街道、乡镇）",
        *_item("1.单位参保登记 ", "一、事项名称：单位参保登记", "六、办理材料：介绍信"),
    )
    g = parse(src)
    assert [(d.kind, d.title, d.start, d.end) for d in g.documents] == [
        ("heading", "《咸安区基层医保经办创建优良营商环境提升服务能力建设试点工作实施方案》政策解读", 2, 2),
        ("duties", "咸安区医疗保障服务中心主要工作职责", 3, 8),
        ("duties", "咸安区乡镇（办）医疗保障服务窗口工作职责", 9, 11),
        ("faq", "五、《咸安区区、乡镇、村（社区）医疗保障经办窗口服务事项清单》的内容什么？", 13, 13),
        ("heading", "咸安区医疗保障经办窗口服务事项清单（区级）", 14, 16),
        ("heading", "咸安区医疗保障经办窗口服务事项清单（街道、乡镇）", 27, 29),
    ]
    assert [(i.level, i.seq) for i in g.items] == [("区级", 1), ("乡镇", 1)]
    assert _text(g.items[0].flowchart) == ["单位参保登记办理流程图"]
    assert unaccounted_lines(g, src) == []


def test_agreement_marker_is_kept_as_the_materials_field():
    src = _lines(*_HEAD, *_item("1.医疗机构申请定点协议管理", "一、事项名称：医疗机构申请定点协议管理",
                                "六、办理材料：办理材料按照咸安区两定机构协议管理办法和经办规程执行。"))  # fmt: skip
    mat = parse(src).items[0].field("materials")
    assert mat.heading == "办理材料"
    assert _text(mat.lines) == ["办理材料按照咸安区两定机构协议管理办法和经办规程执行。"]


# ---------------------------------------------------------------------------------------------
# The real file

DISTRICT = [
    "单位参保登记", "职工参保登记", "城乡居民参保登记", "单位参保信息变更登记", "职工参保信息变更登记",
    "城乡居民参保信息变更登记", "参保单位参保信息查询", "参保人员参保信息查询", "参保人员个人账户一次性支取",
    "出具《参保凭证》", "转移接续手续办理", "异地安置退休人员备案", "异地长期居住人员备案", "常驻异地工作人员备案",
    "异地转诊人员备案", "基本医疗保险参保人员享受门诊慢特病病种待遇认定", "门诊费用报销", "住院费用报销",
    "产前检查费支付", "生育医疗费支付", "计划生育医疗费支付", "生育津贴支付",
    "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴", "医疗救助对象手工(零星)报销",
    "医疗机构申请定点协议管理", "零售药店申请定点协议管理", "基本医疗保险定点医疗机构费用结算",
    "基本医疗保险定点零售药店费用结算",
]  # fmt: skip
TOWNSHIP = DISTRICT[:24] + ["辖区内村（社区）卫生室门诊费用结算"]
VILLAGE = [
    "宣传指导城乡居民参保、新生儿登记、续缴参保费",
    "指导城乡居民参保信息维护、变更、查询",
    "查询、宣传、培训城乡居民、职工异地居住备案登记",
    "查询、宣传、培训城乡居民、职工常驻异地工作人员备案登记",
    "查询、宣传、培训城乡居民、职工异地安置退休人员备案登记",
    "查询、宣传、培训城乡居民、职工门诊慢性病申请政策",
    "查询、宣传、培训城乡居民、职工门诊慢性病生存认证",
    "查询、宣传、培训城乡居民、职工分级诊疗政策",
    "宣传、培训推进“互联网+政务”服务工作",
]


@pytest.fixture(scope="module")
def real():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines, parse(lines)


def _at(guide, level: str, seq: int) -> ParsedItem:
    return next(i for i in guide.items if i.level == level and i.seq == seq)


def _name(item: ParsedItem) -> str:
    return item.name.replace("-次性", "一次性")  # l.242/893 typo, fixed by corrections.yml


def test_real_items_per_level_and_names(real):
    _, g = real
    for level, names in (("区级", DISTRICT), ("乡镇", TOWNSHIP), ("村", VILLAGE)):
        items = [i for i in g.items if i.level == level]
        assert [i.seq for i in items] == list(range(1, len(names) + 1))
        assert [_name(i) for i in items] == names
    assert len(g.items) == 62
    assert [i.start for i in g.items if i.level == "区级"][:3] == [58, 79, 101]
    assert _at(g, "乡镇", 25).start == 1466 and _at(g, "村", 1).start == 1525


def test_real_every_item_has_materials_time_limit_channels(real):
    _, g = real
    for item in g.items:
        for key in ("name", "unit", "target", "channels", "process", "materials", "time_limit", "consult",
                    "supervision", "evaluation"):  # fmt: skip
            fb = item.field(key)
            assert fb is not None and fb.lines, (item.level, item.seq, key)
        assert item.field("supervision").lines[0][1] == "0715-8876622"


def test_real_first_review_titles(real):
    _, g = real
    assert _at(g, "乡镇", 9).title == "9. 参保人员个人账户-次性支取（初审）"
    assert _at(g, "乡镇", 16).title == "16.基本医疗保险参保人员享受门诊慢特病病种待遇认定（初审）"
    assert sum("（初审）" in i.title for i in g.items) == 9
    assert not any("初审" in i.name for i in g.items)
    assert _at(g, "区级", 27).title == "27.基本医疗保险定点医疗机构费用结算"
    assert _text(_at(g, "区级", 27).extra) == ["费用结算"]


def test_real_spot_checks(real):
    _, g = real
    assert _at(g, "区级", 2).field("time_limit").lines == [(95, "在职职工不超过5个工作日；灵活就业人员即时办结。")]
    assert _at(g, "区级", 9).field("time_limit").lines == [(255, "不超过15个工作日")]
    process = dict(_at(g, "区级", 11).field("process").lines)
    assert "在5个工作日内生成并发出《联系函》" in process[295]
    assert "在10个工作日内生成并发出《信息表》" in process[296]
    assert "在5个工作日内完成参保人个人账户资金划转" in process[297]
    assert [n for n, _ in _at(g, "区级", 11).field("materials").lines] == [299, 300, 301]
    maternity = _at(g, "区级", 22).field("materials")
    assert [n for n, _ in maternity.lines][:5] == [563, 564, 565, 566, 567]
    assert maternity.lines[3] == (566, "4.结婚证复印件;")
    assert _at(g, "区级", 25).field("time_limit").lines == [(637, "不超过90工作日")]
    assert _at(g, "区级", 25).field("materials").lines == [(636, "办理材料按照咸安区两定机构协议管理办法和经办规程执行。")]
    assert "0715-8339438" in _at(g, "区级", 1).field("consult").lines[0][1]
    assert _at(g, "区级", 1).field("content").lines[0][0] == 61


def test_real_copy_paste_quirks(real):
    _, g = real
    assert _at(g, "乡镇", 7).extra == [(865, "单位有效证明文件，包括:统一社会信用代码证书或介绍信")]
    assert _at(g, "乡镇", 7).field("materials").heading_line == 866
    assert _at(g, "村", 4).title == "4.查询、宣传、培训城乡居民、职工异地居住备案登记"
    flow = [t.strip() for _, t in _at(g, "乡镇", 16).flowchart]
    assert flow[:2] == ["基本医疗保险参保人员享受门诊慢特", "病病种待遇认定流程图"]
    assert {"需要补正申请材料申请", "补正", "不符合受理条件", "不予受理", "受理", "初审", "上报", "办结"} <= set(flow)
    assert _text(_at(g, "区级", 28).flowchart) == ["基本医疗保险定点零售药店", "费用结算"]


def test_real_documents(real):
    _, g = real
    kinds = [(d.kind, d.start) for d in g.documents]
    assert kinds == [
        ("heading", 2), ("duties", 3), ("duties", 27), ("duties", 42), ("faq", 53),
        ("heading", 54), ("heading", 715), ("heading", 1521),
    ]  # fmt: skip
    duties = [d for d in g.documents if d.kind == "duties"]
    numbered = [sum(t.startswith("（") for _, t in d.lines) for d in duties]
    assert numbered == [15, 10, 6]
    assert g.forms == [] and g.list_rows == []


def test_real_every_line_accounted_and_exclusions_valid(real):
    lines, g = real
    assert unaccounted_lines(g, lines) == []
    text = dict(lines)
    assert all(exclusion_is_valid(text[n], reason) for n, reason in g.excluded.items())
    assert set(g.excluded.values()) == {"blank"}
