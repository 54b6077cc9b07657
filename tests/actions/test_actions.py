"""The KB-answering actions on real KB data: asking for region/variant, follow-ups, sources, gaps."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from actions import answers, routing
from actions.actions import AnswerFromKB, HumanHandoff, KBSearch, OutOfScope, PersonalLookup, RecordRating
from knowledge.schema import Material, ServiceItem, Variant
from tests.actions.conftest import buttons_of, make_tracker, slots_of, texts_of
from rasa_sdk.executor import CollectingDispatcher


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return dispatcher, events


def test_unknown_region_is_asked_with_buttons_and_the_question_kept(gateway):
    d, events = run(AnswerFromKB(gateway), make_tracker("退休了去外地跟儿子住，看病怎么报", "ask_process"))
    assert answers.region_prompt() in texts_of(d)
    assert {b["title"] for b in buttons_of(d)} >= {"郴州市", "湖南省", "云南省", "咸安区"}
    slots = slots_of(events)
    assert slots["service_item"] == "002036004001" and slots["aspect"] == "ask_process"
    assert slots["awaiting"] == "region"


def test_region_answer_continues_with_the_stored_question(gateway):
    tracker = make_tracker(
        '/inform{"region": "yunnan"}',
        entities={"region": "yunnan"},
        slots={"service_item": "002036007004", "aspect": "ask_materials"},
    )
    d, events = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "【云南省 · 生育津贴支付】办理材料" in text
    assert "《生育服务证》原件及复印件" in text
    assert "不享受生育津贴" in text  # the 备注 stays with the list (一次性告知)
    assert "来源：《云南省医疗保障经办政务服务办事指南》第17" in text
    assert slots_of(events)["region"] == "yunnan"


def test_follow_up_changes_only_the_region(gateway):
    slots = {"service_item": "002036004001", "aspect": "ask_time_limit", "region": "yunnan"}
    d, _ = run(AnswerFromKB(gateway), make_tracker("郴州呢？", entities={"region": "chenzhou"}, slots=slots))
    assert "线上不超过2个工作日，线下即时办结" in texts_of(d)
    assert "第1918行" in texts_of(d)


def test_follow_up_with_a_new_aspect_word_changes_the_aspect(gateway):
    slots = {"service_item": "002036004001", "aspect": "ask_time_limit", "region": "chenzhou"}
    d, events = run(AnswerFromKB(gateway), make_tracker("那要带什么材料", "ask_materials", slots=slots))
    assert "办理材料" in texts_of(d) and slots_of(events)["aspect"] == "ask_materials"


def test_several_business_variants_are_offered_not_guessed(gateway):
    tracker = make_tracker("湖南职工参保登记要什么材料", "ask_materials", entities={"region": "hunan"})
    d, events = run(AnswerFromKB(gateway), tracker)
    titles = [b["title"] for b in buttons_of(d)]
    assert "灵活就业人员增加登记" in titles and "在职转退休" in titles
    assert slots_of(events)["awaiting"] == "variant"


def test_variant_words_pick_the_variant(gateway):
    slots = {"service_item": "002036003002", "aspect": "ask_time_limit", "region": "hunan", "variant": "基本医疗保险关系转出"}
    d, _ = run(AnswerFromKB(gateway), make_tracker("那转进来要几天", "ask_time_limit", slots=slots))
    assert "基本医疗保险关系转入" in texts_of(d) and "不超过 5个工作日" in texts_of(d)


def test_personnel_focus_puts_the_askers_materials_first(gateway):
    tracker = make_tracker(
        "郴州灵活就业人员参保要带什么",
        "ask_materials",
        entities={"region": "chenzhou", "service_item": "002036001002", "personnel_category": "灵活就业人员"},
    )
    d, _ = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "灵活就业人员" in text.split("\n")[1]
    assert "其他情形另有材料" in text


def test_family_words_offer_the_items_of_the_region(gateway):
    tracker = make_tracker("异地就医备案要什么材料", "ask_materials", entities={"region": "yunnan"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    titles = [b["title"] for b in buttons_of(d)]
    assert len(titles) == 4  # 云南 has no 急诊/临时外出 备案
    assert any("异地安置" in t for t in titles)


def test_a_family_of_two_short_answers_gives_both_before_the_choice(gateway):
    # 郴州's 零星报销 is 门诊费用报销 or 住院费用报销: where to hand it in, for each, in one reply
    tracker = make_tracker("在郴州，零星报销的单据拿到哪里去交", "ask_channel", entities={"region": "chenzhou"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "门诊费用报销】" in text and "住院费用报销】" in text and "分为2种情况" in text
    assert [b["title"] for b in buttons_of(d)] == ["门诊费用报销", "住院费用报销"]


def test_item_missing_in_region_says_so_with_the_consult_channel(gateway):
    tracker = make_tracker("都匀医疗救助怎么报销", "ask_process", entities={"region": "guizhou", "service_item": "002036008002"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "没有“医疗救助对象手工" in text
    assert "0854-8198115" in text and "来源：《贵州省" in text
    assert ".txt" not in text  # the guide by its title and lines, never a file name


def test_merged_item_is_answered_from_the_item_that_includes_it(gateway):
    tracker = make_tracker("湖南产检费报销多久", "ask_time_limit", entities={"region": "hunan", "service_item": "002036007001"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "生育医疗待遇支付" in texts_of(d) and "不超过 15个工作日" in texts_of(d)


def test_guide_silent_on_legal_basis_says_so(gateway):
    tracker = make_tracker("云南生育津贴的依据", "ask_legal_basis", entities={"region": "yunnan", "service_item": "002036007004"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "没有写明设定依据" in texts_of(d)


def test_chenzhou_legal_basis_comes_from_the_provincial_list_with_its_own_source(gateway):
    tracker = make_tracker("郴州生育津贴的依据", "ask_legal_basis", entities={"region": "chenzhou", "service_item": "002036007004"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "以下摘自《湖南省医疗保障经办政务服务事项清单" in text and "社会保险法" in text
    # what it says is cited under the list's own title, not the 郴州 guide's
    assert "来源：《湖南省医疗保障经办政务服务事项清单" in text.split("设定依据（")[1]


def test_hunan_legal_basis_comes_from_the_list_table(gateway):
    tracker = make_tracker("依据", "ask_legal_basis", entities={"region": "hunan", "service_item": "002036009001"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "国家医疗保障局令第2号" in texts_of(d).replace(" ", "")


def test_time_limit_conflict_in_hunan_is_shown(gateway):
    slots = {"service_item": "002036001002", "region": "hunan"}
    tracker = make_tracker("职工增加登记多久", "ask_time_limit", entities={"variant": "职工增加登记"}, slots=slots)
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "不超过 5个工作日" in texts_of(d) and "即时办结" in texts_of(d)


def test_guizhou_answers_carry_the_duyun_caveat(gateway):
    tracker = make_tracker("都匀生育津贴要什么", "ask_materials", entities={"region": "guizhou", "service_item": "002036007004"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "产假期间工资收入证明" in texts_of(d) and "黔南州都匀市版本" in texts_of(d)


def test_a_kb_edit_shows_in_the_next_answer_without_retraining(kb_engine, gateway):
    with Session(kb_engine, future=True) as s, s.begin():
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == "002036003001", ServiceItem.guide_id != None)).first()  # noqa: E711
        variant = s.scalars(select(Variant).where(Variant.item_id == item.id)).first()
        material = s.scalars(select(Material).where(Material.variant_id == variant.id)).first()
        old, material_id = material.text, material.id
        s.execute(update(Material).where(Material.id == material_id).values(text=old + "（编辑测试）"))
        region_key = {"000": "chenzhou", "001": "hunan", "002": "yunnan", "003": "xianan", "004": "guizhou"}[item.guide.key]
    try:
        tracker = make_tracker("参保凭证要什么", "ask_materials", entities={"region": region_key, "service_item": "002036003001"})
        d, _ = run(AnswerFromKB(gateway), tracker)
        assert "（编辑测试）" in texts_of(d)
    finally:
        with Session(kb_engine, future=True) as s, s.begin():
            s.execute(update(Material).where(Material.id == material_id).values(text=old))


def test_region_alone_is_remembered(gateway):
    d, events = run(AnswerFromKB(gateway), make_tracker("北湖区的", entities={"region": "chenzhou"}))
    assert "郴州市" in texts_of(d) and slots_of(events)["region"] == "chenzhou"


def test_out_of_scope_says_where_to_go(gateway):
    d, _ = run(OutOfScope(), make_tracker("公积金怎么提取", "out_of_scope"))
    assert "不在医保经办服务范围" in texts_of(d) and "住房公积金管理中心" in texts_of(d)


def test_handoff_gives_the_region_phones(gateway):
    d, _ = run(HumanHandoff(gateway), make_tracker("转人工", "human_handoff", slots={"region": "xianan"}))
    assert "0715-8339438" in texts_of(d)
    d, events = run(HumanHandoff(gateway), make_tracker("转人工", "human_handoff"))
    assert buttons_of(d) and slots_of(events)["aspect"] == "human_handoff"


def test_low_confidence_uses_kb_words_before_giving_up(gateway):
    tracker = make_tracker("那个报销的事", "nlu_fallback", confidence=0.3, ranking=["nlu_fallback", "greet"])
    d, _ = run(KBSearch(gateway), tracker)
    assert buttons_of(d)  # 报销 names a family of items: region first, then which one
    tracker = make_tracker("啊这个那个", "nlu_fallback", confidence=0.3, ranking=["nlu_fallback", "ask_materials"])
    d, _ = run(KBSearch(gateway), tracker)
    assert texts_of(d) == answers.REPHRASE


def test_empty_message_gets_a_specific_reply(gateway):
    d, _ = run(KBSearch(gateway), make_tracker("   ", "nlu_fallback", confidence=0.1, ranking=["nlu_fallback"]))
    assert texts_of(d) == answers.EMPTY


def test_personal_lookup_starts_the_form_but_kb_follow_ups_are_answered(gateway):
    d, events = run(PersonalLookup(gateway), make_tracker("查一下我的备案办到哪了", "status_lookup"))
    assert any(e.get("event") == "followup" and e.get("name") == "status_form" for e in events)
    d, events = run(PersonalLookup(gateway), make_tracker("我的医保还在交吗", "enrollment_lookup"))
    assert any(e.get("event") == "followup" and e.get("name") == "enrollment_form" for e in events)
    slots = {"service_item": "002036001002", "region": "hunan", "aspect": "ask_materials", "awaiting": "variant"}
    tracker = make_tracker("我交的是职工医保", "enrollment_lookup", entities={"insurance_type": "职工医保"}, slots=slots)
    d, events = run(PersonalLookup(gateway), tracker)
    assert texts_of(d) and not any(e.get("event") == "followup" for e in events)


def test_same_answer_across_a_family_is_given_at_once(gateway):
    tracker = make_tracker("都匀异地备案咨询电话是多少", "ask_contact", entities={"region": "guizhou"})
    d, _ = run(AnswerFromKB(gateway), tracker)
    assert "0854-8192359" in texts_of(d) and not buttons_of(d)
    assert "的这一项相同" in texts_of(d)


def test_own_case_words_are_a_lookup_not_a_guide_question(gateway):
    d, events = run(PersonalLookup(gateway), make_tracker("我在长沙提交的异地长期居住备案办好了没", "status_lookup"))
    assert any(e.get("event") == "followup" and e.get("name") == "status_form" for e in events)


def test_cancel_words_end_a_lookup_whatever_the_intent(gateway):
    tracker = make_tracker("算了不查了", "status_lookup")
    tracker.active_loop = {"name": "status_form"}
    d, events = run(PersonalLookup(gateway), tracker)
    assert "已取消" in texts_of(d)
    assert any(e.get("event") == "active_loop" and e.get("name") is None for e in events)


def test_a_place_name_during_a_lookup_keeps_the_form(gateway):
    tracker = make_tracker("德宏州参保的", "inform", entities={"region": "yunnan"})
    tracker.active_loop = {"name": "enrollment_form"}
    d, events = run(AnswerFromKB(gateway), tracker)
    assert any(e.get("event") == "followup" and e.get("name") == "enrollment_form" for e in events)
    assert slots_of(events)["region"] == "yunnan"


def test_routing_reads_the_slots_the_conversation_left_not_this_messages_entities():
    from rasa_sdk import Tracker

    from actions.actions import slots_before_latest_message

    events = [
        {"event": "slot", "name": "region", "value": "hunan"},
        {"event": "user", "text": "生育津贴要什么材料"},
        {"event": "slot", "name": "service_item", "value": "002036007004"},
        {"event": "slot", "name": "aspect", "value": "ask_materials"},
        {"event": "user", "text": "查参保信息呢"},
        {"event": "slot", "name": "service_item", "value": "002036002002"},  # filled from this message
    ]
    tracker = Tracker("u", {"service_item": "002036002002", "region": "hunan"}, {"text": "查参保信息呢"}, events, False, None, {}, "action_listen")
    slots = slots_before_latest_message(tracker)
    assert slots["service_item"] == "002036007004" and slots["aspect"] == "ask_materials" and slots["region"] == "hunan"


def test_a_few_short_variants_are_all_answered_and_one_is_a_tap_away(gateway):
    # 湖南's 门诊慢特病 认定 has a 职工 and a 居民 variant: both materials lists fit one reply
    tracker = make_tracker("湖南慢特病待遇认定要交什么材料", "ask_materials", entities={"region": "hunan"})
    d, events = run(AnswerFromKB(gateway), tracker)
    text = texts_of(d)
    assert "分为2种情况" in text and text.count("办理材料") == 2 and text.count("来源") == 2
    assert len(buttons_of(d)) == 2 and slots_of(events)["awaiting"] == "variant"
    # more than three variants are too many to read at once: the asker picks one
    records = gateway.records("hunan", "002036001002")
    assert len(records) > answers.EACH_MOST
    assert answers.answer_each(records, ["ask_materials"], gateway.region("hunan"), "职工参保登记") is None


def test_a_defect_in_routing_still_gets_a_reply_and_no_personal_data_in_the_log(gateway, monkeypatch, caplog):
    def broken(turn, kb, intent=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(routing, "answer", broken)
    tracker = make_tracker("郴州生育津贴要什么材料，我电话13812345678", "ask_materials", entities={"region": "chenzhou"})
    d, events = run(AnswerFromKB(gateway), tracker)
    assert texts_of(d) == answers.INTERNAL_ERROR and events == []
    assert "action_answer failed" in caplog.text and "13812345678" not in caplog.text


def test_who_the_asker_is_is_read_from_split_words_too_and_kept(gateway):
    # "退的休" is 退休 once joined: the extractor (words as typed) did not see it, the action does
    tracker = make_tracker("我妈在昆明退的休，要去海南跟我住，异地就医备案带啥", "ask_materials", entities={"region": "yunnan"})
    d, events = run(AnswerFromKB(gateway), tracker)
    assert "异地安置退休人员备案" in texts_of(d)
    assert slots_of(events)["personnel_category"] == "退休人员"


def _rating_tracker(score: str, answered: bool = True, region: str = "chenzhou"):
    tracker = make_tracker('/rate{"rating": "%s"}' % score, intent="rate", entities={"rating": score}, slots={"region": region})
    before = [{"event": "action", "name": "action_answer"}, {"event": "bot", "text": "……"}] if answered else []
    tracker.events = before + tracker.events
    return tracker


def test_a_rating_is_kept_with_the_conversation_and_thanked(gateway):
    dispatcher, events = run(RecordRating(gateway), _rating_tracker("5"))
    assert "非常满意" in texts_of(dispatcher) and "转人工" not in texts_of(dispatcher)
    assert slots_of(events) == {"answer_rating": "5"}


def test_a_poor_rating_says_where_people_can_help_with_the_regions_own_channel(gateway):
    dispatcher, events = run(RecordRating(gateway), _rating_tracker("1"))
    reply = texts_of(dispatcher)
    assert "非常不满意" in reply and "转人工" in reply and gateway.region("chenzhou").name in reply
    assert slots_of(events) == {"answer_rating": "1"}


def test_a_rating_before_any_answer_is_not_kept(gateway):
    dispatcher, events = run(RecordRating(gateway), _rating_tracker("4", answered=False))
    assert "还没有可以评价的回答" in texts_of(dispatcher) and events == []
