"""The WeChat Official Account (公众号) callback as a Rasa input channel: /webhooks/wechat/webhook.

Configured from the environment (``WeChatSettings``); with no ``WECHAT_TOKEN`` the channel is off and
its URL answers 404 in words. Per request, in this order, before anything reaches the bot:

1. the signature (SHA-1 of the sorted token, timestamp and nonce) and its freshness (5 minutes), and in
   safe mode the ``msg_signature`` over the ``Encrypt`` element; a failure is 403;
2. the XML, size-capped and without DTDs or entities, decrypted in safe mode (the AppID must match);
3. deduplication: the platform waits 5 seconds and retries a message up to three times, so each
   message (``MsgId``; events: sender + CreateTime) runs the bot once and every retry shares its reply.

Text goes through the same inbound guard as REST (ID numbers tokenised before Rasa sees them, replies
scrubbed), with the OpenID as the sender id. The reply is composed for the platform
(``wechat_format``): buttons become numbered options, and a reply of just a number picks one; the
first part of at most 2,048 bytes is the passive reply, the rest goes through the customer-service
API. When the bot needs longer than ``WECHAT_REPLY_SECONDS`` (4 s), the callback answers ``success`` at
once and the whole reply goes through the customer-service API when it is ready.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from bot.channels.inbound import InboundGuard
from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_crypto import (
    MAX_XML_BYTES,
    SafeMode,
    WeChatError,
    encrypted_envelope,
    fresh,
    parse_message,
    signature_ok,
    text_reply,
)
from bot.channels.wechat_format import chosen_option, split_reply, with_options
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_CHARS = int(os.environ.get("CHANNEL_MAX_CHARS", "300"))

# Replies of the channel itself (what the platform sends that is not a question).
WECHAT_HINT = "在公众号里：回复选项前的数字即可选择；看完回答可回复“评价 5”（5 非常满意 … 1 非常不满意）为回答打分。"
NOT_TEXT = {
    "image": "我暂时看不懂图片。请用文字说您要办的医保业务，比如“生育津贴要什么材料”。如需提交材料照片，请按办事指南的线上渠道上传。",
    "voice": "我暂时听不懂语音。请用文字说您要办的医保业务，比如“异地就医备案怎么办”。",
    "video": "我暂时看不了视频。请用文字说您要办的医保业务，比如“医保关系转移要多久”。",
    "shortvideo": "我暂时看不了视频。请用文字说您要办的医保业务，比如“医保关系转移要多久”。",
    "location": "收到您的位置，但我不按定位判断地区。请直接告诉我您参保的市或区，比如“郴州”“咸安”。",
    "link": "我暂时打不开链接。请用文字说您要办的医保业务。",
    "file": "我暂时读不了文件。请用文字说您要办的医保业务。",
}
OTHER_MESSAGE = "我只能读文字消息。请用文字说您要办的医保业务，比如“退休了去外地住，看病怎么报”。"
OTHER_EVENT = "请直接用文字说您要办的医保业务，比如“生育津贴要什么材料”。"
ERROR_REPLY = "服务暂时出错，请稍后再试。"
CHANNEL_OFF = "公众号通道未启用：服务端未设置 WECHAT_TOKEN。"
#: The platform's "received, no passive reply" answer.
SUCCESS = "success"


@dataclass(frozen=True)
class WeChatSettings:
    """One account's settings, read from the environment."""

    token: str = ""
    appid: str = ""
    secret: str = ""
    encoding_aes_key: str = ""
    api_base: str = ""
    reply_seconds: float = 4.0

    @classmethod
    def from_env(cls, env: Optional[Dict[str, str]] = None) -> "WeChatSettings":
        env = os.environ if env is None else env
        return cls(
            token=env.get("WECHAT_TOKEN", ""),
            appid=env.get("WECHAT_APPID", ""),
            secret=env.get("WECHAT_APPSECRET", ""),
            encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", ""),
            api_base=env.get("WECHAT_API_BASE", ""),
            reply_seconds=float(env.get("WECHAT_REPLY_SECONDS", "4.0")),
        )


@dataclass
class Delivery:
    """One platform message and how its reply reaches the user (shared by the platform's retries)."""

    task: "asyncio.Task[List[str]]"
    passive: Optional[str] = None  # the part a callback answered with
    by_api: bool = False  # the whole reply goes through the customer-service API
    at: float = field(default_factory=time.monotonic)


