"""The console's pages for content editors and reviewers: propose a change to a field, review it,
publish, revert, enter a year's holidays, and read the history (knowledge.editorial underneath).

Same workflow and refusals as ``python -m knowledge propose | review | publish``: a refusal is shown
in its one Chinese sentence on the page. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any, Callable, Dict, List, Optional

from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.kb_gateway import KnowledgeGateway
from knowledge import editions, editorial
from knowledge.editorial import Editorial, EditorialError, Target
from knowledge.matching import item_key
from web.staff import Staff, StaffStore

#: Who sees the editing pages (each step still checks its own right).
EDIT_ROLES = ("editor", "reviewer", "admin")
REASON_CHARS, TEXT_CHARS = 500, 8000
#: The largest guide file an upload takes (the five guides are 40–180 KB).
MAX_GUIDE_BYTES = 5_000_000


def editing_routes(bp: Blueprint, page: Callable[..., HTTPResponse], staff_only: Callable, store: StaffStore,
                   kb: KnowledgeGateway, headers: Dict[str, str], flow: Optional[Editorial] = None) -> None:
    """Add the editing pages (and the report of what residents could not get answered) to the console."""
    _unanswered_routes(bp, page, staff_only, kb)

    def workflow() -> Editorial:
        if flow is not None:
            return flow
        from knowledge import editing

        return editing.workflow(role_of=store.role_of)

    def changes_page(staff: Staff, csrf: str, status: int = 200, message: str = "", error: str = "") -> HTTPResponse:
        all_changes = workflow().changes()
        for c in all_changes:
            if c.get("diff"):
                c["diff_lines"] = editions.summary(c["diff"])
        by_status: Dict[str, List[Dict[str, Any]]] = {}
        for c in all_changes:
            by_status.setdefault(c["status"], []).append(c)
        return page("edit_list.html", status=status, staff=staff, csrf=csrf, by_status=by_status, message=message,
                    error=error, rights={k: staff.role in v for k, v in editorial.RIGHTS.items()})

    def done(message: str) -> HTTPResponse:
        """Back to the list, saying what was done (quoted: "#12" would otherwise start a fragment)."""
        return response.redirect("/console/edit?done=" + quote(message), headers=headers)

    def csrf_refused(request: Request, csrf: str) -> bool:
        return not StaffStore.csrf_ok(csrf, request.form.get("csrf"))

    @bp.get("/console/edit")
    @staff_only(EDIT_ROLES)
    async def edit_list(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        return changes_page(staff, csrf, message=(request.args.get("done") or "")[:200])

    @bp.get("/console/edit/new/<region:str>/<key:str>")
    @staff_only(("editor", "admin"))
    async def edit_form(request: Request, staff: Staff, csrf: str, region: str, key: str) -> HTTPResponse:
        return _form(staff, csrf, region, key, request.args.get("v") or "0")

    def _form(staff: Staff, csrf: str, region: str, key: str, v: str, status: int = 200, error: str = "",
              field: str = "", new_text: str = "", reason: str = "") -> HTTPResponse:
        records = kb.records(region, key) if kb.region(region) and kb.knows_item(key) else []
        index = int(v) if v.isdigit() else -1
        if not 0 <= index < len(records):
            return page("base.html", status=404, staff=staff, csrf=csrf)
        rec = records[index]
        current = {f: str(rec.get(f) or "") for f in editorial.EDITABLE_FIELDS}
        return page("edit_form.html", status=status, staff=staff, csrf=csrf, rec=rec, key=key, v=index,
                    fields=editorial.EDITABLE_FIELDS, current=current, error=error, field=field or "time_limit",
                    new_text=new_text or current.get(field or "time_limit", ""), reason=reason)

    @bp.post("/console/edit/propose")
    @staff_only(("editor", "admin"))
    async def propose(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        form = request.form
        region, key, v = form.get("region") or "", form.get("key") or "", form.get("v") or "0"
        field, text, reason = form.get("field") or "", (form.get("text") or "")[:TEXT_CHARS], (form.get("reason") or "")[:REASON_CHARS]
        if csrf_refused(request, csrf):
            return _form(staff, csrf, region, key, v, 403, "页面已过期，请刷新后重新提交。", field, text, reason)
        records = kb.records(region, key) if kb.region(region) and kb.knows_item(key) else []
        index = int(v) if v.isdigit() else -1
        if not 0 <= index < len(records):
            return page("base.html", status=404, staff=staff, csrf=csrf)
        rec = records[index]
        target = Target(region, item_key(rec.get("code"), rec["name"]), rec.get("variant") or "",
                        f"{rec['region']} · {rec['name']}", rec["guide"])
        try:
            change = workflow().propose(target, field, text, staff.name, reason)
        except EditorialError as refused:
            return _form(staff, csrf, region, key, v, 400, str(refused), field, text, reason)
        return done(f"已提交修改 #{change}，待另一位审核人审核")

    @bp.post("/console/edit/<change:int>/review")
    @staff_only(EDIT_ROLES)
    async def review(request: Request, staff: Staff, csrf: str, change: int) -> HTTPResponse:
        if csrf_refused(request, csrf):
            return changes_page(staff, csrf, 403, error="页面已过期，请刷新后再审核。")
        approve = request.form.get("verdict") == "approve"
        try:
            workflow().review(change, approve, staff.name, (request.form.get("note") or "")[:REASON_CHARS])
        except EditorialError as refused:
            return changes_page(staff, csrf, 400, error=str(refused))
        message = f"修改 #{change} 已批准，发布后生效" if approve else f"修改 #{change} 已驳回"
        return done(message)

    @bp.post("/console/edit/publish")
    @staff_only(EDIT_ROLES)
    async def publish(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        if csrf_refused(request, csrf):
            return changes_page(staff, csrf, 403, error="页面已过期，请刷新后再发布。")
        try:
            published = workflow().publish(staff.name)
        except EditorialError as refused:
            return changes_page(staff, csrf, 400, error=str(refused))
        kb.changes_published()
        message = f"已发布 {len(published)} 项修改，几秒内即在答复中生效" if published else "没有待发布的已批准修改"
        return done(message)

    @bp.post("/console/edit/<change:int>/revert")
    @staff_only(EDIT_ROLES)
    async def revert(request: Request, staff: Staff, csrf: str, change: int) -> HTTPResponse:
        if csrf_refused(request, csrf):
            return changes_page(staff, csrf, 403, error="页面已过期，请刷新后再提交。")
        try:
            undo = workflow().propose_revert(change, staff.name, (request.form.get("reason") or "")[:REASON_CHARS])
        except EditorialError as refused:
            return changes_page(staff, csrf, 400, error=str(refused))
        return done(f"已提交撤回 #{undo}（撤回修改 #{change}），待审核")

    @bp.get("/console/edit/import")
    @staff_only(("editor", "admin"))
    async def import_form(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        return page("edit_import.html", staff=staff, csrf=csrf, regions=kb.regions(), error="", form={})

    @bp.post("/console/edit/import")
    @staff_only(("editor", "admin"))
    async def import_upload(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        form = {k: (request.form.get(k) or "")[:200] for k in ("region", "edition", "effective", "reason")}

        def again(status: int, error: str) -> HTTPResponse:
            return page("edit_import.html", status=status, staff=staff, csrf=csrf, regions=kb.regions(), error=error, form=form)

        if csrf_refused(request, csrf):
            return again(403, "页面已过期，请刷新后重新上传。")
        upload = (request.files.get("file") if request.files else None)
        if upload is None or not upload.body:
            return again(400, "请选择新版指南文件（UTF-8 纯文本）。")
        if len(upload.body) > MAX_GUIDE_BYTES:
            return again(413, f"文件超过 {MAX_GUIDE_BYTES // 1_000_000} MB，不像一份办事指南。")
        try:
            text = upload.body.decode("utf-8")
        except UnicodeDecodeError:
            return again(400, "文件须为 UTF-8 编码的纯文本（可先另存为 UTF-8 文本）。")
        from knowledge import editing
        from knowledge.schema import make_engine as kb_engine

        try:  # parsing a whole guide takes a second or two: off the event loop
            change, _ = await asyncio.get_running_loop().run_in_executor(None, lambda: editing.import_guide(
                workflow(), kb_engine(), text, re.sub(r"[^\w.\-]", "_", upload.name or "guide.txt")[:60], form["region"],
                form["edition"], form["effective"], staff.name, form["reason"]))
        except EditorialError as refused:
            return again(400, str(refused))
        return done(f"已导入新版指南（修改 #{change}），请审核下方逐项差异")

    @bp.get("/console/edit/history")
    @staff_only(EDIT_ROLES)
    async def history(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        return page("edit_history.html", staff=staff, csrf=csrf, rows=list(reversed(workflow().history())))

    @bp.get("/console/edit/holidays")
    @staff_only(EDIT_ROLES)
    async def holidays_form(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        return page("edit_holidays.html", staff=staff, csrf=csrf, error="", year=dt.date.today().year + 1,
                    holidays="", workdays="", reason="", published=editorial.published_holidays(workflow().engine))

    @bp.post("/console/edit/holidays")
    @staff_only(("editor", "admin"))
    async def holidays_propose(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        form = request.form
        year, days_off, worked, reason = form.get("year") or "", form.get("holidays") or "", form.get("workdays") or "", form.get("reason") or ""

        def again(status: int, error: str) -> HTTPResponse:
            return page("edit_holidays.html", status=status, staff=staff, csrf=csrf, error=error, year=year[:4],
                        holidays=days_off[:2000], workdays=worked[:2000], reason=reason[:REASON_CHARS],
                        published=editorial.published_holidays(workflow().engine))

        if csrf_refused(request, csrf):
            return again(403, "页面已过期，请刷新后重新提交。")
        try:
            if not re.fullmatch(r"\d{4}", year.strip()):
                raise EditorialError("年份须为四位数字。")
            change = workflow().propose_holidays(int(year), editorial.parse_dates(days_off), editorial.parse_dates(worked), staff.name, reason[:REASON_CHARS])
        except EditorialError as refused:
            return again(400, str(refused))
        return done(f"已提交 {year} 年节假日安排（修改 #{change}），待审核")


def _unanswered_routes(bp: Blueprint, page: Callable[..., HTTPResponse], staff_only: Callable, kb: KnowledgeGateway) -> None:
    from knowledge import unanswered

    @bp.get("/console/unanswered")
    @staff_only(EDIT_ROLES)
    async def unanswered_page(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        text = (request.args.get("since") or "").strip()
        since, error = None, ""
        if text:
            try:
                since = dt.date.fromisoformat(text)
            except ValueError:
                error = "日期须写成 YYYY-MM-DD。"
        report = None
        if not error:
            try:  # reading the whole tracker store: off the event loop
                report = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: unanswered.unanswered(unanswered.default_tracker_url(), since=since, kb=kb))
            except FileNotFoundError:
                error = "还没有对话记录（助手尚未收到过消息）。"
        return page("unanswered.html", staff=staff, csrf=csrf, report=report, since=text[:10], error=error)


def source_label(source: str) -> str:
    """A record part's source as the console shows it: an editor's change by date and number."""
    return editorial.cited(source) or source
