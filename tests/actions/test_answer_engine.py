"""Answers that answer the question: the KB's own text picks items, every asked aspect, the guide's
matching sentences quoted, lookups with the official way to check, long replies in parts."""

from __future__ import annotations

import re

import pytest

from rasa_sdk.executor import CollectingDispatcher

from actions import answers, cues, routing, selection
from actions.actions import AnswerFromKB, PersonalLookup, ShowMore
from actions.routing import Turn, insured_region
from tests.actions.conftest import buttons_of, make_tracker, slots_of, texts_of


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher, events


def test_a_life_situation_in_a_named_region_is_answered_not_a_dead_end(gateway):
    d, _ = run(AnswerFromKB(gateway), make_tracker("都匀出车祸住院了，回来报销要带啥", "ask_materials", entities={"region": "guizhou"}))
    text = texts_of(d)
    assert "【贵州省(黔南州都匀市) · 住院费用报销】" in text and "来源：" in text
    assert "请问想了解哪项医保业务" not in text


def test_weak_evidence_offers_three_items_instead_of_a_dead_end(gateway):
    d, events = run(AnswerFromKB(gateway), make_tracker("咸安医保窗口能办哪些事", "inform", entities={"region": "xianan"}))
    assert texts_of(d).startswith("按咸安区的办事指南，您问的可能是下面几项业务") and len(buttons_of(d)) == 3
    assert all(b["payload"].startswith('/inform{"service_item"') for b in buttons_of(d))
    assert slots_of(events)["pending_question"] == "咸安医保窗口能办哪些事"  # read again with the choice


def test_two_aspects_in_one_question_get_both(gateway):
    d, _ = run(
        AnswerFromKB(gateway),
        make_tracker("郴州异地安置退休人员备案要带什么材料，多久能办好", "ask_materials", entities={"region": "chenzhou"}),
    )
    text = texts_of(d)
    assert "办理材料（一次性告知）" in text and "办理时限" in text and "线上不超过2个工作日" in text


def test_how_the_money_arrives_quotes_the_guides_payment_sentences(gateway):
    d, _ = run(
        AnswerFromKB(gateway),
        make_tracker("都匀生育津贴批下来钱是打到卡上还是发现金，要多久", "ask_time_limit", entities={"region": "guizhou"}),
    )
    text = texts_of(d)
    assert "待遇支付方式" in text and "办理时限" in text


def test_an_item_a_region_lacks_is_not_guessed_from_a_weak_phrase(gateway):
    d, _ = run(AnswerFromKB(gateway), make_tracker("昆明生育津贴要什么材料", "ask_materials", entities={"region": "yunnan"}))
    assert "【云南省 · 生育津贴支付】" in texts_of(d)


def test_the_insured_place_wins_over_a_destination(gateway):
    assert insured_region(gateway, "公司把我派到长沙长期驻点，咸安的医保要做异地备案") == "xianan"
    assert insured_region(gateway, "从昆明派到贵阳常驻，医保还在昆明交") == "yunnan"
    assert insured_region(gateway, "郴州生育津贴") is None  # one place: nothing to decide


def test_a_question_about_checking_is_answered_with_the_official_way(gateway):
    d, events = run(
        PersonalLookup(gateway), make_tracker("查一下我的参保状态", "enrollment_lookup", slots={"region": "xianan"})
    )
    text = texts_of(d)
    assert "按指南，可通过以下方式自行查询" in text and "鄂汇办APP" in text
    assert any(e.get("name") == "enrollment_form" for e in events)


def test_a_payment_question_misread_as_a_lookup_goes_to_the_guide(gateway):
    d, events = run(
        PersonalLookup(gateway),
        make_tracker("黔南都匀医保个人账户一次性支取批了以后，钱是咋个给到我手上的", "status_lookup", entities={"region": "guizhou"}),
    )
    assert "来源：" in texts_of(d) and not any(e.get("name") == "status_form" for e in events)


def test_own_case_wording():
    assert cues.asks_own_case("我上周交的慢特病认定，审核通过了没有")
    assert cues.asks_own_case("我的医保还在交吗")
    assert not cues.asks_own_case("生育津贴批下来是发给单位还是本人")
    assert cues.cued_aspects("要带啥？办好要等好久？") == ["ask_materials", "ask_time_limit"]
    assert cues.cued_aspect("能打电话办么") == "ask_channel"


