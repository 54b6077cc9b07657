"""Application status and enrollment lookups: two factors, no leaks, lockout, cleared slots.

The channel (bot/channels/pii_guard.py) has already replaced ID numbers, names and phone digits
with tokens carrying a masked form and a keyed hash; these actions never see a raw value. A
lookup answers only when BOTH factors match, and a failure never says which factor failed or
whether the application / person exists. casework/lookup_guard.py counts failures per target
(whoever asks), per sender and overall, and locks; a refusal offers the region's phone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers, cues
from actions.kb_gateway import gateway
from casework import tokens
from casework.lookup_guard import Verdict
from casework.privacy import hmac_of
from casework.store import CaseworkStore

ID_TOKEN, BAD_ID_TOKEN, NAME_TOKEN = tokens.ID_TOKEN, tokens.BAD_ID_TOKEN, tokens.NAME_TOKEN
PHONE_TOKEN, BAD_PHONE_TOKEN = tokens.TAIL_TOKEN, tokens.BAD_TAIL_TOKEN
APPLICATION_NO = re.compile(r"(?<![A-Za-z0-9])(YB[A-Z]{2,4}\d{8,14})(?![0-9])", re.IGNORECASE)

CANCEL = cues.CANCEL

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


def _consult(tracker: Tracker) -> str:
    region = gateway().region(tracker.get_slot("region"))
    if region:
        return f"{region.name}医保经办机构：{region.consult}".replace("\n", " ")
    return "参保地医保经办机构窗口（告诉我您所在的地区，我可以给出当地的咨询电话）"


def refusal_reply(tracker: Tracker, verdict: Verdict) -> str:
    """Why no lookup now (the lock's kind and end, never whose or which factor), and whom to call."""
    until = verdict.until.strftime("%m月%d日 %H:%M") if verdict.until else ""
    if verdict.reason == "global_busy":
        head = f"查询服务暂时繁忙，请在{until}之后再试"
    elif verdict.reason == "sender_rate":
        head = f"您的查询次数已达上限，请在{until}之后再试"
    else:
        head = f"身份核验失败次数过多，该查询已暂时锁定，请在{until}之后再试"
    return f"{head}，或直接联系{_consult(tracker)}。"


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
            shown = f"（{masked}）" if masked else ""
            dispatcher.utter_message(text=f"您输入的号码{shown}{reason}。请重新输入申请编号（如 YBCZ…）或18位身份证号码。")
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
            dispatcher.utter_message(text="请输入预留手机号码的后四位数字（4位）。", json_message={"pii_expect": "phone_last4"})
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
            shown = f"（{masked}）" if masked else ""
            dispatcher.utter_message(text=f"身份证号码{shown}{reason}，请重新输入18位身份证号码。")
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
        dispatcher.utter_message(text="信息核验未通过，无法查询。" + refusal_reply(tracker, verdict))
    else:
        dispatcher.utter_message(
            text=f"信息核验未通过，无法查询。请核对后重新发起查询（还可尝试{verdict.remaining}次）。如有疑问请联系参保地医保经办机构。"
        )
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
            dispatcher.utter_message(text=status_text(app))
        if len(apps) > 5:
            dispatcher.utter_message(text=f"另有{len(apps) - 5}件申请，可提供申请编号逐件查询。")
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
        enrollments = s.enrollments_of(person.id)
        head = f"参保人 {name_key[0]}（身份证号 {id_key[1]}）的参保情况："
        if not enrollments:
            dispatcher.utter_message(text=head + "\n系统中没有参保记录。如有疑问请联系参保地医保经办机构。")
        else:
            lines = [head] + [enrollment_text(e) for e in enrollments]
            dispatcher.utter_message(text="\n".join(lines))
        return clear_lookup()


# ---------------------------------------------------------------------------------------------
# Wording (masked values only)


def _d(value: Optional[Any]) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def status_text(app: Any) -> str:
    """One application's status: step, dates, expected completion, overdue, missing materials."""
    lines = [
        f"申请编号 {app.number}：{app.item_name}" + (f" · {app.variant}" if app.variant else ""),
        f"当前状态：{app.status}（{app.region_name}，{app.channel}提交于 {_d(app.submitted_at)}）",
    ]
    if app.status == "不予受理" and app.reason:
        lines.append(f"不予受理原因：{app.reason}")
    if app.status not in ("办结", "不予受理"):
        if app.expected_completion:
            estimate = "（预计，节假日安排未发布，按周末推算）" if app.completion_is_estimate else ""
            lines.append(f"预计办结：{_d(app.expected_completion)}{estimate}；时限依据：{app.time_limit_text}")
            if app.overdue:
                lines.append("提示：已超过承诺办结时限，建议联系经办机构催办或拨打监督电话。")
        elif app.time_limit_text:
            lines.append(f"办理时限：{app.time_limit_text}")
    if app.status == "材料不全" and app.missing_materials:
        lines.append("需补齐的材料（一次性告知）：")
        lines += [f"{i}. {m}" for i, m in enumerate(app.missing_materials, 1)]
        how = hand_in_channels(app)
        if how:
            lines.append(f"补交方式：{how}")
    if app.history:
        lines.append("办理记录：" + "；".join(f"{_d(h.at)} {h.status}" for h in app.history[-4:]))
    return "\n".join(lines)


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
    return f["text"].replace("\n", "；") + "（" + answers.source_line(rec, [f["source"]]) + "）"


def enrollment_text(e: Any) -> str:
    parts = [f"{e.region_name} {e.insurance_type}（{e.personnel_category}）：{e.status}", f"自 {_d(e.since)} 起"]
    if e.unit:
        parts.append(f"参保单位：{e.unit}")
    if e.last_paid_month:
        parts.append(f"最近缴费月份：{e.last_paid_month}")
    return "，".join(parts)
