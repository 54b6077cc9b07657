"""Aspect words decide follow-ups; own-case words mark personal lookups."""

import pytest

from actions import cues, routing


@pytest.mark.parametrize(
    "text, aspect",
    [("那要多久", "ask_time_limit"), ("要带什么材料", "ask_materials"), ("在哪办", "ask_channel"), ("电话多少", "ask_contact"), ("依据哪个文件", "ask_legal_basis")],
)
def test_single_cue(text, aspect):
    assert cues.cued_aspect(text) == aspect


def test_follow_ups_without_cues():
    assert not cues.has_aspect_cue("郴州呢？")
    assert not cues.has_aspect_cue("是新员工入职的")


def test_two_cues_decide_nothing():
    assert cues.cued_aspect("要带什么材料，去哪里交") is None


def test_own_case():
    assert cues.asks_own_case("查一下我的备案办到哪了")
    assert cues.asks_own_case("打算自己看下去年那笔交了没有")  # 自己 is the asker too
    assert not cues.asks_own_case("异地备案要什么材料")
    # whether a service point can check is a question about its duties, not a lookup to start
    assert cues.asks_own_case("我妈的慢特病认定批下来没")
    assert not cues.asks_own_case("社区窗口能不能帮居民查慢特病认定办好了没")


@pytest.mark.parametrize("text", ["这个谁去办", "家属去办还是本人去", "能不能委托亲戚", "单位可以替我办吗"])
def test_who_hands_it_in_is_a_process_question(text):
    assert "ask_process" in cues.cued_aspects(text)
    assert "ask_process" not in cues.cued_aspects("帮隔壁大爷问问要带啥")


@pytest.mark.parametrize("text", ["当场能拿到吗", "去一趟搞得完不", "能办完吗"])
def test_whether_it_is_done_at_once_is_a_time_limit_question(text):
    assert "ask_time_limit" in cues.cued_aspects(text)


def test_an_id_number_is_no_phone_number():
    assert "ask_contact" not in cues.cued_aspects("身份证号码录错了一位")
    assert "ask_contact" in cues.cued_aspects("咨询号码是多少")
    assert "ask_process" in cues.cued_aspects("名字错了咋个改")


@pytest.mark.parametrize(
    "text, aspect",
    [("去的时候要拿点啥", "ask_materials"), ("医药费能报不", "ask_eligibility"), ("要不要本人去申请", "ask_process")],
)
def test_everyday_ways_of_asking(text, aspect):
    assert aspect in cues.cued_aspects(text)


def test_words_the_guides_print_are_no_sign_of_another_office():
    assert cues.out_of_scope_topic("住院发票丢了还能报吗") is None
    assert cues.out_of_scope_topic("准生证复印件要几份") is None
    assert cues.out_of_scope_topic("公积金怎么提取") == "housing_fund"
    assert cues.out_of_scope_topic("孩子转学了学籍怎么转过去") == "school"
    # another office's word tells the situation; what is finally asked is done with 医保
    assert cues.out_of_scope_topic("因为工伤住的院，医保能报销吗") is None
    assert cues.out_of_scope_topic("在领失业金，还可以交职工医保不") is None
    assert cues.out_of_scope_topic("公积金和医保一起交的，公积金怎么取") == "housing_fund"
    assert cues.out_of_scope_topic("大学生入学后医保怎么参保") is None  # 学生 enrolment is a 医保 item


def test_can_i_get_some_with_words_between_asks_eligibility():
    # "能领点什么补助不": whether it applies to them, though words stand between 领 and 不
    assert "ask_eligibility" in cues.cued_aspects("家属没参保，我这里能领点啥补助不？要带啥")
    assert "ask_eligibility" not in cues.cued_aspects("网上能办不")
    # how it is claimed, said between 能 and the verb ("能手工报吗"): whether it applies still
    assert "ask_eligibility" in cues.cued_aspects("外地药店买的药，回来能零星报销不")


