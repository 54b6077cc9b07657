"""Custom actions: thin — read slots and the message, ask the KB, format with ``actions.answers``."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from datetime import datetime

from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, cues, lookups, selection
from actions.kb_gateway import KnowledgeGateway, gateway
from casework import tokens

logger = logging.getLogger(__name__)

ASPECTS = tuple(answers.ASPECT_LABELS)
#: Below this classifier confidence, unambiguous aspect words (多久 / 材料 / 电话 …) decide.
CUE_OVERRIDES_BELOW = 0.99
_PHONE_RE = re.compile(r"0\d{2,3}-\d{7,8}|\b12333\b")


def _entities(tracker: Tracker) -> Dict[str, str]:
    """Entity values of the latest message, first per type."""
    found: Dict[str, str] = {}
    for e in tracker.latest_message.get("entities") or []:
        found.setdefault(e.get("entity"), e.get("value"))
    return found


def _payload(value: str, **entities: str) -> str:
    return f"/{value}{json.dumps(entities, ensure_ascii=False)}"


def region_buttons(kb: KnowledgeGateway) -> List[Dict[str, str]]:
    return [{"title": r.name, "payload": _payload("inform", region=r.key)} for r in kb.regions()]


class AnswerFromKB(Action):
    """Answer one aspect of one service item for one region, asking for what is missing."""

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    @property
    def kb(self) -> KnowledgeGateway:
        return self._kb or gateway()

    def name(self) -> Text:
        return "action_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        form = (tracker.active_loop or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if form in lookups.FORMS and not _entities(tracker).get("service_item") and not cues.has_aspect_cue(text):
            # "德宏州参保的" while a lookup asks for the ID: note the place, stay in the lookup
            region = _entities(tracker).get("region")
            return ([SlotSet("region", region)] if region else []) + [FollowupAction(form)]
        # a guide question in the middle of a lookup form switches topic: leave the form first
        return lookups.leave_form(tracker) + self.respond(dispatcher, tracker, intent)

    @staticmethod
    def _keeps_topic(
        kb: KnowledgeGateway, ranked: List[Any], item: Optional[str], previous_item: Optional[str], text: str, region_key: str
    ) -> bool:
        """A message that names no item ("到哪里去办这个") stays with the item under discussion unless
        its own words clearly point elsewhere."""
        if item or not previous_item:
            return False
        own = kb.evidence_items(text, region_key)
        if not _decisive(own) or own[0][1] < TOPIC_SWITCH_MIN:
            return True
        previous_score = next((sc for k, sc, _ in own if k == previous_item), 0.0)
        return own[0][0] == previous_item or own[0][1] < TOPIC_SWITCH * previous_score

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> List[EventType]:
        """The answer for ``intent`` (the classifier's, or the best guess after a low-confidence turn)."""
        kb = self.kb
        text = tracker.latest_message.get("text") or ""
        payload = text.startswith("/")
        ents = _entities(tracker)
        previous_aspect = tracker.get_slot("aspect")
        previous_item = tracker.get_slot("service_item")
        previous_item = previous_item if kb.knows_item(previous_item) else None
        # A question asked before the region was known is read together with the reply that names it.
        pending = tracker.get_slot("pending_question") or ""
        question = f"{pending} {text}".strip() if pending and not payload else text

        item = ents.get("service_item") if kb.knows_item(ents.get("service_item")) else None
        phrase_ranked = kb.rank_items(question) if not payload else []
        if not item and phrase_ranked:
            item = phrase_ranked[0][0]
        # how strongly the phrase lists name it: a long official or colloquial name, or one short word
        phrase_strength = next((sc for k, sc in phrase_ranked if k == item), 0.0)
        # "异地就医备案" names five items and no single one: ask which rather than guess.
        group = kb.group(question) if not item and not payload else None
        group = group or (tracker.get_slot("item_group") if not item else None)
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence") or 0.0
        cued = cues.cued_aspect(question)
        if intent in ASPECTS and cued and cued != intent and confidence < CUE_OVERRIDES_BELOW:
            intent = cued  # the classifier hesitates and the words are unambiguous
        # A follow-up without aspect words ("是新员工入职的", "那灵活就业的呢？", "郴州呢？") keeps the
        # earlier aspect; a new aspect word or a fresh question changes it.
        follow_up = bool(previous_aspect and previous_item and not cues.has_aspect_cue(question))
        if intent == "human_handoff":
            aspect = "human_handoff"
        elif follow_up and (intent == "inform" or intent in ASPECTS or not item or item == previous_item):
            aspect = previous_aspect
        elif intent in ASPECTS:
            aspect = intent
        else:
            aspect = cues.cued_aspect(question) or previous_aspect or "overview"
        region_key = insured_region(kb, text) or ents.get("region") or tracker.get_slot("region")
        level = ents.get("level") or tracker.get_slot("level")
        events: List[EventType] = [SlotSet("aspect", aspect), SlotSet("pending_question", None)]

        if aspect == "human_handoff":
            return events + HumanHandoff.respond(kb, dispatcher, region_key)
        region = kb.region(region_key)
        # With the region known, the KB's own text decides the item when the phrase lists do not
        # (a life situation instead of the item's name), or name one the region's guide lacks.
        # A phrase-list item the evidence clearly contradicts ("转去外地大医院" is 转诊, not 关系转入)
        # gives way to the evidence's item.
        # Out-of-scope words ("户口", "看病") decline only when the KB has no clear answer either.
        oos = OutOfScope.topic(text)
        if oos and tracker.get_slot("awaiting") == "region" and (insured_region(kb, text) or ents.get("region")):
            oos = None  # "我户口在嘉禾县" answers our question about the region
        evidence_ranked: List[Any] = []
        if region is not None and not payload and not follow_up:
            evidence_ranked = kb.evidence_items(question, region.key)
            if oos and not item and not (_decisive(evidence_ranked) and evidence_ranked[0][1] >= OOS_OVERRULE):
                evidence_ranked = []
            elif _decisive(evidence_ranked) and evidence_ranked[0][0] != item and not self._keeps_topic(
                kb, evidence_ranked, item, previous_item, text, region.key
            ):
                top, top_score = evidence_ranked[0][0], evidence_ranked[0][1]
                if group:  # a family word: its member the evidence points to, or a clearly better item
                    members = [(k, sc) for k, sc, _ in evidence_ranked if k in kb.groups.get(group, [])]
                    best_member = members[0] if members else (None, 0.0)
                    if top in kb.groups.get(group, []) or top_score >= OVERRULE * best_member[1]:
                        item, group, oos = top, None, None
                else:
                    phrase_score = next((sc for k, sc, _ in evidence_ranked if k == item), 0.0)
                    # the evidence ranks the phrase item far lower, or cannot see it and the phrase was one short word
                    weak_phrase = top_score >= OVERRULE * phrase_score and (phrase_score > 0 or phrase_strength < STRONG_PHRASE)
                    if not item or not kb.has_item(region.key, item) or weak_phrase:
                        item, oos = top, None
        variant = ents.get("variant") or (tracker.get_slot("variant") if not item or item == previous_item else None)
        item = item or previous_item

        if not item and group:
            if region is None:
                dispatcher.utter_message(text=answers.region_prompt(), buttons=region_buttons(kb))
                return events + [SlotSet("item_group", group), SlotSet("awaiting", "region"), SlotSet("pending_question", question)]
            present = [k for k in kb.groups[group] if kb.has_item(region.key, k)]
            family = [r for k in present for r in kb.records(region.key, k)]
            family = selection.by_level(family, level if region.key == "xianan" else None)
            if answers.same_answer(family, aspect):  # e.g. one phone for all 备案 items: just say it
                labels = [selection.label(r) for r in family]
                dispatcher.utter_message(text=answers.answer(family[0], aspect, region) + "\n" + answers.alike_note(labels))
                return events + [SlotSet("region", region.key), SlotSet("item_group", None), SlotSet("awaiting", None)]
            dispatcher.utter_message(
                text=answers.choose_item_prompt(group, region),
                buttons=[{"title": kb.item_name(k), "payload": _payload("inform", service_item=k)} for k in present],
            )
            return events + [
                SlotSet("region", region.key), SlotSet("item_group", None), SlotSet("awaiting", "item"),
                SlotSet("pending_question", question),
            ]
        if not item:
            if lookups.CANCEL.search(text):  # "那算了" without a question: acknowledge, no rephrase request
                dispatcher.utter_message(text=answers.DENY_ACK)
                return events
            if oos:
                return events + OutOfScope.decline(dispatcher, text)
            document = _document_answer(kb, question, region, evidence_ranked) if region is not None else None
            if document:  # the guide answers it outside any item (duties of service points, notices)
                dispatcher.utter_message(text=document)
                return events + [SlotSet("region", region.key)]
            if region is not None and evidence_ranked and evidence_ranked[0][1] >= WEAK_EVIDENCE:
                # never a dead end once the region is known: the three best items as buttons
                dispatcher.utter_message(
                    text=answers.choose_evidence_prompt(region),
                    buttons=[
                        {"title": kb.item_name(k), "payload": _payload("inform", service_item=k)}
                        for k, _, _ in evidence_ranked[:3]
                    ],
                )
                return events + [SlotSet("region", region.key), SlotSet("awaiting", "item"), SlotSet("pending_question", question)]
            if region is not None and ents.get("region"):
                dispatcher.utter_message(text=answers.region_noted(region))
                return events + [SlotSet("region", region.key)]
            if region is None and not payload and not lookups.CANCEL.search(text) and len(question) >= 4:
                # the region decides everything: ask it first and keep the question for its reply
                dispatcher.utter_message(text=answers.region_prompt(), buttons=region_buttons(kb))
                return events + [SlotSet("awaiting", "region"), SlotSet("pending_question", question)]
            return events + KBSearch.respond(kb, dispatcher, text, region_key)
        events.append(SlotSet("service_item", item))
        if region is None:
            dispatcher.utter_message(text=answers.region_prompt(), buttons=region_buttons(kb))
            return events + [SlotSet("awaiting", "region"), SlotSet("pending_question", question if not payload else None)]
        events += [SlotSet("region", region.key), SlotSet("item_group", None)]

        records = kb.records(region.key, item) or kb.related_records(region.key, item)
        records = selection.by_level(records, level if region.key == "xianan" else None)
        if not records:
            dispatcher.utter_message(text=answers.no_item_in_region(kb.item_name(item), region))
            return events + [SlotSet("variant", None)]
        # who is asking (人员类别, 险种, 申请人) stays known for the conversation until they say otherwise
        hints = [ents.get(k) or tracker.get_slot(k) for k in HINT_SLOTS]
        hints = [h for h in hints if h]
        chosen = selection.choose(records, question, variant, hints, kb.variant_words)
        decided_by = hints if hints and len(chosen) < len(selection.choose(records, question, variant, [], kb.variant_words)) else []
        aspects = [aspect] if follow_up else _asked_aspects(aspect, question)
        if len(chosen) > 1 and not variant:
            chosen = _by_evidence(kb, chosen, question, region.key, item)
        if len(chosen) > 1 and all(answers.same_answer(chosen, a) for a in aspects):
            labels = [selection.label(r) for r in chosen]
            dispatcher.utter_message(text=answers.answer_many(chosen[0], aspects, region) + "\n" + answers.alike_note(labels))
            return events + [SlotSet("variant", None), SlotSet("awaiting", None)]
        if len(chosen) > 1:
            dispatcher.utter_message(
                text=answers.choose_variant_prompt(kb.item_name(item), [selection.label(r) for r in chosen]),
                buttons=[
                    {"title": selection.label(r), "payload": _payload("inform", variant=selection.label(r))}
                    for r in chosen
                ],
            )
            return events + [SlotSet("variant", None), SlotSet("awaiting", "variant"), SlotSet("pending_question", question)]
        record = chosen[0]
        focus = list(hints) + [h.replace("人员", "") for h in hints]
        extra = [] if follow_up or payload and not pending else _evidence(kb, record, question, region.key, item, aspects)
        events += say_in_parts(dispatcher, answers.answer_many(record, aspects, region, focus, extra, decided_by))
        return events + [SlotSet("variant", selection.label(record)), SlotSet("awaiting", None)]


#: Slots that say who is asking; they choose variants and persist across turns.
HINT_SLOTS = ("personnel_category", "insurance_type", "applicant_type")

#: How far the evidence must lead the item under discussion for a follow-up to change the topic,
#: and how strong it must be at all.
TOPIC_SWITCH = 2.0
TOPIC_SWITCH_MIN = 12.0
#: A phrase-list hit at least this strong (a 4-character colloquial phrase, an official name) is
#: not overruled by the evidence.
STRONG_PHRASE = 8.0
#: How far the best item's evidence must lead the next one for the KB text alone to pick it.
DECISIVE_LEAD = 1.3
#: How far the evidence's item must lead a phrase-list item to overrule it.
OVERRULE = 2.0
#: Evidence that outweighs an out-of-scope word ("户口都迁过去了，要办什么备案").
OOS_OVERRULE = 12.0
#: Evidence below this is no reason to offer an item at all.
WEAK_EVIDENCE = 4.0
#: At most this many of the guide's other sentences go with an answer, and so many characters.
EVIDENCE_PASSAGES = 3
EVIDENCE_CHARS = 360


#: A place followed by these words is where the asker is insured ("咸安的医保", "在昆明参保")…
_INSURED_AFTER = re.compile(r"^(?:的医保|医保|参保|的社保|交的|户口|户籍|那边的医保|这边的医保)")
#: …and preceded by these, where they go ("派到长沙", "转去贵阳").
_DESTINATION_BEFORE = re.compile(r"(?:去|到|转到|转去|派到|派往|调到|住到|搬到|迁到|往)$")


def insured_region(kb: KnowledgeGateway, text: str) -> Optional[str]:
    """When a message names places of different regions, the one the asker is insured in."""
    hits = [h for h in kb.indexes["region"].hits(text) if h.end > h.start]
    if len({h.value for h in hits}) < 2:
        return None
    score: Dict[str, float] = {}
    for h in hits:
        s = h.score
        if _INSURED_AFTER.match(text[h.end : h.end + 6]):
            s += 100.0
        if _DESTINATION_BEFORE.search(text[max(0, h.start - 2) : h.start]):
            s -= 100.0
        score[h.value] = max(score.get(h.value, float("-inf")), s)
    return max(score, key=lambda k: score[k])


def _decisive(ranked: List[Any]) -> bool:
    """Whether the best item's evidence clearly leads (so the KB text alone may pick it)."""
    if not ranked or ranked[0][1] < WEAK_EVIDENCE:
        return False
    return len(ranked) == 1 or ranked[0][1] >= DECISIVE_LEAD * ranked[1][1]


MORE_BUTTON = {"title": "更多", "payload": "/more"}


def say_in_parts(dispatcher: CollectingDispatcher, text: str) -> List[EventType]:
    """Send a reply chat-sized: the first part now, the rest kept for "更多"."""
    first, rest = answers.split_long(text)
    dispatcher.utter_message(text=first, buttons=[MORE_BUTTON] if rest else None)
    return [SlotSet("more_text", rest)]


class ShowMore(Action):
    """"更多": the next part of a long answer, or that there is nothing more."""

    def name(self) -> Text:
        return "action_more"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        rest = tracker.get_slot("more_text")
        if not rest:
            dispatcher.utter_message(text=answers.NO_MORE)
            return []
        return say_in_parts(dispatcher, rest)


def _document_answer(kb: KnowledgeGateway, question: str, region: Any, ranked_items: List[Any]) -> Optional[str]:
    """An answer from the guide's text outside the items, when it matches better than any item."""
    docs = [
        h for h in kb.evidence(question, region.key, None, k=15)
        if h.passage.item is None and h.passage.kind in ("duties", "preface", "faq", "notice", "cover_letter")
    ]
    if not docs or docs[0].score < max(WEAK_EVIDENCE * 2, ranked_items[0][1] if ranked_items else 0.0):
        return None
    title = docs[0].passage.title
    same = [h for h in docs if h.passage.title == title and h.score >= 0.5 * docs[0].score][:4]
    return answers.document_answer(region, title or "", [(h.passage.text, h.passage.source) for h in same])


def _asked_aspects(aspect: str, question: str) -> List[str]:
    """The main aspect and every other one the question asks ("要带啥，多久能好" → materials + time)."""
    others = [a for a in cues.cued_aspects(question) if a != aspect and a in answers.ASPECT_LABELS]
    if aspect == "overview" and others:
        return others
    return [aspect] + others


def _by_evidence(kb: KnowledgeGateway, records: List[Dict[str, Any]], question: str, region_key: str, item: str) -> List[Dict[str, Any]]:
    """The variant whose own text matches the question clearly better than its siblings', if any."""
    labels = [selection.label(r) for r in records]
    score = {label: 0.0 for label in labels}
    for hit in kb.evidence(question, region_key, item, k=20):
        if hit.passage.label in score and hit.passage.kind != "title":
            score[hit.passage.label] += hit.score
    ranked = sorted(labels, key=lambda l: -score[l])
    if score[ranked[0]] > 0 and score[ranked[0]] >= 1.5 * score[ranked[1]]:
        return [r for r in records if selection.label(r) == ranked[0]]
    return records


def _evidence(
    kb: KnowledgeGateway, record: Dict[str, Any], question: str, region_key: str, item: str, aspects: List[str]
) -> List[Tuple[str, str]]:
    """The guide's sentences from elsewhere in the item, its forms or notices that match the question."""
    label = selection.label(record)
    hits = [h for h in kb.evidence(question, region_key, item, k=12) if h.passage.label == label and h.passage.kind != "title"]
    docs = [
        h for h in kb.evidence(question, region_key, None, k=20)
        if h.passage.item is None and h.passage.kind in ("form", "notice", "faq", "duties", "preface")
    ]
    best = max([h.score for h in hits] or [0.0])
    chosen = [h for h in hits if h.score >= 0.6 * best][:EVIDENCE_PASSAGES]
    own_forms = {f["title"] for f in record.get("forms") or []}
    if "ask_forms" in aspects and own_forms:  # how to fill a form in: its own instructions first
        chosen = [h for h in docs if h.passage.title in own_forms][:2] + chosen
    elif docs and docs[0].score >= max(best, WEAK_EVIDENCE * 2):
        chosen.append(docs[0])
    out: List[Tuple[str, str]] = []
    total = 0
    for h in chosen:
        if total + len(h.passage.text) > EVIDENCE_CHARS:
            break
        out.append((h.passage.text, h.passage.source))
        total += len(h.passage.text)
    return out


class HumanHandoff(Action):
    """Give the region's consult and supervision phones (people, not a bot, answer there)."""

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    def name(self) -> Text:
        return "action_human_handoff"

    @staticmethod
    def respond(kb: KnowledgeGateway, dispatcher: CollectingDispatcher, region_key: Optional[str]) -> List[EventType]:
        region = kb.region(region_key)
        if region is None:
            dispatcher.utter_message(text="好的，为您转人工咨询。请问您在哪个地区？", buttons=region_buttons(kb))
            return [SlotSet("aspect", "human_handoff")]
        phones = sorted(set(_PHONE_RE.findall(region.consult)))
        consult = region.consult.replace("\n", " ")
        lines = [f"{region.name}人工咨询渠道（以当地指南为准）：{consult}"]
        if not phones:
            lines.append("指南中没有列出具体电话号码，请到当地医保经办机构窗口咨询。")
        if region.caveat:
            lines.append(f"提示：{region.caveat}")
        lines.append(f"来源：{region.consult_source}")
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("aspect", None)]

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = self._kb or gateway()
        region_key = _entities(tracker).get("region") or tracker.get_slot("region")
        return lookups.leave_form(tracker) + self.respond(kb, dispatcher, region_key)


