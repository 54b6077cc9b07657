"""The staff console (/console) and its JSON API (/api/), behind staff login.

Sessions are a random token in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); every POST
carries the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``), and the login form
a token of its own in a short-lived cookie (double submit). Pages and API calls without a session
are refused: pages redirect to the login page, the API answers 401 in words.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.kb_gateway import KnowledgeGateway
from web import console_service
from web.staff import Staff, StaffStore

SESSION_COOKIE = "yb_staff"
LOGIN_COOKIE = "yb_login"
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
        html = TEMPLATES.get_template(template).render(role_names=ROLE_NAMES, **context)
        return response.html(html, status=status, headers=dict(headers, **{"Cache-Control": "no-store"}))

    def signed_in(request: Request):
        return store.session(request.cookies.get(SESSION_COOKIE))

    def to_login(request: Request) -> HTTPResponse:
        return response.redirect("/console/login?next=" + quote(request.path), headers=headers)

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
    async def search_page(request: Request) -> HTTPResponse:
        found = signed_in(request)
        if not found:
            return to_login(request)
        staff, csrf = found
        q, region, family = (request.args.get("q") or "")[:300], request.args.get("region") or "", request.args.get("family") or ""
        started = time.perf_counter()
        results = console_service.search(kb, q, region or None, family or None) if q.strip() else []
        ms = round((time.perf_counter() - started) * 1000)
        return page("search.html", staff=staff, csrf=csrf, q=q, region=region, family=family, results=results, ms=ms,
                    regions=kb.regions(), families=console_service.families(kb))

    @bp.get("/console/item/<region:str>/<key:str>")
    async def item_page(request: Request, region: str, key: str) -> HTTPResponse:
        found = signed_in(request)
        if not found:
            return to_login(request)
        staff, csrf = found
        records = kb.records(region, key) if kb.region(region) and kb.knows_item(key) else []
        if not records:
            return page("base.html", status=404, staff=staff, csrf=csrf)
        return page("item.html", staff=staff, csrf=csrf, records=records, first=records[0], field_order=FIELD_ORDER)

    # -- JSON API --------------------------------------------------------------------------------

    def api_refusal(request: Request) -> Optional[HTTPResponse]:
        if not signed_in(request):
            return response.json({"error": "请先登录工作台"}, status=401, headers=headers, ensure_ascii=False)
        return None

    @bp.get("/api/search")
    async def api_search(request: Request) -> HTTPResponse:
        refused = api_refusal(request)
        if refused:
            return refused
        q = (request.args.get("q") or "")[:300]
        region, family = request.args.get("region") or None, request.args.get("family") or None
        if region and not kb.region(region):
            return response.json({"error": f"未知地区：{region}"}, status=400, headers=headers, ensure_ascii=False)
        started = time.perf_counter()
        results = console_service.search(kb, q, region, family)
        return response.json({"q": q, "results": results, "ms": round((time.perf_counter() - started) * 1000, 1)},
                             headers=headers, ensure_ascii=False)

    @bp.get("/api/item")
    async def api_item(request: Request) -> HTTPResponse:
        refused = api_refusal(request)
        if refused:
            return refused
        region, key = request.args.get("region") or "", request.args.get("key") or ""
        records = kb.records(region, key) if kb.region(region) and kb.knows_item(key) else []
        if not records:
            return response.json({"error": "没有这个地区的这个事项"}, status=404, headers=headers, ensure_ascii=False)
        return response.json({"records": records}, headers=headers, ensure_ascii=False)

    return bp
