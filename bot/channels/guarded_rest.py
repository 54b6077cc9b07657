"""The REST channel with guards: body and text size caps, clear errors for malformed requests.

Inference time grows faster than linearly with input length and runs on the event loop, so one
10,000-character message would hold every other user up for seconds: text beyond ``MAX_CHARS`` is
cut (and the user told), bodies beyond ``MAX_BODY_BYTES`` are refused. Same URL and payload as
Rasa's REST channel: POST /webhooks/rest/webhook {"sender": ..., "message": ...}.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from bot.channels.pii_guard import Expectations, protect
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_CHARS = int(os.environ.get("CHANNEL_MAX_CHARS", "300"))
MAX_BODY_BYTES = int(os.environ.get("CHANNEL_MAX_BODY_BYTES", "16384"))
MAX_SENDER_CHARS = 128

CUT_NOTE = "您的消息较长，我只读了前{n}个字。如果问题在后面，请分开发送。"
EMPTY_REPLY = "您好像没有输入内容。请直接说您要办的医保业务，比如“异地就医备案要什么材料”。"


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def clean_text(text: str) -> str:
    """Drop control and format characters (keep newlines as spaces); emoji and CJK stay."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\r\n\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


class GuardedRestInput(RestInput):
    """Rasa's REST input with size caps, specific errors and personal data tokenised at the edge."""

    def __init__(self) -> None:
        super().__init__()
        self.expectations = Expectations()

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
            try:
                payload = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _error(400, '请求格式错误：需要 JSON，例如 {"sender": "u1", "message": "你好"}')
            if not isinstance(payload, dict):
                return _error(400, "请求格式错误：JSON 需为对象")
            sender = payload.get("sender")
            message = payload.get("message")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _error(400, f"缺少 sender（1–{MAX_SENDER_CHARS} 个字符的字符串）")
            if message is not None and not isinstance(message, str):
                return _error(400, "message 需为字符串")
            text = clean_text(message or "")
            if not text:
                return response.json([{"recipient_id": sender, "text": EMPTY_REPLY}])
            notes: List[Dict[str, Any]] = []
            if len(text) > MAX_CHARS:
                text = text[:MAX_CHARS]
                notes.append({"recipient_id": sender, "text": CUT_NOTE.format(n=MAX_CHARS)})
            text = protect(text, self.expectations.pop(sender))
            metadata: Optional[Dict[str, Any]] = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else None
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                )
            except CancelledError:
                logger.error("message handling timed out for a sender")
                return _error(503, "处理超时，请稍后再试")
            except Exception:  # the user gets a clear reply, never a stack trace
                logger.exception("message handling failed")
                return _error(500, "服务暂时出错，请稍后再试")
            return response.json(notes + self._outgoing(sender, collector.messages))

        return hook

    def _outgoing(self, sender: str, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Note what the bot asked for (custom.pii_expect) and drop that marker from the replies."""
        out = []
        for m in messages:
            custom = m.get("custom") if isinstance(m.get("custom"), dict) else None
            if custom and "pii_expect" in custom:
                self.expectations.set(sender, str(custom["pii_expect"]))
                m = {k: v for k, v in m.items() if k != "custom"}
                if not m.get("text") and not m.get("buttons"):
                    continue
            out.append(m)
        return out
