"""The action server, bound to loopback and closed to anyone without the shared token.

rasa_sdk's own entry point listens on 0.0.0.0 and runs any action for any caller: a forged tracker
could run ``action_status_lookup`` in a victim's name. This entry point wraps the same app:

- binds ``ACTION_HOST`` (default 127.0.0.1; set 0.0.0.0 only behind a gateway);
- requires ``ACTION_SERVER_TOKEN`` on every request but ``/health`` — ``Authorization: Bearer …``
  (what ``bot/endpoints.yml`` sends) or ``?token=…`` — compared in constant time, and refuses to start
  without one;
- answers errors with a generic message (rasa_sdk's handler echoes the whole request body);
- no CORS (only Rasa calls it) and no access log (a query token would land in it).

Run: ``python -m bot.action_server --port 5055``.
"""

from __future__ import annotations

import argparse
import hmac
import importlib
import logging
import os
import sys
import time
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/health",)


def _supplied_token(request: Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :].strip()
    return request.args.get("token", "")


def create_app(token: str, package: str = "actions") -> Sanic:
    """The rasa_sdk app for ``package`` with the token check and a generic error handler."""
    if not token:
        raise ValueError("ACTION_SERVER_TOKEN is empty: the action server never runs without a token")
    app = create_sdk_app(package, cors_origins=None)
    expected = token.encode()

    @app.middleware("request")
    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not hmac.compare_digest(_supplied_token(request).encode(), expected):
            logger.warning("refused an action-server call without a valid token from %s", request.ip)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    async def generic_error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("action server error", exc_info=exception)
        return response.json({"error": "action server error" if status >= 500 else str(exception)}, status=status)

    app.error_handler.add(Exception, generic_error)
    return app


def warm_up(package: str) -> None:
    """Run the actions package's ``warm_up()`` (start-up work that must not wait for the first message)."""
    hook = getattr(importlib.import_module(package), "warm_up", None)
    if hook is None:
        return
    started = time.monotonic()
    try:
        hook()
    except Exception:  # the server still starts; the actions report a failing KB in words
        logger.exception("warm-up of %s failed", package)
        return
    logger.info("warmed up %s in %.1f s", package, time.monotonic() - started)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="the assistant's action server (token-protected)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST", "127.0.0.1"))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if not token:
        print("ACTION_SERVER_TOKEN is not set: the action server refuses to start without it", file=sys.stderr)
        return 2
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = create_app(token, args.actions)
    warm_up(args.actions)
    logger.info("action server on http://%s:%s (token required)", args.host, args.port)
    app.run(args.host, args.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
