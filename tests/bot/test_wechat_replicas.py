"""The 公众号 channel on two replicas sharing state: the platform's retry may reach either.

Two ``WeChatInput`` instances (A and B) share one store (memory, or Redis database 11); the callback
handler is called directly, with a scripted bot and a fake customer-service API that records sends.
The channel over real HTTP, with the fake platform, is tests/bot/test_wechat_channel.py.
"""

from __future__ import annotations

import asyncio
from typing import List, Optional, Tuple

from bot.channels.shared_state import open_store
from bot.channels.wechat import RESULT_PREFIX, WeChatInput, WeChatSettings, dedup_key
from bot.channels.wechat_crypto import parse_message
from bot.channels.wechat_format import split_reply
from rasa.core.channels.channel import UserMessage
from tests.bot.fake_wechat import free_port

LONG = "\n".join(f"第{i}行：带齐身份证件和申请表，到参保地经办窗口办理。" for i in range(1, 101))


class FakeApi:
    """The customer-service API: records what was sent, shared by both replicas."""

    configured = True

    def __init__(self) -> None:
        self.sent: List[Tuple[str, str]] = []

    async def send_text(self, openid: str, content: str) -> bool:
        self.sent.append((openid, content))
        return True


class Bot:
    """Answers "收到：<text>" (or LONG for "长") after ``seconds``; ``seen`` tells how often it ran."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.seen: List[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message.text or "")
        await asyncio.sleep(self.seconds)
        answer = LONG if message.text == "长" else "收到：" + (message.text or "")
        await message.output_channel.send_text_message(message.sender_id, answer)


def replica(store, api: FakeApi, reply_seconds: float) -> WeChatInput:
    channel = WeChatInput(WeChatSettings(token="t", reply_seconds=reply_seconds), store=store)
    channel.api = api
    return channel


def pair(replica_store, api, reply_seconds: float):
    """Two replicas of the channel sharing one store (and the platform's API)."""
    return replica(replica_store(), api, reply_seconds), replica(replica_store(), api, reply_seconds)


def text_msg(openid: str, content: str, msg_id: str) -> dict:
    return {"ToUserName": "gh_account", "FromUserName": openid, "CreateTime": "1700000000", "MsgType": "text",
            "Content": content, "MsgId": msg_id}


def content(resp) -> Optional[str]:
    """The passive reply's text, or None for "success"."""
    body = resp.body.decode("utf-8")
    return None if body == "success" else parse_message(resp.body)["Content"]


async def test_a_retry_on_another_replica_gets_the_same_passive_reply_and_the_bot_runs_once(replica_store):
    api, bot = FakeApi(), Bot(0.3)
    a, b = pair(replica_store, api, 2.0)
    msg = text_msg("oUser_rep1", "生育津贴要什么材料", "5001")
    first = asyncio.ensure_future(a._deliver(None, msg, bot))
    await asyncio.sleep(0.1)
    retry = await b._deliver(None, msg, bot)  # the platform retried; the load balancer chose B
    assert content(await first) == content(retry) == "收到：生育津贴要什么材料"
    assert content(await b._deliver(None, msg, bot)) == "收到：生育津贴要什么材料"  # a late retry too
    assert bot.seen == ["生育津贴要什么材料"] and api.sent == []


async def test_a_long_reply_is_passive_once_and_the_rest_goes_by_api_once(replica_store):
    api, bot = FakeApi(), Bot(0.1)
    a, b = pair(replica_store, api, 2.0)
    msg = text_msg("oUser_rep2", "长", "5002")
    answers = await asyncio.gather(*(r._deliver(None, msg, bot) for r in (a, b, b)))
    await asyncio.sleep(0.1)
    parts = split_reply(LONG)
    assert len(parts) >= 3 and {content(r) for r in answers} == {parts[0]}
    assert api.sent == [("oUser_rep2", p) for p in parts[1:]] and bot.seen == ["长"]


async def test_a_slow_reply_goes_by_api_exactly_once_when_retries_land_on_the_other_replica(replica_store):
    api, bot = FakeApi(), Bot(0.8)
    a, b = pair(replica_store, api, 0.3)
    msg = text_msg("oUser_rep3", "慢一点", "5003")
    first = asyncio.ensure_future(a._deliver(None, msg, bot))
    await asyncio.sleep(0.1)
    retry = asyncio.ensure_future(b._deliver(None, msg, bot))  # B waits in vain as well
    assert content(await first) is None and content(await retry) is None  # "success"
    assert content(await b._deliver(None, msg, bot)) is None  # a retry after A gave up: "success" at once
    await asyncio.sleep(0.8)
    assert api.sent == [("oUser_rep3", "收到：慢一点")] and bot.seen == ["慢一点"]


async def test_a_reply_ready_just_after_the_wait_is_sent_once_by_whoever_sees_it(replica_store):
    """The bot's replica stored the reply before the callback claimed "api": the callback sends it."""
    api = FakeApi()
    a, b = pair(replica_store, api, 0.3)
    msg = text_msg("oUser_rep4", "x", "5004")
    a.state.set(RESULT_PREFIX + dedup_key(msg), '["ready"]', 60)
    assert b._too_slow(dedup_key(msg), "oUser_rep4") is None  # claims "api", finds the reply, sends it
    assert a._too_slow(dedup_key(msg), "oUser_rep4") is None  # "api" already: the reply was sent
    await asyncio.sleep(0.05)
    assert api.sent == [("oUser_rep4", "ready")]


async def test_with_redis_unreachable_messages_are_still_answered_once_per_replica():
    api = FakeApi()
    channel = replica(open_store(url=f"redis://127.0.0.1:{free_port()}/11"), api, 0.3)  # nothing listens
    fast, slow = Bot(0.05), Bot(0.6)
    msg = text_msg("oUser_down", "你好", "5005")
    assert content(await channel._deliver(None, msg, fast)) == "收到：你好"
    assert content(await channel._deliver(None, msg, fast)) == "收到：你好" and fast.seen == ["你好"]
    late = text_msg("oUser_down", "慢", "5006")
    assert content(await channel._deliver(None, late, slow)) is None
    await asyncio.sleep(0.6)
    assert api.sent == [("oUser_down", "收到：慢")]


async def test_replicas_share_one_access_token_and_one_fetch_renews_it_for_all(replica_store):
    """Replicas fetching their own would each make the others' token invalid (and spend the
    account's daily fetches): one token for all, fetched again once when the platform expires it."""
    from bot.channels.wechat_api import WeChatApi
    from tests.bot.fake_wechat import FakeWeChat

    platform = FakeWeChat("tok", "wxreplicas000001", "secret")
    base = platform.start_api()
    try:
        a, b = (WeChatApi(base, platform.appid, platform.secret, store=replica_store()) for _ in range(2))
        assert await a.send_text("oUser_tok", "一") and await b.send_text("oUser_tok", "二")
        assert platform.token_fetches == 1
        platform.expire_tokens()
        results = await asyncio.gather(a.send_text("oUser_tok", "三"), b.send_text("oUser_tok", "四"))
        assert results == [True, True] and platform.token_fetches == 2
        assert sorted(m["content"] for m in platform.sent) == sorted(["一", "二", "三", "四"])
    finally:
        platform.stop_api()


def test_two_accounts_sharing_a_store_never_share_a_message_id():
    one = {"ToUserName": "gh_account_one", "FromUserName": "oUser", "MsgId": "7001", "MsgType": "text"}
    other = dict(one, ToUserName="gh_account_two")
    assert dedup_key(one) != dedup_key(other)
    event = {"ToUserName": "gh_account_one", "FromUserName": "oUser", "CreateTime": "1700000000", "Event": "subscribe"}
    assert dedup_key(event) != dedup_key(dict(event, ToUserName="gh_account_two"))
