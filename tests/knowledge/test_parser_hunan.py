"""Parser for guide 001 (湖南省 2025): one test per trap on inline extracts, then the real file.

The rotated list table (l.50–12709) belongs to ``knowledge.parsers.hunan_table``; the real-file
tests here run :func:`parse_guide_part`, which leaves that range alone, and the full :func:`parse`
is tested with a stand-in table module (and with the real one when it is importable).
"""

import sys
import types
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from knowledge import extract
from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import ListTableRow, ParsedGuide, ParsedItem, read_lines, unaccounted_lines
from knowledge.parsers.hunan import TABLE_FIRST, TABLE_LAST, field_heading, parse, parse_guide_part

SOURCE = Path("knowledge/sources/001_e87ed86121f40618.txt")
OFFSET = TABLE_LAST  # inline extracts are numbered after the table range, as Part C is

SPLIT_FIELDS = [
    "1.事项名称：{name}。",
    "2.受理单位：全省各级医疗保障经办机构（以下简称“医保",
    "经办机构”）。",
    "3.服务对象：无雇工的个体工商户。",
    "4.办理渠道：",
    "（1）现场办理：各统筹区医保经办机构公布经办服务大厅",
    "办理地址。",
    "（2）线上办理：湖南省政务服务平台、“湘医",
    "保”APP或微信公众号等。",
    "5.办理流程：",
    "（1）申请。申请人提出申请。",
    " （2）办结。",
    "6.办理材料：",
    "（1）有效身份证件；",
    "（2）《湖南省职工基本医疗保险参保登记表》（表 2）。",
    "7.办理时限：不超过 5个工作日。",
    "8.查询方式：现场查询、线上查询。",
    "9.监督电话：各统筹区医保经办机构向社会公布监督电话。",
    "10.评价渠道：现场评价、线上评价、第三方评价等，并向",
    "社会公布。评价内容主要包括信息公开、办事效率、依法依规办",
    "理等。",
]

UNSPLIT_FIELDS = [
    "（一）事项名称：{name}。",
    "（二）受理单位：全省各级医疗保障经办机构。",
    "（三）服务对象：异地安置退休人员。",
    "（四）办理渠道：",
    "1.现场办理：各统筹区医保经办机构公布经办服务大厅办理地址。",
    "（五）办理流程：",
    "1.申请。",
    "2.办结。",
    "（六）办理材料：",
    "1.医保电子凭证或有效身份证件或社保卡；",
    "2.《湖南省异地就医备案登记表》（表 13）。",
    "（七）办理时限：现场即时办结，线上 2个工作日。",
    "（八）查询方式：现场查询、线上查询。",
    "（九）监督电话：各统筹区医保经办机构向社会公布监督电",
    "话。",
    "（十）评价渠道：现场评价、线上评价、第三方评价等，并",
    "向社会公布。评价内容主要包括信息公开、办事效率、依法依规",
    "办理等。",
]

FLOWCHART = [" {name}办理流程图", "材料不全的一次", "申请", "受理", "1.有效身份证件；", "办结", "否 否"]


def _numbered(rows: List[str]) -> List[Tuple[int, str]]:
    """Number inline rows after the table range, with a blank line between rows like the PDF dump."""
    text = "\n\n".join(rows)
    return [(n + OFFSET, t) for n, t in read_lines(text)]


def _split(name: str) -> List[str]:
    return [line.format(name=name) for line in SPLIT_FIELDS]


def _unsplit(name: str) -> List[str]:
    return [line.format(name=name) for line in UNSPLIT_FIELDS]


def _flowchart(name: str) -> List[str]:
    return [line.format(name=name) for line in FLOWCHART]


def _check_complete(lines, parsed) -> None:
    own = [(n, t) for n, t in lines if not TABLE_FIRST <= n <= TABLE_LAST]
    assert unaccounted_lines(parsed, own) == []
    text = dict(lines)
    bad = [(n, r) for n, r in parsed.excluded.items() if n in text and not exclusion_is_valid(text[n], r)]
    assert bad == []


def _line_of(lines, needle: str) -> int:
    return next(n for n, t in lines if needle in t)


# ---------------------------------------------------------------------------------------------
# Traps on inline extracts


