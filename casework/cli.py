"""Command line: ``python -m casework demo | list | advance`` (staff and tests; never the assistant).

``list`` prints raw ID numbers, names and phone digits because a hotline agent or a test needs them
to look a demo person up; it prints to stdout only and logs nothing personal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any, Dict, List, Optional

from sqlalchemy.engine import Engine

from casework import demo
from casework.kb import KbReader
from casework.privacy import mask_id, mask_name
from casework.schema import APPLICATION_STATUSES, make_engine
from casework.store import ApplicationView, CaseworkStore, ListingRow, PersonRow


def _iso(value: Any) -> Optional[str]:
    return value.isoformat() if value is not None else None


def application_json(row: ListingRow) -> Dict[str, Any]:
    """One ``list --json`` line: the application and what a test needs to look it up."""
    a = row.application
    return {
        "number": a.number,
        "status": a.status,
        "current_step": a.current_step,
        "id_number": row.id_number,
        "masked_id": mask_id(row.id_number),
        "name": row.name,
        "masked_name": mask_name(row.name),
        "phone_last4": row.phone_last4,
        "region_key": a.region_key,
        "region_name": a.region_name,
        "item_code": a.item_code,
        "item_name": a.item_name,
        "variant": a.variant,
        "channel": a.channel,
        "submitted_at": _iso(a.submitted_at),
        "time_limit_text": a.time_limit_text,
        "expected_completion": _iso(a.expected_completion),
        "completion_is_estimate": a.completion_is_estimate,
        "overdue": a.overdue,
        "reason": a.reason,
        "missing_materials": list(a.missing_materials),
        "history": [
            {"at": _iso(h.at), "status": h.status, "note": h.note, "actor": h.actor} for h in a.history
        ],
    }


def person_json(row: PersonRow) -> Dict[str, Any]:
    """One ``list --persons --json`` line: a person with enrollments (for enrollment lookups)."""
    return {
        "person_id": row.person_id,
        "id_number": row.id_number,
        "masked_id": mask_id(row.id_number),
        "name": row.name,
        "masked_name": mask_name(row.name),
        "phone_last4": row.phone_last4,
        "region_key": row.region_key,
        "applications": list(row.application_numbers),
        "enrollments": [
            {
                "insurance_type": e.insurance_type,
                "personnel_category": e.personnel_category,
                "status": e.status,
                "since": _iso(e.since),
                "unit": e.unit,
                "last_paid_month": e.last_paid_month,
            }
            for e in row.enrollments
        ],
    }


def describe(a: ApplicationView) -> str:
    """A staff-readable state of one application (no personal data)."""
    lines = [
        f"{a.number}  {a.item_name}" + (f" · {a.variant}" if a.variant else "") + f"（{a.region_name}）",
        f"状态：{a.status}（{a.current_step}）",
    ]
    if a.expected_completion:
        estimate = "（预计，按周末推算）" if a.completion_is_estimate else ""
        overdue = "，已超期" if a.overdue else ""
        lines.append(f"预计办结：{a.expected_completion.isoformat()}{estimate}{overdue}；时限：{a.time_limit_text}")
    if a.reason:
        lines.append(f"不予受理理由：{a.reason}")
    if a.missing_materials:
        lines.append("缺少材料：" + "；".join(a.missing_materials))
    lines.append("记录：")
    for h in a.history:
        lines.append(f"  {h.at:%Y-%m-%d %H:%M} {h.status} [{h.actor}]" + (f" {h.note}" if h.note else ""))
    return "\n".join(lines)


def _store(args: argparse.Namespace) -> CaseworkStore:
    return CaseworkStore(args.engine, args.kb_engine)


def cmd_demo(args: argparse.Namespace) -> int:
    engine = args.engine or make_engine()
    store = CaseworkStore(engine, args.kb_engine)
    if args.reset:
        demo.reset(engine)
    elif store.count_persons():
        print(f"案件库已有数据（{store.count_persons()}人），未改动；要重建请加 --reset。")
        return 0
    today = dt.date.fromisoformat(args.today) if args.today else None
    report = demo.fill(engine, KbReader(args.kb_engine), persons=args.persons, seed=args.seed, today=today)
    by_status = "，".join(f"{k} {v}" for k, v in report.by_status.items())
    print(
        f"演示数据（全部为虚构）：{report.persons}人，{report.enrollments}条参保记录，"
        f"{report.applications}件申请（{by_status}；超期 {report.overdue}），地区：{'、'.join(report.regions)}"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        if args.persons:
            for p in store.person_listing(args.region):
                if args.json:
                    sys.stdout.write(json.dumps(person_json(p), ensure_ascii=False) + "\n")
                else:
                    states = "、".join(f"{e.insurance_type}{e.status}" for e in p.enrollments)
                    masked = f"{mask_id(p.id_number)}  {mask_name(p.name)}"
                    sys.stdout.write(f"{masked}  {p.region_key}  {states}\n")
            return 0
        for row in store.listing(args.region, args.status):
            if args.json:
                sys.stdout.write(json.dumps(application_json(row), ensure_ascii=False) + "\n")
            else:
                a = row.application
                due = a.expected_completion.isoformat() if a.expected_completion else "—"
                flag = " 超期" if a.overdue else ""
                sys.stdout.write(
                    f"{a.number}  {a.status:<4}  {mask_id(row.id_number)}  {mask_name(row.name)}  "
                    f"{a.region_key}  {a.item_name}  预计{due}{flag}\n"
                )
    except BrokenPipeError:  # `list | head`
        sys.stderr.close()
    return 0


def cmd_advance(args: argparse.Namespace) -> int:
    result = _store(args).advance(
        args.application, args.to, missing=args.missing, reason=args.reason, actor=args.actor, note=args.note
    )
    if not result.ok or result.application is None:
        print(f"未能变更：{result.error}", file=sys.stderr)
        return 2
    print(describe(result.application))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m casework", description="案件库（演示）：demo / list / advance")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="fill an empty store with synthetic persons, enrollments, applications")
    p.add_argument("--persons", type=int, default=220)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reset", action="store_true", help="drop the store's tables first")
    p.add_argument(
        "--if-empty", action="store_true", help="(the default) leave a store that holds persons untouched"
    )
    p.add_argument("--today", help="anchor date YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("list", help="applications (or persons) with what a test needs to look them up")
    p.add_argument("--json", action="store_true", help="JSON lines")
    p.add_argument("--region", help="region key, e.g. chenzhou")
    p.add_argument("--status", choices=APPLICATION_STATUSES)
    p.add_argument("--persons", action="store_true", help="one line per person with enrollments")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("advance", help="move an application to another status (recorded in its history)")
    p.add_argument("application")
    p.add_argument("--to", required=True, help="/".join(APPLICATION_STATUSES))
    p.add_argument("--missing", nargs="+", help="missing materials (exact KB texts), for 材料不全")
    p.add_argument("--reason", help="reason, for 不予受理")
    p.add_argument("--note")
    p.add_argument("--actor", default="staff")
    p.set_defaults(func=cmd_advance)
    return parser


def main(
    argv: Optional[List[str]] = None, engine: Optional[Engine] = None, kb_engine: Optional[Engine] = None
) -> int:
    """Run the CLI; ``engine``/``kb_engine`` override the env-var defaults (tests pass them)."""
    args = build_parser().parse_args(argv)
    args.engine, args.kb_engine = engine, kb_engine
    return int(args.func(args))
