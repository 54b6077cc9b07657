"""Parser for guide 000 (郴州): one test per trap on inline extracts, then checks on the real file."""

from pathlib import Path
from typing import List, Tuple

import pytest

from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import read_lines, unaccounted_lines
from knowledge.parsers.chenzhou import parse

SOURCE = Path("knowledge/sources/000_6d6874b4926ea73c.txt")

TEN_FIELDS = ["name", "unit", "target", "channels", "process", "materials", "time_limit", "query", "supervision", "evaluation"]


def _item_block(name: str, code: str, start: int, heading_nums=None, title_prefix: str = "一、") -> List[Tuple[int, str]]:
    """A minimal item in the guide's layout, numbered from ``start``."""
    nums = heading_nums or ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）"]
    texts = [
        f"{title_prefix}{name}（{code}）",
        f"{nums[0]}事项名称：{name}",
        f"{nums[1]}受理单位：全市各级医疗保障经办机构",
        f"{nums[2]}服务对象：参保人。",
        f"{nums[3]}办理渠道：",
        "现场办理：市本级、各县（市、区）医保经办机构（见附件2）。",
        f"{nums[4]}办理流程：",
        "1.申请。",
        f"{nums[5]}办理材料：",
        "1.医保电子凭证或有效身份证件或社保卡；",
        f"{nums[6]}办理时限：即时办结。",
        f"{nums[7]}查询方式：现场查询、线上查询（见附件2）。",
        f"{nums[8]}监督电话：市本级、各县（市、区）医保经办机构监督电话（见附件2）。",
        f"{nums[9]}评价渠道：",
        "1.现场评价：服务对象通过政务服务大厅现场评价器进行评价；",
        "评价结果由省人民政府政务服务中心统一向社会公布。",
    ]
    return [(start + i, t) for i, t in enumerate(texts)]


def _part(start: int, number: str = "一", title: str = "基本医疗保险参保和变更登记", code: str = "00203600100Y"):
    return [
        (start, f" 第{number}部分："),
        (start + 1, f"[bookmark: _Toc1][bookmark: _Toc2]{title}"),
        (start + 2, f"（{code}）"),
    ]


# ---------------------------------------------------------------------------------------------
# Traps on inline extracts


def test_item_title_with_leading_spaces_and_glued_bookmarks():
    lines = _part(1) + [(4, "[bookmark: _Toc9512]")]
    lines += _item_block("职工参保登记", "002036001002", 5, title_prefix="  [bookmark: _Toc303][bookmark: _Toc9731]二、")
    g = parse(lines)
    (item,) = g.items
    assert (item.title, item.name, item.code) == ("二、职工参保登记（002036001002）", "职工参保登记", "002036001002")
    assert (item.main_code, item.main_name, item.variant) == ("00203600100Y", "基本医疗保险参保和变更登记", None)
    assert [f.key for f in item.fields] == TEN_FIELDS
    assert g.excluded[4] == "bookmark"
    assert unaccounted_lines(g, lines) == []


