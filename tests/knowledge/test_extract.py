"""Structure inside fields: paragraphs, list entries with conditions and notes, time limits, phones."""

from knowledge import extract


def _lines(text: str):
    return [(i + 1, line) for i, line in enumerate(text.split("\n"))]


def test_hard_wrapped_lines_are_rejoined_into_paragraphs():
    # 001 l.13253–13255 style: a word split across PDF lines, blank line between every line
    text = "（1）线上办理：“湘医\n\n保”APP、湖南省医疗保障网上服务大厅。\n\n（2）现场办理。"
    paras = extract.paragraphs(_lines(text))
    assert [p.text for p in paras] == ["（1）线上办理：“湘医保”APP、湖南省医疗保障网上服务大厅。", "（2）现场办理。"]
    assert (paras[0].start, paras[0].end) == (1, 3)


def test_lines_ending_a_clause_or_opening_an_entry_are_not_joined():
    text = "单位地址：\n监督电话：\n1.申请\n2.受理"
    assert [p.text for p in extract.paragraphs(_lines(text))] == ["单位地址：", "监督电话：", "1.申请", "2.受理"]


def test_entries_keep_their_condition_and_notes():
    text = (
        "1.单位职工：\n①《郴州市职工基本医疗保险参保登记表》（加盖单位公章）；②有效身份证件。\n"
        "2.灵活就业人员：\n①有效身份证件；\n②《郴州市职工基本医疗保险参保登记表》。\n"
        "备注：①有效身份证件包括身份证、居住证等（下同）；②委托办理的还需提供代办人有效身份证件。"
    )
    got = [(e.condition, e.is_note, extract.clean_entry(e.text)) for e in extract.entries(_lines(text)) if not e.is_header]
    assert got == [
        ("单位职工", False, "《郴州市职工基本医疗保险参保登记表》（加盖单位公章）"),
        ("单位职工", False, "有效身份证件"),
        ("灵活就业人员", False, "有效身份证件"),
        ("灵活就业人员", False, "《郴州市职工基本医疗保险参保登记表》"),
        (None, True, "有效身份证件包括身份证、居住证等（下同）"),
        (None, True, "委托办理的还需提供代办人有效身份证件"),
    ]


def test_ways_of_handling_become_conditions():
    text = "方式一（窗口办）：1.《郴州市生育津贴申领表》；2.出生医学证明复印件。\n方式二（承诺制）：《郴州市生育保险待遇申领承诺书》。"
    got = [(e.condition, extract.clean_entry(e.text)) for e in extract.entries(_lines(text)) if not e.is_header]
    assert got == [
        ("方式一（窗口办）", "《郴州市生育津贴申领表》"),
        ("方式一（窗口办）", "出生医学证明复印件"),
        ("方式二（承诺制）", "《郴州市生育保险待遇申领承诺书》"),
    ]


def test_decimal_numbers_are_not_list_markers():
    assert not extract.starts_entry("1.5万元以下的部分")
    assert extract.starts_entry("（3）审核。")
    assert extract.starts_entry("③有效身份证件")


def _limits(text):
    return [(s.condition, s.mode, s.unit, s.days) for s in extract.parse_time_limit(text)]


def test_time_limits_online_and_offline():
    assert _limits("线上不超过2个工作日，线下即时办结。") == [
        (None, "online", "working_days", 2),
        (None, "offline", "immediate", None),
    ]
    assert _limits("现场即时办结，线上 2个工作日。") == [
        (None, "offline", "immediate", None),
        (None, "online", "working_days", 2),
    ]


def test_time_limits_units_and_conditions():
    assert _limits("不超过 80个自然日") == [(None, None, "natural_days", 80)]
    assert _limits("不超过15工作日") == [(None, None, "working_days", 15)]
    assert _limits("从审核资料合格到审批开通不超过 60天") == [("从审核资料合格到审批开通", None, "natural_days", 60)]
    assert _limits("在职职工不超过5个工作日；灵活就业人员即时办结。") == [
        ("在职职工", None, "working_days", 5),
        ("灵活就业人员", None, "immediate", None),
    ]
    assert _limits("每月1-15日受理,即时办结") == [(None, None, "other", None), (None, None, "immediate", None)]


def test_full_width_digits_are_read():
    assert _limits("不超过２０个工作日") == [(None, None, "working_days", 20)]


def test_phones_and_channel_names():
    text = "现场办理:咸安区行政服务大厅医保窗口；电话：0715-8339438；网上办理：鄂汇办APP、楚税通APP。"
    assert extract.phones(text) == ["0715-8339438"]
    names = extract.channel_names(text)
    assert "鄂汇办APP" in names and "楚税通APP" in names and "0715-8339438" in names
    assert "“湘医保”APP" in extract.channel_names("②灵活就业掌上办理：“湘医保”APP或微信公众号。")
    assert "23、24号窗口" in extract.channel_names("现场办理：都匀市政务服务中心二楼23、24号窗口。")


def test_channel_kinds():
    assert extract.channel_kind("现场办理：市本级、各县（市、区）医保经办机构（见附件2）") == "onsite"
    assert extract.channel_kind("“湘医保”APP或微信公众号") == "app"
    assert extract.channel_kind("湖南省医疗保障局网上服务大厅（网址：https://healthcare.hnybj.com.cn/hallunit/#/login）") == "website"
    assert extract.channel_kind("电话：0715-8339438") == "phone"


def test_norm_folds_whitespace_width_and_tags():
    assert extract.norm("[bookmark: _Toc1]不超过 5个工作日") == "不超过5个工作日"
    assert extract.norm("门诊慢性病共2５种") == "门诊慢性病共25种"


def test_choice_letters_are_markers_as_printed():
    from knowledge.extract import guide_markers

    text = "以下资料任选其一提交：\nA.房产证或购房合同；\nB.租房合同；"
    assert guide_markers(text, ["房产证或购房合同", "租房合同"]) == ["A.", "B."]
