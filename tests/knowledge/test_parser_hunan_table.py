"""Guide 001's rotated list table (l.50–12709): rows rebuilt from one-or-two-character lines."""

import re
from pathlib import Path
from typing import List, Tuple

import pytest

from knowledge.coverage import exclusion_is_valid
from knowledge.parsers.base import ListTableRow, read_lines, unaccounted_lines
from knowledge.parsers.hunan_table import HEADER_TEXT, joined_text, parse_table

SOURCE = Path("knowledge/sources/001_e87ed86121f40618.txt")
TABLE_FIRST, TABLE_LAST = 50, 12709


def _rotate(*pieces: str, start: int = 1) -> List[Tuple[int, str]]:
    """Lay text out like the rotated table: two characters per line, a blank line after each.

    A piece starting with ``—`` is a page-number line and is kept whole.
    """
    out: List[Tuple[int, str]] = []
    n = start
    for piece in pieces:
        chunks = [piece] if piece.startswith("—") else [piece[i : i + 2] for i in range(0, len(piece), 2)]
        for chunk in chunks:
            out.append((n, chunk))
            out.append((n + 1, ""))
            n += 2
    return out


TITLE = "湖南省医疗保障经办政务服务事项清单（2025年版）"


# --------------------------------------------------------------------------------------------
# Inline extracts, one per trap


def test_joined_text_strips_each_line_and_skips_blanks():
    lines = [(1, " 湖"), (2, "南"), (3, ""), (4, "本 4."), (5, "  ")]
    assert joined_text(lines) == "湖南本 4."


def test_headers_page_numbers_and_blanks_are_excluded_and_title_is_a_heading():
    lines = _rotate(
        TITLE,
        HEADER_TEXT,
        "一、基本医疗保险参保和变更登记（00203600100Y）1单位参保登记（002036001001）1单位参保登记",
        "1.有效证件不超过5个工作日申请—受理—审核—办结",
        "— 8 —",
        HEADER_TEXT,
        "2单位注销登记1.注销文件不超过5个工作日申请—受理—审核—办结",
    )
    parsed = parse_table(lines)
    assert [r.variant_name for r in parsed.list_rows] == ["单位参保登记", "单位注销登记"]
    assert parsed.documents[0].kind == "heading" and parsed.documents[0].title == TITLE
    by_text = {t: parsed.excluded.get(n) for n, t in lines}
    assert by_text["— 8 —"] == "page_number"
    assert by_text[""] == "blank"
    assert {parsed.excluded.get(n) for n, t in lines if t in ("主项", "设定", "依据")} == {"table_header"}
    assert all(HEADER_TEXT not in r.text and "— 8 —" not in r.text for r in parsed.list_rows)
    assert unaccounted_lines(parsed, lines) == []
    assert all(exclusion_is_valid(t, parsed.excluded[n]) for n, t in lines if n in parsed.excluded)


def test_tail_numbers_are_not_taken_for_the_next_row_number():
    # 第259号, 〔2022〕 and "2." in row 1's legal basis come before the real row number 2
    lines = _rotate(
        HEADER_TEXT,
        "一、基本医疗保险参保和变更登记（00203600100Y）1单位参保登记（002036001001）1单位参保登记",
        "1.证书2.《登记表》不超过5个工作日申请—受理—审核—办结",
        "1.《中华人民共和国社会保险法》第五十七条；2.《社会保险费征缴暂行条例》（国务院令第259号）",
        "第八条；3.《湖南省职工基本医疗保险实施办法》（湘政办发〔2022〕66号）。",
        "2单位注销登记1.单位批准注销的文件不超过5个工作日申请—受理—审核—办结",
    )
    rows = parse_table(lines).list_rows
    assert [(r.variant_seq, r.variant_name) for r in rows] == [(1, "单位参保登记"), (2, "单位注销登记")]
    assert rows[0].legal_basis.endswith("（湘政办发〔2022〕66号）。")
    assert rows[1].text.startswith("2单位注销登记")


