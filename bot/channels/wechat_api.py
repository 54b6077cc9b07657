"""The 公众号 platform's HTTP API as the channel uses it: an access token, customer-service messages.

A passive reply must come within 5 seconds and holds one message; everything else (a slow answer,
the later parts of a long one) goes through the customer-service API (客服消息,
``POST /cgi-bin/message/custom/send``). That API needs an access token from ``GET /cgi-bin/token``,
valid for ``expires_in`` seconds (7,200) and limited in how often it may be fetched, so it is cached
until shortly before it expires and fetched again at once when the platform says it is invalid or
expired. ``WECHAT_API_BASE`` points the client at a local fake in tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

OFFICIAL_API_BASE = "https://api.weixin.qq.com"
#: errcodes meaning "fetch a new token and try again" (invalid credential, invalid token, expired token).
TOKEN_ERRORS = {40001, 40014, 42001}
#: Fetch a new token this many seconds before the platform's expiry (clocks and queues differ).
TOKEN_MARGIN_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 5.0


class WeChatApi:
    """A client for one account's token and customer-service messages (one per channel instance)."""

    def __init__(self, base: str, appid: str, secret: str, clock=time.monotonic) -> None:
        self.base = (base or OFFICIAL_API_BASE).rstrip("/")
        self.appid, self.secret = appid, secret
        self._clock = clock
        self._token: Optional[str] = None
        self._expires_at = 0.0
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
        """The cached token; fetched again when missing, near expiry, or when ``refused`` is the cached one."""
        async with self._lock:  # one fetch for many waiting senders
            if self._token and self._clock() < self._expires_at and self._token != refused:
                return self._token
            data = await self._get_json(
                session,
                "GET",
                f"{self.base}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )
            if not data.get("access_token"):
                raise aiohttp.ClientError(f"no access token: errcode {data.get('errcode')}")
            self._token = str(data["access_token"])
            lifetime = int(data.get("expires_in") or 7200)
            self._expires_at = self._clock() + max(lifetime - TOKEN_MARGIN_SECONDS, lifetime // 2)
            return self._token

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