def test_same_marker_is_variant_title_in_split_items_and_field_heading_in_unsplit_ones():
    rows = ["第一部分", "基本医疗保险参保和变更登记", " 二、职工参保登记", "（一）灵活就业人员增加登记"]
    rows += _split("灵活就业人员增加登记")
    rows += [" （二）灵活就业人员减少登记"] + _split("灵活就业人员减少登记")
    rows += [" 四、单位参保信息变更登记"] + _unsplit("单位参保信息变更登记")
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    got = [(i.name, i.variant, i.main_name) for i in parsed.items]
    assert got == [
        ("职工参保登记", "灵活就业人员增加登记", "基本医疗保险参保和变更登记"),
        ("职工参保登记", "灵活就业人员减少登记", "基本医疗保险参保和变更登记"),
        ("单位参保信息变更登记", None, "基本医疗保险参保和变更登记"),
    ]
    for item in parsed.items:
        assert [f.key for f in item.fields] == [
            "name", "unit", "target", "channels", "process", "materials",
            "time_limit", "query", "supervision", "evaluation",
        ]  # fmt: skip
        assert item.code is None and item.main_code is None
    assert parsed.items[0].title == "（一）灵活就业人员增加登记"
    assert parsed.items[2].start == _line_of(lines, "四、单位参保信息变更登记")
    headings = [(d.kind, d.title) for d in parsed.documents]
    assert headings == [("heading", "第一部分 基本医疗保险参保和变更登记"), ("heading", "二、职工参保登记")]
    _check_complete(lines, parsed)


def test_field_heading_needs_a_field_name_at_its_own_position():
    assert field_heading("（七）办理时限：即时办结。") == ("time_limit", "办理时限", "即时办结。")
    assert field_heading("7.办理时限：不超过 5个工作日。") == ("time_limit", "办理时限", "不超过 5个工作日。")
    assert field_heading("（九）监督电话：各统筹区") == ("supervision", "监督电话", "各统筹区")
    assert field_heading("（一）灵活就业人员增加登记") is None  # a variant title
    assert field_heading("1.办理时限：") is None  # wrong ordinal: a list entry, not a heading
    assert field_heading("（1）现场办理：各统筹区") is None


def test_variant_title_keeps_its_wording_without_the_final_full_stop():
    rows = [" 一、单位参保登记", "（一）单位参保登记（含新增、暂停、拆分合并分立等业务）。"]
    rows += _split("单位参保登记（含新增、暂停、拆分合并分立")
    parsed = parse_guide_part(_numbered(["第一部分", "基本医疗保险参保和变更登记"] + rows))
    assert parsed.items[0].variant == "单位参保登记（含新增、暂停、拆分合并分立等业务）"
    assert parsed.items[0].name == "单位参保登记"


def test_hard_wrapped_lines_and_new_page_spaces_are_kept_verbatim():
    lines = _numbered(["第一部分", "基本医疗保险参保和变更登记", " 二、职工参保登记", "（一）灵活就业人员增加登记"] + _split("x"))
    item = parse_guide_part(lines).items[0]
    channels = item.field("channels")
    assert channels.lines[0][1] == "（1）现场办理：各统筹区医保经办机构公布经办服务大厅"
    assert "（2）线上办理：湖南省政务服务平台、“湘医保”APP或微信公众号等。" in extract.join_text(channels.lines)
    assert " （2）办结。" in [t for _, t in item.field("process").lines]
    assert item.field("time_limit").lines == [(_line_of(lines, "7.办理时限"), "不超过 5个工作日。")]


def test_page_number_inside_a_field_is_excluded_and_the_sentence_rejoins():
    rows = ["第八部分", "医疗救助对象待遇核准支付", " 一、医疗救助对象手工（零星）报销", "（一）门诊医疗救助申报"]
    fields = _split("门诊医疗救助申报")
    at = fields.index(" （2）办结。")
    fields[at:at] = ["（3）审核。医保经办机构对提交的材料进行审核，审核通", "— 155 —", "过的予以报销。"]
    lines = _numbered(rows + fields)
    parsed = parse_guide_part(lines)
    page = _line_of(lines, "— 155 —")
    assert parsed.excluded[page] == "page_number"
    process = parsed.items[0].field("process")
    assert page not in [n for n, _ in process.lines]
    assert "（3）审核。医保经办机构对提交的材料进行审核，审核通过的予以报销。" in extract.join_text(process.lines)
    _check_complete(lines, parsed)