def test_remarks_and_legal_basis_split_on_the_first_law_title():
    lines = _rotate(
        HEADER_TEXT,
        "一、基本医疗保险参保和变更登记（00203600100Y）1职工参保登记（002036001002）1职工增加登记",
        "1.有效身份证件即时办结申请—受理—审核—办结",
        "如为退休人员因死亡办理停保的需书面告知，即提交医疗机构出具的《死亡医学证明》。",
        "1.《中华人民共和国社会保险法》第二十三条。",
    )
    row = parse_table(lines).list_rows[0]
    assert row.remarks == "如为退休人员因死亡办理停保的需书面告知，即提交医疗机构出具的《死亡医学证明》。"
    assert row.legal_basis == "1.《中华人民共和国社会保险法》第二十三条。"
    assert row.time_limit == "即时办结" and row.steps == "申请—受理—审核—办结"


def test_page_break_inside_a_cell_rejoins_legal_basis_and_strands_remark_in_its_row():
    # rows 34/35: "…（国" | header | 由相关部门认定后进行报销。 | row 35 | 办发〔2021〕42号）；4.…
    lines = _rotate(
        HEADER_TEXT,
        "八、医疗救助对象待遇核准支付（00203600800Y）23医疗救助对象手工（零星）报销（002036008002）",
        "34门诊医疗救助申报1.有效身份证件不超过25个工作日申请--受理--审核--拨付—办结",
        "3.符合救助条件但未经认定的应提供《个人家庭经济状况核查委托授权书》",
        "1.《社会救助暂行办法》（国务院令第649号）第二十九条；3.《国务院办公厅关于健全重特大疾病",
        "医疗保险和救助制度的意见》（国",
        HEADER_TEXT,
        "由相关部门认定后进行报销。",
        "35住院医疗救助申报1.有效身份证件不超过25个工作日申请--受理--审核--拨付—办结",
        "办发〔2021〕42号）；4.《湖南省医疗救助办法》（湘政办发〔2021〕62号）。",
    )
    parsed = parse_table(lines)
    r34, r35 = parsed.list_rows
    assert r34.remarks.endswith("《个人家庭经济状况核查委托授权书》由相关部门认定后进行报销。")
    assert r35.remarks == ""
    for row in (r34, r35):
        assert "（国办发〔2021〕42号）；4.《湖南省医疗救助办法》" in row.legal_basis
        assert "由相关部门" not in row.legal_basis
        assert row.legal_basis.endswith("（湘政办发〔2021〕62号）。")
    assert r34.text.endswith("（国由相关部门认定后进行报销。")
    assert r35.text.endswith("（湘政办发〔2021〕62号）。")
    assert r34.end < r35.start
    assert unaccounted_lines(parsed, lines) == []


def test_merged_cells_are_repeated_onto_the_rows_they_cover():
    lines = _rotate(
        HEADER_TEXT,
        "十、定点医药机构费用结算（00203601000Y）26基本医疗保险定点医疗机构费用结算（002036010001）",
        "38基本医疗保险定点医疗机构费用结算办理材料根据定点医药机构与经办机构签订的协议执行",
        "从定点医疗机构申报截止次日到医保基金拨付不超过20个工作日申请—受理—审核—拨付—办结",
        "1.《中华人民共和国社会保险法》（主席令第35号）第二十九条。",
        "27基本医疗保险定点零售药店费用结算（002036010002）39基本医疗保险定点零售药店费用结算",
        "从定点零售药店申报截止次日到医保基金拨付不超过20个工作日申请—受理—审核—拨付—办结",
    )
    r38, r39 = parse_table(lines).list_rows
    assert r39.variant_name == "基本医疗保险定点零售药店费用结算"
    assert r39.materials == r38.materials == "办理材料根据定点医药机构与经办机构签订的协议执行"
    assert r39.legal_basis == r38.legal_basis == "1.《中华人民共和国社会保险法》（主席令第35号）第二十九条。"
    assert r39.time_limit == "从定点零售药店申报截止次日到医保基金拨付不超过20个工作日"


