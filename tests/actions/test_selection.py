"""Choosing among a region's records: level, named variant, variant words, hints."""

from actions import selection


def rec(name, variant=None, level=None, insurance=()):
    return {"name": name, "variant": variant, "level": level, "insurance_types": list(insurance), "personnel_categories": []}


TRANSFER = [rec("关系转移接续", "基本医疗保险关系转入"), rec("关系转移接续", "基本医疗保险关系转出")]


def test_level_defaults_to_district():
    rs = [rec("a", level="区级"), rec("a", level="乡镇"), rec("a", level="村")]
    assert [r["level"] for r in selection.by_level(rs, None)] == ["区级"]
    assert [r["level"] for r in selection.by_level(rs, "村")] == ["村"]


def test_named_variant_wins():
    assert selection.choose(TRANSFER, "转出要多久")[0]["variant"].endswith("转出")


def test_variant_words_translate_what_people_say():
    words = {"转进来": "转入"}
    assert selection.choose(TRANSFER, "那转进来呢", variant_words=words)[0]["variant"].endswith("转入")


def test_picked_variant_is_kept():
    assert selection.choose(TRANSFER, "要多久", variant="基本医疗保险关系转出")[0]["variant"].endswith("转出")


def test_undecided_returns_all():
    assert len(selection.choose(TRANSFER, "要多久")) == 2


def test_hints_use_the_records_tags():
    rs = [rec("慢特病", "职工医保参保人员认定", insurance=["职工医保"]), rec("慢特病", "居民医保参保人员认定", insurance=["城乡居民医保"])]
    assert selection.choose(rs, "要什么材料", hints=["城乡居民医保"])[0]["variant"].startswith("居民")


def test_a_question_without_a_word_about_leaving_means_joining():
    records = [
        {"name": "职工参保登记", "variant": "灵活就业人员增加登记", "personnel_categories": [], "insurance_types": []},
        {"name": "职工参保登记", "variant": "灵活就业人员减少登记", "personnel_categories": [], "insurance_types": []},
    ]
    assert [r["variant"] for r in selection.choose(records, "没有用人单位，打算以个人身份缴纳职工医保，需要哪些东西")] == ["灵活就业人员增加登记"]
    assert len(selection.choose(records, "不想交了，职工医保怎么停")) == 2


def test_a_record_for_other_people_loses_to_the_general_one():
    general = rec("职工参保登记", insurance=["职工医保"])
    flexible = {**rec("灵活就业、自谋职业人员参保登记", insurance=["职工医保"]), "personnel_categories": ["灵活就业人员"]}
    # "我是香港人…单位给我办职工医保": someone who says they are 港澳台人员 is no 灵活就业人员
    picked = selection.choose([general, flexible], "在公司上班，单位给办职工医保，需要带什么证件", hints=["港澳台人员", "职工医保", "单位"])
    assert [r["name"] for r in picked] == ["职工参保登记"]
    picked = selection.choose([general, flexible], "职工医保我想自己来交，要什么", hints=["灵活就业人员", "职工医保"])
    assert [r["name"] for r in picked] == ["灵活就业、自谋职业人员参保登记"]


def test_who_a_label_is_for_counts_once_against_what_the_question_asks_to_do():
    records = [
        {"name": "职工参保登记", "variant": "灵活就业人员增加登记", "personnel_categories": ["灵活就业人员"], "insurance_types": []},
        {"name": "职工参保登记", "variant": "在职转退休", "personnel_categories": ["灵活就业人员"], "insurance_types": []},
    ]
    # the asker's category is in one label; the action (转退休) is in the other
    picked = selection.choose(records, "年纪到了要转退休 之前按灵活就业参保", hints=["灵活就业人员"])
    assert [r["variant"] for r in picked] == ["在职转退休"]
    # without an action word the label naming the asker still wins
    picked = selection.choose(records, "户口不在这里，灵活就业能交吗", hints=["灵活就业人员"])
    assert [r["variant"] for r in picked] == ["灵活就业人员增加登记"]


def test_stopping_it_is_leaving():
    records = [
        {"name": "职工参保登记", "variant": "灵活就业人员增加登记", "personnel_categories": [], "insurance_types": []},
        {"name": "职工参保登记", "variant": "灵活就业人员减少登记", "personnel_categories": [], "insurance_types": []},
    ]
    picked = selection.choose(records, "原先那份要停掉吗", variant_words={"停掉": "减少"})
    assert [r["variant"] for r in picked] == ["灵活就业人员减少登记"]