class KBSearch(Action):
    """Low confidence or no item: offer the best-matching items as buttons, else say what we cover."""

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    def name(self) -> Text:
        return "action_kb_search"

    @staticmethod
    def respond(
        kb: KnowledgeGateway, dispatcher: CollectingDispatcher, text: str, region_key: Optional[str]
    ) -> List[EventType]:
        ranked = kb.rank_items(text)[:4]
        if ranked:
            dispatcher.utter_message(
                text="您想了解的是下面哪项业务？",
                buttons=[
                    {"title": kb.item_name(k), "payload": _payload("inform", service_item=k)} for k, _ in ranked
                ],
            )
        else:
            dispatcher.utter_message(text=answers.REPHRASE)
        return []

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        """A low-confidence turn: use the KB's own evidence before giving up.

        The text names an item or a region (or continues a conversation about one): answer with the
        classifier's best real guess as the aspect. Out-of-scope words: decline. Else offer items.
        """
        kb = self._kb or gateway()
        text = tracker.latest_message.get("text") or ""
        ranking = [r.get("name") for r in tracker.latest_message.get("intent_ranking") or []]
        guess = next((i for i in ranking if i and i != "nlu_fallback"), None)
        ents = _entities(tracker)
        if not text.strip():
            dispatcher.utter_message(text=answers.EMPTY)
            return []
        if lookups.CANCEL.search(text) and not kb.rank_items(text):
            return lookups.CancelLookup().run(dispatcher, tracker, domain)
        if OutOfScope.topic(text) and not kb.rank_items(text):
            return OutOfScope.decline(dispatcher, text)
        continues = tracker.get_slot("service_item") and (guess in (*ASPECTS, "inform") or cues.cued_aspect(text))
        if kb.rank_items(text) or kb.group(text) or ents.get("region") or continues:
            intent = guess if guess in (*ASPECTS, "inform") else (cues.cued_aspect(text) or "inform")
            return AnswerFromKB(kb).respond(dispatcher, tracker, intent)
        if guess in SMALL_TALK and cues.cued_aspect(text) is None:
            dispatcher.utter_message(response=SMALL_TALK[guess])
            return []
        return self.respond(kb, dispatcher, text, tracker.get_slot("region"))


