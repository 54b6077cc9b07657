"""Supporting evidence by coverage: the guide's sentences that say what the answer leaves out."""

from __future__ import annotations

import pytest

from knowledge import evidence
from knowledge.evidence import supporting, uncovered_terms
from knowledge.passages import Passage
from knowledge.search import SearchEngine

ITEM = "002036001003"


def _p(kind: str, text: str, line: int, label: str = "城乡居民减少登记（暂停参保）", item: str = ITEM, title=None) -> Passage:
    return Passage("demo", kind, text, f"g.txt:{line}-{line}", item=item, label=label, title=title, name="城乡居民参保登记")


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    passages = [
        _p("time_limit", "即时办结。", 1),
        _p("materials", "医保电子凭证或有效身份证件或社保卡", 2),
        _p("note", "待遇享受人员或者其亲属应当自死亡之日起20个工作日内告知医保经办机构", 3),
        _p("materials", "出国定居的，需提供护照或永久居留证", 4, label="城乡居民减少登记（终止参保）"),
        _p("form", "本凭证如不慎遗失，请与出具此凭证的医疗保障经办机构联系，申请补办。", 5, item=None, label=None, title="参保凭证"),
        _p("form", "其他人员应携带此凭证在3个月内到指定办理机构办理相关登记手续。", 6, item=None, label=None, title="参保凭证"),
        _p("notice", "承诺人对承诺内容的真实性负责，虚假承诺的依法承担法律责任。", 7, item=None, label=None, title="告知承诺书"),
        _p("note", "女职工怀孕满4个月未满7个月终止妊娠的，享受42天产假。", 8),
    ]
    # filler passages so that 医保 / 办理 are common words of the region, as in a real guide
    passages += [_p("process", f"申请人向医保经办机构提出申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]
    expansions = {"过世": "死亡", "丢": "遗失 丢失", "移民": "出国定居", "多久": "时限 工作日"}
    return SearchEngine(passages, expansions=expansions, place_names=["株洲"])


def test_words_the_answer_already_says_are_not_looked_for(engine):
    terms = {t.word for t in uncovered_terms(engine, "株洲奶奶过世了要交什么材料", "demo", "医保电子凭证或有效身份证件或社保卡 死亡")}
    assert "过世" not in terms and "株洲" not in terms


def test_a_deadline_elsewhere_answers_a_period_the_time_limit_does_not_give(engine):
    found = supporting(engine, "奶奶过世了，多少天之内要去报停", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理时限：即时办结。")
    assert found and "20个工作日内告知" in found[0].passage.text
    assert set(found[0].words) >= {"过世", "期限"}


def test_a_sibling_variants_sentence_is_marked_as_such(engine):
    found = supporting(engine, "要移民了，需要什么", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：医保电子凭证")
    assert [s.other_variant for s in found] == ["城乡居民减少登记（终止参保）"]


def test_a_forms_printed_text_answers_what_the_item_does_not(engine):
    found = supporting(
        engine, "参保凭证要在多久内去办手续？搞丢了怎么办", "demo", ITEM, "城乡居民减少登记（暂停参保）",
        "办理时限：即时办结。", form_titles=["参保凭证"],
    )
    texts = [s.passage.text for s in found]
    assert any("3个月内" in t for t in texts) and any("遗失" in t for t in texts)


def test_common_words_pull_in_nothing(engine):
    assert supporting(engine, "医保经办机构办理申请", "demo", ITEM, "城乡居民减少登记（暂停参保）", "即时办结") == []


def test_the_budget_caps_what_is_quoted(engine):
    found = supporting(
        engine, "过世 移民 丢了 承诺 多少天之内", "demo", ITEM, "城乡居民减少登记（暂停参保）", "即时办结",
        form_titles=["参保凭证"], budget=80,
    )
    assert sum(len(s.passage.text) for s in found) <= 80


def test_a_period_in_chinese_numerals_finds_the_guides_digits(engine):
    found = supporting(engine, "怀孕四个月流产了能休几天", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理时限：即时办结。")
    assert found and "42天产假" in found[0].passage.text and "四个月" in found[0].words


def test_another_items_form_gives_its_rules_not_its_blanks():
    passages = [
        _p("form", "代理人（受托人）", 1, item=None, label=None, title="别项的申请表"),
        _p("notice", "委托他人办理的，应提供委托人及代理人身份证件原件及授权委托书。", 2, item=None, label=None, title="说明"),
        _p("materials", "有效身份证件", 3),
    ] + [_p("process", f"申请人向医保经办机构提出申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]
    engine = SearchEngine(passages, expansions={"代办": "委托 代理人"})
    found = supporting(engine, "家里人帮我代办行不行", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件")
    assert found and "授权委托书" in found[0].passage.text


def _filler() -> list:
    return [_p("process", f"申请人向医保经办机构提出申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]


def test_the_list_of_what_counts_as_id_covers_no_question_about_residence():
    passages = [
        _p("note", "有效身份证件包括身份证、居住证、户口簿、护照等（下同）", 1),
        _p("form", "2.外地户籍人员在本地参保还需要提供居住证。", 2, item=None, label=None, title="参保登记表"),
    ] + _filler()
    engine = SearchEngine(passages, expansions={"户口": "户籍"}, place_names=["永兴"])
    answer = "办理材料：有效身份证件。备注：有效身份证件包括身份证、居住证、户口簿、护照等（下同）"
    found = supporting(engine, "我户口在永兴，还要交啥", "demo", ITEM, "城乡居民减少登记（暂停参保）", answer, form_titles=["参保登记表"])
    assert found and "户籍" in found[0].passage.text
    # asked which papers count as ID, the list answers
    found = supporting(engine, "户口簿算不算证件", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件")
    assert found and "包括" in found[0].passage.text


def test_a_forms_note_beats_its_box_to_tick():
    passages = [
        _p("form", "□低保对象  □特困人员  □退役军人", 1, item=None, label=None, title="救助申请表"),
        _p("form", "备注：1.本表由申请人填写。2.申请救助需提供户口簿、身份证及复印件，申请人为退役军人的需提供退役军人身份相关证明及复印件。", 2,
           item=None, label=None, title="救助申请表"),
    ] + _filler()
    engine = SearchEngine(passages)
    found = supporting(engine, "他还是退役军人，要多带啥", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件", form_titles=["救助申请表"])
    assert found and "身份相关证明" in found[0].passage.text
    # asked which box is theirs, the boxes answer
    found = supporting(engine, "退役军人在申请表上勾哪一项", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件", form_titles=["救助申请表"])
    assert found and found[0].passage.text.startswith("□")


def test_a_notices_section_is_quoted_with_the_rule_after_its_heading():
    rule = "违反规定的，由行政部门责令退回，处骗取金额2倍以上5倍以下的罚款。"
    passages = [
        _p("notice", "三、不实承诺的法律责任：依据省政府令第十五条规定，任何人不得提供虚假材料冒领待遇。", 1, item=None, label=None, title="告知承诺书"),
        _p("notice", rule, 1, item=None, label=None, title="告知承诺书"),
        _p("notice", "四、其他：承诺人应予以配合核查。", 2, item=None, label=None, title="告知承诺书"),
    ] + _filler()
    engine = SearchEngine(passages)
    found = supporting(engine, "承诺不实要承担什么法律责任", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件", form_titles=["告知承诺书"])
    assert found and found[0].passage.text.endswith(rule) and "四、" not in found[0].passage.text


def test_a_forms_blanks_to_fill_are_no_rule():
    passages = [
        _p("form", "经办人（签名）： 申领单位（盖章）：", 1, item=None, label=None, title="申领表"),
        _p("form", "1.失业人员可不填写经办人信息，无需单位签字、盖章。", 2, item=None, label=None, title="申领表"),
    ] + _filler()
    engine = SearchEngine(passages)
    found = supporting(engine, "申领表要原单位盖章不", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件", form_titles=["申领表"])
    assert found and found[0].passage.text.startswith("1.失业人员") and all("（签名）" not in s.passage.text for s in found)


def _supported(passages, question):
    """What :func:`supporting` quotes for ``question`` among ``passages`` and filler, the answer
    so far being one material."""
    engine = SearchEngine(passages + _filler())
    return supporting(engine, question, "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：有效身份证件")


def test_a_bare_label_is_quoted_with_the_sentence_after_it():
    rule = "原单位已撤销的，由其主管部门缴纳；无主管部门的，申请财政资金。"
    found = _supported([
        _p("flowchart", "单位承担部分：", 1),
        _p("flowchart", rule, 1),
        _p("flowchart", "个人应缴部分：由本人缴纳。", 2),
    ], "单位承担那块现在谁来出")
    assert found and found[0].passage.text == "单位承担部分：" + rule


def test_a_table_header_row_of_an_unlinked_form_is_no_rule():
    found = _supported([
        _p("form", "在职人数（含返聘、借调） 退休人数 在册总人数", 1, item=None, label=None, title="单位情况表"),
        _p("form", "退休人员由原单位统一申报，在职人数以花名册为准。", 2, item=None, label=None, title="单位情况表"),
    ], "退休人数怎么算")
    assert found and all("在册总人数" not in s.passage.text for s in found)


def test_a_guides_boilerplate_head_does_not_make_one_form_belong_to_another():
    assert not evidence._belongs("湖南省职工基本医疗保险门诊慢特病待遇资格认定申请表", {"湖南省职工基本医疗保险个人账户一次性支取申请表"})
    assert evidence._belongs("郴州市生育保险待遇申领承诺告知事项", {"郴州市生育保险待遇申领承诺书"})


def test_a_thing_not_yet_done_finds_the_guides_case_of_it_not_done():
    # "还没被认定" is the guide's "未经认定的": the negated spelling weighs as the guide's own case
    passages = [
        _p("target", "医疗救助对象;符合救助条件但未经认定的，应提供《个人家庭经济状况核查委托授权书》.", 1),
        _p("note", "救助对象认定以民政部门为准。", 2, item="other"),
        _p("materials", "救助对象身份证明", 3),
    ] + _filler()
    engine = SearchEngine(passages)
    terms = uncovered_terms(engine, "家里困难，还没被认定，要准备啥", "demo", "办理材料：救助对象身份证明")
    assert [sorted(t.spellings) for t in terms if t.word == "认定"] == [["未经认定"]]
    found = supporting(engine, "家里困难，还没被认定，要准备啥", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：救助对象身份证明")
    assert found and "授权书" in found[0].passage.text


def test_the_days_of_the_month_answer_which_day_and_box_labels_say_nothing():
    passages = [
        _p("time_limit", "不超过30个工作日。", 1),
        _p("flowchart", "每月1-5日定点医疗机构完成费用对账并打印对账单", 2),
        _p("flowchart", "费用对账-汇总-复核-拨付单", 3),
    ] + _filler()
    engine = SearchEngine(passages)
    found = supporting(engine, "月度对账和汇总一般安排在几号", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理时限：不超过30个工作日。")
    assert [s.passage.source for s in found] == ["g.txt:2-2"] and "日期" in found[0].words


def test_a_refusal_asked_finds_the_guides_refusal():
    # "不受理" is jieba's 不|受理, and 受理 is printed everywhere; "不予受理" is not
    passages = [
        _p("form", "承诺无第十一条不予受理情形。", 1, item=None, label=None, title="信用承诺书"),
        _p("materials", "营业执照复印件", 2),
    ] + [_p("process", f"医保经办机构受理申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]
    engine = SearchEngine(passages)
    found = supporting(engine, "啥时候会不受理", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：营业执照复印件",
                       form_titles=["信用承诺书"])
    assert found and "不予受理" in found[0].passage.text


def test_which_article_finds_the_article_cited():
    passages = [
        _p("form", "承诺无第十一条所列情形。", 1, item=None, label=None, title="信用承诺书"),
        _p("materials", "营业执照复印件", 2),
    ] + _filler()
    engine = SearchEngine(passages)
    found = supporting(engine, "承诺的是第几条", "demo", ITEM, "城乡居民减少登记（暂停参保）", "办理材料：营业执照复印件",
                       form_titles=["信用承诺书"])
    assert found and "条款" in found[0].words
    assert evidence.near_item("零售药店定点管理", ["零售", "药店", "定点"]) > evidence.near_item("医疗机构定点管理", ["零售", "药店", "定点"])


def test_a_number_of_copies_said_asks_how_many_copies():
    assert evidence.ASKS_COPIES.search("表是不是要填两份") and not evidence.ASKS_COPIES.search("两份材料都带了")


def test_who_brought_the_question_and_the_period_asked_are_no_words_to_look_for():
    passages = [
        _p("note", "待遇享受人员或者其亲属应当自死亡之日起20个工作日内告知医保经办机构", 3),
        _p("notice", "让群众知道什么时间能办完。", 7, item=None, label=None, title="前言"),
    ]
    passages += [_p("process", f"申请人向医保经办机构提出申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]
    engine = SearchEngine(passages, expansions={"过世": "死亡"})
    terms = {t.word for t in uncovered_terms(engine, "有个群众问，奶奶过世了多长时间内要告知", "demo", "")}
    assert "群众" not in terms and "多长时间" not in terms
    assert "期限" in terms and "过世" in terms


def test_an_item_name_field_that_goes_on_past_the_name_is_evidence():
    name = "慢特病病种认定"
    passages = [
        Passage("demo", "name", f"{name}：门诊特殊病共3种病种：恶性肿瘤、血友病、帕金森氏病、重症肌无力等需长期治疗的疾病。",
                "g.txt:1-1", item=ITEM, label="L", name=name),
        Passage("demo", "time_limit", "即时办结。", "g.txt:2-2", item=ITEM, label="L", name=name),
    ]
    passages += [_p("process", f"申请人向医保经办机构提出申请，办理第{i}步。", 100 + i, item=f"x{i}") for i in range(40)]
    engine = SearchEngine(passages, expansions={})
    found = supporting(engine, "帕金森能不能办", "demo", ITEM, "L", "办理时限：即时办结。")
    assert found and "帕金森氏病" in found[0].passage.text
