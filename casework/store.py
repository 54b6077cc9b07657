"""CaseworkStore: the one adapter the assistant's actions (and the staff CLI) use.

Every method returns small frozen dataclasses (never ORM objects) and never raises for "not found"
(None, an empty list or a result with ``ok=False`` instead), so callers across the boundary need no
try/except. Lookups take keyed hashes (:func:`casework.privacy.hmac_of`), never raw ID numbers or
names; logs carry application numbers, statuses and hash prefixes only.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from casework import deadlines
from casework.kb import KbReader
from casework.lookup_guard import LookupGuard
from casework.privacy import hmac_of, mask_id, mask_name
from casework.schema import (
    Application,
    ApplicationEvent,
    Enrollment,
    Person,
    create_schema,
    make_engine,
)

log = logging.getLogger(__name__)

#: The guide's main flow; the step number shown to users counts along it.
MAIN_FLOW = ("申请", "受理", "审核", "办结")
#: Allowed moves (the guides: 材料不全 is told once at 受理/审核; handing them in returns to 受理).
TRANSITIONS: Dict[str, Tuple[str, ...]] = {
    "申请": ("受理", "不予受理"),
    "受理": ("审核", "不予受理", "材料不全"),
    "审核": ("办结", "材料不全"),
    "材料不全": ("受理",),
    "办结": (),
    "不予受理": (),
}
FINAL = ("办结", "不予受理")
#: What the current status means for the applicant (shown as the current step).
STEP_TEXT = {
    "申请": "已提交申请，等待经办机构受理",
    "受理": "已受理，等待审核",
    "审核": "审核中",
    "办结": "已办结",
    "不予受理": "不予受理，办理结束",
    "材料不全": "材料不全，等待申请人补齐材料后重新受理",
}


@dataclass(frozen=True)
class EventView:
    """One history entry."""

    at: dt.datetime
    status: str
    note: Optional[str]
    actor: str


@dataclass(frozen=True)
class ApplicationView:
    """An application's status view: current step, history, expected completion, overdue flag."""

    number: str
    person_id: int
    item_code: Optional[str]
    item_name: str
    variant: Optional[str]
    region_key: str
    region_name: str
    channel: str
    submitted_at: dt.datetime
    status: str
    current_step: str
    step_no: Optional[int]  # position in 申请→受理→审核→办结, None for the side exits
    reason: Optional[str]
    missing_materials: Tuple[str, ...]
    time_limit_text: str
    limit_unit: Optional[str]
    limit_days: Optional[int]
    expected_completion: Optional[dt.date]
    completion_is_estimate: bool
    overdue: bool
    history: Tuple[EventView, ...]


@dataclass(frozen=True)
class PersonView:
    """A person as callers may see them: masked values only."""

    id: int
    masked_id: str
    masked_name: str
    region_key: str


@dataclass(frozen=True)
class EnrollmentView:
    """One enrollment."""

    person_id: int
    region_key: str
    region_name: str
    insurance_type: str
    personnel_category: str
    status: str
    since: dt.date
    unit: Optional[str]
    last_paid_month: Optional[str]


@dataclass(frozen=True)
class AdvanceResult:
    """Outcome of :meth:`CaseworkStore.advance`: ``error`` is a Chinese message when ``ok`` is False."""

    ok: bool
    error: Optional[str] = None
    application: Optional[ApplicationView] = None


@dataclass(frozen=True)
class ListingRow:
    """One application with its person's raw data, for the staff/test CLI (``list``) only."""

    application: ApplicationView
    id_number: str
    name: str
    phone_last4: str


@dataclass(frozen=True)
class PersonRow:
    """One person with raw data and enrollments, for the staff/test CLI (``list --persons``) only."""

    person_id: int
    id_number: str
    name: str
    phone_last4: str
    region_key: str
    enrollments: Tuple[EnrollmentView, ...]
    application_numbers: Tuple[str, ...]


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)