#: The national item "参保人员参保信息查询": where the guides say how to check one's own enrollment.
ENROLLMENT_QUERY_ITEM = "002036002002"

#: Small talk a low-confidence turn may still be (the classifier's best guess decides).
SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "bot_challenge": "utter_bot_challenge",
    "affirm": "utter_affirm_ack",
}

#: Out-of-scope topics and where to go instead (who handles it, never a made-up phone number).
OUT_OF_SCOPE = (
    (("公积金",), "住房公积金的缴存、提取和贷款由当地住房公积金管理中心办理"),
    (("养老金", "养老保险", "退休金", "退休工资"), "养老保险和退休金的计算、发放由当地人力资源和社会保障部门（社保局）办理"),
    (("失业金", "失业保险", "工伤"), "失业保险、工伤保险由当地人力资源和社会保障部门办理"),
    (("驾照", "驾驶证", "违章", "车辆", "上牌", "电动车"), "驾驶证、车辆和交通违法由公安交通管理部门办理"),
    (("户口", "身份证办理", "护照"), "户口和证件由公安机关办理"),
    (("疫苗",), "疫苗接种请咨询当地社区卫生服务中心或疾控部门"),
    (("作文", "作业", "翻译", "志愿", "高考"), "学习和写作类问题不在我的服务范围"),
    (("修路", "补助怎么申请", "低保怎么申请", "准生证"), "请咨询当地乡镇（街道）或相关主管部门"),
    (("个税", "个人所得税", "发票"), "税务问题请咨询当地税务部门"),
    (("商业保险", "理赔", "保险公司"), "商业保险的理赔请联系您投保的保险公司"),
    (("挂号", "吃什么药", "看病", "症状", "怎么治"), "看病和用药请咨询医院或医生"),
    (("天气",), "天气请查看天气预报"),
)