def test_whether_they_must_apply_themselves_and_whether_it_is_subsidised():
    assert cues.cued_aspects("个人缴的部分能补贴吗？需要本人自己去申请不？") == ["ask_eligibility", "ask_process"]
    assert "ask_eligibility" in cues.cued_aspects("困难户交医保有补助吗")


def test_whether_one_may_join_there_asks_eligibility():
    assert cues.cued_aspects("没工作，能在本地参加城乡居民医保不") == ["ask_eligibility"]


def test_a_clause_asking_of_medical_insurance_outweighs_another_office_s_word():
    text = "他是外国人，问能不能在这边交职工医保，护照以外还要什么"
    assert cues.asks_of_medical_insurance(text) and cues.out_of_scope_topic(text) is None
    assert cues.out_of_scope_topic("我交了医保，护照到期了在哪换") == "police"  # a statement, not a question of 医保


def test_asking_whether_what_one_heard_is_true_asks_eligibility():
    assert "ask_eligibility" in cues.cued_aspects("同事说男的也能领这笔钱，真的假的，要带啥")


def test_a_time_requirement_asks_the_time_limit():
    assert "ask_time_limit" in cues.cued_aspects("停保有没有时间要求")
    # the days it is taken in ("每月1-15日受理") answer "which day of the month can I go"
    assert "ask_time_limit" in cues.cued_aspects("单位增员每个月几号去办")
    assert "ask_time_limit" in cues.cued_aspects("哪几天能去窗口交")


def test_whether_money_can_be_had_at_all_asks_eligibility():
    assert cues.cued_aspects("爸爸账户上剩的那点钱能取出来不") == ["ask_eligibility"]
    assert cues.cued_aspects("老婆生孩子能用我的保险报销吗") == ["ask_eligibility"]


def test_which_cases_qualify_asks_eligibility():
    assert "ask_eligibility" in cues.cued_aspects("转诊备案什么样的情形才可以办")
    assert cues.cued_aspects("哪种情况能领，要带什么")[:2] == ["ask_eligibility", "ask_materials"]


def test_whether_a_place_handles_it_asks_the_channel():
    assert "ask_channel" in cues.cued_aspects("这个备案可以在乡镇卫生院直接办理吗")
    assert "ask_channel" not in cues.cued_aspects("这个能报销吗")


def test_forms_fees_and_eligibility_asked_in_dialect_or_in_passing():
    assert "ask_forms" in cues.cued_aspects("听说得先填个表才行")
    assert "ask_forms" in cues.cued_aspects("办这个要填啥子表")
    assert "ask_forms" in cues.cued_aspects("那张表单位要签字不")
    assert "ask_fees" in cues.cued_aspects("补助标准是几多")
    assert "ask_fees" in cues.cued_aspects("这笔钱由谁来承担")
    assert "ask_fees" not in cues.cued_aspects("证明由哪个出具")
    assert "ask_eligibility" in cues.cued_aspects("这种情形还能申请不")
    assert "ask_eligibility" in cues.cued_aspects("救助对象的范围怎么界定")


def test_whether_it_applies_asked_in_dialect_or_about_their_own_case():
    for text in ("我这个咯能报", "给能补缴嘛", "退休人员可否申请", "外地看的还认不认", "这种能补缴不", "能办慢特病认定不", "像我这种情况可以申请吗"):
        assert "ask_eligibility" in cues.cued_aspects(text), text
    assert "ask_eligibility" not in cues.cued_aspects("网上能办不")  # where, not whether


def test_what_the_office_does_and_in_which_order_asks_the_process():
    for text in ("评估结果如何公示", "药店怎么跟医保结算", "卡丢了先打哪里", "是回原单位办还是在这边办", "窗口是直接批吗"):
        assert "ask_process" in cues.cued_aspects(text), text


def test_what_goes_on_a_form_and_how_many_copies_asks_the_forms():
    for text in ("单位得交哪些表", "变动表一共交几份", "备注那栏写什么", "类别能勾几个", "那张表上填啥"):
        assert "ask_forms" in cues.cued_aspects(text), text