class RecentMessages:
    """Messages seen lately, by dedup key (bounded in count and age; retries come within 15 s)."""

    def __init__(self, size: int = 20000, seconds: float = 600) -> None:
        self._items: "OrderedDict[str, Delivery]" = OrderedDict()
        self.size, self.seconds = size, seconds

    def get(self, key: str) -> Optional[Delivery]:
        item = self._items.get(key)
        if item is not None and time.monotonic() - item.at > self.seconds:
            del self._items[key]
            return None
        return item

    def put(self, key: str, item: Delivery) -> None:
        self._items[key] = item
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class Options:
    """The numbered options each user was last offered (replaced by every reply)."""

    def __init__(self, size: int = 20000) -> None:
        self._items: "OrderedDict[str, List[Dict[str, str]]]" = OrderedDict()
        self.size = size

    def get(self, openid: str) -> List[Dict[str, str]]:
        return self._items.get(openid, [])

    def set(self, openid: str, buttons: List[Dict[str, str]]) -> None:
        self._items.pop(openid, None)
        if buttons:
            self._items[openid] = buttons
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def dedup_key(msg: Dict[str, str]) -> str:
    """``MsgId`` for messages; sender + CreateTime (+ event) for events, which carry no id."""
    if msg.get("MsgId"):
        return "m:" + msg["MsgId"]
    return "e:" + ":".join((msg.get("FromUserName", ""), msg.get("CreateTime", ""), msg.get("Event", "")))


