"""The REST channel with guards: body and text size caps, clear errors for malformed requests.

Inference time grows faster than linearly with input length and runs on the event loop, so one
10,000-character message would hold every other user up for seconds: text beyond ``MAX_CHARS`` is
cut (and the user told), bodies beyond ``MAX_BODY_BYTES`` are refused. Same URL and payload as
Rasa's REST channel: POST /webhooks/rest/webhook {"sender": ..., "message": ...}. Everything about the
message itself (sender ids, personal data, payloads, metadata, replies) is ``bot/channels/inbound.py``,
the guard every channel shares.
"""

from __future__ import annotations

import json
import logging
import os
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from bot import action_fallback, rasa_speedups
from bot.channels.inbound import InboundGuard
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

# the Rasa server loads this channel at start-up: its per-message fixes go in with it
rasa_speedups.apply()
action_fallback.apply()

logger = logging.getLogger(__name__)

MAX_CHARS = int(os.environ.get("CHANNEL_MAX_CHARS", "300"))
MAX_BODY_BYTES = int(os.environ.get("CHANNEL_MAX_BODY_BYTES", "16384"))
BAD_JSON = '请求格式错误：需要 JSON，例如 {"sender": "u1", "message": "你好"}'


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_body(body: bytes) -> Optional[Dict[str, Any]]:
    """The JSON object of a request body, or None for anything else (bad bytes, syntax, nesting)."""
    try:
        payload = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" 3,000 deep
        return None
    return payload if isinstance(payload, dict) else None


class GuardedRestInput(RestInput):
    """Rasa's REST input with size caps, specific errors and the inbound guard in front of Rasa."""

    def __init__(self) -> None:
        super().__init__()
        self.guard = InboundGuard(MAX_CHARS)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        hook = Blueprint("guarded_rest_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _error(413, f"请求过大：请求体不能超过 {MAX_BODY_BYTES} 字节")
            payload = parse_body(request.body)
            if payload is None:
                return _error(400, BAD_JSON)
            sender = payload.get("sender")
            message = payload.get("message")
            problem = self.guard.sender_error(sender)
            if problem:
                return _error(400, problem)
            if message is not None and not isinstance(message, str):
                return _error(400, "message 需为字符串")
            inbound = self.guard.incoming(sender, message or "")
            if inbound.stop:
                return response.json([{"recipient_id": sender, "text": inbound.stop}])
            notes = [{"recipient_id": sender, "text": n} for n in inbound.notes]
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        inbound.text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=self.guard.metadata(payload.get("metadata")),
                    )
                )
            except CancelledError:
                logger.error("message handling timed out for a sender")
                return _error(503, "处理超时，请稍后再试")
            except Exception:  # the user gets a clear reply, never a stack trace
                logger.exception("message handling failed")
                return _error(500, "服务暂时出错，请稍后再试")
            return response.json(notes + self.guard.outgoing(sender, collector.messages))

        return hook