def test_tail_after_evaluation_is_flowchart_then_repeated_forms_with_labels():
    rows = ["第一部分", "基本医疗保险参保和变更登记", " 三、城乡居民参保登记"]
    for variant in ("城乡居民减少登记（暂停参保）", "城乡居民减少登记（终止参保）"):
        marker = "（一）" if "暂停" in variant else " （二）"
        rows += [marker + variant] + _split(variant) + _flowchart(variant)
        rows += [" 湖南省城乡居民基本医疗保险参保登记表（表 5）", "姓名 身份证件类型", "业务类型 □新增 □暂停 □终止 □恢复"]
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    assert [(f.label, f.title, f.item_seq) for f in parsed.forms] == [
        ("表5", "湖南省城乡居民基本医疗保险参保登记表", 1),
        ("表5", "湖南省城乡居民基本医疗保险参保登记表", 2),
    ]
    first = parsed.items[0]
    assert first.flowchart[0][1].strip() == "城乡居民减少登记（暂停参保）办理流程图"
    assert "1.有效身份证件；" in [t for _, t in first.flowchart]  # box text, not a field heading
    assert first.field("evaluation").lines[-1][1] == "理等。"
    assert first.end < parsed.forms[0].start
    _check_complete(lines, parsed)


def test_wrapped_form_title_and_wrapped_flowchart_title():
    rows = ["第五部分", "基本医疗保险参保人员享受门诊慢特病", "病种和“双通道”管理药品待遇认定"]
    rows += [" 一、基本医疗保险参保人员享受门诊慢特病病种待遇认定", "（一）职工医保参保人员享受门诊慢特病病种待遇认定"]
    rows += _split("职工医保参保人员享受门诊慢特病病种待遇认")
    rows += [" 职工医保参保人员享受门诊慢特病", "病种待遇认定办理流程图", "申请", "否 否"]
    rows += [" 湖南省职工基本医疗保险门诊慢特病待遇资格认定", "申请表（表 14）", "姓名 性别 年龄"]
    rows += [" 信用承诺书", "本人保证提供资料为本人看病就医资料真实合法有效，如有", "年 月 日", "— 124 —"]
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    item = parsed.items[0]
    assert item.main_name == "基本医疗保险参保人员享受门诊慢特病病种和“双通道”管理药品待遇认定"
    assert item.name == "基本医疗保险参保人员享受门诊慢特病病种待遇认定"
    assert [t.strip() for _, t in item.flowchart[:2]] == ["职工医保参保人员享受门诊慢特病", "病种待遇认定办理流程图"]
    assert [(f.label, f.title) for f in parsed.forms] == [
        ("表14", "湖南省职工基本医疗保险门诊慢特病待遇资格认定申请表"),
        (None, "信用承诺书"),
    ]
    assert parsed.forms[1].end == _line_of(lines, "年 月 日")  # the page number stays excluded
    _check_complete(lines, parsed)


def test_form_preamble_templates_and_unlabelled_second_title():
    rows = ["第四部分", "基本医疗保险参保人员异地就医备案", " 一、异地安置退休人员备案"] + _unsplit("异地安置退休人员备案")
    rows += [" 异地安置退休人员备案办理流程图", " 备案编号：", "湖南省异地就医登记备案表（表 13）", "温馨提示",
             "4.异地急诊抢救人员视同已备案。", " 基本医疗保险异地就医备案个人承诺书", "□异地长期居住人员",
             "参保地异地就医备案告知书", "在 6 个月内补齐相关备案材料。"]  # fmt: skip
    rows += [" 二、零售药店申请定点协议管理"] + _unsplit("零售药店申请定点协议管理")
    rows += [" 湖南省定点零售药店申请表（表 20）", " 填写说明", "一、本表采用打印版，要求内容真实。",
             "二、劳动合同有效时限填写劳动合同签订日期及合同期限。", " 湖南省定点零售药店申请表", "药店名称 药店地址",
             "信用承诺书", "风险提示：申请定点的零售药店有可能存在前期经费投入。"]  # fmt: skip
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    assert [i.name for i in parsed.items] == ["异地安置退休人员备案", "零售药店申请定点协议管理"]
    assert [(f.label, f.title, f.item_seq) for f in parsed.forms] == [
        ("表13", "湖南省异地就医登记备案表", 1),
        (None, "基本医疗保险异地就医备案个人承诺书", 1),
        ("表20", "湖南省定点零售药店申请表", 2),
        (None, "信用承诺书", 2),
    ]
    assert parsed.forms[0].start == _line_of(lines, "备案编号")
    # the 告知书 heading is a part of the promise's one table, not a form of its own
    assert "在 6 个月内补齐相关备案材料。" in [t for _, t in parsed.forms[1].lines]
    assert "4.异地急诊抢救人员视同已备案。" in [t for _, t in parsed.forms[0].lines]
    assert parsed.items[0].flowchart == [(_line_of(lines, "办理流程图"), " 异地安置退休人员备案办理流程图")]
    assert parsed.items[1].flowchart == []
    _check_complete(lines, parsed)


