"""Parser for guide 004 (贵州 / 都匀): one test per trap on inline extracts, then the real file."""

from pathlib import Path
from typing import List, Tuple

import pytest

from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import ParsedItem, read_lines, unaccounted_lines
from knowledge.parsers.guizhou import parse

SOURCE = Path("knowledge/sources/004_6d45830b27820030.txt")

CONTACT = "咨询电话：0854-8198115；监督电话：0854-8191131。"


def _numbered(text: str) -> List[Tuple[int, str]]:
    return read_lines(text)


def _item(title: str, contact_heading: str = "七、咨询电话与监督电话", contact: str = CONTACT) -> str:
    """A minimal item in this guide's layout (title, seven fields, flowchart title)."""
    return "\n".join(
        [
            title,
            "一、事项名称",
            "单位参保登记。",
            "二、服务对象",
            "用人单位。",
            "三、办理方式",
            "现场办理：都匀市政务服务中心二楼23、24号窗口。",
            "四、办理流程",
            "1.单位向医保经办机构申报；",
            "2.医保经办机构受理审核，并反馈办理结果。",
            "五、申办材料",
            "1.统一社会信用代码证书或单位批准成立的文件；",
            "2.《基本医疗保险单位参保信息登记表》（加盖单位公章）",
            "备注：1.有条件的地区可通过查询数据获取信息并即时办结。",
            "六、办理时限",
            "即时办结。 ",
            contact_heading,
            contact,
            "",
            "单位参保登记流程图",
        ]
    )


def _check_complete(lines, parsed) -> None:
    assert unaccounted_lines(parsed, lines) == []
    text = dict(lines)
    assert all(exclusion_is_valid(text[n], r) for n, r in parsed.excluded.items())


# ---------------------------------------------------------------------------------------------
# Traps on inline extracts


def test_preface_is_a_document_and_part_heading_sets_main_name():
    lines = _numbered(
        " 前\t言\n\n医疗保障经办服务是新时代政府公共服务的组成部分。\n"
        " 一、基本医疗保险参保和变更登记\n1.基本医疗保险参保登记\n" + _item("1.1单位参保登记")
    )
    parsed = parse(lines)
    preface, part, group = parsed.documents
    assert (preface.kind, preface.title, preface.start, preface.end) == ("preface", "前言", 1, 3)
    assert (part.kind, part.title) == ("heading", "一、基本医疗保险参保和变更登记")
    assert (group.kind, group.title, group.start) == ("heading", "1.基本医疗保险参保登记", 5)
    [item] = parsed.items
    assert (item.seq, item.title, item.name, item.start) == (1, "1.1单位参保登记", "单位参保登记", 6)
    assert item.main_name == "基本医疗保险参保和变更登记"
    assert item.code is None and item.main_code is None
    _check_complete(lines, parsed)


def test_field_headings_share_part_numerals_but_map_to_fields():
    lines = _numbered(" 一、基本医疗保险参保和变更登记\n" + _item("1.1单位参保登记"))
    [item] = parse(lines).items
    assert [f.key for f in item.fields] == [
        "name", "target", "channels", "process", "materials", "time_limit", "contact",
    ]
    assert item.field("materials").lines[-1][1].startswith("备注：")  # trailing 备注 stays in materials
    assert item.field("process").lines == [(10, "1.单位向医保经办机构申报；"), (11, "2.医保经办机构受理审核，并反馈办理结果。")]


def test_numbered_body_lines_are_not_item_titles():
    # 1./2. entries in 办理流程 and 申办材料 look like "1.基本医疗保险参保登记" group lines
    lines = _numbered(" 一、基本医疗保险参保和变更登记\n" + _item(" 2.参保人员个人账户一次性支取"))
    parsed = parse(lines)
    assert [it.name for it in parsed.items] == ["参保人员个人账户一次性支取"]
    assert len(parsed.documents) == 1


@pytest.mark.parametrize(
    "heading, expected",
    [("七、咨询电话与监督电话", "咨询电话与监督电话"), ("七、监督电话", "监督电话"), ("7、 咨询电话及监督电话", "咨询电话及监督电话")],
)
def test_contact_heading_variants_all_hold_both_numbers(heading, expected):
    lines = _numbered(" 六、基本医疗保险参保人员医疗费用手工（零星）报销\n" + _item("1.门诊费用报销", heading))
    [item] = parse(lines).items
    contact = item.field("contact")
    assert (contact.heading, contact.lines) == (expected, [(19, CONTACT)])
    assert item.flowchart == [(21, "单位参保登记流程图")]


def test_contact_value_on_the_heading_line_is_its_first_line():
    text = _item("1.1单位参保登记", contact_heading="七、监督电话：0854-8191131。", contact="")
    lines = _numbered(" 一、基本医疗保险参保和变更登记\n" + text)
    parsed = parse(lines)
    contact = parsed.items[0].field("contact")
    assert (contact.heading, contact.heading_line, contact.lines) == ("监督电话", 18, [(18, "0854-8191131。")])
    _check_complete(lines, parsed)