def test_what_a_promise_asks_and_whether_one_paper_is_needed():
    assert cues.PROMISE_DUTY.search("用承诺书代替的话有哪些要求")
    assert "ask_materials" in cues.cued_aspects("这种也要住院清单吗")


@pytest.mark.parametrize("text", ["镇上能办这个吗，要什么？", "办医保卡需要些啥", "转院的备案要哪些东西", "窗口那边要交哪几样", "报账时得交么子"])
def test_what_it_takes_said_at_a_clause_end_asks_the_materials(text):
    assert "ask_materials" in cues.cued_aspects(text)


@pytest.mark.parametrize("text", ["要什么条件才能报", "要什么时候去交"])
def test_what_it_takes_followed_by_another_aspect_word_is_that_aspect(text):
    assert "ask_materials" not in cues.cued_aspects(text)


@pytest.mark.parametrize("text", ["公司不愿意开这个证明，咋整", "医院不给盖章怎么办", "原件补不到了还能办吗"])
def test_a_paper_someone_will_not_give_cannot_be_produced(text):
    assert cues.cannot_produce(text)


def test_a_paper_at_hand_can_be_produced():
    assert not cues.cannot_produce("证明开好了，下一步去哪交")
    # "…了没有", "有没有" ask whether something happened, not a paper one lacks
    assert not cues.cannot_produce("上个月那笔扣了没有") and not cues.cannot_produce("有没有别的办法")
    assert cues.cannot_produce("我没有暂住证")


def test_a_day_of_the_month_asks_whether_it_is_still_taken_in():
    assert "ask_time_limit" in cues.cued_aspects("员工是25号才入职的，这个月还能给他参保吗")
    assert "ask_time_limit" in cues.cued_aspects("都月底了，还来得及办吗")
    assert "ask_time_limit" not in cues.cued_aspects("医保窗口在3号楼吗")


def test_one_who_runs_a_clinic_or_pharmacy_is_told_apart_from_a_patient():
    assert cues.runs_institution("我在镇上开了家药店，想开通医保刷卡")
    assert cues.runs_institution("我们诊所想申请接入医保")
    assert not cues.runs_institution("在诊所看病花的钱能报吗")


def test_another_offices_word_in_what_is_done_already_is_only_the_situation():
    assert cues.out_of_scope_topic("我爸退休后已经在深圳落户，异地安置的备案要带啥") is None
    assert cues.out_of_scope_topic("孩子在外省落户了，居民医保要带啥") is None
    assert cues.out_of_scope_topic("孩子在外省怎么落户") == "police"


def test_a_doctor_s_appointment_is_the_hospital_s_business():
    # the appointment named by its ticket ("专家号") or with 挂号 split ("挂个号", joined by normalize)
    assert cues.out_of_scope_topic("下周三的专家号在哪约") == "medical"
    assert cues.out_of_scope_topic("明天在哪挂号") == "medical"
    assert cues.out_of_scope_topic("专家门诊能报多少") is None


def test_only_words_that_ask_to_look_something_up_make_a_lookup():
    assert cues.asks_to_look_up("帮我查一下备案") and cues.asks_to_look_up("帮我看看参保情况")
    assert not cues.asks_to_look_up("中断过三年，如今补办行吗")
    # leaving the army is no wish to leave the lookup
    assert not cues.CANCEL.search("我是九几年退出现役的") and cues.CANCEL.search("退出")


def test_when_it_is_taken_in_and_which_papers_are_asked_in_other_words():
    assert cues.cued_aspects("药店申请定点一般哪个时候受理，还要哪几个证") == ["ask_time_limit", "ask_materials"]


def test_a_deadline_to_hand_in_is_told_apart_from_how_long_the_office_takes():
    assert cues.ASKS_DEADLINE.search("最迟几号要交上去") and cues.ASKS_DEADLINE.search("过了半年还能不能报")
    assert not cues.ASKS_DEADLINE.search("审核通常需要几个工作日")
    assert cues.DEADLINE_RULE.search("由用人单位在一年内申报待遇") and cues.DEADLINE_RULE.search("于9月30日前将次年新参保人员信息报医保经办机构")


