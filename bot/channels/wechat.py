"""The WeChat Official Account (公众号) callback as a Rasa input channel: /webhooks/wechat/webhook.

Configured from the environment (``WeChatSettings``); with no ``WECHAT_TOKEN`` the channel is off and
its URL answers 404 in words. Per request, in this order, before anything reaches the bot:

1. the signature (SHA-1 of the sorted token, timestamp and nonce) and its freshness (5 minutes), and in
   safe mode the ``msg_signature`` over the ``Encrypt`` element; a failure is 403;
2. the XML, size-capped and without DTDs or entities, decrypted in safe mode (the AppID must match);
3. deduplication: the platform waits 5 seconds and retries a message up to three times, so each
   message (``MsgId``; events: sender + CreateTime) runs the bot once and every retry shares its reply.
   The notes behind this (and the numbered options) are in the shared state store (``shared_state``),
   so with ``STATE_REDIS_URL`` set a retry may reach another replica than the first arrival did.

Text goes through the same inbound guard as REST (ID numbers tokenised before Rasa sees them, replies
scrubbed), with the OpenID as the sender id. The reply is composed for the platform
(``wechat_format``): buttons become numbered options, and a reply of just a number picks one; the
first part of at most 2,048 bytes is the passive reply, the rest goes through the customer-service
API. When the bot needs longer than ``WECHAT_REPLY_SECONDS`` (4 s), the callback answers ``success`` at
once and the whole reply goes through the customer-service API when it is ready.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from bot.channels.inbound import InboundGuard
from bot.channels.shared_state import Store, open_store
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

# Shared state of one platform message, by dedup key: the replica that won MSG runs the bot and keeps
# the reply's parts at RESULT; CLAIM says how the reply goes out ("passive": in a callback's answer,
# the rest by API; "api": all by API); SENT is won by the one that sends it all by API.
MSG_PREFIX, RESULT_PREFIX = "wechat:msg:", "wechat:result:"
CLAIM_PREFIX, SENT_PREFIX = "wechat:claim:", "wechat:sent:"
OPTIONS_PREFIX = "wechat:options:"
DEDUP_SECONDS = 600  # the platform's retries come within 15 s
OPTIONS_SECONDS = 86400
POLL_SECONDS = 0.05  # how often a callback looks for a reply another replica is making
STATE_SIZE = 100000  # keys of the memory store: four per message, one per user with options


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


class Options:
    """The numbered options each user was last offered (replaced by every reply, kept for a day)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, openid: str) -> List[Dict[str, str]]:
        raw = self._store.get(OPTIONS_PREFIX + openid)
        return json.loads(raw) if raw else []

    def set(self, openid: str, buttons: List[Dict[str, str]]) -> None:
        if buttons:
            self._store.set(OPTIONS_PREFIX + openid, json.dumps(buttons, ensure_ascii=False), OPTIONS_SECONDS)
        else:
            self._store.pop(OPTIONS_PREFIX + openid)


def dedup_key(msg: Dict[str, str]) -> str:
    """The account (``ToUserName``) and ``MsgId`` for messages; sender + CreateTime (+ event) for
    events, which carry no id. (A MsgId is unique within one account: several accounts may share
    one state store.)"""
    account = msg.get("ToUserName", "")
    if msg.get("MsgId"):
        return f"m:{account}:{msg['MsgId']}"
    return "e:" + ":".join((account, msg.get("FromUserName", ""), msg.get("CreateTime", ""), msg.get("Event", "")))