def test_long_replies_come_in_parts_with_their_source():
    text = "【地区 · 事项】办理材料：\n" + "\n".join(f"{i}. 材料{'很长' * 30}" for i in range(40)) + "\n来源：《指南》第1–9行"
    first, rest = answers.split_long(text)
    assert len(first) <= answers.MAX_REPLY_CHARS and first.endswith("来源：《指南》第1–9行") and answers.MORE_NOTE in first
    assert rest and rest.endswith("来源：《指南》第1–9行")
    assert answers.split_long("短") == ("短", None)


def test_more_gives_the_rest_then_says_it_is_done(gateway):
    d, events = run(ShowMore(), make_tracker("更多", "more", slots={"more_text": "剩下的内容\n来源：《指南》第1行"}))
    assert "剩下的内容" in texts_of(d) and slots_of(events)["more_text"] is None
    d, _ = run(ShowMore(), make_tracker("更多", "more"))
    assert texts_of(d) == answers.NO_MORE


def test_who_is_asking_persists_and_shows_in_the_header(gateway):
    tracker = make_tracker(
        "湖南职工参保登记要什么材料", "ask_materials", entities={"region": "hunan"}, slots={"personnel_category": "灵活就业人员"}
    )
    d, _ = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "灵活就业人员增加登记" in text and "按您说的“灵活就业人员”" in text


def test_a_process_answer_adds_what_only_the_flowchart_says(gateway):
    # 云南 prints 办理流程 as two lines; its flowchart says who hands the form in and how (INVENTORY §4.5)
    record = gateway.records("yunnan", "002036004002")[0]
    text = answers.answer(record, "ask_process", gateway.region("yunnan"))
    assert "流程图中的说明" in text and "即时办结" in text.split("流程图中的说明")[1]
    assert "1105–1120" in text  # the flowchart's lines are cited
    # a step the materials list already gives is not said twice
    assert text.count("由单位经办人或参保人现场提交") == 1
    # guides whose flowcharts are residue add nothing
    hunan = gateway.records("hunan", "002036004002")[0]
    assert "流程图中的说明" not in answers.answer(hunan, "ask_process", gateway.region("hunan"))


def test_a_time_limit_answer_gives_the_steps_own_deadlines(gateway):
    # 咸安's 转移接续: 不超过20个工作日 in all, and 5 + 10 + 5 working days for the steps, the account
    # balance moving with the second
    record = next(r for r in gateway.records("xianan", "002036003002") if r.get("level") == "区级")
    text = answers.answer(record, "ask_time_limit", gateway.region("xianan"))
    assert "不超过20个工作日" in text and "各环节时限" in text
    assert "在10个工作日内生成并发出《信息表》，同时划转个人账户余额" in text
    # a process answer tells the steps already: no second list
    both = answers.answer_many(record, ["ask_process", "ask_time_limit"], gateway.region("xianan"))
    assert "各环节时限" not in both


def test_money_words_about_an_item_that_pays_nothing_out_say_no_silence_on_payment(gateway):
    transfer = next(r for r in gateway.records("xianan", "002036003002") if r.get("level") == "区级")
    text = answers.answer_many(transfer, ["ask_time_limit", "ask_fees"], gateway.region("xianan"))
    assert "不超过20个工作日" in text and "没有写明待遇支付方式" not in text
    # an item that pays out and says nothing of how still says so
    paying = gateway.records("yunnan", "002036008002")[0]  # 云南's 医疗救助…报销 says nothing of how it pays
    assert "没有写明待遇支付方式" in answers.answer_many(paying, ["ask_time_limit", "ask_fees"], gateway.region("yunnan"))


def test_materials_and_time_limit_add_what_only_the_flowchart_says(gateway):
    # 云南's 异地长期居住人员备案: the flowchart asks for 长期居住认定材料, the 申办材料 field does not
    record = gateway.records("yunnan", "002036004002")[0]
    text = answers.answer_many(record, ["ask_materials", "ask_time_limit"], gateway.region("yunnan"))
    materials, _, time_limit = text.partition("办理时限")
    assert "流程图另列的材料" in materials and "长期居住认定材料（居住证明或个人承诺书）" in materials
    assert "如材料审核通过" not in materials  # what happens to the materials is no material
    assert "完成备案,即时办结" in time_limit  # the flowchart's sentence about the time
    # where the flowchart adds nothing, nothing is added
    record = gateway.records("yunnan", "002036001001")[0]
    assert "流程图另列" not in answers.answer(record, "ask_materials", gateway.region("yunnan"))


