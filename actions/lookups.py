"""Application status and enrollment lookups: two factors, no leaks, lockout, cleared slots.

The channel (bot/channels/pii_guard.py) has already replaced ID numbers, names and phone digits
with tokens carrying a masked form and a keyed hash; these actions never see a raw value. A
lookup answers only when BOTH factors match, and a failure never says which factor failed or
whether the application / person exists. casework/lookup_guard.py counts failures per target
(whoever asks), per sender and overall, and locks; a refusal offers the region's phone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.kb_gateway import gateway
from casework import tokens
from casework.lookup_guard import Verdict
from casework.privacy import hmac_of
from casework.store import CaseworkStore

ID_TOKEN, BAD_ID_TOKEN, NAME_TOKEN = tokens.ID_TOKEN, tokens.BAD_ID_TOKEN, tokens.NAME_TOKEN
PHONE_TOKEN, BAD_PHONE_TOKEN = tokens.TAIL_TOKEN, tokens.BAD_TAIL_TOKEN
APPLICATION_NO = re.compile(r"(?<![A-Za-z0-9])(YB[A-Z]{2,4}\d{8,14})(?![0-9])", re.IGNORECASE)


#: Slots that hold (tokens of) personal data: cleared after every lookup, cancel or topic switch.
PII_SLOTS = ("lookup_key", "phone_last4", "id_token", "person_name")
FORMS = ("status_form", "enrollment_form")

_store: Optional[CaseworkStore] = None


def store() -> CaseworkStore:
    global _store
    if _store is None:
        _store = CaseworkStore()
    return _store


def sender_hash(tracker: Tracker) -> str:
    return hmac_of(f"sender:{tracker.sender_id}")


def clear_lookup() -> List[EventType]:
    """Forget every personal value of the conversation and leave any lookup form."""
    return [SlotSet(s, None) for s in PII_SLOTS] + [SlotSet("requested_slot", None)]


def leave_form(tracker: Tracker) -> List[EventType]:
    """Events that end an active lookup form (cancel / topic switch), personal slots cleared."""
    if (tracker.active_loop or {}).get("name") in FORMS:
        return [ActiveLoop(None)] + clear_lookup()
    if any(tracker.get_slot(s) for s in PII_SLOTS):
        return clear_lookup()
    return []


def refusal_reply(tracker: Tracker, verdict: Verdict) -> str:
    """Why no lookup now (the lock's kind and end, never whose or which factor), and whom to call."""
    return answers.lookup_refusal(verdict.reason, verdict.until, gateway().region(tracker.get_slot("region")))


# ---------------------------------------------------------------------------------------------
# Form validation: read tokens, re-prompt specifically, never keep a raw value


class ValidateStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_status_form"

    async def extract_lookup_key(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in (None, "lookup_key"):
            return {}
        text = tracker.latest_message.get("text") or ""
        if m := ID_TOKEN.search(text):
            return {"lookup_key": f"ID|{m['masked']}|{m['h']}"}
        if m := BAD_ID_TOKEN.search(text):
            return {"lookup_key": f"BAD|{m['reason']}|{m['masked']}"}
        if m := APPLICATION_NO.search(text):
            return {"lookup_key": f"APP|{m.group(1).upper()}"}
        if tracker.get_slot("requested_slot") == "lookup_key" and re.search(r"\d{6,}", text):
            return {"lookup_key": "BAD|不是申请编号或身份证号|"}
        return {}

    def validate_lookup_key(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, str) and value.startswith("BAD|"):
            _, reason, masked = (value.split("|") + ["", ""])[:3]
            dispatcher.utter_message(text=answers.bad_lookup_key(masked, reason))
            return {"lookup_key": None}
        return {"lookup_key": value}

    async def extract_phone_last4(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "phone_last4":
            return {}
        text = tracker.latest_message.get("text") or ""
        if m := PHONE_TOKEN.search(text):
            return {"phone_last4": m["h"]}
        if BAD_PHONE_TOKEN.search(text):
            return {"phone_last4": "BAD"}
        return {}

    def validate_phone_last4(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == "BAD":
            dispatcher.utter_message(text=answers.ASK_PHONE_TAIL_AGAIN, json_message={"pii_expect": "phone_last4"})
            return {"phone_last4": None}
        return {"phone_last4": value}


class ValidateEnrollmentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_enrollment_form"

    async def extract_id_token(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") not in (None, "id_token"):
            return {}
        text = tracker.latest_message.get("text") or ""
        if m := ID_TOKEN.search(text):
            return {"id_token": f"ID|{m['masked']}|{m['h']}"}
        if m := BAD_ID_TOKEN.search(text):
            return {"id_token": f"BAD|{m['reason']}|{m['masked']}"}
        if tracker.get_slot("requested_slot") == "id_token" and re.search(r"\d{6,}", text):
            return {"id_token": "BAD|位数不对（应为18位）|"}
        return {}

    def validate_id_token(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, str) and value.startswith("BAD|"):
            _, reason, masked = (value.split("|") + ["", ""])[:3]
            dispatcher.utter_message(text=answers.bad_id_number(masked, reason))
            return {"id_token": None}
        return {"id_token": value}

    async def extract_person_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "person_name":
            return {}
        text = tracker.latest_message.get("text") or ""
        if m := NAME_TOKEN.search(text):
            return {"person_name": f"{m['masked']}|{m['h']}"}
        return {}


# ---------------------------------------------------------------------------------------------
# Starting, cancelling and answering


class CancelLookup(Action):
    """"算了/不查了": leave any form and forget the personal values."""

    def name(self) -> Text:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        in_form = (tracker.active_loop or {}).get("name") in FORMS
        dispatcher.utter_message(text=answers.LOOKUP_CANCELLED if in_form else answers.DENY_ACK)
        return leave_form(tracker)


def _refuse(dispatcher: CollectingDispatcher, tracker: Tracker, verdict: Verdict) -> List[EventType]:
    dispatcher.utter_message(text=refusal_reply(tracker, verdict))
    return clear_lookup()


def _checked(dispatcher: CollectingDispatcher, tracker: Tracker, targets: List[str], ok: bool) -> bool:
    """Record the outcome with the guard; on failure say the same words whatever failed."""
    verdict = store().guard.record(sender_hash(tracker), targets, ok, datetime.now())
    if ok:
        return True
    if not verdict.allowed:  # this failure set off a lock: say both
        dispatcher.utter_message(text=answers.LOOKUP_FAILED + refusal_reply(tracker, verdict))
    else:
        dispatcher.utter_message(text=answers.lookup_failed(verdict.remaining))
    return False


class StatusLookup(Action):
    """Application status by application number or ID number, with the phone's last four digits."""

    def name(self) -> Text:
        return "action_status_lookup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        s = store()
        key = tracker.get_slot("lookup_key") or ""
        phone_h = tracker.get_slot("phone_last4") or ""
        kind, *rest = key.split("|")
        apps, targets = [], []
        if kind == "APP" and rest:
            targets = [s.application_target(rest[0])]
            app = s.find_application(rest[0])
            apps = [app] if app else []
        elif kind == "ID" and len(rest) == 2:
            targets = [rest[1]]
            person = s.find_person(rest[1])
            apps = s.applications_of(person.id) if person else []
        if apps:
            targets.append(s.person_target(apps[0].person_id))
        verdict = s.guard.check(sender_hash(tracker), targets, datetime.now())
        if not verdict.allowed:  # checked before the factors: a locked target answers nothing
            return _refuse(dispatcher, tracker, verdict)
        ok = bool(apps) and s.check_second_factor_phone(apps[0].person_id, phone_h)
        if not _checked(dispatcher, tracker, targets, ok):
            return clear_lookup()
        for app in apps[:5]:
            dispatcher.utter_message(text=answers.application_status(app, hand_in_channels(app)))
        if len(apps) > 5:
            dispatcher.utter_message(text=answers.more_applications(len(apps) - 5))
        return clear_lookup()


class EnrollmentLookup(Action):
    """Enrollment by ID number plus name."""

    def name(self) -> Text:
        return "action_enrollment_lookup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        s = store()
        id_key = (tracker.get_slot("id_token") or "").split("|")
        name_key = (tracker.get_slot("person_name") or "").split("|")
        targets = [id_key[2]] if len(id_key) == 3 and id_key[0] == "ID" else []
        person = s.find_person(targets[0]) if targets else None
        if person is not None:
            targets.append(s.person_target(person.id))
        verdict = s.guard.check(sender_hash(tracker), targets, datetime.now())
        if not verdict.allowed:
            return _refuse(dispatcher, tracker, verdict)
        ok = person is not None and len(name_key) == 2 and s.check_name(person.id, name_key[1])
        if not _checked(dispatcher, tracker, targets, ok) or person is None:
            return clear_lookup()
        dispatcher.utter_message(text=answers.enrollment_status(name_key[0], id_key[1], s.enrollments_of(person.id)))
        return clear_lookup()


def hand_in_channels(app: Any) -> str:
    """How to hand in missing materials: the item's channels from the KB (with source)."""
    kb = gateway()
    records = kb.records(app.region_key, app.item_code) if app.item_code else []
    rec = next((r for r in records if not app.variant or r.get("variant") == app.variant), records[0] if records else None)
    if not rec:
        return ""
    f = rec["fields"].get("channels")
    if not f:
        return ""
    return answers.hand_in_line(rec, f)