class OutOfScope(Action):
    """Decline politely and say where to go instead."""

    def name(self) -> Text:
        return "action_out_of_scope"

    @staticmethod
    def topic(text: str) -> Optional[str]:
        """Where to go instead, when the text names a topic we know is not 医保经办."""
        return next((w for keys, w in OUT_OF_SCOPE if any(k in text for k in keys)), None)

    @staticmethod
    def decline(dispatcher: CollectingDispatcher, text: str) -> List[EventType]:
        where = OutOfScope.topic(text)
        reply = "这个问题不在医保经办服务范围内，我答不了。" + (f"{where}。" if where else "")
        reply += "我可以帮您查医保参保登记、异地就医备案、门诊慢特病、报销、生育保险、医疗救助、定点申请等办事指南。"
        dispatcher.utter_message(text=reply)
        return []

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        kb = gateway()
        if self.topic(text) is None and kb.rank_items(text) and cues.cued_aspect(text):
            # The classifier said out of scope, but the words name a KB item and an aspect.
            return AnswerFromKB(kb).respond(dispatcher, tracker, cues.cued_aspect(text) or "inform")
        named = insured_region(kb, text) or _entities(tracker).get("region")
        if named and tracker.get_slot("awaiting") == "region":  # "我户口在嘉禾县" answers our region question
            return AnswerFromKB(kb).respond(dispatcher, tracker, "inform")
        region = kb.region(named or tracker.get_slot("region"))
        if region is not None:
            ranked = kb.evidence_items(text, region.key)
            if _decisive(ranked) and ranked[0][1] >= OOS_OVERRULE:  # the region's guide clearly answers it
                return AnswerFromKB(kb).respond(dispatcher, tracker, cues.cued_aspect(text) or "inform")
        return lookups.leave_form(tracker) + self.decline(dispatcher, text)


