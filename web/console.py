"""The staff console (/console) and its JSON API (/api/), behind staff login.

Sessions are a random token in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); every POST
carries the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``), and the login form
a token of its own in a short-lived cookie (double submit). Pages and API calls without a session
are refused: pages redirect to the login page, the API answers 401 in words.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.kb_gateway import KnowledgeGateway
from knowledge.render import book
from web import console_service, staff_case
from web.console_editing import EDIT_ROLES, editing_routes, source_label
from web.staff import Staff, StaffStore

SESSION_COOKIE = "yb_staff"
LOGIN_COOKIE = "yb_login"
#: Who may look a resident's application up (the others see the guides only).
CASE_ROLES = ("agent", "village", "admin")
ROLE_NAMES = {"agent": "热线坐席", "village": "村级协办员", "editor": "编辑", "reviewer": "审核", "admin": "管理员"}
#: The item page's fields in the guides' order (materials as a checklist).
FIELD_ORDER = [
    ("target", "服务对象"), ("conditions", "受理条件"), ("unit", "受理单位"), ("channels", "办理渠道"),
    ("process", "办理流程"), ("materials", "办理材料"), ("time_limit", "办理时限"), ("fees", "收费标准"),
    ("query", "查询方式"), ("consult", "咨询方式"), ("contact", "联系方式"), ("supervision", "监督电话"),
    ("evaluation", "评价渠道"),
]
TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    autoescape=select_autoescape(["html"]),
)
TEMPLATES.filters["source"] = source_label
TEMPLATES.filters["book"] = book


def _cookie(resp: HTTPResponse, request: Request, name: str, value: str, max_age: int) -> None:
    resp.cookies[name] = value
    morsel = resp.cookies[name]
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    if request.scheme == "https":
        morsel["secure"] = True


def _safe_next(target: Optional[str]) -> str:
    """Only a path of this console to go back to after login (never another site)."""
    target = target or "/console"
    return target if target.startswith("/console") and "//" not in target and "\\" not in target else "/console"


def console_blueprint(store: StaffStore, kb: KnowledgeGateway, headers: Dict[str, str]) -> Blueprint:
    bp = Blueprint("console")

    def page(template: str, status: int = 200, **context: Any) -> HTTPResponse:
        html = TEMPLATES.get_template(template).render(role_names=ROLE_NAMES, case_roles=CASE_ROLES, edit_roles=EDIT_ROLES,
                                                       **context)
        return response.html(html, status=status, headers=dict(headers, **{"Cache-Control": "no-store"}))

    def signed_in(request: Request):
        return store.session(request.cookies.get(SESSION_COOKIE))

    def records_of(region: str, key: str) -> list:
        """The item's records in the region, or none for keys from the URL the KB does not know."""
        return kb.records(region, key) if kb.region(region) and kb.knows_item(key) else []

    def to_login(request: Request) -> HTTPResponse:
        return response.redirect("/console/login?next=" + quote(request.path), headers=headers)

    def staff_only(roles: Optional[Tuple[str, ...]] = None) -> Callable:
        """A page for signed-in staff (of ``roles``): the handler gets ``staff`` and ``csrf`` after the request."""
        def wrap(handler: Callable) -> Callable:
            @functools.wraps(handler)
            async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                found = signed_in(request)
                if not found:
                    return to_login(request)
                staff, csrf = found
                if roles and staff.role not in roles:
                    return page("base.html", status=403, staff=staff, csrf=csrf)
                return await handler(request, staff, csrf, *args, **kwargs)
            return checked
        return wrap

    # -- login -----------------------------------------------------------------------------------

    @bp.get("/console/login")
    async def login_form(request: Request) -> HTTPResponse:
        token = secrets.token_urlsafe(24)
        resp = page("login.html", login_csrf=token, next=_safe_next(request.args.get("next")), name="", error="")
        _cookie(resp, request, LOGIN_COOKIE, token, 1800)
        return resp

    @bp.post("/console/login")
    async def login(request: Request) -> HTTPResponse:
        form = request.form
        name = (form.get("name") or "")[:32]
        given, expected = form.get("csrf"), request.cookies.get(LOGIN_COOKIE) or ""
        if not expected or not StaffStore.csrf_ok(expected, given):
            return page("login.html", status=403, login_csrf=expected or "", next="/console", name=name,
                        error="页面已过期，请刷新后重新登录。")
        staff, why = store.login(name, form.get("password") or "")
        if staff is None:
            return page("login.html", status=401, login_csrf=expected, next=_safe_next(form.get("next")), name=name, error=why)
        token, _ = store.start_session(staff)
        resp = response.redirect(_safe_next(form.get("next")), headers=headers)
        _cookie(resp, request, SESSION_COOKIE, token, 8 * 3600)
        del resp.cookies[LOGIN_COOKIE]
        return resp

    @bp.post("/console/logout")
    async def logout(request: Request) -> HTTPResponse:
        found = signed_in(request)
        if found and not StaffStore.csrf_ok(found[1], request.form.get("csrf")):
            return response.redirect("/console", headers=headers)  # not the console's own button: stay signed in
        store.end_session(request.cookies.get(SESSION_COOKIE))
        resp = response.redirect("/console/login", headers=headers)
        del resp.cookies[SESSION_COOKIE]
        return resp

    # -- pages -----------------------------------------------------------------------------------

    @bp.get("/console")
    @staff_only()
    async def search_page(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        q, region, family = (request.args.get("q") or "")[:300], request.args.get("region") or "", request.args.get("family") or ""
        started = time.perf_counter()
        results = console_service.search(kb, q, region or None, family or None) if q.strip() else []
        ms = round((time.perf_counter() - started) * 1000)
        return page("search.html", staff=staff, csrf=csrf, q=q, region=region, family=family, results=results, ms=ms,
                    regions=kb.regions(), families=console_service.families(kb))

    @bp.get("/console/item/<region:str>/<key:str>")
    @staff_only()
    async def item_page(request: Request, staff: Staff, csrf: str, region: str, key: str) -> HTTPResponse:
        records = records_of(region, key)
        if not records:
            return page("base.html", status=404, staff=staff, csrf=csrf)
        handovers = [console_service.handover_text(kb, region, r) for r in records]
        return page("item.html", staff=staff, csrf=csrf, records=records, first=records[0], field_order=FIELD_ORDER,
                    key=key, handovers=handovers)

    def one_record(request: Request, region: str, key: str) -> Optional[Dict[str, Any]]:
        records = records_of(region, key)
        try:
            index = int(request.args.get("v") or 0)
        except ValueError:
            return None
        return records[index] if 0 <= index < len(records) else None

    @bp.get("/console/compare/<key:str>")
    @staff_only()
    async def compare_page(request: Request, staff: Staff, csrf: str, key: str) -> HTTPResponse:
        cmp = console_service.compare(kb, key) if kb.knows_item(key) else None
        if not cmp or not cmp["columns"]:
            return page("base.html", status=404, staff=staff, csrf=csrf)
        return page("compare.html", staff=staff, csrf=csrf, cmp=cmp)

    @bp.get("/console/print/<region:str>/<key:str>")
    @staff_only()
    async def print_page(request: Request, staff: Staff, csrf: str, region: str, key: str) -> HTTPResponse:
        rec = one_record(request, region, key)
        if rec is None:
            return page("base.html", status=404, staff=staff, csrf=csrf)
        materials = [m for m in rec["structured"]["materials"] if m["kind"] == "material"]
        notes = [m["text"] for m in rec["structured"]["materials"] if m["kind"] == "note"]
        contacts = "\n".join(t for t in (rec.get("consult"), rec.get("supervision")) if t)
        return page("print.html", rec=rec, key=key, materials=materials, notes=notes, contacts=contacts,
                    today=date.today().isoformat())

    @bp.get("/console/walk/<region:str>/<key:str>")
    @staff_only()
    async def walk_page(request: Request, staff: Staff, csrf: str, region: str, key: str) -> HTTPResponse:
        rec = one_record(request, region, key)
        if rec is None:
            return page("base.html", status=404, staff=staff, csrf=csrf)
        return page("walk.html", staff=staff, csrf=csrf, rec=rec, key=key, walk=console_service.walkthrough(rec))

    # -- staff case look-up ------------------------------------------------------------------------

    @bp.get("/console/case")
    @staff_only(CASE_ROLES)
    async def case_form(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        return page("case.html", staff=staff, csrf=csrf, message="")

    @bp.post("/console/case")
    @staff_only(CASE_ROLES)
    async def case_lookup(request: Request, staff: Staff, csrf: str) -> HTTPResponse:
        if not StaffStore.csrf_ok(csrf, request.form.get("csrf")):
            return page("case.html", status=403, staff=staff, csrf=csrf, message="页面已过期，请刷新后再查。")
        number = re.sub(r"[^A-Za-z0-9]", "", request.form.get("number") or "")[:32].upper()
        last4 = (request.form.get("last4") or "").strip()
        outcome, message = staff_case.look_up(staff, number, last4)
        store.log_lookup(staff, number or "(空)", outcome)
        return page("case.html", staff=staff, csrf=csrf, message=message)

    editing_routes(bp, page, staff_only, store, kb, headers)

    # -- JSON API --------------------------------------------------------------------------------

    def api_json(payload: Dict[str, Any], status: int = 200) -> HTTPResponse:
        return response.json(payload, status=status, headers=headers, ensure_ascii=False)

    def api_refusal(request: Request) -> Optional[HTTPResponse]:
        return None if signed_in(request) else api_json({"error": "请先登录工作台"}, 401)

    @bp.get("/api/search")
    async def api_search(request: Request) -> HTTPResponse:
        refused = api_refusal(request)
        if refused:
            return refused
        q = (request.args.get("q") or "")[:300]
        region, family = request.args.get("region") or None, request.args.get("family") or None
        if region and not kb.region(region):
            return api_json({"error": f"未知地区：{region}"}, 400)
        started = time.perf_counter()
        results = console_service.search(kb, q, region, family)
        return api_json({"q": q, "results": results, "ms": round((time.perf_counter() - started) * 1000, 1)})

    @bp.get("/api/compare")
    async def api_compare(request: Request) -> HTTPResponse:
        refused = api_refusal(request)
        if refused:
            return refused
        key = request.args.get("key") or ""
        cmp = console_service.compare(kb, key) if kb.knows_item(key) else None
        if not cmp or not cmp["columns"]:
            return api_json({"error": "没有这个事项"}, 404)
        regions = [{"region": c["region"], "region_key": c["region_key"], "variants": c["variants"], "record": c["record"]}
                   for c in cmp["columns"]]
        return api_json({"key": key, "name": cmp["name"], "regions": regions, "differs": cmp["differs"]})

    @bp.get("/api/item")
    async def api_item(request: Request) -> HTTPResponse:
        refused = api_refusal(request)
        if refused:
            return refused
        region, key = request.args.get("region") or "", request.args.get("key") or ""
        records = records_of(region, key)
        if not records:
            return api_json({"error": "没有这个地区的这个事项"}, 404)
        return api_json({"records": records})

    return bp