def test_flowchart_boxes_printed_before_the_title():
    rows = ["第九部分", "医药机构申请定点协议管理", " 一、医疗机构申请定点协议管理"] + _unsplit("医疗机构申请定点协议管理")
    rows += [" 申请", "受理", "签署协议", "办结", "医疗机构申请定点协议管理办理流程图", "材料不全的一次性"]
    rows += [" 湖南省定点医疗机构申请表（表 19）", "申请单位：____________"]
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    item = parsed.items[0]
    assert [t.strip() for _, t in item.flowchart] == [
        "申请", "受理", "签署协议", "办结", "医疗机构申请定点协议管理办理流程图", "材料不全的一次性",
    ]  # fmt: skip
    assert item.field("evaluation").end < item.flowchart[0][0]
    assert parsed.forms[0].label == "表19"
    _check_complete(lines, parsed)


def test_lost_form_residue_after_a_flowchart_is_excluded():
    rows = ["第一部分", "基本医疗保险参保和变更登记", " 二、职工参保登记", "（一）职工减少登记（暂停参保）"]
    rows += _split("职工减少登记（暂停参保）") + _flowchart("职工减少登记（暂停参保）") + [" 签", " 签", " 日"]
    rows += [" （二）职工减少登记（终止参保）"] + _split("职工减少登记（终止参保）")
    lines = _numbered(rows)
    parsed = parse_guide_part(lines)
    residue = [n for n, t in lines if t in (" 签", " 日")]
    assert [parsed.excluded[n] for n in residue] == ["lost_form_residue"] * 3
    assert parsed.items[0].flowchart[-1][1] == "否 否"
    assert parsed.forms == []
    _check_complete(lines, parsed)


def test_cover_letter_guide_cover_and_toc():
    letter = ["", "湘医保办发〔2025〕11号", "", "关于印发《湖南省医疗保障经办政务服务事项", "清单（2025年版）》的通知",
              "各市州、县市区医疗保障部门直接执行省级清单，不再出台本级", "— 1 —", "（此件主动公开）"]  # fmt: skip
    cover = ["湖南省医疗保障经办政务服务事项", "", "办事指南（2025年版）", "", "湖南省医疗保障局", "— 12 —", "", "目 录", "",
             "第一部分：基本医疗保险参保和变更登记.......................16", "— 13 —",
             "1.单位参保登记办理流程图.................... 19", ""]  # fmt: skip
    lines = [(i + 1, t) for i, t in enumerate(letter)]
    lines += [(TABLE_FIRST + i, t) for i, t in enumerate(["单", "位"])]
    lines += [(TABLE_LAST + 1 + i, t) for i, t in enumerate(cover + ["第一部分", "基本医疗保险参保和变更登记"])]
    parsed = parse_guide_part(lines)
    kinds = [(d.kind, d.title) for d in parsed.documents]
    assert kinds[0] == ("cover_letter", "关于印发《湖南省医疗保障经办政务服务事项清单（2025年版）》的通知")
    assert kinds[1] == ("heading", "湖南省医疗保障经办政务服务事项办事指南（2025年版）")
    assert "各市州、县市区医疗保障部门直接执行省级清单，不再出台本级" in [t for _, t in parsed.documents[0].lines]
    toc = sorted(n for n, r in parsed.excluded.items() if r == "toc")
    assert [dict(lines)[n] for n in toc][0] == "目 录" and len(toc) == 3
    assert TABLE_FIRST not in parsed.excluded  # the table's lines are left to hunan_table
    _check_complete(lines, parsed)