def test_variant_name_ends_at_the_first_material_when_it_differs_from_the_sub_item():
    lines = _rotate(
        HEADER_TEXT,
        "三、基本医疗保险关系转移接续（00203600300Y）11基本医疗保险关系转移接续（002036003002）",
        "19基本医疗保险关系转入医保电子凭证或有效身份证件或社保卡不超过5个工作日申请—受理—审核—办结",
        "20基本医疗保险关系转出医保电子凭证或有效身份证件或社保卡不超过10个工作日申请—受理—审核—办结",
    )
    rows = parse_table(lines).list_rows
    assert [(r.variant_name, r.materials) for r in rows] == [
        ("基本医疗保险关系转入", "医保电子凭证或有效身份证件或社保卡"),
        ("基本医疗保险关系转出", "医保电子凭证或有效身份证件或社保卡"),
    ]
    assert {r.sub_code for r in rows} == {"002036003002"}
    assert rows[1].time_limit == "不超过10个工作日"


def test_closing_note_becomes_a_notice_document():
    lines = _rotate(
        HEADER_TEXT,
        "七、生育保险待遇核准支付（00203600700Y）22生育津贴支付（002036007004）33生育津贴支付",
        "1.《湖南省生育津贴申领表》不超过10个工作日申请—受理—审核—拨付—办结",
        "说明：1.有效身份证件包括身份证、户口簿等。备注：已有规定不一致的，按本事项清单执行。",
        "— 11 —",
    )
    parsed = parse_table(lines)
    assert parsed.list_rows[0].remarks == "" and "说明" not in parsed.list_rows[0].text
    notice = [d for d in parsed.documents if d.kind == "notice"]
    assert len(notice) == 1 and notice[0].title == "说明"
    assert unaccounted_lines(parsed, lines) == []


# --------------------------------------------------------------------------------------------
# The real table


@pytest.fixture(scope="module")
def table_lines():
    lines = read_lines(SOURCE.read_text(encoding="utf-8"))
    return lines[TABLE_FIRST - 1 : TABLE_LAST]


@pytest.fixture(scope="module")
def parsed(table_lines):
    return parse_table(table_lines)


@pytest.fixture(scope="module")
def rows(parsed) -> List[ListTableRow]:
    return parsed.list_rows


# (业项序号, 子项 code, 业务办理项) as printed in the table (INVENTORY §2.2)
EXPECTED = [
    (1, "002036001001", "单位参保登记"),
    (2, "002036001001", "单位注销登记"),
    (3, "002036001002", "灵活就业人员增加登记"),
    (4, "002036001002", "灵活就业人员减少登记"),
    (5, "002036001002", "职工增加登记"),
    (6, "002036001002", "职工减少登记（暂停参保）"),
    (7, "002036001002", "职工减少登记（终止参保）"),
    (8, "002036001002", "在职转退休"),
    (9, "002036001003", "城乡居民参保登记"),
    (10, "002036001003", "城乡居民减少登记（暂停参保）"),
    (11, "002036001003", "城乡居民减少登记（终止参保）"),
    (12, "002036001004", "单位参保信息变更登记"),
    (13, "002036001005", "职工参保信息变更登记"),
    (14, "002036001006", "城乡居民参保信息变更登记"),
    (15, "002036001007", "法定断档补缴"),
    (16, "002036002001", "参保单位参保信息查询"),
    (17, "002036002002", "参保人员参保信息查询"),
    (18, "002036002003", "参保人员个人账户一次性支取"),
    (19, "002036003002", "基本医疗保险关系转入"),
    (20, "002036003002", "基本医疗保险关系转出"),
    (21, "002036004001", "异地安置退休人员备案"),
    (22, "002036004002", "异地长期居住人员备案"),
    (23, "002036004003", "常驻异地工作人员备案"),
    (24, "002036004004", "异地转诊人员备案"),
    (25, "002036004005", "其他临时外出就医人员备案"),
    (26, "002036005001", "职工医保参保人员享受门诊慢特病病种待遇认定"),
    (27, "002036005001", "居民医保参保人员享受门诊慢特病病种待遇认定"),
    (28, "002036005002", "职工医保参保人员享受“双通道”管理药品待遇认定"),
    (29, "002036005002", "居民医保参保人员享受“双通道”管理药品待遇认定"),
    (30, "002036006001", "门诊费用报销"),
    (31, "002036006002", "住院费用报销"),
    (32, "002036007002", "生育医疗待遇支付"),
    (33, "002036007004", "生育津贴支付"),
    (34, "002036008002", "门诊医疗救助申报"),
    (35, "002036008002", "住院医疗救助申报"),
    (36, "002036009001", "医疗机构申请定点协议管理"),
    (37, "002036009002", "零售药店申请定点协议管理"),
    (38, "002036010001", "基本医疗保险定点医疗机构费用结算"),
    (39, "002036010002", "基本医疗保险定点零售药店费用结算"),
]