def compose(messages: List[Dict[str, Any]]) -> "tuple[str, List[Dict[str, str]]]":
    """The bot's messages as one text with their buttons as numbered options, and those buttons."""
    texts = [m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"].strip()]
    buttons = [b for m in messages for b in (m.get("buttons") or []) if isinstance(b, dict)]
    return with_options("\n\n".join(texts), buttons), buttons


class WeChatInput(InputChannel):
    """The 公众号 callback (plain or safe mode) in front of the bot."""

    def __init__(self, settings: Optional[WeChatSettings] = None, store: Optional[Store] = None) -> None:
        """``store``: the shared state for everything, guard included (default: by ``STATE_REDIS_URL``)."""
        self.settings = settings or WeChatSettings.from_env()
        self.safe_mode = (
            SafeMode(self.settings.encoding_aes_key, self.settings.appid) if self.settings.encoding_aes_key else None
        )
        self.guard = InboundGuard(MAX_CHARS, store=store) if self.settings.token else None
        self.state = store if store is not None else open_store(size=STATE_SIZE)
        self.api = WeChatApi(self.settings.api_base, self.settings.appid, self.settings.secret, store=self.state)
        self.options = Options(self.state)
        self._running: Dict[str, "asyncio.Task[List[str]]"] = {}  # bots this process runs, by dedup key
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
        """Answer one callback: the first arrival (on any replica) runs the bot; every callback then
        waits up to ``reply_seconds`` for the reply and answers with it (``success``: it goes by API)."""
        key, openid = dedup_key(msg), msg.get("FromUserName", "")
        if self.state.claim(MSG_PREFIX + key, "1", DEDUP_SECONDS):
            self._start(key, openid, msg, on_new_message)
        elif self.state.get(CLAIM_PREFIX + key) == "api":  # an earlier callback gave up waiting
            return response.text(SUCCESS)
        parts = await self._result(key, self.settings.reply_seconds)
        if parts is None:
            return self._reply(request, msg, self._too_slow(key, openid))
        return self._reply(request, msg, self._in_time(key, openid, parts))

    def _start(self, key: str, openid: str, msg: Dict[str, str],
               on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Run the bot for message ``key`` in a task of this process and share its reply."""

        async def run() -> List[str]:
            parts = await self._answer_safely(msg, on_new_message)
            self.state.set(RESULT_PREFIX + key, json.dumps(parts, ensure_ascii=False), DEDUP_SECONDS)
            # stored first, then checked: a callback claiming "api" after this check finds the result
            if self.state.get(CLAIM_PREFIX + key) == "api":
                self._send_once(key, openid, parts)
            return parts

        task = asyncio.get_event_loop().create_task(run())
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))

    async def _result(self, key: str, timeout: float) -> Optional[List[str]]:
        """The reply's parts once ready, or None after ``timeout`` seconds."""
        task = self._running.get(key)
        if task is not None:  # this process runs the bot for it
            try:
                return await asyncio.wait_for(asyncio.shield(task), timeout=timeout)
            except asyncio.TimeoutError:
                return None
        deadline = time.monotonic() + timeout
        while True:  # another replica runs it (or it is done)
            parts = self._stored(key)
            if parts is not None or time.monotonic() >= deadline:
                return parts
            await asyncio.sleep(POLL_SECONDS)

    def _stored(self, key: str) -> Optional[List[str]]:
        raw = self.state.get(RESULT_PREFIX + key)
        return json.loads(raw) if raw is not None else None

    def _in_time(self, key: str, openid: str, parts: List[str]) -> Optional[str]:
        """The passive reply of a callback that has the reply: the first part (the winner sends the rest)."""
        first = parts[0] if parts else None
        if self.state.claim(CLAIM_PREFIX + key, "passive", DEDUP_SECONDS):
            self._later(openid, parts[1:])
            return first
        # "passive": the platform dropped the connection that had it and retried; "api": sent that way
        return None if self.state.get(CLAIM_PREFIX + key) == "api" else first

    def _too_slow(self, key: str, openid: str) -> Optional[str]:
        """A callback that waited in vain: the reply goes by API (None), unless one went passive meanwhile."""
        if self.state.claim(CLAIM_PREFIX + key, "api", DEDUP_SECONDS):
            logger.info("WeChat: slow answer, the reply goes through the customer-service API")
        elif self.state.get(CLAIM_PREFIX + key) == "passive":
            parts = self._stored(key)
            return parts[0] if parts else None
        parts = self._stored(key)  # ready since the wait ended: the task may have missed the claim
        if parts is not None:
            self._send_once(key, openid, parts)
        return None

    def _send_once(self, key: str, openid: str, parts: List[str]) -> None:
        """Send all ``parts`` by API, unless another callback or replica has (or is about to)."""
        if self.state.claim(SENT_PREFIX + key, "1", DEDUP_SECONDS):
            self._later(openid, parts)

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
