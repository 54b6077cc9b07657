"""The web app on :8000: the residents' chat page (``/``), its static files and the staff console.

The page talks to Rasa's REST channel directly (``/webhooks/rest/webhook``, the same guarded channel
every client uses), so for residents the app only serves files. Where Rasa is reached is the page's one setting:
``WEB_RASA_URL`` (a full URL, for a deployment behind a gateway), else the page's own host on
``RASA_PORT`` (5005). Every response carries a strict Content-Security-Policy: the page runs only its
own script and talks only to its own origin and Rasa.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.kb_gateway import KnowledgeGateway, gateway
from web import console_service
from web.console import console_blueprint
from web.staff import StaffStore

STATIC = Path(__file__).resolve().parent / "static"
STATIC_NAME = re.compile(r"^[a-z0-9_-]+\.(js|css|svg)$")


#: A Host header's name part we are willing to repeat in a header (names, IPv4, bracketed IPv6).
HOST_NAME = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})$")


def rasa_origin(request: Request, rasa_url: str, rasa_port: str) -> str:
    """Where the page reaches Rasa: ``WEB_RASA_URL``, else the page's own host on Rasa's port."""
    if rasa_url:
        return rasa_url
    name = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").endswith("]") else request.host
    if not HOST_NAME.match(name or ""):
        name = "localhost"
    return f"{request.scheme}://{name}:{rasa_port}"


def security_headers(connect_to: str, forms: str = "'none'") -> dict:
    """The policy of a page: its own script and styles, talking to itself and ``connect_to``,
    posting forms only to ``forms`` (the console's own forms: "'self'")."""
    connect = ("'self' " + connect_to).strip()
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; base-uri 'none'; form-action {forms}; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def make_app(rasa_url: str = "", rasa_port: str = "", store: Optional[StaffStore] = None,
             kb: Optional[KnowledgeGateway] = None) -> Sanic:
    rasa_url = (rasa_url or os.environ.get("WEB_RASA_URL", "")).rstrip("/")
    rasa_port = rasa_port or os.environ.get("RASA_PORT", "5005")
    app = Sanic("yibao_web")
    headers = security_headers("")  # (static files are not documents: their policy is a backstop)
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    page = page.replace("{{RASA_URL}}", html.escape(rasa_url, quote=True)).replace("{{RASA_PORT}}", html.escape(rasa_port))

    @app.route("/", methods=["GET", "HEAD"])
    async def chat_page(request: Request) -> HTTPResponse:
        own = security_headers(rasa_origin(request, rasa_url, rasa_port))
        return response.html(page, headers=dict(own, **{"Cache-Control": "no-cache"}))

    @app.get("/static/<name:str>")
    async def static_file(request: Request, name: str) -> HTTPResponse:
        path = STATIC / name
        if not STATIC_NAME.match(name) or not path.is_file():
            return response.text("not found", status=404, headers=headers)
        kind = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}[name.rsplit(".", 1)[1]]
        return response.raw(path.read_bytes(), content_type=f"{kind}; charset=utf-8", headers=headers)

    @app.get("/healthz")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    kb = kb or gateway()
    app.blueprint(console_blueprint(store or StaffStore(), kb, security_headers("", forms="'self'")))

    @app.listener("before_server_start")
    async def warm_up(app: Sanic, loop) -> None:  # the console's first page must not build the KB's indexes
        kb.warm_up()
        console_service.families(kb)

    return app