def test_a_phrase_of_who_is_asking_and_one_character_names_no_item_surely(gateway):
    text = "低保对象交居民医保给不给补贴"
    assert "002036001003" not in gateway.named_outright(text)
    d = routing.answer(Turn(text, "inform", 0.8, {"region": "chenzhou", "service_item": "002036001003"}), gateway)
    assert d.item == "002036008001"  # 资助参保: the subsidy the question is about


def test_forms_are_named_as_the_guides_print_them(gateway):
    record = gateway.records("chenzhou", "002036001006")[0]
    text = answers.answer(record, "ask_forms", gateway.region("chenzhou"))
    assert "《郴州市基本医疗保险城乡居民参保信息变更登记表》（参考样表9）" in text


def test_a_channel_answer_with_a_long_process_gives_its_first_step(gateway):
    # 湖南's 转入: where one applies is in the first step (转出地和转入地医保经办机构均可办理)
    record = next(r for r in gateway.records("hunan", "002036003002") if "转入" in (r.get("variant") or ""))
    text = answers.answer(record, "ask_channel", gateway.region("hunan"))
    assert "办理流程（第一步）" in text and "转出地和转入地医保经办机构均可办理" in text


def test_a_materials_answer_says_where_they_go_when_the_process_is_short(gateway):
    record = gateway.records("guizhou", "002036001005")[0]  # 职工参保信息变更登记: a two-line process
    text = answers.answer(record, "ask_materials", gateway.region("guizhou"))
    assert "办理流程：" in text and record["process"] in text
    long_process = gateway.records("hunan", "002036003002")[0]  # 转移接续: a long process
    assert "办理流程" not in answers.answer(long_process, "ask_materials", gateway.region("hunan"))


def test_the_guides_silence_on_an_aspect_does_not_hide_it_elsewhere(gateway):
    # 郴州's 生育津贴 has no 设定依据, but its 承诺告知事项 cites the 省政府令 for false promises
    record = gateway.records("chenzhou", "002036007004")[0]
    lines = routing.supporting_evidence(gateway, record, "生育津贴承诺制，承诺不实的依据是哪个文件", "chenzhou",
                                        "002036007004", ["ask_legal_basis"])
    assert any("湖南省人民政府令第294号" in text for text, _ in lines)
    assert answers.without_silence("甲\n《某指南》没有写明设定依据，可咨询…\n乙") == "甲\n\n乙"
    # a form's field list goes whole, brackets inside it too ("（参考样表 19）", "（一次性生育补助金）")
    listed = "《申领表》（参考样表19）（主要填写：申领表（参考样表 19）、配偶姓名、生育津贴（一次性生育补助金）、产假日期）\n乙"
    assert answers.without_form_fields(listed) == "《申领表》（参考样表19）\n乙"


def test_a_materials_answer_gives_what_its_forms_review_table_lists(gateway):
    # 湖南's 表18 lists 医院出具的费用发票 where the item's materials say 医院收费票据
    record = gateway.records("hunan", "002036007004")[0]
    lines = routing.supporting_evidence(gateway, record, "一次性生育补助金需带的材料", "hunan", "002036007004", ["ask_materials"])
    listed = [text for text, _ in lines if "相关材料审核" in text]
    assert len(listed) == 1 and "（2）医院出具的费用发票（原件或电子发票）" in listed[0]
    # 郴州's sample printed twice lists its entries once, with the notes on who brings which
    record = gateway.records("chenzhou", "002036007004")[0]
    lines = routing.supporting_evidence(gateway, record, "生育津贴交什么", "chenzhou", "002036007004", ["ask_materials"])
    listed = [text for text, _ in lines if "相关材料审核" in text]
    assert len(listed) == 1 and listed[0].count("（5）医院出具的费用发票（原件）") == 1 and "男职工填（1）、（5）项材料" in listed[0]
    # the 一窗受理 sheet's table says nothing the materials list does not: not repeated
    assert not any("一窗受理申报单》相关材料审核" in text for text, _ in lines)


def test_the_list_tables_remarks_answer_what_the_guide_text_leaves_out(gateway):
    # 湖南 prints "可合并支付，一次性提供材料" only in its list table's 备注
    record = gateway.records("hunan", "002036007002")[0]
    lines = routing.supporting_evidence(gateway, record, "产前检查费和生育医疗费可以合并一起申报吗", "hunan", "002036007002", ["ask_process"])
    assert any("可合并支付" in text and text.startswith("清单备注：") for text, _ in lines)