_NUMBERED = re.compile(r"(?<![\d第])\d[.．](?!\d)")


def _row(rows: List[ListTableRow], seq: int) -> ListTableRow:
    return next(r for r in rows if r.variant_seq == seq)


def test_row_sub_and_main_counts(rows):
    assert len(rows) == 39
    assert len({r.sub_code for r in rows}) == 27
    assert len({r.main_code for r in rows}) == 10
    assert [r.variant_seq for r in rows] == list(range(1, 40))
    assert all(re.fullmatch(r"0020360\d{5}", r.sub_code) for r in rows)
    assert sorted({r.main_code for r in rows}) == [f"002036{i:03d}00Y" for i in range(1, 11)]
    assert all(r.sub_code[:9] == r.main_code[:9] for r in rows)


def test_variant_names_and_codes_match_the_inventory(rows):
    assert [(r.variant_seq, r.sub_code, r.variant_name) for r in rows] == EXPECTED


def test_main_and_sub_names(rows):
    assert _row(rows, 1).main_name == "基本医疗保险参保和变更登记"
    assert _row(rows, 21).main_name == "基本医疗保险参保人员异地就医备案"
    assert _row(rows, 34).sub_name == "医疗救助对象手工（零星）报销"
    assert _row(rows, 28).sub_name == "基本医疗保险参保人员享受“双通道”管理药品待遇认定"
    assert _row(rows, 39).main_name == "定点医药机构费用结算"


def test_time_limits_and_steps(rows):
    assert _row(rows, 5).time_limit == "即时办结"  # the guide says 不超过 5个工作日
    assert _row(rows, 1).time_limit == "不超过5个工作日"
    assert _row(rows, 18).time_limit == "不超过10个工作日"
    assert _row(rows, 21).time_limit == "即时办结（现场），2个工作日（线上）"
    assert _row(rows, 26).time_limit == "不超过20个工作日（线下），7个工作日（线上）"
    assert _row(rows, 36).time_limit == "不超过80个自然日"
    assert _row(rows, 38).time_limit == "从定点医疗机构申报截止次日到医保基金拨付不超过20个工作日"
    assert _row(rows, 16).steps == "申请—受理—办结"
    assert _row(rows, 34).steps == "申请--受理--审核--拨付—办结"
    assert all(r.steps.startswith("申请") and r.steps.endswith("办结") for r in rows)


def test_material_counts_that_differ_from_the_guide(rows):
    assert len(_NUMBERED.findall(_row(rows, 4).materials)) == 2  # 灵活就业人员减少登记
    assert len(_NUMBERED.findall(_row(rows, 36).materials)) == 5  # 医疗机构定点
    assert len(_NUMBERED.findall(_row(rows, 37).materials)) == 7  # 零售药店定点
    assert _row(rows, 12).materials == "《湖南省基本医疗保险参保单位信息变更登记表》（加盖单位公章）"
    assert _row(rows, 16).materials == "单位有效证明文件"
    assert all(r.materials for r in rows)


@pytest.mark.parametrize(
    "seqs, needle",
    [
        ((1, 2), "（国务院令第259号）第八条"),
        (range(3, 12), "人社部发〔2012〕53号"),
        (range(3, 12), "（湘政办发〔2022〕67）第八条、第九条"),
        ((12, 13, 14), "（中华人民共和国国务院令第259号）第九条"),
        ((15,), "第二十三条；2.《湖南省职工基本医疗保险实施办法》（湘政办发〔2022〕66号）"),
        ((16, 17), "（国务院令第765号）第三十二条"),
        ((18,), "（国发〔1998〕44号）第四条"),
        ((19, 20), "（医保办发〔2021〕43号）第二条、第八条、第九条"),
        (range(21, 26), "（湘医保发〔2022〕61号）"),
        ((26,), "湘医保发〔2022〕52号"),
        ((27,), "湘医保发〔2023〕32号"),
        ((28, 29), "湘医保发〔2021〕34号"),
        ((30, 31), "（湘政办发〔2022〕67号）"),
        ((32, 33), "（省政府令第294号）"),
        ((34, 35), "（国办发〔2021〕42号）"),
        ((36,), "（国家医疗保障局令第2号）第七条、第八条、第九条"),
        ((37,), "（国家医疗保障局令第3号）第六条"),
        ((38,), "（国家医疗保障局令第2号）第三十条"),
        ((39,), "（国家医疗保障局令第3号）第二十九条"),
    ],
)
def test_legal_basis_per_sub_item(rows, seqs, needle):
    for seq in seqs:
        assert needle in _row(rows, seq).legal_basis, seq