def test_parse_merges_the_table_fragment(monkeypatch):
    seen: List[int] = []

    def fake_parse_table(lines):
        seen.extend(n for n, _ in lines)
        row = ListTableRow("00203600100Y", "基本医疗保险参保和变更登记", "002036001001", "单位参保登记", 1,
                           "单位参保登记", "", "", "", "", "", TABLE_FIRST, TABLE_FIRST + 1, "")  # fmt: skip
        return ParsedGuide(key="001", list_rows=[row], excluded={TABLE_FIRST + 2: "table_header"})

    module = types.ModuleType("knowledge.parsers.hunan_table")
    module.parse_table = fake_parse_table
    monkeypatch.setitem(sys.modules, "knowledge.parsers.hunan_table", module)
    lines = [(1, "湘医保办发〔2025〕11号"), (TABLE_FIRST, "单"), (TABLE_FIRST + 1, "位"), (TABLE_FIRST + 2, "序")]
    lines += _numbered(["第一部分", "基本医疗保险参保和变更登记", " 四、单位参保信息变更登记"] + _unsplit("单位参保信息变更登记"))
    parsed = parse(lines)
    assert seen == [TABLE_FIRST, TABLE_FIRST + 1, TABLE_FIRST + 2]
    assert [r.sub_code for r in parsed.list_rows] == ["002036001001"]
    assert parsed.excluded[TABLE_FIRST + 2] == "table_header"
    assert len(parsed.items) == 1 and parsed.documents[0].kind == "cover_letter"
    assert unaccounted_lines(parsed, lines) == []


# ---------------------------------------------------------------------------------------------
# The real file

EXPECTED: List[Tuple[str, Optional[str]]] = [
    ("单位参保登记", "单位参保登记（含新增、暂停、拆分合并分立等业务）"),
    ("单位参保登记", "单位注销登记"),
    ("职工参保登记", "灵活就业人员增加登记"),
    ("职工参保登记", "灵活就业人员减少登记"),
    ("职工参保登记", "职工增加登记"),
    ("职工参保登记", "职工减少登记（暂停参保）"),
    ("职工参保登记", "职工减少登记（终止参保）"),
    ("职工参保登记", "在职转退休"),
    ("城乡居民参保登记", "城乡居民参保登记（含新增、恢复等业务）"),
    ("城乡居民参保登记", "城乡居民减少登记（暂停参保）"),
    ("城乡居民参保登记", "城乡居民减少登记（终止参保）"),
    ("单位参保信息变更登记", None),
    ("职工参保信息变更登记", None),
    ("城乡居民参保信息变更登记", None),
    ("法定断档补缴", None),
    ("参保单位参保信息查询", None),
    ("参保人员参保信息查询", None),
    ("参保人员个人账户一次性支取", None),
    ("基本医疗保险关系转移接续", "基本医疗保险关系转入"),
    ("基本医疗保险关系转移接续", "基本医疗保险关系转出"),
    ("异地安置退休人员备案", None),
    ("异地长期居住人员备案", None),
    ("常驻异地工作人员备案", None),
    ("异地转诊人员备案", None),
    ("其他临时外出就医人员备案", None),
    ("基本医疗保险参保人员享受门诊慢特病病种待遇认定", "职工医保参保人员享受门诊慢特病病种待遇认定"),
    ("基本医疗保险参保人员享受门诊慢特病病种待遇认定", "居民医保参保人员享受门诊慢特病病种待遇认定"),
    ("基本医疗保险参保人员享受“双通道”管理药品待遇认定", "职工医保参保人员享受“双通道”管理药品待遇认定"),
    ("基本医疗保险参保人员享受“双通道”管理药品待遇认定", "居民医保参保人员享受“双通道”管理药品待遇认定"),
    ("门诊费用报销", None),
    ("住院费用报销", None),
    ("生育医疗待遇支付", None),
    ("生育津贴支付", None),
    ("医疗救助对象手工（零星）报销", "门诊医疗救助申报"),
    ("医疗救助对象手工（零星）报销", "住院医疗救助申报"),
    ("医疗机构申请定点协议管理", None),
    ("零售药店申请定点协议管理", None),
    ("基本医疗保险定点医疗机构费用结算", None),
    ("基本医疗保险定点零售药店费用结算", None),
]