def compose(messages: List[Dict[str, Any]]) -> "tuple[str, List[Dict[str, str]]]":
    """The bot's messages as one text with their buttons as numbered options, and those buttons."""
    texts = [m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"].strip()]
    buttons = [b for m in messages for b in (m.get("buttons") or []) if isinstance(b, dict)]
    return with_options("\n\n".join(texts), buttons), buttons


class WeChatInput(InputChannel):
    """The 公众号 callback (plain or safe mode) in front of the bot."""

    def __init__(self, settings: Optional[WeChatSettings] = None) -> None:
        self.settings = settings or WeChatSettings.from_env()
        self.safe_mode = (
            SafeMode(self.settings.encoding_aes_key, self.settings.appid) if self.settings.encoding_aes_key else None
        )
        self.api = WeChatApi(self.settings.api_base, self.settings.appid, self.settings.secret)
        self.guard: Optional[InboundGuard] = InboundGuard(MAX_CHARS) if self.settings.token else None
        self.recent = RecentMessages()
        self.options = Options()
        self._background: Set[asyncio.Task] = set()

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        return cls()

    # -- request checks ------------------------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        """A fresh request signed with the account's token."""
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        return fresh(timestamp, time.time()) and signature_ok(args.get("signature"), self.settings.token, timestamp, nonce)

    def _encrypt_signed(self, request: Request, encrypted: str) -> bool:
        """Safe mode: ``msg_signature`` covers the ``Encrypt`` element too."""
        args = request.args
        return signature_ok(args.get("msg_signature"), self.settings.token, args.get("timestamp", ""), args.get("nonce", ""), encrypted)

    def _message(self, outer: Dict[str, str]) -> Dict[str, str]:
        """The message inside a signed POST's XML (decrypted in safe mode); WeChatError when it breaks a rule."""
        if self.safe_mode is None:
            return outer
        if "Encrypt" not in outer:
            raise WeChatError("safe mode expects an Encrypt element")
        return parse_message(self.safe_mode.decrypt(outer["Encrypt"]).encode("utf-8"))

    def _reply(self, request: Request, msg: Dict[str, str], content: Optional[str]) -> HTTPResponse:
        if not content:
            return response.text(SUCCESS)
        now = int(time.time())
        xml = text_reply(msg.get("FromUserName", ""), msg.get("ToUserName", ""), content, now)
        if self.safe_mode is not None:
            nonce = request.args.get("nonce") or secrets.token_hex(8)
            xml = encrypted_envelope(self.safe_mode, self.settings.token, xml, now, nonce)
        return response.text(xml, content_type="application/xml")

    # -- the bot -------------------------------------------------------------------------------

    async def _answer(self, msg: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[str]:
        """The reply's parts (each ≤ 2,048 bytes) for one platform message."""
        kind = msg.get("MsgType", "")
        openid = msg.get("FromUserName", "")
        if kind == "event":
            event = msg.get("Event", "").lower()
            if event == "unsubscribe":
                return []
            if event == "subscribe":
                welcome = await self._run_bot(openid, "/greet", on_new_message)
                return split_reply("\n\n".join([welcome, WECHAT_HINT]) if welcome else WECHAT_HINT)
            return [OTHER_EVENT]
        text = msg.get("Content", "") if kind == "text" else ""
        if kind == "voice" and msg.get("Recognition", "").strip():
            text = msg["Recognition"]  # the platform's speech recognition, when the account has it on
        elif kind != "text":
            return [NOT_TEXT.get(kind, OTHER_MESSAGE)]
        assert self.guard is not None
        picked = chosen_option(text, self.options.get(openid))
        inbound = self.guard.incoming(openid, picked or text)
        if inbound.stop:
            return split_reply(inbound.stop)
        reply = await self._run_bot(openid, inbound.text or "", on_new_message, inbound.notes)
        return split_reply(reply) if reply else []

    async def _run_bot(self, openid: str, text: str, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       notes: Optional[List[str]] = None) -> str:
        assert self.guard is not None
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(text, collector, openid, input_channel=self.name(), metadata={"channel": "wechat"})
        )
        messages = [{"text": n} for n in notes or []] + self.guard.outgoing(openid, collector.messages)
        reply, buttons = compose(messages)
        self.options.set(openid, [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons])
        return reply

    def _later(self, openid: str, parts: List[str]) -> None:
        """Send ``parts`` through the customer-service API after the callback has answered."""
        if not parts:
            return

        async def send() -> None:
            for part in parts:
                if not await self.api.send_text(openid, part):
                    break  # (logged by the client; later parts would arrive out of context)

        task = asyncio.get_event_loop().create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver(self, request: Request, msg: Dict[str, str],
                       on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        key = dedup_key(msg)
        openid = msg.get("FromUserName", "")
        delivery = self.recent.get(key)
        if delivery is None:  # first arrival: run the bot once for this message and all its retries
            task = asyncio.get_event_loop().create_task(self._answer_safely(msg, on_new_message))
            delivery = Delivery(task)
            self.recent.put(key, delivery)
        if delivery.passive is None and not delivery.by_api:
            try:
                parts = await asyncio.wait_for(asyncio.shield(delivery.task), timeout=self.settings.reply_seconds)
            except asyncio.TimeoutError:
                parts = None
            # (no await between the checks and the claims below: one callback claims the reply)
            if delivery.passive is None and not delivery.by_api:
                if parts is None:
                    delivery.by_api = True
                    delivery.task.add_done_callback(
                        lambda t: None if t.cancelled() else self._later(openid, t.result())
                    )
                    logger.info("WeChat: slow answer, the reply goes through the customer-service API")
                    return response.text(SUCCESS)
                delivery.passive = parts[0] if parts else ""
                self._later(openid, parts[1:])
        if delivery.by_api:
            return response.text(SUCCESS)
        return self._reply(request, msg, delivery.passive)

    async def _answer_safely(self, msg: Dict[str, str],
                             on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[str]:
        try:
            return await self._answer(msg, on_new_message)
        except Exception:  # the user gets a clear reply, never a stack trace
            logger.exception("WeChat: message handling failed")
            return [ERROR_REPLY]

    # -- routes --------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.settings.token:
                return response.text(CHANNEL_OFF, status=404)
            if not self._signed(request):
                return response.text("signature check failed", status=403)
            return response.text(request.args.get("echostr", ""))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.settings.token:
                return response.text(CHANNEL_OFF, status=404)
            if len(request.body or b"") > MAX_XML_BYTES:
                return response.text("message too large", status=413)
            if not self._signed(request):
                return response.text("signature check failed", status=403)
            try:
                outer = parse_message(request.body or b"")
                if self.safe_mode is not None and not self._encrypt_signed(request, outer.get("Encrypt", "")):
                    return response.text("signature check failed", status=403)
                msg = self._message(outer)
            except WeChatError as exc:
                status = 403 if "AppID" in str(exc) else 400
                return response.text(f"bad message: {exc}", status=status)
            if InboundGuard.sender_error(msg.get("FromUserName")):
                return response.text("bad message: FromUserName", status=400)
            return await self._deliver(request, msg, on_new_message)

        return hook
