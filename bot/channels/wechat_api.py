"""The 公众号 platform's HTTP API as the channel uses it: an access token, customer-service messages.

A passive reply must come within 5 seconds and holds one message; everything else (a slow answer,
the later parts of a long one) goes through the customer-service API (客服消息,
``POST /cgi-bin/message/custom/send``). That API needs an access token from ``GET /cgi-bin/token``,
valid for ``expires_in`` seconds (7,200) and limited in how often it may be fetched, so it is cached
until shortly before it expires and fetched again at once when the platform says it is invalid or
expired. The cache is the channels' shared state (``shared_state``): with ``STATE_REDIS_URL`` set,
every replica uses the one token, and one replica fetches a new one for all. Replicas fetching their
own would each make the others' token invalid five minutes later, and spend the account's daily
quota of fetches. ``WECHAT_API_BASE`` points the client at a local fake in tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional

import aiohttp

from bot.channels.shared_state import MemoryStore, Store

logger = logging.getLogger(__name__)

OFFICIAL_API_BASE = "https://api.weixin.qq.com"
#: errcodes meaning "fetch a new token and try again" (invalid credential, invalid token, expired token).
TOKEN_ERRORS = {40001, 40014, 42001}
#: Fetch a new token this many seconds before the platform's expiry (clocks and queues differ).
TOKEN_MARGIN_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 5.0
#: Shared-state keys: the token (by AppID), and the claim of the replica fetching a new one.
TOKEN_KEY, FETCH_KEY = "wechat:token:", "wechat:token-fetch:"
#: How long another replica's fetch is waited for before fetching anyway.
FETCH_WAIT_SECONDS, FETCH_POLL_SECONDS = 3.0, 0.05


class WeChatApi:
    """A client for one account's token and customer-service messages (one per channel instance)."""

    def __init__(self, base: str, appid: str, secret: str, clock=time.monotonic, store: Optional[Store] = None) -> None:
        self.base = (base or OFFICIAL_API_BASE).rstrip("/")
        self.appid, self.secret = appid, secret
        self._clock = clock
        self._store = store if store is not None else MemoryStore(size=16, clock=clock)
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        """Whether AppID and AppSecret are set (without them no message can be sent later)."""
        return bool(self.appid and self.secret)

    async def _get_json(self, session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Dict[str, Any]:
        async with session.request(method, url, **kwargs) as resp:
            text = await resp.text()
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise aiohttp.ClientError(f"the platform answered HTTP {resp.status} without a JSON object")
        return data

    async def access_token(self, session: aiohttp.ClientSession, refused: Optional[str] = None) -> str:
        """The shared token; fetched again when missing, near expiry, or when ``refused`` is the shared one."""
        key = TOKEN_KEY + self.appid
        async with self._lock:  # one fetch for this process's waiting senders
            token = self._store.get(key)
            if token and token != refused:
                return token
            if not self._store.claim(FETCH_KEY + self.appid, "1", FETCH_WAIT_SECONDS):
                # another replica is fetching: its token, unless it takes too long
                deadline = self._clock() + FETCH_WAIT_SECONDS
                while self._clock() < deadline:
                    await asyncio.sleep(FETCH_POLL_SECONDS)
                    token = self._store.get(key)
                    if token and token != refused:
                        return token
            try:
                token, lifetime = await self._fetch(session)
            finally:
                self._store.pop(FETCH_KEY + self.appid)
            self._store.set(key, token, max(lifetime - TOKEN_MARGIN_SECONDS, lifetime // 2))
            return token

    async def _fetch(self, session: aiohttp.ClientSession) -> "tuple[str, int]":
        """A new token from the platform, and its lifetime in seconds."""
        data = await self._get_json(
            session,
            "GET",
            f"{self.base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        if not data.get("access_token"):
            raise aiohttp.ClientError(f"no access token: errcode {data.get('errcode')}")
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    async def send_text(self, openid: str, content: str) -> bool:
        """Send one text message to ``openid``; True when the platform accepted it.

        Failures are logged by errcode only (never the text or the OpenID) and reported as False.
        """
        if not self.configured:
            logger.warning("WeChat: a reply needs the customer-service API, but WECHAT_APPID/APPSECRET are unset")
            return False
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": content}}, ensure_ascii=False)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                refused: Optional[str] = None
                for _ in range(2):
                    token = await self.access_token(session, refused)
                    data = await self._get_json(
                        session,
                        "POST",
                        f"{self.base}/cgi-bin/message/custom/send",
                        params={"access_token": token},
                        # the platform reads UTF-8 text; \\u escapes would reach the user literally
                        data=body.encode("utf-8"),
                        headers={"Content-Type": "application/json; charset=utf-8"},
                    )
                    code = int(data.get("errcode") or 0)
                    if code == 0:
                        return True
                    if code not in TOKEN_ERRORS:
                        logger.warning("WeChat: customer-service message refused, errcode %s", code)
                        return False
                    refused = token
                logger.warning("WeChat: customer-service message refused twice for the token")
                return False
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            logger.warning("WeChat: customer-service API unreachable (%s)", type(exc).__name__)
            return False
