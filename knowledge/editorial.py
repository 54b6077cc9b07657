"""Editors' reviewed changes to the knowledge base: propose → review by another person → publish.

The guides stay as printed: a published change is kept apart from them, in the project's own
database (the staff accounts' database, whose roles decide who may do what), and laid over the
records the KB builds from the guides whenever an answer reads them (:func:`apply_changes`). So a
change survives ``make kb``, an answer can say the bureau updated the field on a date instead of
quoting the guide's lines, and a revert brings the guide's text back the same reviewed way.

Every step — proposal, review, publish, revert, import, calendar — writes an audit row; the audit
table refuses UPDATE and DELETE at the database (a trigger on SQLite and on PostgreSQL), so the
history cannot be edited through the app or by a stray script.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import Column, DateTime, Integer, String, Text, create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from knowledge import extract
from knowledge.extract import clean_entry

EditorialBase = declarative_base()

#: Where editorial changes live unless ``EDITORIAL_DATABASE_URL`` says otherwise: with the staff
#: accounts (``STAFF_DATABASE_URL``, else web/generated/staff.sqlite3), whose roles they check.
DEFAULT_DB_PATH = Path(__file__).resolve().parents[1] / "web" / "generated" / "staff.sqlite3"

#: The export fields an editor may change, with the guides' heading for each.
EDITABLE_FIELDS: Dict[str, str] = {
    "target": "服务对象", "unit": "受理单位", "channels": "办理渠道", "process": "办理流程",
    "materials": "办理材料", "time_limit": "办理时限", "query": "查询方式", "consult": "咨询方式",
    "supervision": "监督方式", "contact": "联系方式", "evaluation": "评价方式", "legal_basis": "设定依据",
}

#: Which roles may do what (staff roles of the console: agent, village, editor, reviewer, admin).
RIGHTS: Dict[str, frozenset] = {
    "propose": frozenset({"editor", "admin"}),
    "review": frozenset({"reviewer", "admin"}),
    "publish": frozenset({"reviewer", "admin"}),
}
ACTION_NAMES = {"propose": "提出修改", "review": "审核", "publish": "发布"}

#: Change kinds: a field of a record, the undoing of a published one, a year's holiday calendar,
#: a new edition of a guide.
FIELD, REVERT, HOLIDAYS, EDITION = "field", "revert", "holidays", "edition"
#: Change states.
PROPOSED, APPROVED, REJECTED, PUBLISHED, REVERTED = "proposed", "approved", "rejected", "published", "reverted"
STATUS_NAMES = {PROPOSED: "待审核", APPROVED: "已批准待发布", REJECTED: "已驳回", PUBLISHED: "已发布", REVERTED: "已撤回"}

#: An edited field's source as the records carry it ("edit:12:2026-12-06"); answers render it.
EDIT_SOURCE = re.compile(r"^edit:(?P<id>\d+):(?P<date>\d{4}-\d{2}-\d{2})$")


class KbChange(EditorialBase):
    """One proposed change, with its review and publication."""

    __tablename__ = "kb_changes"
    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    region_key = Column(String(32))
    item_key = Column(String(200))
    variant = Column(String(200), nullable=False, default="")
    label = Column(Text)  # region and item as people read them
    guide = Column(String(16))  # the guide the changed record came from (a new edition supersedes it)
    field = Column(String(32))
    before = Column(Text)  # the live text when proposed: publishing checks it is still live
    after = Column(Text)
    reason = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default=PROPOSED)
    proposed_by = Column(String(64), nullable=False)
    proposed_at = Column(DateTime, nullable=False)
    reviewed_by = Column(String(64))
    reviewed_at = Column(DateTime)
    published_by = Column(String(64))
    published_at = Column(DateTime)
    reverts = Column(Integer)  # the change a revert undoes
    payload = Column(Text)  # JSON: a calendar year, an edition's text and diff


class KbPublish(EditorialBase):
    """One publication; its id is the version readers compare to notice new changes."""

    __tablename__ = "kb_publications"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    by = Column(String(64), nullable=False)
    changes = Column(Text, nullable=False)  # comma-separated change ids


class KbAudit(EditorialBase):
    """Who did what, when, to what (before / after) and why. Append-only."""

    __tablename__ = "kb_audit"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    who = Column(String(64), nullable=False)
    action = Column(String(16), nullable=False)
    change_id = Column(Integer)
    target = Column(Text)
    before = Column(Text)
    after = Column(Text)
    why = Column(Text)


_APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS kb_audit_no_update BEFORE UPDATE ON kb_audit "
        "BEGIN SELECT RAISE(ABORT, 'kb_audit is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS kb_audit_no_delete BEFORE DELETE ON kb_audit "
        "BEGIN SELECT RAISE(ABORT, 'kb_audit is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION kb_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'kb_audit is append-only'; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS kb_audit_append_only ON kb_audit",
        "CREATE TRIGGER kb_audit_append_only BEFORE UPDATE OR DELETE ON kb_audit "
        "FOR EACH ROW EXECUTE FUNCTION kb_audit_append_only()",
    ],
}


def database_url() -> str:
    return (
        os.environ.get("EDITORIAL_DATABASE_URL")
        or os.environ.get("STAFF_DATABASE_URL")
        or f"sqlite:///{DEFAULT_DB_PATH}"
    )


_engines: Dict[str, Engine] = {}


def make_engine(url: Optional[str] = None) -> Engine:
    """The editorial database, its tables and the audit's append-only triggers created if missing."""
    url = url or database_url()
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _wait_for_locks(conn, _record):  # the web app, the action server and the CLI share the file
            conn.execute("PRAGMA busy_timeout = 5000")
    EditorialBase.metadata.create_all(engine)
    with engine.begin() as conn:
        for statement in _APPEND_ONLY.get(engine.dialect.name, []):
            conn.execute(text(statement))
    _engines[url] = engine
    return engine