def test_variants_too_long_side_by_side_are_given_with_their_asked_sections_only(gateway):
    # 湖南's 慢特病 认定 (职工 / 居民): with the process each materials answer adds, too long for one reply
    records = selection.by_level(gateway.records("hunan", "002036005001"), None)
    region = gateway.region("hunan")
    full = "\n\n".join(answers.answer_many(r, ["ask_materials", "ask_time_limit"], region) for r in records)
    assert len(full) > answers.MAX_REPLY_CHARS
    text = answers.answer_each(records, ["ask_materials", "ask_time_limit"], region, "慢特病病种认定")
    assert text and len(text) <= answers.MAX_REPLY_CHARS and "（表 14）" in text and "（表 15）" in text
    assert text.count("来源：") == 2 and "办理流程" not in text


def test_a_short_answer_also_says_in_brief_what_to_bring_and_where(gateway):
    record = gateway.records("chenzhou", "002036007004")[0]  # 生育津贴支付
    region = gateway.region("chenzhou")
    text = answers.answer_many(record, ["ask_time_limit"], region, brief_rest=True)
    head, rest = text.split("其他要点：", 1)
    assert "不超过18个工作日" in head and "出生医学证明复印件" in rest and "办理渠道" in rest
    assert len(text) <= answers.BRIEF_REST_CHARS + 200  # (the heading and the source line besides)
    assert "其他要点" not in answers.answer_many(record, ["ask_time_limit"], region)  # only where asked for
    # what the asked part already says is not said again, and a long answer gets nothing more
    long_one = answers.answer_many(record, ["ask_materials", "ask_process"], region, brief_rest=True)
    assert "其他要点" not in long_one or long_one.count("出生医学证明复印件") == 1


def test_of_one_template_printed_for_several_items_the_items_own_copy_is_quoted(gateway):
    # 湖南 prints a 信用承诺书 for 医疗机构 (无第十二条…) and one for 零售药店 (无第十一条…)
    record = gateway.records("hunan", "002036009002")[0]
    lines = routing.supporting_evidence(gateway, record, "零售药店那份信用承诺书依据的是什么文件，承诺里没有第几条的不予受理情形", "hunan", "002036009002",
                                        ["ask_forms", "ask_legal_basis"])
    texts = " ".join(text for text, _ in lines)
    assert "无第十一条不予受理情形" in texts and "第十二条" not in texts


def test_a_process_answer_also_says_how_long_it_takes(gateway):
    record = gateway.records("hunan", "002036004001")[0]
    text = answers.answer(record, "ask_process", gateway.region("hunan"))
    assert "办理时限：" in text and record["time_limit"].strip() in text


def test_how_many_copies_finds_the_forms_one_shi_n_fen(gateway):
    # "要填几份" asks what the form prints as "本表一式二份" (湖南's 双通道 申请表)
    record = next(r for r in gateway.records("hunan", "002036005002") if "居民" in (r.get("variant") or ""))
    lines = routing.supporting_evidence(gateway, record, "双通道那张申请表要填几份", "hunan", "002036005002", ["ask_forms"])
    assert any("一式二份" in text for text, _ in lines)
    assert "ask_materials" in cues.cued_aspects("要交些什么")


@pytest.mark.parametrize("aspects", [["ask_materials", "ask_channel"], ["ask_process", "ask_channel"], ["ask_channel", "ask_process", "ask_materials"]])
def test_no_reply_says_the_same_line_twice(gateway, aspects):
    for region in ("chenzhou", "hunan", "yunnan", "xianan", "guizhou"):
        for item in ("002036008001", "002036004002", "002036006002", "002036001002"):
            for record in gateway.records(region, item)[:2]:
                lines = [ln for ln in answers.answer_many(record, aspects, gateway.region(region)).splitlines() if len(ln) > 12]
                assert len(lines) == len(set(lines)), (region, item, [ln for ln in lines if lines.count(ln) > 1][:1])


def test_a_phone_is_given_under_the_guides_own_heading_when_it_says_whose(gateway):
    record = gateway.records("xianan", "002036006002")[0]
    reply = answers.answer(record, "ask_contact", gateway.region("xianan"))
    assert "咸安区医疗保障局监督电话：0715-8876622" in reply  # not just "监督电话：…"
    assert "咨询方式：" in reply


