"""Custom actions, thin: read the turn, ask ``actions/routing.py`` what to do, carry it out.

Every action here does the same three steps — :func:`turn_of` (tracker → Turn), a routing entry
point (Turn → Decision), :func:`carry_out` (Decision → messages and slot events, worded by
``actions/answers.py``). They differ only in which entry point the Rasa rule calls. The lookup forms
and their identity checks live in ``actions/lookups.py``.
"""

from __future__ import annotations

import abc
import json
import logging
import traceback
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, lookups, routing, selection
from actions.kb_gateway import KnowledgeGateway, gateway
from actions.routing import Decision, Turn
from casework import tokens

logger = logging.getLogger(__name__)

#: Slots routing reads.
_SLOTS = (
    "aspect", "service_item", "region", "variant", "level", "item_group", "awaiting", "pending_question",
    "topic_question", *routing.HINT_SLOTS,
)
MORE_BUTTON = {"title": "更多", "payload": "/more"}


def turn_of(tracker: Tracker) -> Turn:
    """The routing input of the latest message."""
    message = tracker.latest_message or {}
    entities: Dict[str, str] = {}
    for e in message.get("entities") or []:
        entities.setdefault(e.get("entity"), e.get("value"))
    intent = message.get("intent") or {}
    text = message.get("text") or ""
    return Turn(
        text=text,
        intent=intent.get("name") or "",
        confidence=intent.get("confidence") or 0.0,
        entities=entities,
        slots=slots_before_latest_message(tracker),
        ranking=tuple(r.get("name") for r in message.get("intent_ranking") or []),
        form=(tracker.active_loop or {}).get("name"),
        has_personal_data=tokens.has_token(text),
    )


def slots_before_latest_message(tracker: Tracker) -> Dict[str, Any]:
    """The routing slots as the conversation left them before this message.

    Rasa fills slots from the message's own entities before any action runs, so
    ``tracker.get_slot("service_item")`` already holds what this message names; routing must tell
    "the item we were discussing" from "the item just named".
    """
    events = tracker.events or []
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:  # no message in the events sent: the slots as they are
        return {name: tracker.get_slot(name) for name in _SLOTS}
    last_user = users[-1]
    slots: Dict[str, Any] = {}
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") in _SLOTS:
            slots[event["name"]] = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            slots = {}
    return {name: slots.get(name) for name in _SLOTS}


def _payload(value: str, **entities: str) -> str:
    return f"/{value}{json.dumps(entities, ensure_ascii=False)}"


def region_buttons(kb: KnowledgeGateway) -> List[Dict[str, str]]:
    return [{"title": r.name, "payload": _payload("inform", region=r.key)} for r in kb.regions()]


def _item_buttons(kb: KnowledgeGateway, keys: List[str]) -> List[Dict[str, str]]:
    return [{"title": kb.item_name(k), "payload": _payload("inform", service_item=k)} for k in keys]


def say_in_parts(dispatcher: CollectingDispatcher, text: str) -> List[EventType]:
    """Send a reply chat-sized: the first part now, the rest kept for "更多"."""
    first, rest = answers.split_long(text)
    dispatcher.utter_message(text=first, buttons=[MORE_BUTTON] if rest else None)
    return [SlotSet("more_text", rest)]


