"""Routing as data: a Turn in, a Decision out — no Rasa, no dispatcher."""

from __future__ import annotations

from actions import answers, cues, routing, selection
from actions.routing import Turn


def test_unknown_region_asks_it_and_keeps_the_question(gateway):
    d = routing.answer(Turn("退休了去外地跟儿子住，看病怎么报", "ask_process", 0.9), gateway)
    assert d.kind == "ask_region" and d.slots["service_item"] == "002036004001"
    assert d.slots["pending_question"] == "退休了去外地跟儿子住，看病怎么报"


def test_the_region_reply_answers_the_kept_question(gateway):
    turn = Turn(
        '/inform{"region": "yunnan"}', "inform", 1.0, {"region": "yunnan"},
        {"service_item": "002036004001", "aspect": "ask_process", "pending_question": "退休了去外地跟儿子住，看病怎么报"},
    )
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.region == "yunnan" and d.records[0]["name"] == "异地安置退休人员备案"
    assert d.slots["pending_question"] is None


def test_a_named_variant_is_answered_not_asked_back(gateway):
    d = routing.answer(Turn("湖南医保关系转出要多久", "ask_time_limit", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["variant"] == "基本医疗保险关系转出"


def test_a_family_word_alone_is_asked_as_a_family(gateway):
    d = routing.answer(Turn("云南异地就医备案怎么办理", "ask_process", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "choose_family" and len(d.candidates) >= 4


def test_out_of_scope_words_decline_unless_the_kb_clearly_answers(gateway):
    assert routing.answer(Turn("郴州公积金怎么提取", "ask_process", 0.9, {"region": "chenzhou"}), gateway).kind == "decline"
    d = routing.answer(
        Turn("退休了户口都迁到海南了，咸安的医保要办什么备案，要哪些材料", "ask_materials", 0.9, {"region": "xianan"}), gateway
    )
    assert d.kind in ("answer", "choose_family") and d.kind != "decline"


def test_the_guides_text_outside_items_answers_service_point_questions(gateway):
    d = routing.answer(Turn("咸安村里的医保服务点能帮我们做哪些事", "inform", 0.6, {"region": "xianan"}), gateway)
    assert d.kind == "document" and d.document[0] == "咸安区村（社区）医疗保障服务窗口工作职责"
    assert len(d.document[1]) >= 5 and all(src.startswith("003_") for _, src in d.document[1])
    d = routing.answer(Turn("咸安乡镇医保窗口负责哪些工作", "inform", 0.6, {"region": "xianan"}), gateway)
    assert d.document[0] == "咸安区乡镇（办）医疗保障服务窗口工作职责"


def test_own_case_starts_a_lookup_with_the_official_way(gateway):
    d = routing.lookup(Turn("查一下我的参保状态", "enrollment_lookup", 0.9, {}, {"region": "guizhou"}), gateway)
    assert d.kind == "start_lookup" and d.form == "enrollment_form" and d.official is not None
    d = routing.lookup(Turn("查一下我的备案办到哪了", "status_lookup", 0.9), gateway)
    assert d.kind == "start_lookup" and d.form == "status_form" and d.official is None


def test_a_place_during_a_lookup_form_stays_in_it(gateway):
    d = routing.in_form(Turn("德宏州参保的", "inform", 0.9, {"region": "yunnan"}, form="status_form"), gateway)
    assert d.kind == "stay_in_form" and d.slots == {"region": "yunnan"}
    d = routing.in_form(Turn("昆明生育津贴要什么材料", "ask_materials", 0.9, {"region": "yunnan"}, form="status_form"), gateway)
    assert d.kind == "answer" and d.leave_form


def test_fallback_small_talk_and_rephrase(gateway):
    assert routing.fallback(Turn("   ", "nlu_fallback"), gateway).kind == "empty"
    assert routing.fallback(Turn("嗯嗯好的呀", "nlu_fallback", 0.2, ranking=("nlu_fallback", "affirm")), gateway).kind == "small_talk"


def test_a_message_about_something_else_is_declined_even_with_a_region(gateway):
    for text, region in (("郴州去长沙的高铁几点", "chenzhou"), ("我家路灯坏了找谁修", None), ("昆明滇池门票多少钱", "yunnan")):
        assert routing.answer(Turn(text, "inform", 0.5, {"region": region} if region else {}), gateway).kind == "decline"
    assert routing.answer(Turn("我们这边是黔南", "inform", 0.9, {"region": "guizhou"}), gateway).kind == "region_noted"
    assert routing.answer(Turn("孩子刚出生要办啥", "inform", 0.5), gateway).kind == "ask_region"


def test_another_offices_business_is_declined_even_when_a_phrase_matches(gateway):
    for text, region in (("长沙养老保险交满15年每个月能领多少", "hunan"), ("长沙新生儿怎么上户口要什么材料", "hunan")):
        assert routing.answer(Turn(text, "ask_materials", 0.9, {"region": region}), gateway).kind == "decline"
    d = routing.answer(Turn("退休了户口都迁到海南了，咸安的医保要办什么备案，要哪些材料", "ask_materials", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "异地安置退休人员备案"


def test_an_item_named_outright_that_the_region_lacks_is_said_to_be_missing(gateway):
    d = routing.answer(Turn("贵州社保卡丢了去哪个银行补", "ask_channel", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "no_item_in_region"


def test_strong_but_undecided_evidence_answers_its_best_item_and_offers_the_next(gateway):
    # no item name, no phrase: the KB's text points at the 生育 items without a clear lead
    d = routing.answer(Turn("株洲的，我媳妇怀孕四个月流产了，能休多少天假", "ask_time_limit", 0.9, {"region": "hunan"}), gateway)
    assert d.kind in ("answer", "answer_alike") and "生育" in d.records[0]["name"]
    assert d.candidates and d.item not in d.candidates


def test_naming_only_the_place_and_who_is_asking_is_no_question_to_guess_at(gateway):
    turn = Turn("衡阳这边，参加的是职工医保", "inform", 0.8, {"region": "hunan", "insurance_type": "职工医保"})
    assert routing.answer(turn, gateway).kind == "region_noted"


def test_an_employees_question_prefers_items_on_the_employees_side(gateway):
    ranked = [("002036001003", 90.0, None), ("002036001002", 80.0, None)]  # 城乡居民参保登记, 职工参保登记
    assert routing.fits_who(gateway, ranked, ["单位"])[0][0] == "002036001002"
    assert routing.fits_who(gateway, ranked, ["城乡居民医保"])[0][0] == "002036001003"
    assert routing.fits_who(gateway, ranked, [])[0][0] == "002036001003"


def test_a_form_named_by_the_end_of_its_title_is_the_form_asked_about(gateway):
    assert routing.named_form(gateway, "参保人员信息变更登记表上变更项目怎么勾", "yunnan") == "基本医疗保险参保人员信息变更登记表"
    assert routing.named_form(gateway, "登记表怎么填", "yunnan") is None  # too short to name one form
    d = routing.answer(Turn("德宏这边参保人员信息变更登记表上变更项目怎么勾", "ask_forms", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "answer" and "ask_forms" in d.aspects
    assert any("打勾" in text for text, _ in d.evidence)


def test_how_to_learn_the_result_gives_the_items_query_channels(gateway):
    d = routing.answer(Turn("郴州派驻外地上班的备案交上去了，要几天，怎么查办好没", "ask_time_limit", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.aspects[:2] == ["ask_time_limit", "ask_query"]
    text = answers.answer_many(d.records[0], d.aspects, gateway.region("chenzhou"))
    assert "怎么查询：" in text and "查询方式：" in text


def test_an_item_said_to_be_done_already_is_background_not_the_subject(gateway):
    asked = gateway.rank_items("常驻异地的备案要什么材料")
    done = gateway.rank_items("已经办了常驻异地的备案，门诊花的钱能报吗")
    assert asked[0] == ("002036004003", 8.0)
    assert dict(done).get("002036004003", 0.0) < 8.0 and done[0][0] != "002036004003"


def test_a_bag_of_who_is_asking_and_one_word_hardly_names_an_item(gateway):
    # [灵活就业, 交] describes the asker; 住院 + 报 is what they ask about
    ranked = dict(gateway.rank_items("属于灵活就业，年年交着，住院垫的钱报销了打到哪"))
    assert ranked.get("002036001002", 0.0) < routing.PHRASE_TIE * ranked["002036006002"]  # no tie for the KB text to break
    assert dict(gateway.rank_items("灵活就业参保要什么"))["002036001002"] >= 8.0  # a phrase still names it


def test_an_item_said_to_be_done_is_the_background_not_the_subject(gateway):
    text = "已经办了常驻异地的备案，在外面摔了一跤看急诊，门诊费回来怎么报"
    assert gateway.done_items(text) == {"002036004003"}
    assert "常驻异地" not in gateway.without_done(text)
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "guizhou", "service_item": "002036004003"}), gateway)
    assert d.kind == "answer" and d.item == "002036006001"


def test_a_bag_of_words_across_clauses_names_an_item_less_surely(gateway):
    assert "002036004003" in gateway.named_outright("单位派我去外地长驻，要办什么")
    assert "002036002002" not in gateway.named_outright("公司医保注销了。几天办完？怎么查")
    # scattered words (怎么查 … 医保) yield to the text's clear pick: the 单位 注销 record
    d = routing.answer(Turn("公司的医保注销，材料都交了，要几天？怎么查结果", "ask_time_limit", 0.9, {"region": "hunan"}), gateway)
    assert d.item == "002036001001"


def test_a_named_form_picks_the_record_that_asks_for_it(gateway):
    # 云南 职工参保登记 has two records; only the general one asks for the 变动表
    d = routing.answer(Turn("单位要填职工医疗保险参保人员变动表，要附什么", "ask_materials", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保登记"


def test_a_few_words_for_an_item_the_region_lacks_let_the_regions_text_decide(gateway):
    # 贵州's guide has no 城乡居民参保信息变更登记: words that only loosely name it find the 职工 one
    d = routing.answer(Turn("他在都匀打工，单位交的医保，身份证号码录错了一位，要带啥", "ask_materials", 0.9,
                            {"region": "guizhou", "service_item": "002036001006"}), gateway)
    assert d.kind == "answer" and gateway.has_item("guizhou", d.item)
    # an item named outright is still said to be missing
    d = routing.answer(Turn("城乡居民参保信息变更登记要什么材料", "ask_materials", 0.9,
                            {"region": "guizhou", "service_item": "002036001006"}), gateway)
    assert d.kind == "no_item_in_region"


def test_a_region_reply_does_not_bring_back_an_item_the_region_lacks(gateway):
    # the spouse's birth named 一次性补助金 (and 生育医疗费); 咸安's guide has only the latter
    question = "媳妇在家看孩子没上班，这回生娃能报销吗"
    slots = {"service_item": "002036007005", "aspect": "ask_eligibility", "awaiting": "region", "pending_question": question}
    d = routing.answer(Turn("在咸安", "inform", 0.9, {"region": "xianan"}, slots), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "生育医疗费支付"


def test_the_item_doing_what_is_asked_beats_one_sharing_only_the_situation(gateway):
    # back at work in a factory (职工参保登记's words), the insurance to be moved back is asked
    text = "以前在深圳打工，单位缴职工医保，现在回北湖区厂里上班了，医保关系想迁回郴州，要带什么"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.item == "002036003002"
    # the move already made is the situation; taking the account's money out is asked
    d = routing.answer(Turn("医保关系已经转到外省去了，个人账户余额能取出来吗", "ask_eligibility", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "参保人员个人账户一次性支取"


def test_a_phrase_for_the_situation_gives_way_to_one_for_what_is_asked(gateway):
    # "在宁波上班" is 常驻异地工作's phrase, but that work is over: moving the insurance back is asked
    text = "之前在宁波上班缴了职工医保，今年回宜章上班了，医保关系想转回郴州，要带哪些，多久能办好"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.item == "002036003002"


def test_what_is_asked_to_be_done_includes_taking_money_out_and_moving_the_insurance(gateway):
    assert "支取" in gateway.search.asked_doing("账户余额可以取吗")
    assert "转入" in gateway.search.asked_doing("医保关系想迁回来")
    assert "转入" in gateway.search.asked_doing("外省交的几年能不能接过来")  # "接过来": the years taken over


def test_a_duty_line_says_whose_duty_it_is(gateway):
    text = "我爸是离休干部，住在咸安，他看病结算是归乡镇窗口还是区里管"
    d = routing.answer(Turn(text, "ask_channel", 0.9, {"region": "xianan"}), gateway)
    assert any(quoted.startswith("咸安区医疗保障服务中心主要工作职责：（十）") for quoted, _ in d.evidence)


def test_a_question_spelling_out_an_items_whole_name_outweighs_a_shorter_phrase(gateway):
    assert routing.spells_out("参保单位参保信息查询", "公司查询单位里参保的信息")
    assert not routing.spells_out("单位参保登记", "公司查询单位里参保的信息")
    d = routing.answer(Turn("公司去查询单位参保方面的信息，带什么证明", "ask_materials", 0.9,
                            {"region": "chenzhou", "service_item": "002036001001"}), gateway)
    assert d.item == "002036002001"


def test_a_village_clinic_is_no_village_window(gateway):
    from actions import cues

    assert cues.level_named("村卫生室门诊费用结算怎么办") is None
    assert cues.level_named("村里窗口办不办") == "村"
    d = routing.answer(Turn("咸安村卫生室门诊费用结算流程", "ask_process", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and "卫生室门诊费用结算" in d.records[0]["name"]


def test_a_place_given_after_a_lookup_began_brings_the_guides_way_to_check(gateway):
    d = routing.lookup(Turn("帮我查查我的生育津贴申请到哪一步了", "status_lookup", 0.9), gateway)
    assert d.kind == "start_lookup" and d.slots.get("service_item") == "002036007004"
    turn = Turn("我在郴州", "inform", 0.9, {"region": "chenzhou"}, {"service_item": "002036007004"}, form="status_form")
    d = routing.in_form(turn, gateway)
    assert d.kind == "stay_in_form" and d.official and d.official["name"] == "生育津贴支付"
    reply = answers.official_check(d.official, gateway.region("chenzhou"))
    assert "查询方式" in reply and "来源" in reply
    # a place already known brings nothing new
    turn = Turn("郴州", "inform", 0.9, {"region": "chenzhou"}, {"region": "chenzhou"}, form="status_form")
    assert routing.in_form(turn, gateway).official is None


def test_where_the_asker_lives_is_not_the_window_asked(gateway):
    # "村里" here says where the family lives; the village window's own items are not what is asked
    for text in ("帮村里一位老人问，住院和大病保险都报销了自己还要出几万块，家里困难，还能申请救助吗",
                 "我是村里的协理员，低保户参加城乡居民医保，自己出的那份有没有补贴"):
        d = routing.answer(Turn(text, "ask_eligibility", 0.9, {"region": "xianan", "level": "村"}), gateway)
        assert d.kind == "answer" and d.records[0].get("level") != "村" and "救助" in d.records[0]["name"]


def test_the_kept_question_carries_the_topic_not_the_reply(gateway):
    # the reply to "which region?" says where and who; an item its words name counts half
    kept, reply = "退休了要去外地跟儿子住，看病怎么报", "衡阳的，单位职工参保的"
    alone = dict(gateway.rank_items(reply))
    assert alone  # the reply's words do name an item
    ranked = dict(routing._phrase_items(gateway, kept, reply))
    from_kept = dict(gateway.rank_items(kept))
    assert ranked["002036004001"] == from_kept["002036004001"]
    for key, score in alone.items():
        assert ranked[key] == max(from_kept.get(key, 0.0), score * routing.REPLY_WEIGHT)


def test_the_place_gone_back_to_is_where_the_asker_is_insured(gateway):
    assert routing.insured_region(gateway, "在云南旅游摔伤住了院，回到衡阳怎么报") == "hunan"
    assert routing.insured_region(gateway, "单位派我到长沙，咸安的医保要备案吗") == "xianan"


def test_a_city_outside_every_region_is_elsewhere(gateway):
    # the guides say 异地/外地; people name the city they are sent to or live in
    assert gateway.search.elsewhere("在长沙住院，厂里派我去苏州") == "在长沙住院，厂里派我去外地"  # 长沙 is a region's
    assert gateway.search.elsewhere("去海南过冬") == "去海南过冬 外地"  # a name the guides print stays
    d = routing.answer(Turn("厂里安排我到苏州驻点三年，都匀参保的，看病怎么弄", "ask_process", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "常驻异地工作人员备案"


def test_the_item_that_does_what_is_asked_leads_the_situation_words(gateway):
    # "在外地上班" tells the situation (a 备案 item's phrase); "转回来" asks for the transfer
    assert gateway.search.asked_doing("回来能报不") == ("报销", "支付")
    d = routing.answer(Turn("以前在外地打工时缴过医保，如今回郴州工作，医保关系打算转回来", "ask_process", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and "转" in d.records[0]["name"]
    # and the other way: 转诊备案 shares 外地 and 转, but the transfer item does what is asked
    d = routing.answer(Turn("医保要从东莞转回郴州，大概多少天", "ask_time_limit", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "转移接续手续办理"


def test_a_kept_variant_stays_unless_who_they_say_they_are_now_changes_it(gateway):
    slots = {"region": "yunnan", "service_item": "002036001002", "variant": "灵活就业、自谋职业人员参保登记",
             "aspect": "ask_materials", "insurance_type": "职工医保"}
    d = routing.answer(Turn("平时没空，让家里人拿着材料去帮我办行吗", "ask_process", 0.6, {}, slots), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "灵活就业、自谋职业人员参保登记"
    # said now, it decides: 城乡居民 is another item, 在职职工 another variant
    d = routing.answer(Turn("那在职职工呢", "ask_materials", 0.6, {"personnel_category": "在职职工"}, slots), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保登记"


def test_whether_one_is_paid_up_is_checked_the_enrollment_querys_way(gateway):
    # the scheme named ("居民医保") says who, not which item's 查询方式 to give
    d = routing.lookup(Turn("帮我查一下我的居民医保今年交没交", "enrollment_lookup", 0.9, {}, {"region": "yunnan"}), gateway)
    assert d.kind == "start_lookup" and d.official["name"] == "参保人员参保信息查询"


def test_phrase_items_in_a_tie_go_to_the_one_doing_what_is_asked(gateway):
    # "去外地上班" is 常驻异地工作's phrase, "医保要转过去" asks the transfer
    d = routing.answer(Turn("原先在咸安一家工厂上班，职工医保在那缴，后来去外地上班了，医保要转过去，在哪办", "ask_channel", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "转移接续手续办理"


def test_an_unclear_follow_up_stays_with_the_topic_instead_of_asking_to_rephrase(gateway):
    slots = {"region": "yunnan", "service_item": "002036008002", "aspect": "ask_materials"}
    d = routing.fallback(Turn("他躺在床上起不来，叫他儿子弄好不好", "nlu_fallback", 0.4, {}, slots, ("nlu_fallback", "enrollment_lookup")), gateway)
    assert d.kind == "answer" and d.item == "002036008002"


def test_a_patient_the_doctor_sends_elsewhere_is_a_referral_not_a_transfer(gateway):
    text = gateway.search.normalize("我爸在咸安住院，医生说要转到南京大医院去做手术，医保要先办个什么")
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "异地转诊人员备案"


def test_the_enrollment_querys_way_to_check_gives_its_channels_and_where_needed_its_steps(gateway):
    yunnan = answers.official_check(gateway.records("yunnan", "002036002002")[0], gateway.region("yunnan"))
    assert "在自助终端机或窗口查询打印" in yunnan  # 云南 prints no 查询方式: its 办理流程 says the ways
    hunan = answers.official_check(gateway.records("hunan", "002036002002")[0], gateway.region("hunan"))
    assert "“湘易办”APP" in hunan and "受理" not in hunan  # 查询方式 and channels, not 申请-受理-办结
    # what to show at the window is short: said unasked
    chenzhou = answers.official_check(gateway.records("chenzhou", "002036002002")[0], gateway.region("chenzhou"))
    assert "有效身份证件或社保卡" in chenzhou and chenzhou.count("办理材料") == 1
    # and how long the check takes, when the guide says it in a line (即时办结)
    assert "办理时限：\n即时办结" in yunnan and yunnan.count("办理时限") == 1


def test_the_message_as_read_overrules_an_entity_taken_from_the_words_as_typed(gateway):
    # the classifier took 职工参保登记 from "退休职工"; read in the guides' characters the message
    # names 个人账户 outright
    text = gateway.search.normalize("父亲是退休职工，前阵子过世了，他个人帐户余额家属能领吗")
    d = routing.answer(Turn(text, "inform", 0.7, {"region": "xianan", "service_item": "002036001002"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "参保人员个人账户一次性支取"


def test_a_medicine_the_hospital_has_not_is_bought_outside_by_application(gateway):
    # 莫得 and 外头 are 没有 and 外面; "药没有", "药店买" are the guide's 缺药 and 外购
    text = gateway.search.normalize("看门特的定点医院说那个药莫得了，叫我到外头的药店买，要先办什么手续")
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and "缺药外购" in d.records[0]["name"]


def test_after_an_enrollment_lookup_began_a_question_about_checking_answers_the_query_item(gateway):
    d = routing.lookup(Turn("帮我看看我今年医保费缴上了没有", "enrollment_lookup", 0.9), gateway)
    assert d.kind == "start_lookup" and d.slots.get("service_item") == routing.ENROLLMENT_QUERY_ITEM
    slots = {"service_item": d.slots["service_item"]}
    turn = Turn("我是咸安官埠桥镇的，镇上窗口能不能查，用手机查得了不", "ask_channel", 0.8, {"region": "xianan"}, slots, form="enrollment_form")
    d = routing.in_form(turn, gateway)
    assert d.kind == "answer" and d.leave_form and d.records[0]["name"] == "参保人员参保信息查询"


def test_asking_whether_one_has_paid_leads_to_the_enrollment_query(gateway):
    assert "参保信息查询" in gateway.search.asked_doing("我的医保缴到哪一年了")
    # where to hand papers in, or where to check a claim, is no question of one's enrollment
    assert "参保信息查询" not in gateway.search.asked_doing("报销的单据交到哪个窗口")
    assert "参保信息查询" not in gateway.search.asked_doing("去哪里查医保报销的进度")
    text = gateway.search.normalize("湘潭的，不晓得我的医保交了冒，手机上哪里看得到")
    d = routing.answer(Turn(text, "ask_channel", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "参保人员参保信息查询"


def test_asking_what_one_can_receive_leads_to_an_item_that_pays(gateway):
    # 单位/交/没单位 are 参保登记's words; "可以领什么" asks for money paid out (支付)
    text = gateway.search.normalize("湘潭的，公司缴了生育险，我爱人没单位，她生产我可以领什么")
    d = routing.answer(Turn(text, "ask_eligibility", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "生育津贴支付"


def test_what_the_city_guide_leaves_out_the_provincial_list_says_under_its_own_title(gateway):
    # 郴州's guide prints no 设定依据; the manifest puts the Hunan list next for 郴州
    d = routing.answer(Turn("郴州生育津贴是按什么文件规定办的", "ask_legal_basis", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.next_guide is not None
    reply = answers.answer_many(d.records[0], d.aspects, gateway.region("chenzhou"), evidence=d.evidence, next_guide=d.next_guide)
    assert "《郴州市医保经办政务服务事项办事指南》没有写明，以下摘自《湖南省医疗保障经办政务服务事项清单" in reply
    assert "社会保险法" in reply and "来源：《湖南省医疗保障经办政务服务事项清单" in reply
    # a region with one guide has no next one: the guide's silence is said, with where to ask
    d = routing.answer(Turn("都匀生育津贴依据哪些文件", "ask_legal_basis", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and d.next_guide is None
    # an aspect the city guide states is not borrowed
    d = routing.answer(Turn("郴州生育津贴带哪些材料", "ask_materials", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.next_guide is None


def test_an_employer_insuring_the_asker_makes_it_the_employees_record(gateway):
    # "单位给我…" says who enrolled the asker; the record to change is the employee's (职工), not the employer's
    text = gateway.search.normalize("公司帮我办医保时把我名字写错了一个字，要改的话交什么表")
    d = routing.answer(Turn(text, "ask_forms", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保信息变更登记"
    # (with a word between: "单位要帮他…")
    text = gateway.search.normalize("医保里他的名字录错了，单位要帮他改，交什么表")
    d = routing.answer(Turn(text, "ask_forms", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保信息变更登记"


def test_a_reply_naming_the_situation_keeps_the_item_that_does_what_was_asked(gateway):
    # asked "能不能报" before the region; the reply's "慢特病门诊" (慢特病认定, by the classifier) says
    # what kind of outpatient visit it was: the claim is still 门诊费用报销
    slots = {"pending_question": "去外地旅游时看了门诊，钱是自己出的，回来可不可以报", "awaiting": "region"}
    turn = Turn("株洲的，看的是慢特病门诊，材料有哪些", "ask_materials", 0.9, {"region": "hunan", "service_item": "002036005001"}, slots)
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "门诊费用报销"


def test_an_item_for_one_group_of_people_counts_less_when_nobody_says_the_asker_is_one(gateway):
    relief, outpatient = "002036008002", "002036006001"  # 医疗救助对象手工（零星）报销, 门诊费用报销
    ranked = [(relief, 100.0, None), (outpatient, 80.0, None)]
    assert [k for k, _, _ in routing.fits_who(gateway, ranked, [], "在外地门诊费先垫付了能报吗")] == [outpatient, relief]
    assert [k for k, _, _ in routing.fits_who(gateway, ranked, [], "我们是低保家庭，门诊费先垫付了能报吗")] == [relief, outpatient]
    assert [k for k, _, _ in routing.fits_who(gateway, ranked, ["医疗救助对象"], "门诊费先垫付了能报吗")] == [relief, outpatient]


def test_not_yet_rated_poor_is_the_guides_unrecognised(gateway):
    # "还没评上低保" is the guide's 未经认定 (its rule: a 核查委托授权书)
    from knowledge.evidence import uncovered_terms

    terms = uncovered_terms(gateway.search, "有户人家还没评上低保，能申请不", "hunan", "")
    assert any("未经认定" in t.spellings for t in terms)


def test_a_follow_up_pointing_back_is_searched_with_what_was_said_before(gateway):
    slots = {"region": "hunan", "service_item": "002036001002", "topic_question": "我男人在长沙厂里做事，厂里给他缴着生育险，我在家带娃没上班，生育保险也没参加，刚生完孩子"}
    turn = Turn(gateway.search.normalize("像我这样的，一次性生育补助金能领不？"), "ask_eligibility", 0.9, {"region": "hunan"}, slots)
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "生育津贴支付"
    assert any("男职工的配偶合法生育" in t for t, _ in d.evidence)
    assert "刚生完孩子" in d.slots["topic_question"] and d.slots["topic_question"].endswith("能领不？")


def test_retiring_soon_is_the_employees_change_to_retired_not_a_filing_for_retirees_elsewhere(gateway):
    d = routing.answer(Turn("单位里我下个月就要退休了，医保这块怎么弄", "ask_process", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保登记" and selection.label(d.records[0]) == "在职转退休"
    # working for a company says who is asking: the employees' record, not the self-employed's
    assert gateway.indexes["personnel_category"].best("我爸在企业上班") == "在职职工"


def test_where_someone_lives_in_a_village_is_no_window_level(gateway):
    assert cues.level_named("村里有位大爷长年在外地") is None and cues.level_named("村里能办不") == "村"
    # the classifier's "村" from "村里" counts only where the words name the window
    text = "村里有位大爷长年住在深圳儿子家，户口在咸安，想在深圳就医直接结算，要交什么材料"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "xianan", "level": "村"}), gateway)
    assert d.kind == "answer" and d.records[0].get("level") != "村"


def test_a_question_of_medical_insurance_is_answered_though_the_classifier_says_out_of_scope(gateway):
    d = routing.out_of_scope(Turn("湖南的，因为工伤住的院，医保能报销吗", "out_of_scope", 0.8, {"region": "hunan"}), gateway)
    assert d.kind != "decline"
    d = routing.out_of_scope(Turn("湖南的，公积金和医保一起交的，公积金怎么取", "out_of_scope", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "decline" and d.topic == "housing_fund"


def test_a_claim_is_answered_where_the_guide_lacks_the_filing_the_situation_names(gateway):
    # 贵州's guide has no 异地急诊人员备案; "没备案" says it was not filed, "能报销不" asks the claim
    assert "备案" not in gateway.search.asked_doing("出差时急诊住院，当时没备案")
    text = gateway.search.normalize("都匀参保的，出差时在外省急诊住院，没来得及备案，回来能报销不")
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "住院费用报销"


def test_staff_newly_hired_are_enrolled_as_employees_not_as_a_new_employer(gateway):
    d = routing.answer(Turn("单位这个月新招了三个人，咋帮他们参保", "ask_process", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind in ("answer", "choose_variant") and d.records[0]["name"] == "职工参保登记"


def test_a_question_the_classifier_took_for_small_talk_is_answered(gateway):
    slots = {"region": "xianan"}
    d = routing.small_talk(Turn("看病要先到基层再往上转，咸安这个分级诊疗政策到村委会问得到吗", "goodbye", 0.6, {"region": "xianan"}, slots), gateway)
    assert d.kind not in ("small_talk", "decline")
    assert routing.small_talk(Turn("好的，再见", "goodbye", 0.99), gateway).response == "utter_goodbye"
    assert routing.small_talk(Turn("谢谢，生育津贴的材料我知道了", "thanks", 0.9, {}, slots), gateway).response == "utter_thanks"
    assert routing.small_talk(Turn("你好", "greet", 0.99), gateway).response == "utter_greet"
    assert routing.small_talk(Turn("您好，医保方面的事可以找你问吗", "greet", 0.9), gateway).response == "utter_greet"


def test_months_without_paying_are_the_back_payment_item_or_said_missing(gateway):
    text = "医保停了大半年没交，医保断了，现在想补上"
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "法定断档补缴"
    # 贵州's and 云南's guides have no such item: said so, with where to ask — not a 补助金 or a
    # veterans' item for someone who never said they served
    for region in ("guizhou", "yunnan"):
        assert routing.answer(Turn(text, "ask_process", 0.9, {"region": region}), gateway).kind == "no_item_in_region"
    # one who says they served gets 云南's veterans' back payment
    d = routing.answer(Turn("退伍以后医保断了，现在想补上", "ask_process", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"].startswith("退役士兵补缴")


def test_a_message_without_any_medical_insurance_word_needs_a_wide_margin(gateway):
    # a child on a day out, a school's registration: words one guide prints (子女, 小学, 托幼) are no 医保 question
    for text in ("昆明明天会不会下雨，周末想带孩子去公园玩", "大理孩子九月份上一年级，去学校报名得带些啥", "昆明的孩子要上幼儿园了，去报名要准备什么"):
        assert routing.answer(Turn(text, "ask_materials", 0.9, {"region": "yunnan"}), gateway).kind == "decline", text


def test_a_newly_founded_employer_registers_itself(gateway):
    d = routing.answer(Turn("郴州这边新开个小公司，要给公司在医保局开户，带啥材料", "ask_materials", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "单位参保登记"


def test_a_person_s_own_data_is_changed_on_the_person_s_record_not_the_employer_s(gateway):
    turn = Turn("都匀，单位帮职工报医保时身份证号填错了一位数，要怎么改", "ask_process", 0.9, {"region": "guizhou", "applicant_type": "单位"})
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "职工参保信息变更登记", d.records[0]["name"]


def test_a_phrase_for_the_other_side_of_the_asker_does_not_stand_against_the_evidence(gateway):
    # "出生" (of 出生日期) names 城乡居民参保登记 for the phrase lists; an employee asks about their record
    turn = Turn("我在郴州企业上班，医保里我那个出生日期不对，单位帮我去改要带什么", "ask_materials", 0.9,
                {"region": "chenzhou", "personnel_category": "在职职工", "applicant_type": "单位"})
    assert routing.answer(turn, gateway).records[0]["name"] == "职工参保信息变更登记"


def test_a_pharmacy_s_item_needs_the_question_to_say_pharmacy(gateway):
    # the 营业执照 a pharmacy's materials name is no reason to answer a factory's question with them
    turn = Turn("嘉禾县新开了个加工厂，营业执照刚办下来，要给厂子开医保户头，带什么材料", "ask_materials", 0.9,
                {"region": "chenzhou", "service_item": "002036001001"})
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "单位参保登记", d.records[0]["name"]
    d = routing.answer(Turn("郴州一家药店要申请成为医保定点，营业执照要复印件吗", "ask_materials", 0.9, {"region": "chenzhou"}), gateway)
    assert d.records[0]["name"] == "零售药店申请定点协议管理"


def test_a_special_disease_patient_buying_medicine_outside_asks_for_the_purchase_approval(gateway):
    turn = Turn("都匀这边我是门特病人，医院开不到我的药，只能自己去外边买，要办什么", "ask_process", 0.9, {"region": "guizhou"})
    assert routing.answer(turn, gateway).records[0]["name"] == "基本医疗保险门诊特殊病缺药外购申请"


def test_a_question_about_the_guide_itself_is_answered_from_its_preface(gateway):
    d = routing.answer(Turn("贵州这本指南依据的是国家哪份文件", "ask_legal_basis", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "document" and any("医保发〔2020〕18号" in text for text, _ in d.document[1])


def test_a_village_worker_asking_to_apply_gets_the_window_that_handles_it(gateway):
    # 咸安's village window only publicises the 慢性病 policy; applying is done where the item is handled
    turn = Turn("我在咸安村里做医保专干，有位老人打算申办门诊慢性病，要带什么", "ask_materials", 0.9, {"region": "xianan", "level": "村"})
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and not d.records[0]["name"].startswith("查询、宣传、培训"), d.records[0]["name"]
    # …and what the village window does is still its own record's answer
    d = routing.answer(Turn("咸安村里的窗口宣传门诊慢性病政策吗", "inform", 0.9, {"region": "xianan", "level": "村"}), gateway)
    assert d.records[0]["name"].startswith("查询、宣传、培训")


def test_a_follow_up_keeps_the_window_the_conversation_settled_on(gateway):
    first = routing.answer(Turn("我在咸安村里做医保专干，有位老人打算申办门诊慢性病", "inform", 0.9, {"region": "xianan", "level": "村"}), gateway)
    assert first.kind == "answer" and not first.records[0]["name"].startswith("查询、宣传、培训")
    slots = {**first.slots, "level": "村"}
    d = routing.answer(Turn("她要填什么表，交上去多久出结果", "ask_forms", 0.9, {}, slots), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == first.records[0]["name"], [r["name"] for r in d.records]


def test_a_short_form_title_said_whole_names_the_form(gateway):
    assert routing.named_form(gateway, "写个人承诺书行不行", "chenzhou") == "个人承诺书"


def test_what_a_form_says_as_a_whole_is_quoted_from_its_text(gateway):
    slots = {"region": "chenzhou", "aspect": "ask_materials", "service_item": "002036004002"}
    d = routing.answer(Turn("郴州那个个人承诺书上面要写什么内容", "ask_forms", 0.9, {"region": "chenzhou"}, slots), gateway)
    quoted = " ".join(text for text, _ in d.evidence)
    assert d.kind == "answer" and "由此产生的一切法律责任均由本人承担" in quoted and "承诺人（签名、指印）" in quoted
    # the guide's own form is the answer: no "没有写明相关表格", no other guide's form
    assert "ask_forms" not in d.aspects and d.next_guide is None


def test_a_form_line_is_found_by_the_guide_s_word_for_what_is_asked(gateway):
    # 按手印 is the guide's 指印
    lines = routing._form_lines(gateway, "chenzhou", "个人承诺书", "要不要按手印")
    assert any("指印" in line.passage.text for line in lines)


def test_a_patient_moved_to_another_hospital_is_a_referral_not_an_insurance_transfer(gateway):
    first = routing.answer(Turn("我爸在咸安住院，医生讲要转到武汉的大医院去", "inform", 0.9, {"region": "xianan"}), gateway)
    d = routing.answer(Turn("转过去以前得办啥手续", "ask_process", 0.9, {"service_item": "002036003002"}, first.slots), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "异地转诊人员备案", d.records[0]["name"]
    # the insurance moving with a job is still the transfer
    d = routing.answer(Turn("我调到武汉工作了，咸安的医保怎么转过去", "ask_process", 0.9, {"region": "xianan", "service_item": "002036003002"}), gateway)
    assert d.records and d.records[0]["name"] != "异地转诊人员备案"


def test_a_death_ends_the_insurance_it_does_not_pause_it(gateway):
    records = gateway.records("hunan", "002036001003")
    chosen = selection.choose(records, "老人去世了，居民医保得停了", None, ["城乡居民医保"], gateway.variant_words)
    assert [selection.label(r) for r in chosen] == ["城乡居民减少登记（终止参保）"]


def test_the_answer_s_own_form_is_named_by_a_short_end_of_its_title(gateway):
    record = gateway.records("chenzhou", "002036008002")[0]
    assert routing.own_form_named(gateway, record, "申请审批表上村委会要写啥意见", "chenzhou") == "郴州市医疗救助申请审批表"
    assert routing.own_form_named(gateway, record, "得带些啥材料", "chenzhou") is None
    assert routing.own_form_named(gateway, record, "申请审批表要带原件吗", "chenzhou") is None  # said, not filled in
    text = "宜章一个村的干部来问：村上低保户住了院，报完医保和大病保险仍要自付不少，想办医疗救助，资料往哪交？申请审批表上村里要填什么意见"
    d = routing.answer(Turn(text, "ask_channel", 0.9, {"region": "chenzhou", "service_item": "002036008002"}), gateway)
    assert any("初步意见" in quoted for quoted, _ in d.evidence)  # the form's line on the village's opinion


def test_a_hospital_stay_to_give_birth_is_paid_as_maternity_medical_costs(gateway):
    # the classifier's entity read 住院 in one word; the phrase lists read the whole message
    turn = Turn("保山这边生娃住院花了不少，咋个报", "ask_process", 0.9, {"region": "yunnan", "service_item": "002036006002"})
    assert routing.answer(turn, gateway).records[0]["name"] == "生育医疗费支付"


def test_a_question_read_as_a_request_for_a_person_is_answered_when_it_names_an_item(gateway):
    turn = Turn("昆明医院叫我转去上海看病，转诊备案由谁去办", "human_handoff", 0.9, {"region": "yunnan", "service_item": "002036004004"})
    assert routing.handoff(turn, gateway).kind == "answer"
    assert routing.handoff(Turn("转诊备案的事我想找人工问问", "human_handoff", 0.9, {"region": "yunnan"}), gateway).kind == "handoff"
    assert routing.handoff(Turn("帮我转人工", "human_handoff", 0.9, {"region": "yunnan"}), gateway).kind == "handoff"


def test_a_greeting_with_nothing_yet_to_answer_is_greeted(gateway):
    turn = Turn("你好哇，有医保方面的事想问一下", "nlu_fallback", 0.4, ranking=("nlu_fallback", "ask_contact", "greet"))
    d = routing.fallback(turn, gateway)
    assert d.kind == "small_talk" and d.response == "utter_greet"


def test_a_certificate_asked_for_is_the_item_that_issues_it(gateway):
    # "外地工作" names the filing of someone working elsewhere; what is asked is a 凭证 to be issued
    text = "都匀的，换城市上班了，新东家让我带张参保凭证去，凭证在哪开"
    d = routing.answer(Turn(text, "ask_channel", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"].startswith("出具"), d.records[0]["name"]


def test_a_newly_founded_employer_registers_itself_before_its_staff(gateway):
    text = "我们在北湖区才成立一家贸易公司，员工医保得先办啥"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "chenzhou", "service_item": "002036001002"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "单位参保登记"
    assert d.next_steps == ["002036001002"]  # the staff's own registration comes next
    # an employer that is not new insuring a new hire is the staff's registration
    d = routing.answer(Turn("公司新招了个员工，员工医保要啥材料", "ask_materials", 0.9, {"region": "chenzhou", "service_item": "002036001002"}), gateway)
    assert d.records[0]["name"] == "职工参保登记" and not d.next_steps


def test_a_question_about_the_guide_beside_an_item_question_quotes_the_guide_s_preface(gateway):
    text = "都匀的单位参保登记要带啥材料，还有这本指南是依据什么文件编的"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "guizhou", "service_item": "002036001001"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "单位参保登记"
    assert any("医保发〔2020〕18号" in quoted for quoted, _ in d.evidence)
    assert "ask_legal_basis" not in d.aspects  # the item's own silence on 依据 is not the answer


def test_what_a_promise_binds_one_to_is_quoted_from_the_notice(gateway):
    first = routing.answer(Turn("湖南参保的，常年住广州，想办长住外地那个备案", "ask_process", 0.9, {"region": "hunan", "service_item": "002036004002"}), gateway)
    d = routing.answer(Turn("用承诺书代替居住证的话，承诺之后还要做什么", "ask_forms", 0.9, {}, first.slots), gateway)
    assert any("补齐相关备案材料" in quoted for quoted, _ in d.evidence), d.evidence


def test_a_new_question_on_the_same_item_keeps_what_was_asked_of_it_before(gateway):
    first = routing.answer(Turn("桂阳这边职工医保，姓名录入有误怎么更正", "ask_process", 0.9, {"region": "chenzhou", "service_item": "002036001005"}), gateway)
    d = routing.answer(Turn("手机上可以办理吗", "ask_channel", 0.9, {}, first.slots), gateway)
    assert d.kind == "answer" and d.aspects[0] == "ask_channel" and "ask_process" in d.aspects
    # a new item starts afresh
    d = routing.answer(Turn("那生育津贴要什么材料", "ask_materials", 0.9, {"service_item": "002036007004"}, first.slots), gateway)
    assert d.aspects == ["ask_materials"]


def test_every_aspect_of_the_previous_answer_stays_in_view(gateway):
    first = routing.answer(Turn("咸安的职工参保登记怎么申请，在哪个地方办", "inform", 0.6, {"region": "xianan", "service_item": "002036001002"}), gateway)
    assert first.aspects[:2] == ["ask_process", "ask_channel"] and first.slots["aspect"] == "ask_process+ask_channel"
    d = routing.answer(Turn("大概多少天能办完", "ask_time_limit", 0.9, {}, first.slots), gateway)
    assert d.aspects == ["ask_time_limit", "ask_process", "ask_channel"] and d.slots["aspect"] == "ask_time_limit"
    # a follow-up that only changes who is asking gets every aspect asked before
    d = routing.answer(Turn("那灵活就业人员呢", "inform", 0.6, {"personnel_category": "灵活就业人员"}, first.slots), gateway)
    assert d.aspects[:2] == ["ask_process", "ask_channel"]


def test_a_retiree_whose_hukou_stays_files_as_living_elsewhere_where_settling_means_moving_it(gateway):
    # 咸安's 异地安置 is for retirees who moved their 户籍 where they settled: the others file as 长期居住
    said = "爸爸退休后到海口跟我过，户口一直没迁出来，咸安这边看病前要备哪个案"
    d = routing.answer(Turn(said, "ask_process", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "异地长期居住人员备案" and "户口未迁" in d.decided_by
    moved = routing.answer(Turn("爸爸退休后户口迁到海口跟我过，咸安这边看病前要备哪个案", "ask_process", 0.9, {"region": "xianan"}), gateway)
    assert moved.records[0]["name"] == "异地安置退休人员备案"
    # 云南's 安置 takes a 个人承诺书 instead of the 户口簿 and says nothing of moving it: 安置 stays
    yn = routing.answer(Turn(said.replace("咸安", "昆明"), "ask_process", 0.9, {"region": "yunnan"}), gateway)
    assert yn.records[0]["name"] == "异地安置退休人员备案"
    assert cues.HUKOU_STAYS.search("户籍还在老家") and not cues.HUKOU_STAYS.search("户口迁过去了")


def test_asking_what_a_village_window_does_quotes_its_unit_and_duty_list(gateway):
    said = "咸安居委会能不能帮老人查一下参保状态"
    d = routing.answer(Turn(said, "ask_channel", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.records[0]["level"] == "村"
    quoted = " ".join(text for text, _ in d.evidence)
    assert "受理单位：咸安区医疗保障服务村（社区）经办服务窗口" in quoted
    assert "做好辖区内参保信息维护、查询工作" in quoted  # the 村（社区） duty list's own line
    assert cues.window_asked("村委会能帮忙问问吗")


def test_a_follow_up_telling_a_situation_gets_the_guides_sentences_about_it(gateway):
    slots = {"region": "chenzhou", "service_item": "002036007002", "aspect": "ask_materials", "variant": None,
             "topic_question": "郴州生小孩的医疗费怎么报，要交什么"}
    item_kept = routing.answer(Turn("我爱人不上班，也一直没参加生育险", "inform", 0.6, {}, dict(slots)), gateway)
    assert item_kept.kind == "answer" and any("配偶未参加生育保险" in t for t, _ in item_kept.evidence)
    # naming only the case keeps the answer as it was asked
    case_only = routing.answer(Turn("那郴州呢", "inform", 0.6, {"region": "chenzhou"}, dict(slots)), gateway)
    assert case_only.kind == "answer" and case_only.evidence == []


def test_a_form_named_with_a_de_between_its_words_is_still_named_and_quoted(gateway):
    # "备案的个人承诺书" names 基本医疗保险异地就医备案个人承诺书; asked how to write it, its lines are quoted
    assert routing.named_form(gateway, "异地就医备案的个人承诺书", "hunan") == "基本医疗保险异地就医备案个人承诺书"
    d = routing.answer(Turn("长沙这边，异地就医备案的个人承诺书要写些什么", "ask_forms", 0.9, {"region": "hunan"}), gateway)
    assert d.kind in ("answer", "answer_alike") and any("参保地" in t for t, _ in d.evidence)


def test_a_region_reply_keeps_the_kept_questions_aspect_whatever_the_classifier_says(gateway):
    slots = {"service_item": "002036002002", "aspect": "ask_process", "awaiting": "region",
             "pending_question": "参保缴费记录去哪查"}
    d = routing.answer(Turn("人在大理", "ask_contact", 0.95, {"region": "yunnan"}, slots), gateway)
    assert d.kind == "answer" and "ask_contact" not in d.aspects and d.aspects[0] == "ask_process"
    # a reply that asks something itself is read as asked
    d = routing.answer(Turn("人在大理，电话多少", "ask_contact", 0.95, {"region": "yunnan"}, dict(slots)), gateway)
    assert "ask_contact" in d.aspects


def test_another_offices_word_the_guides_print_is_no_sign_of_that_office(gateway):
    # 护照 is a foreigner's material, 失业保险 issues a 失业证 for 生育 claims: with 医保 words beside them
    # the question is answered; asked alone they still go to the other office
    d = routing.answer(Turn("在都匀上班的外国人要办职工医保，护照复印件要几份", "ask_materials", 0.9, {"region": "guizhou"}), gateway)
    assert d.kind == "answer"
    d = routing.answer(Turn("长沙这边，领着失业保险金的时候生小孩，生育医疗费还能报吗", "ask_eligibility", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer"
    assert routing.answer(Turn("昆明护照过期了去哪里换", "ask_channel", 0.9, {"region": "yunnan"}), gateway).kind == "decline"


def test_the_classifiers_out_of_scope_gives_way_to_an_item_asked_about_several_ways(gateway):
    said = "生育津贴要带什么，多久能办好"  # two aspects (no single cued aspect), no region yet
    d = routing.out_of_scope(Turn(said, "out_of_scope", 0.7), gateway)
    assert d.kind == "ask_region" and d.slots["pending_question"] == said
    assert routing.out_of_scope(Turn("郴州明天天气怎么样", "out_of_scope", 0.9, {"region": "chenzhou"}), gateway).kind == "decline"


def test_another_items_notice_is_not_quoted_as_a_rule_of_this_one(gateway):
    # 湖南's 异地长期居住 备案告知书 (6个月内补齐) binds nobody asking about a dead father's account
    said = "父亲在长沙退休后去世了，个人账户家属想取，数据共享那边核不到死亡，证明也开不了，咋弄"
    d = routing.answer(Turn(said, "ask_materials", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.records[0]["name"] == "参保人员个人账户一次性支取"
    quoted = " ".join(t for t, _ in d.evidence)
    assert "补齐相关备案材料" not in quoted and "门诊慢特病待遇资格认定申请表" not in quoted
    # …while that notice is still the rule of its own item
    d = routing.answer(Turn("长沙参保的，在深圳没居住证，用承诺书备案的话有哪些要求", "ask_materials", 0.9, {"region": "hunan"}), gateway)
    assert any("6 个月内补齐" in t for t, _ in d.evidence)


def test_a_follow_up_on_a_material_of_the_item_under_discussion_is_answered(gateway):
    slots = {"region": "xianan", "service_item": "002036007004", "aspect": "ask_eligibility"}
    d = routing.out_of_scope(Turn("结婚证找不着了，一下子又补办不了，怎么弄", "out_of_scope", 0.86, {}, slots), gateway)
    assert d.kind == "answer" and d.item == "002036007004"
    # words the item does not print are still declined
    d = routing.out_of_scope(Turn("那我去北京旅游要带什么", "out_of_scope", 0.86, {}, slots), gateway)
    assert d.kind == "decline"


def test_a_lookup_that_also_asks_what_to_bring_is_told_the_materials_too(gateway):
    d = routing.lookup(Turn("帮我查查我的医保有没有断缴，柜台查询需要带哪些证件", "enrollment_lookup", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "start_lookup" and "ask_materials" in d.aspects
    reply = answers.official_check(d.official, gateway.region("chenzhou"), d.aspects)
    assert "查询方式" in reply and "办理材料" in reply and "有效身份证件或社保卡" in reply


def test_a_hometown_is_not_where_one_asks_unless_the_message_goes_back_there(gateway):
    assert routing.insured_region(gateway, "我老家是湖南的，现在在昆明开网约车，想自己交医保") == "yunnan"
    assert routing.insured_region(gateway, "老家湖南的，在昆明打工，想回老家交医保") == "hunan"


def test_a_service_points_duties_are_listed_even_with_an_item_named_as_an_example(gateway):
    turn = Turn(
        "咸安社区医保服务站都管哪些事情，能帮人查参保信息吗", "ask_eligibility", 0.5,
        {"region": "xianan", "level": "村", "service_item": "002036002002"},
    )
    d = routing.answer(turn, gateway)
    assert d.kind == "document" and "村" in d.document[0]


def test_one_who_runs_a_clinic_asks_of_the_clinics_own_items(gateway):
    d = routing.answer(Turn("咸安这边，我开了一间诊所，想让来看病的人能用医保，怎么申请", "ask_process", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and d.item == "002036009001"


def test_the_place_the_asker_calls_here_is_where_they_ask(gateway):
    assert routing.insured_region(gateway, "以前在都匀上班，后来调去昆明，关系要转到昆明这边，要多久") == "yunnan"


def test_a_name_entered_wrong_asks_the_change_of_the_record_not_the_query(gateway):
    turn = Turn(
        "邻居在曲靖参加居民医保，登记的姓名打错字，APP里能改么，改不了去哪儿改",
        "ask_channel", 0.9, {"region": "yunnan", "insurance_type": "城乡居民医保"},
    )
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.item == "002036001006"


def test_a_guide_question_the_classifier_took_for_a_lookup_is_answered(gateway):
    d = routing.lookup(Turn("退伍以后单位没给交，职工医保断了好些年，现在还能补起来不", "enrollment_lookup", 0.8, {"service_item": "002036001007"}), gateway)
    assert d.kind == "ask_region" and d.slots.get("pending_question")


def test_the_item_that_does_the_asked_beats_a_short_phrase_of_the_situation_by_any_lead(gateway):
    slots = {
        "service_item": "002036001002", "personnel_category": "灵活就业人员", "awaiting": "region", "aspect": "ask_channel",
        "pending_question": "替亲戚问一声，他打零工，医保是灵活就业，不晓得今年缴上没有，手机能查不",
    }
    d = routing.answer(Turn("都匀的。APP用哪一个查？", "ask_channel", 0.9, {"region": "guizhou"}, slots), gateway)
    assert d.kind == "answer" and d.item == "002036002002"


def test_by_when_it_must_be_handed_in_is_quoted_from_the_items_own_papers(gateway):
    d = routing.answer(Turn("云南的单位替女员工申领生育医疗费用，生完多久以内必须报上去，过了期限还能报吗", "ask_time_limit", 0.9, {"region": "yunnan"}), gateway)
    assert d.kind == "answer" and any("在一年内申报待遇" in text for text, _ in d.evidence)


def test_what_a_form_makes_one_promise_is_quoted_from_its_promise_not_its_blanks(gateway):
    lines = routing._form_lines(gateway, "chenzhou", "郴州市零售药店申请定点协议管理申请表", "那张申请表里要作出哪些承诺，内容是什么")
    texts = [line.passage.text for line in lines]
    assert texts[0].endswith("作出承诺：") and any("零售药店管理系统" in t for t in texts)
    assert "零售药店名称" not in texts


def test_another_offices_word_with_no_word_of_medical_insurance_is_declined_whatever_else_matches(gateway):
    text = "长沙这边，公积金账户余额能一次性支取吗，需要交哪几样东西"  # (支取, 一次性: an item's words)
    for route, intent in ((routing.answer, "ask_materials"), (routing.out_of_scope, "out_of_scope")):
        d = route(Turn(text, intent, 0.8, {"region": "hunan"}), gateway)
        assert d.kind == "decline" and d.topic == "housing_fund"
    # …but an item named beside it is answered
    d = routing.answer(Turn("株洲的，领着失业金的时候生了小孩，一次性生育补助金怎么申请", "ask_process", 0.8, {"region": "hunan"}), gateway)
    assert d.kind == "answer"


def test_the_village_someone_lives_in_is_not_kept_as_the_window_asked(gateway):
    turn = Turn("替村里一位老人问一下，他想参加城乡居民医保，APP上能办理吗", "ask_channel", 0.9, {"level": "村", "insurance_type": "城乡居民医保"})
    d = routing.answer(turn, gateway)
    assert d.kind == "ask_region" and d.slots["level"] is None  # (the classifier's entity filled the slot)


def test_a_form_field_named_gets_the_notes_printed_under_that_sample(gateway):
    lines = routing._field_notes(gateway, "郴州单位替到龄职工申报在职转退休，登记表“人员身份”一栏该写什么，填什么", "chenzhou")
    texts = [line.passage.text for line in lines]
    assert any("人员身份填" in t for t in texts) and any("退休审批材料的原件及复印件" in t for t in texts)
    assert cues.fields_asked("人员身份那栏填什么") == ["人员身份"] and cues.fields_asked("哪一栏要签字") == []


def test_places_that_only_say_where_someone_comes_from_keep_the_conversations_place(gateway):
    assert routing.only_origin(gateway, "我户口是衡阳祁东那边的，不在郴州，要多带什么")
    assert not routing.only_origin(gateway, "人在郴州打工，要多带什么")
    turn = Turn("我户口是衡阳祁东那边的，不在郴州，要多带什么", "ask_materials", 0.9, {"region": "hunan"},
                {"region": "chenzhou", "service_item": "002036001002", "aspect": "ask_materials"})
    assert routing.answer(turn, gateway).region == "chenzhou"


def test_a_phrase_of_the_texts_best_item_beats_a_stronger_phrase_the_text_cannot_see(gateway):
    turn = Turn("咸安的，我有职工医保，爱人没工作，她去武汉产检那次没直接结算，回来能报吗", "ask_eligibility", 0.5,
                {"region": "xianan", "service_item": "002036006002"})
    assert routing.answer(turn, gateway).item == "002036007001"


def test_a_guess_from_near_tied_evidence_takes_the_item_that_does_what_is_asked(gateway):
    text = gateway.search.normalize("长沙这边，我的医保缴到哪个月份了，手机上啥地方能查到，有没有投诉监督电话")
    d = routing.answer(Turn(text, "ask_contact", 0.9, {"region": "hunan"}), gateway)
    assert d.kind == "answer" and d.item == "002036002002" and "002036001003" in d.candidates


def test_a_word_of_an_item_said_not_to_have_happened_is_no_evidence_for_it(gateway):
    # "没住院": the emergency visit is an outpatient one, not 住院费用报销
    ranked = gateway.evidence_items("在外地看急诊，挂了几天水没住院，回来能报销吗", "hunan")
    assert gateway.item_name(ranked[0][0]) == "门诊费用报销"
    assert gateway.without_negated("没住院，也没参保", "hunan") == "没  ，也没  "


def test_an_item_said_not_to_have_happened_is_no_phrase_and_not_done_is_not_asked(gateway):
    text = gateway.search.normalize("出差时看了急诊，没住院，也没办过异地备案，这钱还报得不")
    assert "002036006002" not in [k for k, _ in routing._phrase_items(gateway, "", text)]
    assert gateway.search.asked_doing(text) == ("报销", "支付")


def test_a_follow_up_naming_only_what_both_items_do_keeps_the_item(gateway):
    # after 门诊费用报销, "回来报销" (a phrase of 住院费用报销) is the same claim; "住院" would change it
    slots = {"region": "hunan", "service_item": "002036006001", "aspect": "overview"}
    d = routing.answer(Turn("那回来报销需带什么", "ask_materials", 0.9, {"region": "hunan"}, slots), gateway)
    assert d.kind == "answer" and d.item == "002036006001"
    d = routing.answer(Turn("那住院的回来报销需带什么", "ask_materials", 0.9, {"region": "hunan"}, slots), gateway)
    assert d.item == "002036006002"


def test_can_it_be_paid_now_asks_to_pay_what_was_missed(gateway):
    # 云南 has no 法定断档补缴; "现在能补不" asks 补缴, which its 退役士兵补缴 does: not "no such item"
    text = "我是退役的，以政府安排工作方式退出现役，中间有三年医保没交，现在能补不"
    d = routing.answer(Turn(text, "ask_eligibility", 0.9, {"region": "yunnan", "service_item": "002036001007"}), gateway)
    assert d.kind == "answer" and d.item == "退役士兵补缴城镇职工基本医疗保险"


def test_the_place_insurance_moves_into_is_where_the_asker_asks(gateway):
    text = "原来在长沙缴职工医保，现在调到昆明工作了，医保关系想转进来，要多久"
    assert routing.insured_region(gateway, text) == "yunnan"
    # moving it out is asked where it was
    assert routing.insured_region(gateway, "在长沙交的医保，下个月调到昆明工作，医保要转过去") == "hunan"


def test_an_employers_own_item_needs_an_employer_in_the_question(gateway):
    ranked = [("002036002001", 10.0, None), ("002036002002", 9.0, None)]
    mine = routing.fits_who(gateway, ranked, [], "我想查下我交了医保没，交到几月了")
    assert mine[0][0] == "002036002002"
    theirs = routing.fits_who(gateway, ranked, [], "公司想查下给员工交到几月了")
    assert theirs[0][0] == "002036002001"


def test_a_close_second_that_does_what_is_asked_beats_the_situations_phrase(gateway):
    text = "之前在佛山打工缴职工医保，今年回桂阳上班了，医保关系想转回郴州来，流程怎么走，多久能转好"
    d = routing.answer(Turn(text, "ask_process", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.item == "002036003002"


def test_an_employer_who_registered_me_long_ago_speaks_of_my_own_standing():
    from actions.kb_gateway import _EMPLOYER_FOR_ME

    assert _EMPLOYER_FOR_ME.sub(r"职工\g<2>", "单位当年给我登记的医保") == "职工当年给我登记的医保"


def test_a_record_only_another_window_has_is_named_by_its_own_rare_words(gateway):
    text = "我在咸安村里帮忙，镇上讲慢性病待遇的老人要做生存认证，是在村里就能弄还是要跑镇上？带什么？"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "xianan", "level": "乡镇"}), gateway)
    assert d.kind == "answer" and "生存认证" in d.records[0]["name"]
    # an everyday word of a village record's name (申请) names nothing: the window that handles it answers
    d = routing.answer(Turn("咸安门诊慢特病申请需要准备啥", "ask_materials", 0.9, {"region": "xianan"}), gateway)
    assert d.kind == "answer" and not d.records[0]["name"].startswith("查询、宣传、培训")


def test_a_village_record_that_only_publicises_a_filing_gives_way_to_the_filing(gateway):
    text = "村里帮一个老人弄异地就医备案，他在外地住了多年，没有居住证，证明材料怎么弄"
    d = routing.answer(Turn(text, "ask_materials", 0.9, {"region": "xianan", "level": "村"}), gateway)
    assert d.kind == "answer" and not d.records[0]["name"].startswith("查询、宣传、培训")


def test_a_phrase_that_cuts_a_word_of_the_item_names_in_two_names_nothing(gateway):
    # "在外地住" (长期居住's phrase) inside "在外地住院": the 住 belongs to 住院
    assert "002036004002" not in dict(gateway.rank_items("老人在外地住院了没结算，材料交到哪"))
    assert "002036004002" in dict(gateway.rank_items("老人在外地住了好多年，看病要办啥"))


def test_a_family_word_that_only_says_what_the_asker_is_gives_way_to_clear_evidence(gateway):
    text = "卫生室是医保定点的，对公账户换到别的银行了，以后医保结算款打到新账户上，得准备啥"
    d = routing.answer(Turn(text, "ask_channel", 0.9, {"region": "chenzhou"}), gateway)
    assert d.kind == "answer" and d.item == "002036010001"


def test_what_a_sure_classifier_heard_is_asked_beside_what_the_words_say(gateway):
    text = "长沙的诊所要加入医保定点，这事是依着啥办的，材料要不要一次交齐"
    d = routing.answer(Turn(text, "ask_legal_basis", 0.98, {"region": "hunan", "service_item": "002036009001"}), gateway)
    assert d.kind == "answer" and d.aspects[0] == "ask_materials" and "ask_legal_basis" in d.aspects
    # a hesitant classifier gives way to the words alone
    d = routing.answer(Turn(text, "ask_legal_basis", 0.6, {"region": "hunan", "service_item": "002036009001"}), gateway)
    assert "ask_legal_basis" not in d.aspects


def test_whether_one_may_do_an_item_s_business_is_no_lookup(gateway):
    # "还能补交吗" about one's own months asks 补缴's rules, not to look one's record up
    d = routing.lookup(Turn("单位漏缴了我几个月，这会儿还能补交吗", "enrollment_lookup", 0.9), gateway)
    assert d.kind != "start_lookup"


def test_a_follow_up_asking_what_the_item_does_stays_with_it(gateway):
    # after a transfer, "余额也转走吗" names 个人账户 (another item's words) but asks the transfer
    slots = {"service_item": "002036003002", "region": "yunnan", "aspect": "ask_process", "variant": "转移接续手续办理"}
    turn = Turn("余额也能一起转走吗", "ask_eligibility", 0.9, {"service_item": "002036002003"}, slots)
    d = routing.answer(turn, gateway)
    assert d.kind == "answer" and d.item == "002036003002"


def test_the_no_slot_fallback_asks_the_region_for_a_question_of_medical_insurance(gateway):
    d = routing.fallback(Turn("我没有单位，自己交医保要带啥", "nlu_fallback", 0.4, {"personnel_category": "灵活就业人员"}), gateway)
    assert d.kind == "ask_region"


def test_which_office_settles_a_group_s_costs_is_answered_from_the_duty_list(gateway):
    d = routing.answer(Turn("咸安区的离休干部看病报账，由哪个部门来负责", "inform", 0.6, {"region": "xianan"}), gateway)
    assert d.kind == "document" and "职责" in d.document[0]


def test_a_rule_in_one_of_the_item_s_own_forms_counts_though_it_names_another_item():
    # _rule_line takes an own form's sentence even where it names another item's business; the
    # item's name words (for nearness) are no list of its forms
    from types import SimpleNamespace

    from knowledge.passages import Passage

    rule = Passage("r", "form", "逾期未补齐材料的，按生育津贴支付的规定追回。承诺不实的承担法律责任", "g.txt:9-9", title="甲申请表")
    hit = SimpleNamespace(passage=rule, score=5.0)
    search = SimpleNamespace(
        item_names=lambda region: {"a": "甲待遇申请", "b": "生育津贴支付"},
        name_words=lambda name: [],
        text_share=lambda region, word: 0.0,
        items_named_in=lambda region, text: frozenset({"b"}),
    )
    kb = SimpleNamespace(search=search, evidence=lambda *a, **k: [hit], form_items=lambda region: {"甲申请表": {"a"}})
    chosen = routing._rule_line(kb, "承诺", "r", "a", "甲待遇申请", cues.PROMISE_RULE, [], own=["甲申请表（表1）"])
    assert [line.passage for line in chosen] == [rule]
    assert routing._rule_line(kb, "承诺", "r", "a", "甲待遇申请", cues.PROMISE_RULE, [], own=[]) == []


def test_a_signature_blank_and_a_field_label_come_with_what_completes_them():
    from types import SimpleNamespace

    lines = [SimpleNamespace(text=t) for t in ("困难类别", "□五保 □优抚对象", "参保人或代办人", "以上所填属实。", "（签名）   年 月 日")]
    chosen = routing._with_what_completes([routing._Line(lines[0]), routing._Line(lines[4])], lines)
    assert [line.passage.text for line in chosen] == [p.text for p in lines]  # in the form's order


def test_the_insurance_the_asker_has_chooses_no_item(gateway):
    # "我是…的居民医保" says who asks: the 居民医保 variant of 慢特病认定 is no answer to a 备案 question
    ranked = gateway.evidence_items("我是株洲的居民医保，去外地就医得先备案吗", "hunan", k=3)
    assert ranked[0][0].startswith("0020360040")


def test_an_item_said_not_to_be_is_named_by_none_of_its_phrases(gateway):
    # "不是转诊" rules the 转诊 filing out, though "去北京看病" is one of its everyday phrases
    keys = [h.value for h in gateway._item_hits("岳阳的，不是转诊，自己想去北京看病，要备案吗")]
    assert "002036004004" not in keys


def test_a_person_described_by_where_they_work_is_a_worker_not_an_employers_registration(gateway):
    ranked = gateway.evidence_items("替一个在公司上班的表妹问，她怀孕两个月就终止妊娠了，能休几天假", "hunan", k=3)
    assert ranked[0][0].startswith("0020360070")  # 生育 items, not 职工参保登记


def test_the_answered_records_own_forms_are_never_another_items(gateway):
    # 湖南 answers 一次性生育补助金 (its own item key) with the 生育津贴支付 record: the promise of that
    # record's own 表17 is this answer's rule, not another item's form
    turn = Turn(text="湖南的一次性生育补助金，签了承诺书之后要是被查出来不符合，会怎么处理", intent="ask_materials",
                confidence=0.9, slots={"region": "hunan"})
    decision = routing.answer(turn, gateway)
    assert decision.item == "002036007005" and decision.records[0]["name"] == "生育津贴支付"
    assert any("如有不实承诺" in text for text, _ in decision.evidence)