class CaseworkStore:
    """The case-work system behind one small client class.

    Args:
        engine: the store's engine (default: CASEWORK_DATABASE_URL or the SQLite file).
        kb_engine: the KB engine (default: KB_DATABASE_URL or the KB's SQLite file); read for region
            names and, in :meth:`advance`, for the item's material texts.
        today: the clock used for overdue flags (tests pass a fixed date).
    """

    def __init__(
        self,
        engine: Optional[Engine] = None,
        kb_engine: Optional[Engine] = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.engine = engine or make_engine()
        create_schema(self.engine)
        self._kb_engine = kb_engine
        self._kb: Optional[KbReader] = None
        self._guard: Optional[LookupGuard] = None
        self.today = today

    # -- helpers ------------------------------------------------------------------------------

    @property
    def kb(self) -> KbReader:
        """The KB reader, created on first use (lookups that need no KB never open it)."""
        if self._kb is None:
            self._kb = KbReader(self._kb_engine)
        return self._kb

    def _session(self) -> Session:
        return Session(self.engine, future=True)

    def _region_name(self, key: str) -> str:
        try:
            return self.kb.region_names().get(key, key)
        except Exception:  # KB unreachable: the key still identifies the region
            log.warning("KB unavailable for region names", exc_info=True)
            return key

    def _view(self, app: Application) -> ApplicationView:
        due = app.expected_completion
        overdue = (
            app.status not in FINAL
            and app.status != "材料不全"  # the clock waits for the applicant
            and deadlines.is_overdue(deadlines.Deadline(due, app.completion_is_estimate, ""), self.today())
        )
        return ApplicationView(
            number=app.number,
            person_id=app.person_id,
            item_code=app.item_code,
            item_name=app.item_name,
            variant=app.variant,
            region_key=app.region_key,
            region_name=self._region_name(app.region_key),
            channel=app.channel,
            submitted_at=app.submitted_at,
            status=app.status,
            current_step=STEP_TEXT.get(app.status, app.status),
            step_no=MAIN_FLOW.index(app.status) + 1 if app.status in MAIN_FLOW else None,
            reason=app.reason,
            missing_materials=tuple(app.missing_materials or ()),
            time_limit_text=app.time_limit_text or "",
            limit_unit=app.limit_unit,
            limit_days=app.limit_days,
            expected_completion=due,
            completion_is_estimate=bool(app.completion_is_estimate),
            overdue=overdue,
            history=tuple(EventView(e.at, e.status, e.note, e.actor) for e in app.events),
        )

    def _enrollment_view(self, e: Enrollment) -> EnrollmentView:
        return EnrollmentView(
            person_id=e.person_id,
            region_key=e.region_key,
            region_name=self._region_name(e.region_key),
            insurance_type=e.insurance_type,
            personnel_category=e.personnel_category,
            status=e.status,
            since=e.since,
            unit=e.unit,
            last_paid_month=e.last_paid_month,
        )

    # -- lookups ------------------------------------------------------------------------------

    def find_application(self, number: str) -> Optional[ApplicationView]:
        """The application with this number (case-insensitive), or None."""
        with self._session() as s:
            app = s.scalars(
                select(Application)
                .options(selectinload(Application.events))
                .where(Application.number == (number or "").strip().upper())
            ).first()
            return self._view(app) if app else None

    def find_person(self, id_hmac: str) -> Optional[PersonView]:
        """The person whose ID number hashes to ``id_hmac``, or None."""
        with self._session() as s:
            p = s.scalars(select(Person).where(Person.id_hmac == id_hmac)).first()
            if p is None:
                return None
            return PersonView(p.id, mask_id(p.id_number), mask_name(p.name), p.region_key)

    def applications_of(self, person_id: int) -> List[ApplicationView]:
        """A person's applications, newest first."""
        with self._session() as s:
            apps = s.scalars(
                select(Application)
                .options(selectinload(Application.events))
                .where(Application.person_id == person_id)
                .order_by(Application.submitted_at.desc(), Application.id.desc())
            )
            return [self._view(a) for a in apps]

    def enrollments_of(self, person_id: int) -> List[EnrollmentView]:
        """A person's enrollments, current ones first (参保中, 暂停, 终止), then newest first."""
        order = {"参保中": 0, "暂停": 1, "终止": 2}
        with self._session() as s:
            rows = list(s.scalars(select(Enrollment).where(Enrollment.person_id == person_id)))
            rows.sort(key=lambda e: (order.get(e.status, 9), -e.since.toordinal()))
            return [self._enrollment_view(e) for e in rows]

    def check_second_factor_phone(self, person_id: int, last4_hmac: str) -> bool:
        """Whether ``last4_hmac`` is the keyed hash of the last 4 digits of the phone on file."""
        with self._session() as s:
            p = s.get(Person, person_id)
            if p is None or not p.phone or len(p.phone) < 4:
                return False
            return _same(hmac_of(p.phone[-4:]), last4_hmac)

    def check_name(self, person_id: int, name_hmac: str) -> bool:
        """Whether ``name_hmac`` is the keyed hash of the name on file."""
        with self._session() as s:
            p = s.get(Person, person_id)
            return p is not None and _same(p.name_hmac, name_hmac)

    # -- staff moves ----------------------------------------------------------------------------

    def advance(
        self,
        number: str,
        to_status: str,
        missing: Optional[Sequence[str]] = None,
        reason: Optional[str] = None,
        actor: str = "staff",
        note: Optional[str] = None,
        at: Optional[dt.datetime] = None,
    ) -> AdvanceResult:
        """Move an application to ``to_status`` and record the move in its history.

        Allowed: 申请→受理→审核→办结; 申请/受理→不予受理 (``reason`` required); 受理/审核→材料不全
        (``missing`` required, each an exact material text of the application's KB item);
        材料不全→受理 (the materials were handed in; the missing list is cleared). Nothing else is
        recomputed (the expected completion date stays as set at submission).

        Args:
            number: the application number.
            to_status: the new status.
            missing: the missing materials (材料不全 only).
            reason: why it is not accepted (不予受理 only).
            actor: who moves it (recorded in the history).
            note: free text for the history.
            at: when (default: now).

        Returns:
            AdvanceResult with the new view, or ok=False and a Chinese error; nothing is changed then.
        """
        missing_list = [m.strip() for m in (missing or []) if m and m.strip()]
        reason = (reason or "").strip() or None
        with self._session() as s:
            app = s.scalars(
                select(Application)
                .options(selectinload(Application.events))
                .where(Application.number == (number or "").strip().upper())
            ).first()
            if app is None:
                return AdvanceResult(False, f"未找到申请编号 {number}。")
            allowed = TRANSITIONS.get(app.status, ())
            if to_status not in allowed:
                options = "、".join(allowed) if allowed else "无（办理已结束）"
                return AdvanceResult(
                    False, f"不能从“{app.status}”变为“{to_status}”。当前状态可变为：{options}。"
                )
            if to_status == "不予受理" and not reason:
                return AdvanceResult(False, "不予受理须写明理由（--reason）。")
            if reason and to_status != "不予受理":
                return AdvanceResult(False, "只有不予受理需要填写理由。")
            if missing_list and to_status != "材料不全":
                return AdvanceResult(False, "只有材料不全需要列出缺少的材料。")
            if to_status == "材料不全":
                error = self._check_missing(app, missing_list)
                if error:
                    return AdvanceResult(False, error)
            previous = app.status
            app.status = to_status
            if to_status == "不予受理":
                app.reason = reason
            if to_status == "材料不全":
                app.missing_materials = missing_list
                note = note or "需补齐：" + "；".join(missing_list)
            if previous == "材料不全":
                note = note or "已补齐：" + "；".join(app.missing_materials or [])
                app.missing_materials = None
            if to_status == "不予受理":
                note = note or f"理由：{reason}"
            event_at = at or dt.datetime.now()
            s.add(ApplicationEvent(application=app, at=event_at, status=to_status, note=note, actor=actor))
            s.commit()
            s.refresh(app)
            log.info("application %s: %s -> %s by %s", app.number, previous, to_status, actor)
            return AdvanceResult(True, None, self._view(app))

    def _check_missing(self, app: Application, missing: List[str]) -> Optional[str]:
        if not missing:
            return "材料不全须列出缺少的材料（--missing，每项为办事指南所列材料原文）。"
        try:
            item = self.kb.find(app.region_key, app.item_code, app.item_name, app.variant)
        except Exception:
            log.warning("KB unavailable while checking materials of %s", app.number, exc_info=True)
            return "暂时无法读取知识库中的办理材料，请稍后再试。"
        if item is None:
            return f"知识库中找不到该申请的事项（{app.item_name}），无法核对材料。"
        unknown = [m for m in missing if m not in item.materials]
        if unknown:
            listed = "\n".join(f"  - {m}" for m in item.materials) or "  （指南未列材料）"
            return "以下材料不是该事项办事指南所列材料原文：" + "；".join(unknown) + "\n可选材料：\n" + listed
        return None

    # -- lookup guard ---------------------------------------------------------------------------

    @property
    def guard(self) -> LookupGuard:
        """Attempts and locks of identity-checked lookups, kept in this store's database."""
        if self._guard is None:
            self._guard = LookupGuard(self.engine)
        return self._guard

    @staticmethod
    def application_target(number: str) -> str:
        """The lookup-guard target of an application number (keyed hash, never the number)."""
        return hmac_of(f"app:{(number or '').strip().upper()}")

    @staticmethod
    def person_target(person_id: int) -> str:
        """The lookup-guard target of a person, whichever key (ID or application number) led there."""
        return hmac_of(f"person:{person_id}")

    # -- staff / test listings (raw values: never for the assistant's replies) ----------------

    def count_persons(self) -> int:
        """How many persons the store holds (``demo`` fills only an empty store)."""
        with self._session() as s:
            return int(s.scalar(select(func.count(Person.id))) or 0)

    def listing(self, region: Optional[str] = None, status: Optional[str] = None) -> List[ListingRow]:
        """Applications with their person's raw data, for the staff CLI and tests."""
        with self._session() as s:
            stmt = (
                select(Application)
                .options(selectinload(Application.events), selectinload(Application.person))
                .order_by(Application.number)
            )
            if region:
                stmt = stmt.where(Application.region_key == region)
            if status:
                stmt = stmt.where(Application.status == status)
            return [
                ListingRow(self._view(a), a.person.id_number, a.person.name, (a.person.phone or "")[-4:])
                for a in s.scalars(stmt)
            ]

    def person_listing(self, region: Optional[str] = None) -> List[PersonRow]:
        """Persons with raw data, enrollments and application numbers, for the staff CLI and tests."""
        with self._session() as s:
            stmt = (
                select(Person)
                .options(selectinload(Person.enrollments), selectinload(Person.applications))
                .order_by(Person.id)
            )
            if region:
                stmt = stmt.where(Person.region_key == region)
            return [
                PersonRow(
                    person_id=p.id,
                    id_number=p.id_number,
                    name=p.name,
                    phone_last4=(p.phone or "")[-4:],
                    region_key=p.region_key,
                    enrollments=tuple(self._enrollment_view(e) for e in p.enrollments),
                    application_numbers=tuple(sorted(a.number for a in p.applications)),
                )
                for p in s.scalars(stmt)
            ]