# INVENTORY §2.2 "guide line" column: where each 业务办理项 begins (the variant title, or the sub
# item title of an unsplit item).
STARTS = [12893, 13065, 13231, 13334, 13443, 13554, 13666, 13786, 13897, 14073, 14241, 14413, 14556, 14678,
          14763, 14853, 14933, 14994, 15116, 15195, 15281, 15456, 15629, 15836, 16001, 16169, 16351, 16528,
          16701, 16879, 16961, 17035, 17106, 17316, 17394, 17508, 17783, 18069, 18158]  # fmt: skip


@pytest.fixture(scope="module")
def real():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines, parse_guide_part(lines)


def _item(parsed: ParsedGuide, seq: int) -> ParsedItem:
    return parsed.items[seq - 1]


def _text(item: ParsedItem, key: str) -> str:
    fb = item.field(key)
    assert fb is not None, (item.seq, key)
    return extract.join_text(fb.lines)


def test_real_items_names_variants_and_starts(real):
    _, parsed = real
    assert [(i.name, i.variant) for i in parsed.items] == EXPECTED
    assert len({i.name for i in parsed.items}) == 27
    assert [i.start for i in parsed.items] == STARTS
    assert [i.seq for i in parsed.items] == list(range(1, 40))
    assert all(i.code is None and i.main_code is None for i in parsed.items)
    assert _item(parsed, 15).main_name == "基本医疗保险参保和变更登记"
    assert _item(parsed, 18).main_name == "基本医疗保险参保信息查询和个人账户一次性支取"
    assert _item(parsed, 39).main_name == "定点医药机构费用结算"


def test_real_every_item_has_all_ten_fields(real):
    _, parsed = real
    for item in parsed.items:
        keys = [f.key for f in item.fields]
        assert keys == ["name", "unit", "target", "channels", "process", "materials",
                        "time_limit", "query", "supervision", "evaluation"], item.seq  # fmt: skip
        for key in ("materials", "time_limit", "channels"):
            assert _text(item, key), (item.seq, key)
        assert item.extra == []


def test_real_spot_checks(real):
    _, parsed = real
    assert _item(parsed, 5).field("time_limit").lines == [(13500, "不超过 5个工作日。")]
    assert _item(parsed, 21).field("time_limit").lines == [(15334, "现场即时办结，线上 2个工作日。")]
    assert _item(parsed, 26).field("time_limit").heading_line == 16226
    assert _text(_item(parsed, 26), "time_limit") == "线下不超过 20个工作日，线上不超过 7 个工作日。"
    materials = _text(_item(parsed, 33), "materials")
    assert materials.startswith(
        "1.《湖南省生育津贴申领表》（表 17）或《湖南省一次性生育补助金申领表》（表 18）；\n"
        "2.病历资料（加盖医院印章）。"
    )
    assert _item(parsed, 36).field("time_limit").lines == [(17600, "不超过 80个自然日。")]
    assert _text(_item(parsed, 38), "materials") == "根据定点医疗机构与经办机构签订的协议执行。"
    assert _text(_item(parsed, 39), "materials") == "根据定点零售药店与经办机构签订的协议执行。"
    assert _text(_item(parsed, 38), "time_limit") == "从定点医疗机构申报截止次日到医保基金拨付不超过 20个工作日。"
    assert "注：本事项无需线下办理。" in _text(_item(parsed, 38), "channels")
    # l.12948–12952: query and supervision lines of the first item land in its fields
    first = _item(parsed, 1)
    assert first.field("query").heading_line == 12948 and first.field("query").lines[-1][0] == 12950
    assert first.field("supervision").heading_line == 12952
    # "“湘医" / "保”APP" (l.13253–13255) rejoin inside the channels field
    assert "“湘医保”APP或微信公众号" in _text(_item(parsed, 3), "channels")
    # l.17358 page number splits a sentence of 门诊医疗救助申报's process
    assert "审核通过的予以报销" in _text(_item(parsed, 34), "process")
    assert 17358 not in [n for n, _ in _item(parsed, 34).field("process").lines]