def test_a_materials_list_keeps_the_guide_s_own_markers(gateway):
    lines = answers.materials_lines(gateway.records("xianan", "002036001002")[0])
    # 灵活就业人员：①有效身份证件 ②《职工基本医疗保险参保登记表》 — as the guide prints it
    at = lines.index("灵活就业人员：")
    assert lines[at + 1 : at + 3] == ["① 有效身份证件", "② 《职工基本医疗保险参保登记表》"]
    # a group the guide numbers in mixed styles (1. … ②…) is numbered by the reply, one style throughout
    assert lines[0].startswith("1. ") and lines[1].startswith("2. ")


def test_a_new_employer_gets_its_staff_registration_offered_as_the_next_step(gateway):
    d, _ = run(AnswerFromKB(gateway), make_tracker(
        "永兴那边刚注册一家贸易公司，员工医保怎么上", "ask_process", entities={"region": "chenzhou", "service_item": "002036001002"}
    ))
    assert "· 单位参保登记】" in texts_of(d) and answers.NEXT_STEPS in texts_of(d)
    assert any("职工参保登记" in b["title"] for b in buttons_of(d))


def test_a_shortfall_made_up_by_the_employer_is_found_in_the_guide_s_words(gateway):
    text = "郴州的生育津贴若是少过平时工资，差的谁给补上"
    d = routing.answer(Turn(text, "ask_eligibility", 0.9, {"region": "chenzhou", "service_item": "002036007004"}), gateway)
    assert any("由我单位补差" in quoted for quoted, _ in d.evidence), d.evidence


def test_a_first_claim_and_the_money_paid_out_find_the_list_s_general_rules(gateway):
    # the Hunan list's 说明: 初次办理…报销…应提供参保人银行账户信息 (said as 第一次 / 打给)
    text = "娄底的，我替邻居代办住院报销，他是第一次报，钱会打给谁"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "hunan", "service_item": "002036006002"}), gateway)
    assert any("银行账户信息" in quoted for quoted, _ in d.evidence), d.evidence


def test_contact_labels_the_guide_leaves_empty_are_not_shown(gateway):
    record = gateway.records("yunnan", "002036002002")[0]
    text = answers.answer(record, "ask_contact", gateway.region("yunnan"))
    assert "单位地址：\n" not in text + "\n" and "监督电话：\n" not in text + "\n"
    assert "三、办理方式" not in text  # the region's consult line is the guide's words, not its heading


def test_the_heirs_of_a_dead_parent_find_the_form_s_rule_on_one_acting_for_all(gateway):
    first = routing.answer(Turn("株洲的，父亲走了，他职工医保个账剩下的钱怎么取", "ask_process", 0.9, {"region": "hunan", "service_item": "002036002003"}), gateway)
    d = routing.answer(Turn("我们兄弟姐妹四个，每个人都要去吗，要带什么", "ask_process", 0.9, {}, first.slots), gateway)
    assert any("代表全部继承人" in re.sub(r"\s", "", quoted) for quoted, _ in d.evidence), d.evidence


def _record(gateway, region, item, name):
    return next(r for r in gateway.records(region, item) or gateway.related_records(region, item) if r["name"] == name)


def test_parts_of_one_materials_list_are_all_shown_whoever_asks(gateway):
    record = _record(gateway, "yunnan", "退役士兵补缴城镇职工基本医疗保险", "退役士兵补缴城镇职工基本医疗保险")
    lines = "\n".join(answers.materials_lines(record, focus=["个人"]))
    assert "退出现役登记表" in lines and "补缴社会保险个人申请办理表原件" in lines
    assert "其他情形另有材料" not in lines


def test_a_nested_list_keeps_the_guides_own_markers_and_choice_letters(gateway):
    record = _record(gateway, "yunnan", "002036001002", "灵活就业、自谋职业人员参保登记")
    lines = answers.materials_lines(record)
    assert "（一）新参保、续保" in lines and "以下资料任选其一提交：" in lines
    assert "B. 租房合同（含出租人身份证复印件及联系方式）；" in lines
    assert "4. 新参保人员填写医疗保险未重复参保承诺书。" in lines  # (as printed, its 。 too)