def test_duplicate_item_title_goes_to_extra_not_a_second_item():
    # l.87 / l.90: " 2.2职工参保信息变更登记", two blank lines, "2.2职工参保信息变更登记"
    lines = _numbered(" 一、基本医疗保险参保和变更登记\n 2.2职工参保信息变更登记\n\n\n" + _item("2.2职工参保信息变更登记"))
    parsed = parse(lines)
    [item] = parsed.items
    assert (item.start, item.title, item.name) == (2, "2.2职工参保信息变更登记", "职工参保信息变更登记")
    assert item.extra == [(5, "2.2职工参保信息变更登记")]
    _check_complete(lines, parsed)


def test_duplicate_part_heading_makes_no_second_item_or_document():
    # l.127–131: part heading, blank, group line, the part heading again, the first item
    lines = _numbered(
        "二、基本医疗保险参保信息查询和个人账户一次性支取\n\n1.基本医疗保险参保信息查询\n"
        "二、基本医疗保险参保信息查询和个人账户一次性支取\n" + _item("1.1参保单位参保信息查询")
    )
    parsed = parse(lines)
    assert [(d.title, d.start, d.end) for d in parsed.documents] == [
        ("二、基本医疗保险参保信息查询和个人账户一次性支取", 1, 4),
        ("1.基本医疗保险参保信息查询", 3, 3),
    ]
    assert parsed.documents[0].lines == [(1, "二、基本医疗保险参保信息查询和个人账户一次性支取")]
    [item] = parsed.items
    assert (item.start, item.main_name) == (5, "基本医疗保险参保信息查询和个人账户一次性支取")
    _check_complete(lines, parsed)


def test_flowchart_title_split_over_two_lines_and_image_placeholders():
    # l.653–662 (title on two lines) and l.388–389 ([image: 缺药外购111.GIF])
    text = _item("1.基本医疗保险定点医疗机构费用结算").replace(
        "单位参保登记流程图", "基本医疗保险定点医疗机构费用结算\n流程图\n[image: 缺药外购111.GIF]\n\n"
    )
    lines = _numbered(" 九、定点医药机构费用结算\n" + text + "\n 2.基本医疗保险定点零售药店费用结算\n" + _item("").split("\n", 1)[1])
    parsed = parse(lines)
    first, second = parsed.items
    assert first.flowchart == [(21, "基本医疗保险定点医疗机构费用结算"), (22, "流程图"), (23, "[image: 缺药外购111.GIF]")]
    assert first.field("contact").lines == [(19, CONTACT)]
    assert second.name == "基本医疗保险定点零售药店费用结算"
    _check_complete(lines, parsed)


def test_bookmark_glued_to_phone_line_stays_in_contact():
    text = _item("2.2医疗保险关系转入", contact="[bookmark: _GoBack]" + CONTACT)
    lines = _numbered(" 三、基本医疗保险关系转移接续\n" + text)
    item = parse(lines).items[0]
    assert item.field("contact").lines == [(19, CONTACT)]


def test_time_limit_keeps_its_notes_with_or_without_label():
    text = _item("2.1医疗保险关系转出").replace(
        "即时办结。 ", "20个工作日。\n备注：\n1.由转入地经办机构受理并负责办结；"
    )
    lines = _numbered(" 三、基本医疗保险关系转移接续\n" + text)
    parsed = parse(lines)
    limit = parsed.items[0].field("time_limit")
    assert [t for _, t in limit.lines] == ["20个工作日。", "备注：", "1.由转入地经办机构受理并负责办结；"]
    assert parsed.items[0].field("contact").lines[0][1] == CONTACT
    _check_complete(lines, parsed)


# ---------------------------------------------------------------------------------------------
# The real guide

EXPECTED_NAMES = [
    "单位参保登记",
    "职工参保登记",
    "灵活就业人员基本医疗保险参保登记",
    "单位参保信息变更登记",
    "职工参保信息变更登记",
    "参保单位参保信息查询",
    "参保人员参保信息查询",
    "参保人员个人账户一次性支取",
    "出具《基本医疗保险参保凭证》",
    "医疗保险关系转出",
    "医疗保险关系转入",
    "异地安置退休人员备案",
    "异地长期居住人员备案",
    "常驻异地工作人员备案",
    "异地转诊人员备案",
    "基本医疗保险参保人员享受门诊慢特病病种待遇认定",
    "基本医疗保险门诊特殊病缺药外购申请",
    "门诊费用报销",
    "住院费用报销",
    "产前检查费支付",
    "生育医疗费支付",
    "计划生育医疗费支付",
    "生育津贴支付",
    "男职工配偶生育的一次性补助金",
    "医疗机构申请定点协议管理",
    "零售药店申请定点协议管理",
    "基本医疗保险定点医疗机构费用结算",
    "基本医疗保险定点零售药店费用结算",
]


@pytest.fixture(scope="module")
def real():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines, parse(lines)