def test_field_headings_are_recognised_by_name_not_marker():
    # 000 l.1987–1993: （1）…（4） then （五）
    nums = ["（1） ", "（2） ", "（3） ", "（4） ", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）"]
    block = [t for _, t in _item_block("常驻异地工作人员备案", "002036004003", 4, heading_nums=nums)]
    # a materials entry opened with （1） but no field name stays a body line
    block.insert(10, "（1）婴儿出生证（含多胎）或婴儿死亡证（复印件）")
    lines = _part(1) + [(4 + i, t) for i, t in enumerate(block)]
    g = parse(lines)
    item = g.items[0]
    assert [f.key for f in item.fields] == TEN_FIELDS
    assert item.field("name").lines == [(5, "常驻异地工作人员备案")]
    assert item.field("unit").heading_line == 6
    assert item.field("process").heading_line == 10
    assert item.field("materials").lines == [
        (13, "1.医保电子凭证或有效身份证件或社保卡；"),
        (14, "（1）婴儿出生证（含多胎）或婴儿死亡证（复印件）"),
    ]


def test_part_without_label_after_truncated_flowchart():
    # 000 l.2455–2467: the 住院 flowchart runs straight into the part-7 title and main code
    lines = _part(1, "六", "手工（零星）报销", "00203600600Y") + _item_block("住院费用报销", "002036006002", 4)
    lines += [
        (20, "[bookmark: _Toc13689]住院费用报销办理流程图"),
        (21, "申请"),
        (22, "1. 医保电子凭证或有效身份证件或社保卡"),
        (23, " [bookmark: _Toc12294]生育保险待遇核准支付"),
        (24, "（00203600700Y）"),
        (25, "[bookmark: _Toc26561]"),
    ]
    lines += _item_block("产前检查费支付", "002036007001", 26)
    g = parse(lines)
    first, second = g.items
    assert first.flowchart[-1] == (22, "1. 医保电子凭证或有效身份证件或社保卡")
    assert first.end == 22
    assert (second.main_code, second.main_name) == ("00203600700Y", "生育保险待遇核准支付")
    heading = [d for d in g.documents if d.kind == "heading"][-1]
    assert (heading.start, heading.end, heading.title) == (23, 24, "生育保险待遇核准支付")
    assert unaccounted_lines(g, lines) == []


def test_part_with_label_only_infers_main_code():
    # 000 l.3257–3258: 第九部分 has neither title nor main code
    lines = [(1, "[bookmark: _Toc8838]第九部分：")]
    lines += _item_block("医疗机构申请定点协议管理", "002036009001", 2, title_prefix=" [bookmark: _Toc31168]一、")
    g = parse(lines)
    item = g.items[0]
    assert (item.main_code, item.main_name) == ("00203600900Y", None)
    assert [(d.kind, d.start, d.end) for d in g.documents] == [("heading", 1, 1)]


def test_flowchart_without_title_after_evaluation():
    # 000 l.3158–3173: 医疗救助 报销 flowchart has no "办理流程图" title
    lines = _part(1) + _item_block("医疗救助对象手工（零星）报销", "002036008002", 4)
    lines += [(20, " 材料不全的一次性告知需补齐的材料并重新提交"), (21, "申请"), (22, "否"), (23, "拨付")]
    g = parse(lines)
    item = g.items[0]
    assert item.field("evaluation").end == 19
    assert [n for n, _ in item.flowchart] == [20, 21, 22, 23]
    assert item.extra == []


def test_flowchart_title_split_over_two_lines_and_single_word_flowchart():
    # 000 l.2150–2151 (title split) and l.2419–2420 (门诊 flowchart is just " 拨付")
    lines = _part(1) + _item_block("门诊费用报销", "002036006001", 4)
    lines += [(20, "[bookmark: _Toc26265]门诊费用报销办理流程图"), (21, " 拨付")]
    lines += _item_block("基本医疗保险参保人员享受门诊慢特病病种待遇认定", "002036005001", 22)
    lines += [(38, "[bookmark: _Toc4381]基本医疗保险参保人员享受门诊慢特病病种"), (39, "[bookmark: _Toc17465]待遇认定办理流程图"), (40, "申请")]
    g = parse(lines)
    assert g.items[0].flowchart == [(20, "门诊费用报销办理流程图"), (21, " 拨付")]
    assert [n for n, _ in g.items[1].flowchart] == [38, 39, 40]
    assert g.items[1].field("evaluation").end == 37


def test_form_label_alone_takes_title_from_line_above_and_blank_cells_are_excluded():
    # 000 l.47–48 (title then "（参考样表1）"), rows "\t1" are empty cells
    lines = _part(1) + _item_block("单位参保登记", "002036001001", 4)
    lines += [
        (20, " 单位参保登记办理流程图"),
        (21, "否"),
        (22, "[bookmark: _Toc6991]郴州市基本医疗保险单位参保信息登记表"),
        (23, "（参考样表1）"),
        (24, "\t单位名称"),
        (25, "\t1"),
        (26, "\t"),
        (27, "注：1.灵活就业人员无需单位盖章和填写单位编码；"),
        (28, "郴州市职工基本医疗保险参保登记表（参考样表 2）"),
        (29, "\t序号"),
    ]
    g = parse(lines)
    f1, f2 = g.forms
    assert (f1.label, f1.title, f1.start, f1.end, f1.item_seq) == ("参考样表1", "郴州市基本医疗保险单位参保信息登记表", 22, 27, 1)
    assert (f2.label, f2.title, f2.start) == ("参考样表2", "郴州市职工基本医疗保险参保登记表", 28)
    assert g.excluded[25] == "form_blank_cell" and g.excluded[26] == "blank"
    assert (27, "注：1.灵活就业人员无需单位盖章和填写单位编码；") in f1.lines
    assert g.items[0].flowchart == [(20, " 单位参保登记办理流程图"), (21, "否")]
    assert unaccounted_lines(g, lines) == []


def test_notice_is_a_document_and_its_numbered_paragraphs_are_not_items():
    # 000 l.2830–2843
    lines = _part(1, "七", "生育保险待遇核准支付", "00203600700Y") + _item_block("生育津贴支付", "002036007004", 4)
    lines += [
        (20, "郴州市生育保险待遇申领承诺告知事项"),
        (21, "郴州市生育保险待遇申领相关承诺人："),
        (22, "一、根据《湖南省人民政府关于修改<湖南省城镇职工生育保险办法>的决定》（湖南省人民政府令第294号）"),
        (23, "第一项：符合正常生育的，能够提供（1）、（2）项材料；"),
        (24, "郴州市医疗保障事务中心"),
    ]
    g = parse(lines)
    assert len(g.items) == 1
    notice = [d for d in g.documents if d.kind == "notice"]
    assert [(d.title, d.start, d.end, d.item_seq) for d in notice] == [("郴州市生育保险待遇申领承诺告知事项", 20, 24, 1)]


def test_time_limit_keeps_its_remark_and_page_number_is_excluded():
    # 000 l.3277–3278 and the page number between a main code and its first item (l.2123)
    lines = _part(1) + [(4, "— 70 —")] + _item_block("医疗机构申请定点协议管理", "002036009001", 5)
    lines = [(n if n < 16 else n + 1, t) for n, t in lines]
    lines.append((16, "备注：办理时限根据国家、省两定机构协议管理办法和经办规程进行调整。"))
    lines.sort()
    g = parse(lines)
    tl = g.items[0].field("time_limit")
    assert tl.lines == [(15, "即时办结。"), (16, "备注：办理时限根据国家、省两定机构协议管理办法和经办规程进行调整。")]
    assert g.excluded[4] == "page_number"
    assert unaccounted_lines(g, lines) == []


# ---------------------------------------------------------------------------------------------
# The real file

EXPECTED_ITEMS = [
    ("002036001001", "单位参保登记"),
    ("002036001002", "职工参保登记"),
    ("002036001003", "城乡居民参保登记"),
    ("002036001004", "单位参保信息变更登记"),
    ("002036001005", "职工参保信息变更登记"),
    ("002036001006", "城乡居民参保信息变更登记"),
    ("002036001007", "法定断档补缴"),
    ("002036001008", "退休人员医保管理"),
    ("002036002001", "参保单位参保信息查询"),
    ("002036002002", "参保人员参保信息查询"),
    ("002036002003", "参保人员个人账户一次性支取"),
    ("002036003001", "出具《参保凭证》"),
    ("002036003002", "转移接续手续办理"),
    ("002036004001", "异地安置退休人员备案"),
    ("002036004002", "异地长期居住人员备案"),
    ("002036004003", "常驻异地工作人员备案"),
    ("002036004004", "异地转诊人员备案"),
    ("002036004005", "异地急诊人员备案"),
    ("002036005001", "基本医疗保险参保人员享受门诊慢特病病种待遇认定"),
    ("002036005002", "基本医疗保险参保人员享受“双通道”管理药品待遇认定"),
    ("002036006001", "门诊费用报销"),
    ("002036006002", "住院费用报销"),
    ("002036007001", "产前检查费支付"),
    ("002036007002", "生育医疗费支付"),
    ("002036007003", "计划生育医疗费支付"),
    ("002036007004", "生育津贴支付"),
    ("002036007005", "一次性生育补助金支付"),
    ("002036008001", "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴"),
    ("002036008002", "医疗救助对象手工（零星）报销"),
    ("002036009001", "医疗机构申请定点协议管理"),
    ("002036009002", "零售药店申请定点协议管理"),
    ("002036010001", "基本医疗保险定点医疗机构费用结算"),
    ("002036010002", "基本医疗保险定点零售药店费用结算"),
]

# INVENTORY §2.1 item start lines
EXPECTED_STARTS = [5, 151, 384, 645, 771, 897, 1009, 1197, 1368, 1419, 1469, 1599, 1704, 1903, 1945, 1986, 2030,
                   2071, 2124, 2249, 2390, 2426, 2467, 2488, 2512, 2535, 2845, 3091, 3134, 3258, 3470, 3783, 3823]


@pytest.fixture(scope="module")
def real():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines, parse(lines)


def test_real_items_codes_names_and_starts(real):
    _, g = real
    assert len(g.items) == 33
    assert [(i.code, i.name) for i in g.items] == EXPECTED_ITEMS
    assert [i.start for i in g.items] == EXPECTED_STARTS
    assert [i.seq for i in g.items] == list(range(1, 34))
    assert all(i.variant is None and i.level is None for i in g.items)
    for item in g.items:
        assert item.main_code == item.code[:9] + "00Y"
        assert item.field("name").lines[0][1] == item.name


def test_real_every_item_has_the_ten_fields(real):
    _, g = real
    for item in g.items:
        assert [f.key for f in item.fields] == TEN_FIELDS, item.name
        for key in ("materials", "time_limit", "channels"):
            assert item.field(key).lines, (item.name, key)
        assert item.extra == [], item.name


def test_real_main_names(real):
    _, g = real
    names = {i.main_code: i.main_name for i in g.items}
    assert names["00203600100Y"] == "基本医疗保险参保和变更登记"
    assert names["00203600600Y"] == "基本医疗保险参保人员医疗费用手工（零星）报销"
    assert names["00203600700Y"] == "生育保险待遇核准支付"  # no 第七部分 label
    assert names["00203600900Y"] is None  # 第九部分 prints neither title nor code
    assert names["00203601000Y"] == "定点医药机构费用结算"  # no 第十部分 label


def test_real_spot_checks(real):
    _, g = real
    item = {i.code: i for i in g.items}
    assert item["002036001001"].field("time_limit").lines == [(19, "不超过5个工作日。")]
    assert item["002036001002"].field("time_limit").lines == [(177, "不超过5个工作日；灵活就业人员即时办结。")]
    assert item["002036004001"].field("time_limit").lines == [(1918, "线上不超过2个工作日，线下即时办结。")]
    tl = item["002036009001"].field("time_limit").lines
    assert tl[0] == (3277, "从审核资料合格到审批开通不超过 60天。")
    assert tl[1][0] == 3278 and tl[1][1].startswith("备注：办理时限")
    f16 = item["002036004003"]
    assert f16.field("name").heading_line == 1987 and f16.field("process").heading_line == 1993
    mats = item["002036007004"].field("materials").lines
    assert [n for n, _ in mats] == [2548, 2549, 2550] and mats[0][1].startswith("方式一（窗口办）：1.《郴州市生育津贴")
    assert item["002036001002"].field("materials").lines[-1][1].startswith("备注：①有效身份证件包括")
    assert item["002036001003"].field("query").lines[0] == (400, "1.现场查询：各县市区医保经办机构（见附件2）；")
    assert item["002036003001"].field("channels").lines[0][0] == 1604


def test_real_flowcharts(real):
    _, g = real
    item = {i.code: i for i in g.items}
    assert item["002036006001"].flowchart == [(2419, "门诊费用报销办理流程图"), (2420, " 拨付")]
    zy = item["002036006002"].flowchart
    assert zy[0][0] == 2455 and zy[-1][0] == 2463
    drug = [t for _, t in item["002036009002"].flowchart]
    assert drug.count("签署协议") == 2  # printed twice (l.3505–3543)
    assert item["002036008002"].flowchart[0][0] == 3159  # no title
    assert [n for n, _ in item["002036005001"].flowchart[:2]] == [2150, 2151]
    for code in ("002036007001", "002036007002", "002036007003"):
        assert item[code].flowchart == []
    assert sum(1 for i in g.items if i.flowchart) == 30


def test_real_forms_and_documents(real):
    _, g = real
    labels = [f.label for f in g.forms]
    assert labels == [f"参考样表{i}" for i in range(1, 27)] + ["参考样式27"]
    by_label = {f.label: f for f in g.forms}
    assert (by_label["参考样表1"].start, by_label["参考样表1"].item_seq) == (47, 1)
    assert by_label["参考样表7"].title == "郴州市基本医疗保险参保单位信息变更登记表"
    assert by_label["参考样表19"].start == 2564 and by_label["参考样表19"].item_seq == 26
    assert (by_label["参考样表22"].start, by_label["参考样表22"].item_seq) == (2888, 27)
    assert (by_label["参考样表23"].end, by_label["参考样表23"].item_seq) == (3058, 27)
    assert (by_label["参考样表26"].end, by_label["参考样表26"].item_seq) == (3779, 31)
    assert (by_label["参考样式27"].title, by_label["参考样式27"].start, by_label["参考样式27"].item_seq) == ("个人承诺书", 3884, 33)
    notices = [d for d in g.documents if d.kind == "notice"]
    assert [(d.start, d.end, d.item_seq) for d in notices] == [(2830, 2843, 26), (3063, 3076, 27)]
    headings = [d for d in g.documents if d.kind == "heading"]
    assert [d.start for d in headings] == [1, 1358, 1589, 1893, 2119, 2383, 2464, 3085, 3257, 3780]
    assert len(g.documents) == 12


def test_real_every_line_accounted_and_exclusions_valid(real):
    lines, g = real
    assert unaccounted_lines(g, lines) == []
    text = dict(lines)
    bad = [(n, text[n], r) for n, r in g.excluded.items() if not exclusion_is_valid(text[n], r)]
    assert bad == []
    for n in (643, 1883, 2123, 2377):
        assert g.excluded[n] == "page_number"