def test_the_place_it_goes_to_is_no_variant():
    records = [{"name": "医疗保险关系转入", "variant": v, "personnel_categories": [], "insurance_types": []}
               for v in ("基本医疗保险关系转入", "基本医疗保险关系转出")]
    picked = selection.choose(records, "关系转出，转入地那边先受理吗")
    assert [r["variant"] for r in picked] == ["基本医疗保险关系转出"]


def test_what_only_one_siblings_materials_ask_for_says_which_case_it_is():
    stop = {"name": "职工参保登记", "variant": "职工减少登记（暂停参保）", "personnel_categories": [], "insurance_types": [],
            "materials": "（1）参保登记表（减少登记）；（2）参保人员有效身份证件复印件。"}
    end = {**stop, "variant": "职工减少登记（终止参保）",
           "materials": "（1）参保登记表（减少登记）；（2）参保人员有效身份证件复印件；（3）出国定居的，需提供护照或永久居留证。"}
    picked = selection.choose([stop, end], "下个月要出国定居了，单位让把医保停了，交什么")
    assert [r["variant"] for r in picked] == ["职工减少登记（终止参保）"]


def test_who_they_said_they_are_counts_once_not_through_its_guide_words():
    general = {**rec("职工参保登记", insurance=["职工医保"]), "materials": "填写参保人员变动表，出具劳动合同复印件"}
    flexible = {**rec("灵活就业、自谋职业人员参保登记", insurance=["职工医保"]), "personnel_categories": ["灵活就业人员"],
                "materials": "本人有效身份证明；一名以上本统筹区户籍人员的书面证明材料"}
    # "职工医保" → 职工医保参保人员 must not make "…人员参保登记" fit a boss insuring his workers, nor
    # "材料" (the aspect asked) count as a word of the self-employed record's materials
    picked = selection.choose([general, flexible], "厂里新请了几个师傅，想帮师傅们买职工医保，得准备些啥材料", hints=["职工医保"],
                              variant_words={"职工医保": "职工医保参保人员"})
    assert [r["name"] for r in picked] == ["职工参保登记"]


def test_a_record_for_other_people_loses_to_the_general_one():
    # 云南 prints 在职转退休 under both 职工参保登记 and 灵活就业…参保登记: a unit asking for a retiring
    # employee is no 灵活就业人员, and the 人员 of "退休人员" is no word of the latter's label
    general = {"name": "职工参保登记", "variant": None, "personnel_categories": [], "insurance_types": ["职工医保"]}
    flexible = {"name": "灵活就业、自谋职业人员参保登记", "variant": None, "personnel_categories": ["灵活就业人员"], "insurance_types": ["职工医保"]}
    chosen = selection.choose([general, flexible], "厂里有位老员工快到龄了，转退休需带什么", hints=["退休人员", "单位"])
    assert chosen == [general]
    # with no one named, both stay open
    assert len(selection.choose([general, flexible], "转退休需带什么")) == 2


def test_a_kept_variant_yields_to_words_for_a_variant_not_to_a_siblings_material_word():
    general = {"name": "职工参保登记", "variant": None, "personnel_categories": [], "insurance_types": [],
               "materials": "出具户口簿复印件、职工工资表复印件"}
    flexible = {"name": "灵活就业、自谋职业人员参保登记", "variant": None, "personnel_categories": ["灵活就业人员"],
                "insurance_types": [], "materials": "本人有效身份证明"}
    kept = selection.choose([general, flexible], "户口簿放在老家了，得备些啥", variant="灵活就业、自谋职业人员参保登记")
    assert kept == [flexible]
    # with nothing kept, the material word still tells the cases apart
    assert selection.choose([general, flexible], "户口簿放在老家了，得备些啥") == [general]


def test_an_employer_speaking_for_its_staff_does_not_mean_flexible_workers():
    general = rec("职工参保登记", "职工参保登记")
    flexible = dict(rec("职工参保登记", "灵活就业、自谋职业人员参保登记"), personnel_categories=["灵活就业人员"])
    chosen = selection.choose([general, flexible], "单位给刚招的人办参保，个体户雇工那种也一样吗", hints=["单位"])
    assert chosen == [general]
    # one who says they work flexibly still gets their own case
    assert selection.choose([general, flexible], "自己打零工算灵活就业，怎么参保") == [flexible]