def _by_name(parsed, name: str) -> ParsedItem:
    return next(it for it in parsed.items if it.name == name)


def _field_text(item: ParsedItem, key: str) -> List[Tuple[int, str]]:
    return item.field(key).lines


def test_real_items_names_and_order(real):
    _, parsed = real
    assert len(parsed.items) == 28
    assert [it.name for it in parsed.items] == EXPECTED_NAMES
    assert [it.seq for it in parsed.items] == list(range(1, 29))
    assert [it.start for it in parsed.items][:6] == [7, 27, 48, 68, 87, 131]
    assert all(it.code is None and it.main_code is None for it in parsed.items)


def test_real_every_item_has_the_seven_fields(real):
    _, parsed = real
    for it in parsed.items:
        assert [f.key for f in it.fields] == [
            "name", "target", "channels", "process", "materials", "time_limit", "contact",
        ], it.name
        assert all(it.field(k).lines for k in ("materials", "time_limit", "channels", "contact")), it.name
        assert it.flowchart and "流程图" in "".join(t for _, t in it.flowchart), it.name


def test_real_main_names(real):
    _, parsed = real
    assert _by_name(parsed, "单位参保登记").main_name == "基本医疗保险参保和变更登记"
    assert _by_name(parsed, "参保单位参保信息查询").main_name == "基本医疗保险参保信息查询和个人账户一次性支取"
    assert _by_name(parsed, "男职工配偶生育的一次性补助金").main_name == "生育保险待遇核准支付"
    assert _by_name(parsed, "基本医疗保险定点零售药店费用结算").main_name == "定点医药机构费用结算"


def test_real_documents(real):
    _, parsed = real
    kinds = [d.kind for d in parsed.documents]
    assert kinds.count("preface") == 1 and kinds.count("heading") == 13  # 9 parts + 4 groups
    preface = parsed.documents[0]
    assert (preface.title, preface.start, preface.end) == ("前言", 1, 4)
    assert 24 not in [n for d in parsed.documents for n, _ in d.lines]
    part_two = next(d for d in parsed.documents if d.start == 127)
    assert part_two.end == 130  # the repeated heading l.130 is inside, not a second document
    assert parsed.forms == [] and parsed.list_rows == []


def test_real_duplicate_headings(real):
    _, parsed = real
    item = _by_name(parsed, "职工参保信息变更登记")
    assert (item.start, item.extra) == (87, [(90, "2.2职工参保信息变更登记")])
    assert sum(1 for it in parsed.items if it.name == "职工参保信息变更登记") == 1


def test_real_spot_checks(real):
    _, parsed = real
    first = parsed.items[0]
    assert _field_text(first, "contact") == [(24, CONTACT)]
    assert (43, "即时办结。") in _field_text(_by_name(parsed, "职工参保登记"), "time_limit")
    assert (233, "1.由转入地经办机构受理并负责办结；") in _field_text(_by_name(parsed, "医疗保险关系转出"), "time_limit")
    # l.263 "[bookmark: _GoBack]咨询电话：…": the tag is stripped, the line stays in contact
    assert _field_text(_by_name(parsed, "医疗保险关系转入"), "contact") == [(263, CONTACT)]
    assert _field_text(_by_name(parsed, "异地安置退休人员备案"), "materials")[:2] == [
        (278, "1.医保电子凭证或有效身份证件或社保卡；"),
        (279, "2.《异地就医登记备案表》。"),
    ]
    assert (549, "5.机关、全额拨款和差额拨款事业单位参保女职工需提供产假期间工资收入证明；") in _field_text(
        _by_name(parsed, "生育津贴支付"), "materials"
    )
    assert (574, "5.女方未参加生育保险的个人承诺书；") in _field_text(
        _by_name(parsed, "男职工配偶生育的一次性补助金"), "materials"
    )
    assert _field_text(_by_name(parsed, "医疗机构申请定点协议管理"), "time_limit") == [
        (606, "每年两次集中申报，90个工作日办结。 ")
    ]
    assert _field_text(_by_name(parsed, "门诊费用报销"), "contact") == [
        (427, "咨询电话：0854-8192359；监督电话：0854-8191131。")
    ]
    assert _by_name(parsed, "门诊费用报销").field("contact").heading == "咨询电话及监督电话"
    assert _by_name(parsed, "异地转诊人员备案").field("contact").heading == "监督电话"


def test_real_flowcharts(real):
    _, parsed = real
    assert _by_name(parsed, "基本医疗保险门诊特殊病缺药外购申请").flowchart == [
        (388, "基本医疗保险门诊特殊病缺药外购申请流程图"),
        (389, "[image: 缺药外购111.GIF]"),
    ]
    assert _by_name(parsed, "基本医疗保险定点零售药店费用结算").flowchart == [
        (687, "基本医疗保险定点零售药店费用结算"),
        (688, "流程图"),
    ]


def test_real_every_line_accounted_and_exclusions_valid(real):
    lines, parsed = real
    _check_complete(lines, parsed)
    assert set(parsed.excluded.values()) == {"blank"}