class PersonalLookup(Action):
    """Status / enrollment questions start an identity-checked lookup form (actions/lookups.py).

    A reply that really continues a KB conversation ("我交的是职工医保" after a choice, "暂停参保的话
    交什么") is answered from the KB instead.
    """

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    def name(self) -> Text:
        return "action_personal_lookup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = self._kb or gateway()
        text = tracker.latest_message.get("text") or ""
        if lookups.CANCEL.search(text):
            return lookups.CancelLookup().run(dispatcher, tracker, domain)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        ents = _entities(tracker)
        awaiting = tracker.get_slot("awaiting")
        cued = cues.cued_aspect(text)
        has_pii = tokens.has_token(text)
        if not has_pii and awaiting and set(ents) & {"region", "variant", "service_item", "personnel_category", "insurance_type"}:
            return AnswerFromKB(kb).respond(dispatcher, tracker, "inform")
        own_case = has_pii or cues.asks_own_case(text)
        region_key = insured_region(kb, text) or ents.get("region") or tracker.get_slot("region")
        strong_kb = region_key and not own_case and _decisive(kb.evidence_items(text, region_key))
        if not own_case and (cues.cued_aspects(text) and cued != "ask_eligibility" or strong_kb):
            # "钱是咋个给到我手上的", "手机上查得到不": a question about the guide, not a case lookup
            return AnswerFromKB(kb).respond(dispatcher, tracker, cued or (cues.cued_aspects(text) or ["inform"])[0])
        verdict = lookups.store().guard.check(lookups.sender_hash(tracker), [], datetime.now())
        if not verdict.allowed:  # locked or rate-limited: say so before asking for any personal data
            dispatcher.utter_message(text=lookups.refusal_reply(tracker, verdict))
            return lookups.clear_lookup()
        if region_key and not has_pii:
            self._official_way(kb, dispatcher, text, region_key, intent)
        form = "enrollment_form" if intent == "enrollment_lookup" else "status_form"
        return [SlotSet("aspect", None), FollowupAction(form)]

    @staticmethod
    def _official_way(kb: KnowledgeGateway, dispatcher: CollectingDispatcher, text: str, region_key: str, intent: Optional[str]) -> None:
        """Next to the in-chat lookup, the guide's own way to check (查询方式 / channels of the item)."""
        region = kb.region(region_key)
        if region is None:
            return
        ranked = kb.rank_items(text)
        item = ranked[0][0] if ranked and kb.has_item(region.key, ranked[0][0]) else None
        if item is None:
            evidence = kb.evidence_items(text, region.key)
            item = evidence[0][0] if _decisive(evidence) else None
        if item is None and intent == "enrollment_lookup":
            item = ENROLLMENT_QUERY_ITEM
        records = kb.records(region.key, item) if item else []
        reply = answers.official_check(records[0], region) if records else None
        if reply:
            dispatcher.utter_message(text=reply)