class EditorialError(ValueError):
    """A refused step, said in one Chinese sentence (the CLI exits 2 with it)."""


@dataclass(frozen=True)
class Target:
    """The record a field change is about."""

    region_key: str
    item_key: str
    variant: str  # "" for an item with one variant
    label: str = ""  # how people read it: 郴州市 · 异地安置退休人员备案
    guide: str = ""  # the guide (edition) the record came from: a change lapses with a new edition


#: The live value of a target's field (the guide's text with published changes laid over).
LiveValue = Callable[[Target, str], str]
#: A user's role, None for an unknown user.
RoleOf = Callable[[str], Optional[str]]


def parse_dates(text: str) -> List[dt.date]:
    """Dates typed one per line or separated by commas or spaces (YYYY-MM-DD), or a refusal."""
    out = []
    for part in re.split(r"[\s,，、；;]+", text or ""):
        if part:
            try:
                out.append(dt.date.fromisoformat(part))
            except ValueError:
                raise EditorialError(f"“{part[:20]}”不是 YYYY-MM-DD 格式的日期。") from None
    return out


def now() -> dt.datetime:
    """The server's local time (the bureau's): what editors read in the history and answers' dates."""
    return dt.datetime.now().replace(microsecond=0)


class Editorial:
    """The reviewed-change workflow over one database.

    ``role_of`` answers a user's role (the staff accounts); ``live_value`` the current text of a
    record's field, so a change to a record changed since it was proposed is refused.
    """

    def __init__(self, engine: Optional[Engine] = None, role_of: Optional[RoleOf] = None,
                 live_value: Optional[LiveValue] = None,
                 on_publish: Optional[Callable[[List[Dict[str, Any]]], None]] = None) -> None:
        self.engine = engine or make_engine()
        self.role_of = role_of or (lambda name: None)
        self.live_value = live_value
        self.on_publish = on_publish  # after a publication commits (an edition rebuilds the KB)

    # -- rights ---------------------------------------------------------------------------------
    def check_right(self, who: str, action: str) -> None:
        role = self.role_of(who)
        if role is None:
            raise EditorialError(f"没有名为“{who}”的工作人员账号。")
        if role not in RIGHTS[action]:
            allowed = "、".join(sorted(RIGHTS[action]))
            raise EditorialError(f"{who}（{role}）没有{ACTION_NAMES[action]}的权限，需由 {allowed} 角色办理。")

    def _audit(self, session: Session, who: str, action: str, change: Optional[KbChange], why: str = "",
               before: Optional[str] = None, after: Optional[str] = None, at: Optional[dt.datetime] = None) -> None:
        session.add(KbAudit(
            at=at or now(), who=who, action=action, change_id=change.id if change else None,
            target=describe(change) if change else "", before=before, after=after, why=why,
        ))

    # -- proposing ------------------------------------------------------------------------------
    def propose(self, target: Target, field: str, new_text: str, by: str, reason: str) -> int:
        """Propose ``field`` of ``target`` be ``new_text``; returns the change id."""
        self.check_right(by, "propose")
        if field not in EDITABLE_FIELDS:
            raise EditorialError(f"未知字段“{field}”：可修改的字段有 {'、'.join(EDITABLE_FIELDS)}。")
        new_text = (new_text or "").strip()
        if not new_text:
            raise EditorialError("修改后的内容不能为空。")
        if not (reason or "").strip():
            raise EditorialError("请写明修改理由（如依据的文件或通知）。")
        before = self._live(target, field)
        if before == new_text:
            raise EditorialError("修改后的内容与现行内容相同，无需修改。")
        return self._add(KbChange(
            kind=FIELD, region_key=target.region_key, item_key=target.item_key, variant=target.variant,
            label=target.label, guide=target.guide or None, field=field, before=before, after=new_text,
            reason=reason.strip(), proposed_by=by,
        ))

    def propose_revert(self, change_id: int, by: str, reason: str) -> int:
        """Propose undoing a published field change (reviewed like any other change)."""
        self.check_right(by, "propose")
        if not (reason or "").strip():
            raise EditorialError("请写明撤回理由。")
        with Session(self.engine, future=True) as session:
            change = session.get(KbChange, change_id)
            if change is None or change.kind != FIELD:
                raise EditorialError(f"没有编号为 {change_id} 的字段修改。")
            if change.status != PUBLISHED:
                raise EditorialError(f"修改 #{change_id} 状态为“{STATUS_NAMES.get(change.status, change.status)}”，只有已发布的修改可以撤回。")
            target = Target(change.region_key, change.item_key, change.variant, change.label or "", change.guide or "")
            field, before, after = change.field, change.after, change.before
        if self._live(target, field) != before:
            raise EditorialError(f"修改 #{change_id} 的内容已被后来的修改替换，不能单独撤回。")
        return self._add(KbChange(
            kind=REVERT, region_key=target.region_key, item_key=target.item_key, variant=target.variant,
            label=target.label, guide=target.guide or None, field=field, before=before, after=after,
            reason=reason.strip(), proposed_by=by, reverts=change_id,
        ))

    def propose_holidays(self, year: int, holidays: Sequence[dt.date], workdays: Sequence[dt.date], by: str,
                         reason: str) -> int:
        """Propose the official holiday schedule of ``year`` (days off, weekend days worked)."""
        self.check_right(by, "propose")
        if not (reason or "").strip():
            raise EditorialError("请写明依据（如《国务院办公厅关于某年部分节假日安排的通知》）。")
        if not holidays:
            raise EditorialError("请至少列出一天法定节假日。")
        days = sorted(set(holidays)) + sorted(set(workdays))
        if any(d.year != year for d in days):
            raise EditorialError(f"所列日期须都在 {year} 年内。")
        if set(holidays) & set(workdays):
            raise EditorialError("同一天不能既是节假日又是调休上班日。")
        payload = {"year": year, "holidays": [d.isoformat() for d in sorted(set(holidays))],
                   "workdays": [d.isoformat() for d in sorted(set(workdays))]}
        published = published_holidays(self.engine).get(year)
        before = json.dumps(published, ensure_ascii=False) if published is not None else None
        return self._add(KbChange(
            kind=HOLIDAYS, field="holidays", before=before, after=json.dumps(payload, ensure_ascii=False),
            reason=reason.strip(), proposed_by=by, payload=json.dumps(payload, ensure_ascii=False),
        ))

    def propose_edition(self, region_key: str, edition: str, effective: dt.date, file_name: str, guide_text: str,
                        diff: Dict[str, Any], by: str, reason: str, label: str = "") -> int:
        """Propose a new edition of a region's guide (its text and its diff against the live KB)."""
        self.check_right(by, "propose")
        payload = {"edition": edition, "effective": effective.isoformat(), "file": file_name, "text": guide_text, "diff": diff}
        return self._add(KbChange(
            kind=EDITION, region_key=region_key, label=label or region_key, field="edition", before=None,
            after=f"{edition}（{effective.isoformat()}起施行）", reason=(reason or "").strip() or f"导入新版指南 {edition}",
            proposed_by=by, payload=json.dumps(payload, ensure_ascii=False),
        ))

    def _add(self, change: KbChange) -> int:
        with Session(self.engine, future=True) as session, session.begin():
            change.proposed_at = now()
            change.status = PROPOSED
            session.add(change)
            session.flush()
            self._audit(session, change.proposed_by, "import" if change.kind == EDITION else
                        ("revert" if change.kind == REVERT else "propose"), change, change.reason,
                        before=change.before, after=change.after, at=change.proposed_at)
            return change.id

    def _live(self, target: Target, field: str) -> str:
        if self.live_value is None:
            raise EditorialError("无法读取知识库的现行内容。")
        return self.live_value(target, field)

    # -- reviewing and publishing ---------------------------------------------------------------
    def review(self, change_id: int, approve: bool, by: str, note: str = "") -> None:
        self.check_right(by, "review")
        with Session(self.engine, future=True) as session, session.begin():
            change = session.get(KbChange, change_id)
            if change is None:
                raise EditorialError(f"没有编号为 {change_id} 的修改。")
            if change.status != PROPOSED:
                raise EditorialError(f"修改 #{change_id} 状态为“{STATUS_NAMES.get(change.status, change.status)}”，不能再审核。")
            if change.proposed_by == by:
                raise EditorialError(f"修改 #{change_id} 由 {by} 本人提出，须由另一位审核人审核。")
            if approve:
                self._check_still_live(change)
            change.status = APPROVED if approve else REJECTED
            change.reviewed_by, change.reviewed_at = by, now()
            self._audit(session, by, "approve" if approve else "reject", change, note,
                        before=change.before, after=change.after, at=change.reviewed_at)

    def publish(self, by: str) -> List[int]:
        """Make every approved change live; returns their ids (an empty list: nothing to publish)."""
        self.check_right(by, "publish")
        with Session(self.engine, future=True) as session, session.begin():
            approved = list(session.scalars(select(KbChange).where(KbChange.status == APPROVED).order_by(KbChange.id)))
            if not approved:
                return []
            seen: Dict[Tuple[Any, ...], int] = {}
            for change in approved:
                self._check_still_live(change)
                if change.kind in (FIELD, REVERT):  # two approved changes to one field: which is meant?
                    spot = (change.region_key, change.item_key, change.variant, change.field)
                    if spot in seen:
                        raise EditorialError(f"修改 #{seen[spot]} 和 #{change.id} 改的是同一字段，请驳回其中一项后再发布。")
                    seen[spot] = change.id
            at = now()
            for change in approved:
                change.status, change.published_by, change.published_at = PUBLISHED, by, at
                if change.kind == REVERT:
                    undone = session.get(KbChange, change.reverts)
                    undone.status = REVERTED
                self._audit(session, by, "publish", change, change.reason, before=change.before, after=change.after, at=at)
            session.add(KbPublish(at=at, by=by, changes=",".join(str(c.id) for c in approved)))
            done = [as_dict(c) for c in approved]
        if self.on_publish is not None:
            self.on_publish(done)
        return [c["id"] for c in done]

    def _check_still_live(self, change: KbChange) -> None:
        if change.kind not in (FIELD, REVERT) or self.live_value is None:
            return
        live = self.live_value(Target(change.region_key, change.item_key, change.variant), change.field)
        if live != change.before:
            raise EditorialError(f"修改 #{change.id} 提出后，该记录的“{EDITABLE_FIELDS[change.field]}”已被改动，请按现行内容重新提出。")

    # -- reading --------------------------------------------------------------------------------
    def change(self, change_id: int) -> Optional[Dict[str, Any]]:
        with Session(self.engine, future=True) as session:
            c = session.get(KbChange, change_id)
            return as_dict(c) if c else None

    def changes(self, status: Optional[str] = None) -> List[Dict[str, Any]]:
        with Session(self.engine, future=True) as session:
            q = select(KbChange).order_by(KbChange.id.desc())
            if status:
                q = q.where(KbChange.status == status)
            return [as_dict(c) for c in session.scalars(q)]

    def history(self) -> List[Dict[str, Any]]:
        with Session(self.engine, future=True) as session:
            rows = session.scalars(select(KbAudit).order_by(KbAudit.id))
            return [{"id": a.id, "at": a.at.isoformat(sep=" "), "who": a.who, "action": a.action, "change": a.change_id,
                     "target": a.target, "before": a.before, "after": a.after, "why": a.why} for a in rows]