def test_a_guides_online_channel_named_asks_where_to_do_it(gateway):
    names = gateway.search.channel_names
    assert {"湘医保", "国家医保服务平台"} <= names
    assert cues.names_channel("登记的生日不对，在湘医保上可以自己改吗", names)
    assert not cues.names_channel("郴州医保需带哪些证件", names)  # the scheme, not the WeChat account
    assert "ask_channel" in routing.asked_aspects("ask_materials", "登记的生日不对，需带什么，在湘医保上可以自己改吗", names)


def test_which_way_is_quicker_asks_the_time_each_takes():
    assert "ask_time_limit" in cues.cued_aspects("网上报和柜台报哪种更快")
    assert "ask_time_limit" in cues.cued_aspects("走线下能快些不")


def test_a_place_said_before_can_it_be_done_there_asks_the_channel():
    assert "ask_channel" in cues.cued_aspects("是不是到了县医院就可以直接申请")
    assert "ask_channel" in cues.cued_aspects("在乡镇卫生院也能办吗")
    assert "ask_channel" not in cues.cued_aspects("现在就能办吗")


def test_what_a_promise_leaves_to_hand_in_later_is_its_duty():
    assert cues.PROMISE_DUTY.search("先写了承诺书，过后还要补哪些？")
    assert cues.PROMISE_DUTY.search("材料到时候不补的话有啥后果")
    # a promise found untrue later, and what follows
    assert cues.PROMISE_DUTY.search("写了承诺书，后来核查发现情况不符，会怎么处理")
    assert not cues.PROMISE_DUTY.search("承诺书在哪里下载，怎么处理签名")


def test_a_call_that_brought_the_question_asks_for_no_phone():
    assert "ask_contact" not in cues.cued_aspects("有个老人打电话过来，说想把关系转移到这边，要多久")
    assert "ask_contact" not in cues.cued_aspects("有位家属打了个电话，说想问生育津贴的材料")
    assert "ask_contact" in cues.cued_aspects("医保局的咨询电话是多少")
    # a hotline call said so ("打热线") is the same framing; asking for the hotline is not
    assert "ask_contact" not in cues.cued_aspects("有个居民打热线，说孩子出生了想给他参保，要带什么")
    assert "ask_contact" in cues.cued_aspects("你们的服务热线是多少")


def test_whether_money_can_be_had_is_asked_with_adverbs_and_potential_complements():
    assert "ask_eligibility" in cues.cued_aspects("账户余额能一次性领走吗")
    assert "ask_eligibility" in cues.cued_aspects("他走了以后账户的钱家里人取得出来不")


def test_can_it_be_done_right_in_the_village_asks_of_that_window():
    assert cues.window_asked("在村里就能弄吗")
    assert cues.window_asked("镇上也可以办不")


def test_whether_it_must_be_filed_at_all_asks_who_it_is_for():
    assert "ask_eligibility" in cues.cued_aspects("去外省常驻干活，看病需不需要备案")


def test_by_which_rule_asks_the_legal_basis():
    assert "ask_legal_basis" in cues.cued_aspects("定点这块依照哪个规定办理")


def test_whether_it_is_taken_in_any_day_asks_the_time_limit():
    assert "ask_time_limit" in cues.cued_aspects("窗口随时都可以去办吗")
    assert "ask_eligibility" in cues.cued_aspects("余额子女能一次领走吗")


def test_the_liability_of_a_false_promise():
    assert cues.PROMISE_DUTY.search("承诺书写的要是不实，要承担什么责任")
    assert cues.PROMISE_RULE.search("由此产生的一切经济损失和法律责任均由本人承担。")
    assert not cues.PROMISE_RULE.search("申请人应当承担邮寄费用。")


def test_which_office_is_responsible_asks_the_duty_lists():
    assert cues.asks_duties("异地安置老人的待遇归哪个部门管") and cues.asks_whose_duty("这事谁来负责")
    assert not cues.asks_whose_duty("单位负责人签字")