def test_an_items_basis_the_guide_does_not_give_is_the_guides_own(gateway):
    slots = {"service_item": "002036001001", "region": "guizhou", "aspect": "ask_materials", "variant": "单位参保登记"}
    d = routing.answer(Turn("那这些要求是依据什么文件来的", "ask_legal_basis", 0.99, {}, slots), gateway)
    assert d.kind == "answer" and any("医保发〔2020〕18号" in text for text, _ in d.evidence)


def test_a_weakly_named_item_gives_way_to_a_near_one_that_does_the_asked_lookup(gateway):
    d = routing.answer(Turn("岳阳的，居民医保今年到底交上没，手机上在哪能查到", "ask_channel", 0.9,
                            {"region": "hunan", "service_item": "002036001003"}), gateway)
    assert d.kind == "answer" and d.item == "002036002002"


def test_the_sentences_of_the_items_own_forms_that_match_the_question_are_quoted(gateway):
    # 湖南's 表13 温馨提示 and the 个人承诺书's 告知书 part are rules of the 备案 they are printed for
    record = gateway.records("hunan", "002036004001")[0]  # 异地安置退休人员备案
    lines = routing.supporting_evidence(gateway, record, "去海南那边住，备案是备到市里还是备到省里", "hunan", "002036004001", ["ask_process"])
    assert any("可备案到就医省份和新疆生产建设兵团" in text for text, _ in lines)
    record = gateway.records("hunan", "002036004002")[0]  # 异地长期居住人员备案
    lines = routing.supporting_evidence(gateway, record, "用承诺书备了案，后面材料一直没补上会怎么样", "hunan", "002036004002", ["ask_materials"])
    texts = [text for text, _ in lines]
    assert any("在 6 个月内补齐相关备案材料" in text for text in texts)
    # one template printed after each of three items is quoted once, not once per copy
    squashed = [re.sub(r"\s+", "", text) for text in texts]
    assert len(squashed) == len(set(squashed)) and sum("已阅读并知晓" in t for t in squashed) <= 1


def test_a_reply_too_long_for_one_message_says_its_short_asked_parts_first(gateway):
    # 湖南's 异地安置 with materials, forms, channels and time limit asked: the one-line time limit is
    # not pushed behind "更多" by the channels and the forms' field lists
    record = gateway.records("hunan", "002036004001")[0]
    region = gateway.region("hunan")
    aspects = ["ask_materials", "ask_forms", "ask_channel", "ask_time_limit"]
    notes = [
        "2.办理备案时直接备案到就医地市或直辖市。参保人员根据病情、居住地、交通等情况，自主选择就医地开通的定点医疗机构住院就医。",
        "4.异地急诊抢救人员视同已备案。",
    ]
    text = answers.answer_many(record, aspects, region, evidence=[(t, "001_e87ed86121f40618.txt:15350-15411") for t in notes])
    assert len(text) > answers.MAX_REPLY_CHARS
    first, rest = answers.split_long(text)
    assert rest and "现场即时办结，线上 2个工作日" in first and "视同已备案" in first
    # asked, the forms have a section of their own: the materials do not list them again
    assert text.count("相关表格") == 1
    # a form's field list names blanks, not the wrapped ends of its printed notes ("规定执行。")
    assert "规定执行。、" not in text and "、本人（被委托人）" in text


def test_a_forms_sentence_is_found_among_the_forms_not_behind_every_items_text(gateway):
    # a long question matches many items' fields; the 表13 温馨提示 that answers "备到哪" is found
    # among the forms' own sentences
    record = gateway.records("hunan", "002036004005")[0]
    question = "邵阳的，自己要去广州看几天病，想先在手机上备个案，要填哪张表，是备到哪家医院还是备到城市，网上几天能办好"
    lines = routing.supporting_evidence(gateway, record, question, "hunan", "002036004005", ["ask_forms", "ask_time_limit"])
    assert any("直接备案到就医地市或直辖市" in text for text, _ in lines)


def test_a_material_is_quoted_with_the_punctuation_the_guide_prints_after_it(gateway):
    # 郴州's 职工参保登记 prints "②有效身份证件。" for 单位职工 and "①有效身份证件；" for 灵活就业人员:
    # each entry ends as printed in its own place
    record = _record(gateway, "chenzhou", "002036001002", "职工参保登记")
    lines = answers.materials_lines(record, ["灵活就业"])
    assert "① 有效身份证件；" in lines and "② 《郴州市职工基本医疗保险参保登记表》。" in lines