def as_dict(c: KbChange) -> Dict[str, Any]:
    out = {k: getattr(c, k) for k in ("id", "kind", "region_key", "item_key", "variant", "field", "before", "after",
                                       "reason", "status", "proposed_by", "reviewed_by", "published_by", "reverts")}
    for k in ("proposed_at", "reviewed_at", "published_at"):
        v = getattr(c, k)
        out[k] = v.isoformat(sep=" ") if v else None
    out["status_name"] = STATUS_NAMES.get(c.status, c.status)
    out["field_name"] = EDITABLE_FIELDS.get(c.field or "", c.field)
    out["target"] = describe(c)
    if c.kind == EDITION and c.payload:
        payload = json.loads(c.payload)
        out["edition"] = {k: payload[k] for k in ("edition", "effective", "file")}
        out["diff"] = payload["diff"]
    return out


def describe(c: KbChange) -> str:
    if c.kind == HOLIDAYS:
        return f"节假日安排 {json.loads(c.payload)['year']}年"
    if c.kind == EDITION:
        return f"{c.label or c.region_key} · 指南新版本"
    where = c.label or f"{c.region_key} · {c.item_key}"
    return f"{where}{' · ' + c.variant if c.variant else ''} · {EDITABLE_FIELDS.get(c.field or '', c.field)}"