def carry_out(decision: Decision, kb: KnowledgeGateway, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Messages and events for a decision (all wording from ``actions.answers``)."""
    events: List[EventType] = lookups.leave_form(tracker) if decision.leave_form else []
    kind = decision.kind
    region = kb.region(decision.region)
    say = dispatcher.utter_message
    if kind in ("answer", "answer_alike"):
        first = decision.records[0]
        if kind == "answer":
            text = answers.answer_many(
                first, decision.aspects, region, decision.focus, decision.evidence, decision.decided_by, decision.next_guide,
                brief_rest=True,
            )
            events += say_in_parts(dispatcher, text)
        else:
            text = answers.answer_many(first, decision.aspects, region, evidence=decision.evidence)
            say(text=text + "\n" + answers.alike_note([selection.label(r) for r in decision.records]))
        if decision.candidates:  # the item was the evidence's best guess: the next ones are a tap away
            say(text=answers.OTHER_ITEMS, buttons=_item_buttons(kb, decision.candidates))
        if decision.next_steps:  # what is done after this item (a new employer's staff registration)
            say(text=answers.NEXT_STEPS, buttons=_item_buttons(kb, decision.next_steps))
    elif kind == "ask_region":
        say(text=answers.region_prompt(), buttons=region_buttons(kb))
    elif kind == "choose_family":
        each = answers.answer_each(decision.records, decision.aspects, region, decision.group or "") if decision.aspects else None
        if each:  # two or three short answers: all of them now, one a tap away
            say(text=each)
            say(text=answers.EACH_PICK, buttons=_item_buttons(kb, decision.candidates))
        else:
            say(text=answers.choose_item_prompt(decision.group or "", region), buttons=_item_buttons(kb, decision.candidates))
    elif kind == "choose_items":
        say(text=answers.choose_evidence_prompt(region), buttons=_item_buttons(kb, decision.candidates))
    elif kind == "which_item":
        say(text=answers.WHICH_ITEM, buttons=_item_buttons(kb, decision.candidates))
    elif kind == "choose_variant":
        labels = [selection.label(r) for r in decision.records]
        buttons = [{"title": lb, "payload": _payload("inform", variant=lb)} for lb in labels]
        item_name = kb.item_name(decision.item or "")
        each = answers.answer_each(decision.records, decision.aspects, region, item_name) if decision.aspects else None
        if each:  # a few short variants: all of them now (一次性告知), one a tap away
            say(text=each)
            say(text=answers.EACH_PICK, buttons=buttons)
        else:
            say(text=answers.choose_variant_prompt(item_name, labels), buttons=buttons)
    elif kind == "no_item_in_region":
        say(text=answers.no_item_in_region(kb.item_name(decision.item or ""), region))
    elif kind == "document" and decision.document:
        title, passages = decision.document
        say(text=answers.document_answer(region, title, passages))
    elif kind == "decline":
        say(text=answers.decline(decision.topic))
    elif kind == "deny_ack":
        say(text=answers.DENY_ACK)
    elif kind == "region_noted":
        say(text=answers.region_noted(region))
    elif kind == "rephrase":
        say(text=answers.REPHRASE)
    elif kind == "empty":
        say(text=answers.EMPTY)
    elif kind == "small_talk":
        say(response=decision.response)
    elif kind == "handoff":
        if region is None:
            say(text=answers.HANDOFF_ASK_REGION, buttons=region_buttons(kb))
            return events + [SlotSet("aspect", "human_handoff")]
        say(text=answers.handoff(region))
    elif kind == "cancel_lookup":
        in_form = (tracker.active_loop or {}).get("name") in lookups.FORMS
        say(text=answers.LOOKUP_CANCELLED if in_form else answers.DENY_ACK)
        return lookups.leave_form(tracker)
    elif kind == "stay_in_form":
        reply = answers.official_check(decision.official, region, decision.aspects) if decision.official and region else None
        if reply:
            say(text=reply)
        return events + [SlotSet(k, v) for k, v in decision.slots.items()] + [FollowupAction(decision.form)]
    elif kind == "start_lookup":
        verdict = lookups.store().guard.check(lookups.sender_hash(tracker), [], datetime.now())
        if not verdict.allowed:  # locked or rate-limited: say so before asking for any personal data
            say(text=lookups.refusal_reply(tracker, verdict))
            return events + lookups.clear_lookup()
        if decision.official and region:
            reply = answers.official_check(decision.official, region, decision.aspects)
            if reply:
                say(text=reply)
        return events + [SlotSet(k, v) for k, v in decision.slots.items()] + [FollowupAction(decision.form)]
    return events + [SlotSet(k, v) for k, v in decision.slots.items()]


class RoutedAction(Action, metaclass=abc.ABCMeta):
    """Turn → routing entry point → carry out. Subclasses name the action and the entry point."""

    route: Callable[[Turn, KnowledgeGateway], Decision] = staticmethod(routing.answer)

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    @property
    def kb(self) -> KnowledgeGateway:
        return self._kb or gateway()

    @abc.abstractmethod
    def name(self) -> Text:
        """The Rasa action name."""

    def decide(self, turn: Turn) -> Decision:
        return type(self).route(turn, self.kb)

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        turn = turn_of(tracker)
        said: Dict[str, str] = {}
        if not turn.payload:  # dialect in Mandarin, homophone typos of the guides' words corrected
            text = self.kb.search.normalize(turn.text)
            if text != turn.text:  # "退的休" read as 退休: who they said they are, once the words are joined
                said = {k: v for k, v in self.kb.who_said(text).items() if k not in turn.entities}
            turn = replace(turn, text=text, entities={**said, **turn.entities})
        try:
            decision = self.decide(turn)
            # (the extractor, reading the words as typed, did not fill these slots: they persist too)
            decision.slots = {**said, **decision.slots}
            return carry_out(decision, self.kb, dispatcher, tracker)
        except Exception:  # a defect of ours must not leave the asker without a reply
            # (the traceback names code, not the message: no personal data goes to the log)
            logger.error("action %s failed:\n%s", self.name(), traceback.format_exc(limit=-8))
            dispatcher.messages.clear()
            dispatcher.utter_message(text=answers.INTERNAL_ERROR)
            return []


class AnswerFromKB(RoutedAction):
    """A guide question (every aspect intent and inform)."""

    def name(self) -> Text:
        return "action_answer"

    def decide(self, turn: Turn) -> Decision:
        if turn.form in lookups.FORMS:
            return routing.in_form(turn, self.kb)
        return routing.answer(turn, self.kb)


class HumanHandoff(RoutedAction):
    """转人工: the region's consult and supervision phones."""

    route = staticmethod(routing.handoff)

    def name(self) -> Text:
        return "action_human_handoff"


class KBSearch(RoutedAction):
    """A low-confidence turn: the KB's evidence first, then small talk, items or rephrase."""

    route = staticmethod(routing.fallback)

    def name(self) -> Text:
        return "action_kb_search"


class SmallTalk(RoutedAction):
    """Greetings, goodbyes and thanks, unless the message asks about 医保 after all."""

    route = staticmethod(routing.small_talk)

    def name(self) -> Text:
        return "action_small_talk"


class OutOfScope(RoutedAction):
    """Decline politely and say where to go instead (unless the KB clearly answers it)."""

    route = staticmethod(routing.out_of_scope)

    def name(self) -> Text:
        return "action_out_of_scope"


class PersonalLookup(RoutedAction):
    """Status / enrollment questions: one's own case starts an identity-checked lookup form."""

    route = staticmethod(routing.lookup)

    def name(self) -> Text:
        return "action_personal_lookup"


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


#: Actions whose reply is an answer a resident can rate.
RATED_ACTIONS = {
    "action_answer", "action_kb_search", "action_more", "action_human_handoff", "action_out_of_scope",
    "action_status_lookup", "action_enrollment_lookup",
}


class RecordRating(Action):
    """"评价 5": the rating kept with the conversation (a slot event after the rated answer)."""

    def __init__(self, kb: Optional[KnowledgeGateway] = None) -> None:
        self._kb = kb

    def name(self) -> Text:
        return "action_record_rating"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        value = next(tracker.get_latest_entity_values("rating"), None)
        score = int(value) if str(value or "").isdigit() else 0
        if score not in answers.RATING_LABELS or not _answered(tracker):
            dispatcher.utter_message(text=answers.RATING_NOTHING_YET)
            return []
        kb = self._kb or gateway()
        dispatcher.utter_message(text=answers.rating_thanks(score, kb.region(tracker.get_slot("region"))))
        return [SlotSet("answer_rating", str(score))]


def _answered(tracker: Tracker) -> bool:
    """Whether the conversation holds an answer to rate (since its last session start)."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "action" and event.get("name") in RATED_ACTIONS:
            return True
    return False