def test_real_forms(real):
    _, parsed = real
    labels = [f.label for f in parsed.forms if f.label]
    assert sorted(set(labels), key=lambda s: int(s[1:])) == [
        "表1", "表5", "表7", "表11", "表13", "表14", "表15", "表16", "表17", "表18", "表19", "表20",
    ]  # fmt: skip
    counts = {label: labels.count(label) for label in set(labels)}
    assert counts == {"表1": 2, "表5": 3, "表7": 1, "表11": 1, "表13": 5, "表14": 1, "表15": 1, "表16": 2,
                      "表17": 1, "表18": 1, "表19": 1, "表20": 1}  # fmt: skip
    templates = [f.title for f in parsed.forms if not f.label]
    assert templates.count("基本医疗保险异地就医备案个人承诺书") == 3
    assert templates.count("参保地异地就医备案告知书") == 0  # a part of the 个人承诺书 printed above it
    assert templates.count("信用承诺书") == 4
    assert len(parsed.forms) == 27
    by_start = {f.start: f for f in parsed.forms}
    assert (by_start[15071].label, by_start[15071].item_seq) == ("表11", 18)
    assert by_start[15350].title == "湖南省异地就医登记备案表"  # starts at "备案编号："
    assert by_start[17181].end == 17245
    assert "享受158天产假（含60天奖励产假）" in "".join(t for _, t in by_start[17181].lines)
    assert "人均生育医疗费用的 50%。" in by_start[17246].lines[-1][1]
    assert any("异地急诊抢救人员视同已备案" in t for _, t in by_start[15350].lines)
    assert by_start[17664].end == 17752  # the unlabelled second "湖南省定点医疗机构申请表" stays inside 表19
    for f in parsed.forms:
        assert parsed.items[f.item_seq - 1].end < f.start


def test_real_flowcharts(real):
    _, parsed = real
    assert [t.strip() for _, t in _item(parsed, 15).flowchart] == ["法定断档补缴办理流程图"]
    assert [n for n, _ in _item(parsed, 14).flowchart] == [14756, 14757, 14758, 14760, 14762]
    assert _item(parsed, 36).flowchart[0] == (17615, " 申请")
    title = [t.strip() for _, t in _item(parsed, 26).flowchart[:2]]
    assert title == ["职工医保参保人员享受门诊慢特病", "病种待遇认定办理流程图"]
    assert [n for n, _ in _item(parsed, 39).flowchart] == [18216, 18218]


def test_real_documents_and_exclusions(real):
    lines, parsed = real
    docs = [(d.kind, d.start, d.end) for d in parsed.documents]
    assert docs[0] == ("cover_letter", 2, 49)
    assert docs[1] == ("heading", 12710, 12716)
    assert sum(1 for d in parsed.documents if d.title.startswith("第") and "部分" in d.title) == 10
    assert [d.title for d in parsed.documents if "、" in d.title[:3]] == [
        "一、单位参保登记", "二、职工参保登记", "三、城乡居民参保登记", "一、基本医疗保险关系转移接续",
        "一、基本医疗保险参保人员享受门诊慢特病病种待遇认定", "二、基本医疗保险参保人员享受“双通道”管理药品待遇认定",
        "一、医疗救助对象手工（零星）报销",
    ]  # fmt: skip
    assert "各市州、县市区医疗保障部门直接执行省级清单，不再出台本级" in [t for _, t in parsed.documents[0].lines]
    assert parsed.excluded[12722] == "toc" and parsed.excluded[12882] == "toc"
    residue = sorted(n for n, r in parsed.excluded.items() if r == "lost_form_residue")
    assert residue == [13663, 13664, 13665, 13783, 13784, 13785]
    assert parsed.excluded[17358] == "page_number"
    _check_complete(lines, parsed)


def test_real_full_parse_with_the_table_module(real):
    pytest.importorskip("knowledge.parsers.hunan_table")
    lines, _ = real
    parsed = parse(lines)
    assert len(parsed.items) == 39
    assert unaccounted_lines(parsed, lines) == []
    text = dict(lines)
    assert [(n, r) for n, r in parsed.excluded.items() if not exclusion_is_valid(text[n], r)] == []