def test_legal_basis_cut_by_the_page_break_is_rejoined_on_both_008002_rows(rows):
    r34, r35 = _row(rows, 34), _row(rows, 35)
    assert r34.legal_basis == r35.legal_basis
    assert r34.legal_basis.startswith("1.《社会救助暂行办法》（国务院令第649号）第二十九条")
    assert r34.legal_basis.endswith("4.《湖南省医疗救助办法》（湘政办发〔2021〕62号）。")
    assert "国办发〔2021〕42号" in r34.legal_basis


def test_stranded_remark_fragment_lands_in_row_34(rows):
    r34 = _row(rows, 34)
    assert r34.remarks.endswith("《个人家庭经济状况核查委托授权书》由相关部门认定后进行报销。")
    assert all("由相关部门认定后进行报销" not in r.legal_basis for r in rows)
    assert _row(rows, 35).remarks == ""


def test_remarks_spot_checks(rows):
    assert _row(rows, 2).remarks == "各地可通过查询市场监管部门“五证合一”数据获取信息并即时办结；"
    assert _row(rows, 3).remarks == ""
    assert _row(rows, 4).remarks.endswith("或公安等部门开具的《死亡证明》复印件。")
    assert _row(rows, 26).remarks == "鼓励各地为群众提供线上办理渠道。"
    assert _row(rows, 15).remarks.startswith("需要的对应佐证材料包括：1.劳动关系存续期补缴的")
    assert "《关于申请断档补缴的报告》" in _row(rows, 15).remarks


def test_no_header_words_leak_into_row_fields(rows):
    words = ("主项及编码", "子项序号", "业项序号", "业务办理项", "办理环节", "设定依据", "— 8 —", "— 10 —")
    for r in rows:
        fields = (r.main_name, r.sub_name, r.variant_name, r.materials, r.time_limit, r.steps, r.remarks)
        for value in fields + (r.legal_basis, r.text):
            assert not any(w in value for w in words), (r.variant_seq, value)
        assert "说明：" not in r.text


def test_row_ranges_are_ordered_and_texts_are_faithful(parsed, rows, table_lines):
    for prev, row in zip(rows, rows[1:]):
        assert prev.start <= prev.end < row.start <= row.end
    assert rows[0].start == 146 and rows[-1].end == 12419
    text_of = dict(table_lines)
    for r in rows:  # the row text is the joined range minus header and page-number lines
        kept = [(n, text_of[n]) for n in range(r.start, r.end + 1) if n not in parsed.excluded]
        assert r.text == joined_text(kept)
    title, notice = parsed.documents
    assert (title.kind, title.title, title.start, title.end) == ("heading", TITLE, 50, 82)
    assert (notice.kind, notice.start, notice.end) == ("notice", 12421, 12704)
    assert joined_text(notice.lines).startswith("说明：1.有效身份证件包括身份证")
    assert joined_text(notice.lines).endswith("国家或省级有关部门出台新规定的，从其规定。")


def test_every_line_is_accounted_for_and_exclusions_are_valid(parsed, table_lines):
    assert unaccounted_lines(parsed, table_lines) == []
    text_of = dict(table_lines)
    assert all(exclusion_is_valid(text_of[n], reason) for n, reason in parsed.excluded.items())
    reasons = {}
    for reason in parsed.excluded.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    assert reasons["page_number"] == 3
    assert reasons["table_header"] == 9 * len(HEADER_TEXT)  # nine headers, one character per line