# ---------------------------------------------------------------------------------------------
# What readers of the KB ask: the version, the live changes, the calendar


def version(engine: Engine) -> int:
    """The latest publication's id (0 before any): readers reload when it moves."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(KbPublish.id))).scalar() or 0


def live_changes(engine: Engine) -> Dict[Tuple[str, str, str], Dict[str, Dict[str, Any]]]:
    """(region, item, variant) → field → the published change in force (the latest not reverted)."""
    out: Dict[Tuple[str, str, str], Dict[str, Dict[str, Any]]] = {}
    with Session(engine, future=True) as session:
        rows = session.scalars(
            select(KbChange).where(KbChange.kind == FIELD, KbChange.status == PUBLISHED).order_by(KbChange.published_at, KbChange.id)
        )
        for c in rows:
            out.setdefault((c.region_key, c.item_key, c.variant or ""), {})[c.field] = {
                "id": c.id, "text": c.after, "date": c.published_at.date().isoformat(), "guide": c.guide,
            }
    return out


def published_holidays(engine: Engine) -> Dict[int, Dict[str, List[str]]]:
    """year → {holidays, workdays}: the latest published schedule of each year."""
    out: Dict[int, Dict[str, List[str]]] = {}
    with Session(engine, future=True) as session:
        rows = session.scalars(
            select(KbChange).where(KbChange.kind == HOLIDAYS, KbChange.status == PUBLISHED).order_by(KbChange.published_at, KbChange.id)
        )
        for c in rows:
            payload = json.loads(c.payload)
            out[int(payload["year"])] = {"holidays": payload["holidays"], "workdays": payload["workdays"]}
    return out


def published_editions(engine: Engine) -> List[Dict[str, Any]]:
    """Every published guide edition, oldest first: region, edition, effective date, file, text."""
    with Session(engine, future=True) as session:
        rows = session.scalars(
            select(KbChange).where(KbChange.kind == EDITION, KbChange.status == PUBLISHED).order_by(KbChange.published_at, KbChange.id)
        )
        return [dict(json.loads(c.payload), region_key=c.region_key, change=c.id) for c in rows]


# ---------------------------------------------------------------------------------------------
# Laying published changes over the records built from the guides


def edit_source(change: Dict[str, Any]) -> str:
    return f"edit:{change['id']}:{change['date']}"


def apply_changes(record: Dict[str, Any], changes: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """``record`` with each changed field's text, structured parts and source replaced (a copy);
    ``record["updated"]`` lists the changes, for answers to say who changed what and when."""
    # a change made to one edition's record lapses when a new edition answers
    changes = {f: c for f, c in (changes or {}).items() if not c.get("guide") or c["guide"] == record.get("guide")}
    if not changes:
        return record
    changed_from = record["fields"]
    record = dict(record, fields=dict(record["fields"]), structured=dict(record["structured"]),
                  updated=list(record.get("updated") or []))
    for field, change in changes.items():
        new, source = change["text"], edit_source(change)
        heading = (record["fields"].get(field) or {}).get("heading") or EDITABLE_FIELDS.get(field, field)
        record[field] = new
        record["fields"][field] = {"heading": heading, "text": new, "source": source}
        entries = [e for e in extract.entries([(i + 1, line) for i, line in enumerate(new.splitlines())]) if not e.is_header]
        structured = record["structured"]
        if field == "materials":
            structured["materials"] = [
                {"kind": "note" if e.is_note else "material", "condition": e.condition, "text": clean_entry(e.text),
                 "source": source, "marker": None} for e in entries
            ]
            record["materials_marker"] = None
            record["materials_numbered"] = _numbered(structured["materials"])
        elif field == "time_limit":
            limit_part = re.split(r"备注[：:]", new.replace("\n", ""), maxsplit=1)[0]
            structured["time_limit"] = [
                {"segment": s.segment, "condition": s.condition, "mode": s.mode, "unit": s.unit, "days": s.days}
                for s in extract.parse_time_limit(limit_part)
            ]
        elif field == "channels":
            structured["channels"] = [
                {"kind": extract.channel_kind(e.text), "names": extract.channel_names(e.text),
                 "text": clean_entry(f"{e.condition}：{e.text}" if e.condition else e.text), "source": source}
                for e in entries if not e.is_note
            ]
        elif field == "process":
            structured["steps"] = [{"title": None, "text": clean_entry(e.text), "source": source} for e in entries if not e.is_note]
        elif field == "legal_basis":
            structured["legal_basis"] = [{"text": line.strip(), "source": source} for line in new.splitlines() if line.strip()]
        if field in ("query", "consult", "supervision", "contact", "evaluation"):
            # the contacts the old field's lines gave (a 联系方式 field gives address, consult and
            # supervision parts) are replaced by the new text's lines
            old_source = (changed_from.get(field) or {}).get("source") or ""
            kept = [c for c in structured.get("contacts") or []
                    if not (c["kind"] == field or _inside(c.get("source") or "", old_source))]
            kept += [{"kind": field, "text": line.strip(), "phones": extract.phones(line), "source": source}
                     for line in new.splitlines() if line.strip()]
            structured["contacts"] = kept
            record["phones"] = sorted({p for c in kept for p in c["phones"]})
        record["updated"].append({"field": field, "field_name": EDITABLE_FIELDS.get(field, field),
                                  "change": change["id"], "date": change["date"]})
    return record


_RANGE = re.compile(r"^(?P<file>[^:]+):(?P<start>\d+)-(?P<end>\d+)$")


def _inside(source: str, outer: str) -> bool:
    """Whether the lines of ``source`` ("file:a-b") lie within those of ``outer``."""
    a, b = _RANGE.match(source), _RANGE.match(outer)
    return bool(a and b and a["file"] == b["file"] and int(b["start"]) <= int(a["start"]) and int(a["end"]) <= int(b["end"]))


def _numbered(materials: Iterable[Dict[str, Any]]) -> str:
    lines: List[str] = []
    condition, n = None, 0
    materials = list(materials)
    for m in materials:
        if m["kind"] != "material":
            continue
        if m["condition"] != condition:
            condition = m["condition"]
            if condition:
                lines.append(f"{condition}：")
            n = 0
        n += 1
        lines.append(f"{n}. {m['text']}")
    notes = [m["text"] for m in materials if m["kind"] == "note"]
    if notes:
        lines.append("备注：" + "；".join(notes))
    return "\n".join(lines)


def cited(source: str) -> Optional[str]:
    """How an answer names an edited field's source ("医保部门2026-12-06更新（修改#12）"); None for a
    source that is not an edit."""
    m = EDIT_SOURCE.match(source or "")
    return f"医保部门{m['date']}更新（修改#{m['id']}）" if m else None
