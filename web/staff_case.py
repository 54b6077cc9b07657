"""A staff member looks an application up: the same two factors, lock rules and wording as the bot.

The caller gives the application number and the last four digits of the phone on file; only when both
match is the status shown, masked exactly as the bot shows it (``actions.answers``). Attempts count
against the same per-target locks as the bot's (``casework`` lookup guard), with the staff member as
the asking party, so a caller cannot try numbers through an agent either.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Tuple

from actions import answers
from actions.lookups import hand_in_channels, store
from casework.privacy import hmac_of
from web.staff import Staff

NUMBER = re.compile(r"^[A-Z]{2,8}\d{6,20}$")


def look_up(staff: Staff, number: str, last4: str) -> Tuple[str, str]:
    """(outcome for the audit log: shown / refused / locked / malformed, the words to show)."""
    if not NUMBER.match(number or "") or not re.fullmatch(r"\d{4}", last4 or ""):
        return "malformed", "请输入完整的申请编号（如 YBCZ2026…）和 4 位数字的手机号码后四位。"
    cases = store()
    asker = hmac_of(f"staff:{staff.name}")
    app = cases.find_application(number)
    targets = [cases.application_target(number)] + ([cases.person_target(app.person_id)] if app else [])
    now = datetime.now()
    verdict = cases.guard.check(asker, targets, now)
    if not verdict.allowed:
        return "locked", answers.lookup_refusal(verdict.reason, verdict.until, None)
    ok = app is not None and cases.check_second_factor_phone(app.person_id, hmac_of(last4))
    verdict = cases.guard.record(asker, targets, ok, now)
    if not ok:
        if not verdict.allowed:
            return "locked", answers.LOOKUP_FAILED + answers.lookup_refusal(verdict.reason, verdict.until, None)
        return "refused", answers.lookup_failed(verdict.remaining)
    return "shown", answers.application_status(app, hand_in_channels(app))
