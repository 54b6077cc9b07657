"""A faithful fake of the WeChat 公众号 platform, for driving the real channel over HTTP.

It plays both sides the platform plays:

* **Towards the callback** (our channel): it signs every request (``signature``; in safe mode it
  encrypts the message and adds ``msg_signature``), waits 5 seconds for an answer and retries a message
  up to three times, and checks each passive reply as the platform does (safe-mode signature and
  decryption, addressed to the sender, at most 2,048 bytes of content).
* **As the API** (``WECHAT_API_BASE``): ``GET /cgi-bin/token`` hands out access tokens for the right
  AppID and secret; ``POST /cgi-bin/message/custom/send`` records customer-service messages, refusing
  an unknown or expired token (errcode 40001/42001) and content over 2,048 bytes (45002).
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional

from bot.channels.wechat_crypto import SafeMode, parse_message, signature, signature_ok

PLATFORM_WAIT_SECONDS = 5.0
PLATFORM_TRIES = 3 + 1  # the first try and three retries
MAX_CONTENT_BYTES = 2048


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Answer:
    """What the callback answered a message with, after the platform's retries."""

    status: int = 0
    body: str = ""
    content: Optional[str] = None  # the passive reply's text, when there was one
    tries: int = 0
    problems: List[str] = field(default_factory=list)  # what the platform would refuse in the reply


class FakeWeChat:
    """One 公众号 account on a fake platform; ``callback`` is the channel's webhook URL."""

    def __init__(self, token: str, appid: str, secret: str, aes_key: str = "", account: str = "gh_fake_account",
                 wait_seconds: float = PLATFORM_WAIT_SECONDS) -> None:
        self.token, self.appid, self.secret, self.account = token, appid, secret, account
        self.safe_mode = SafeMode(aes_key, appid) if aes_key else None
        self.wait_seconds = wait_seconds
        self.callback = ""
        self.sent: List[Dict[str, str]] = []  # customer-service messages accepted
        self.token_fetches = 0
        self.refused: List[int] = []  # errcodes the API answered
        self._tokens: Dict[str, float] = {}
        self._msg_id = int(time.time() * 1000)
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    # -- the API side --------------------------------------------------------------------------

    def start_api(self) -> str:
        """Serve the API on a free port; returns its base URL (for ``WECHAT_API_BASE``)."""
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, payload: Dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/cgi-bin/token":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                if query.get("grant_type") != "client_credential":
                    return self._json(platform._refuse(40002, "invalid grant_type"))
                if query.get("appid") != platform.appid or query.get("secret") != platform.secret:
                    return self._json(platform._refuse(40013, "invalid appid or secret"))
                with platform._lock:
                    platform.token_fetches += 1
                    token = "ACCESS_TOKEN_" + secrets.token_hex(8)
                    platform._tokens[token] = time.time() + 7200
                self._json({"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path != "/cgi-bin/message/custom/send":
                    return self._json({"errcode": 404, "errmsg": "not found"})
                token = query.get("access_token", "")
                with platform._lock:
                    expires = platform._tokens.get(token)
                if expires is None:
                    return self._json(platform._refuse(40001, "invalid credential"))
                if expires < time.time():
                    return self._json(platform._refuse(42001, "access_token expired"))
                try:
                    data = json.loads(body.decode("utf-8"))
                    content = data["text"]["content"]
                    assert data["msgtype"] == "text" and data["touser"]
                except (ValueError, KeyError, TypeError, AssertionError):
                    return self._json(platform._refuse(44002, "empty post data"))
                if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
                    return self._json(platform._refuse(45002, "content size out of limit"))
                with platform._lock:
                    platform.sent.append({"touser": data["touser"], "content": content, "raw": body.decode("utf-8")})
                self._json({"errcode": 0, "errmsg": "ok"})

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop_api(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def _refuse(self, code: int, message: str) -> Dict:
        with self._lock:
            self.refused.append(code)
        return {"errcode": code, "errmsg": message}

    def expire_tokens(self) -> None:
        """Make every token handed out so far expired (the platform's 42001 on next use)."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = time.time() - 1

    def sent_to(self, openid: str, count: int = 1, timeout: float = 15.0) -> List[str]:
        """The customer-service texts sent to ``openid``, once at least ``count`` have arrived."""
        deadline = time.time() + timeout
        while True:
            with self._lock:
                texts = [m["content"] for m in self.sent if m["touser"] == openid]
            if len(texts) >= count or time.time() > deadline:
                return texts
            time.sleep(0.05)

    # -- the callback side ---------------------------------------------------------------------

    def next_msg_id(self) -> str:
        with self._lock:
            self._msg_id += 1
            return str(self._msg_id)

    def message_xml(self, openid: str, msg_type: str, create_time: Optional[int] = None, **elements: str) -> str:
        parts = [
            f"<ToUserName>{_cdata(self.account)}</ToUserName>",
            f"<FromUserName>{_cdata(openid)}</FromUserName>",
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
            f"<MsgType>{_cdata(msg_type)}</MsgType>",
        ]
        parts += [f"<{k}>{_cdata(v) if k != 'MsgId' else v}</{k}>" for k, v in elements.items()]
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, openid: str, content: str, msg_id: Optional[str] = None) -> str:
        return self.message_xml(openid, "text", Content=content, MsgId=msg_id or self.next_msg_id())

    def event(self, openid: str, event: str, create_time: Optional[int] = None) -> str:
        return self.message_xml(openid, "event", create_time=create_time, Event=event)

    def signed_query(self, body: str, timestamp: Optional[int] = None, nonce: Optional[str] = None) -> Dict[str, str]:
        """The query string the platform sends with ``body`` (already encrypted in safe mode)."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**9))
        query = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "o"}
        if self.safe_mode is not None:
            encrypted = parse_message(body.encode("utf-8"))["Encrypt"]
            query.update(encrypt_type="aes", msg_signature=signature(self.token, ts, nonce, encrypted))
        return query

    def envelope(self, xml: str) -> str:
        """The body the platform posts for ``xml``: itself, or its safe-mode envelope."""
        if self.safe_mode is None:
            return xml
        return f"<xml><ToUserName>{_cdata(self.account)}</ToUserName><Encrypt>{_cdata(self.safe_mode.encrypt(xml))}</Encrypt></xml>"

    def post_raw(self, body: bytes, query: Dict[str, str], timeout: float) -> "tuple[int, str]":
        req = urllib.request.Request(
            self.callback + "?" + urllib.parse.urlencode(query), data=body, headers={"Content-Type": "text/xml"}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def deliver(self, xml: str, openid: str) -> Answer:
        """Post a message as the platform does: wait 5 s for each try, retry up to three times."""
        answer = Answer()
        body = self.envelope(xml)
        for _ in range(PLATFORM_TRIES):
            answer.tries += 1
            try:  # each try is signed afresh, as the platform does
                status, text = self.post_raw(body.encode("utf-8"), self.signed_query(body), self.wait_seconds)
            except (socket.timeout, TimeoutError, urllib.error.URLError):
                continue
            answer.status, answer.body = status, text
            if status == 200:
                answer.content = self.read_reply(text, openid, answer.problems)
            return answer
        return answer

    def read_reply(self, text: str, openid: str, problems: List[str]) -> Optional[str]:
        """A passive reply's content as the user would see it; problems noted as the platform would."""
        if text in ("", "success"):
            return None
        xml = parse_message(text.encode("utf-8"))
        if self.safe_mode is not None:
            if not signature_ok(xml.get("MsgSignature"), self.token, xml.get("TimeStamp", ""), xml.get("Nonce", ""),
                                xml.get("Encrypt", "")):
                problems.append("reply signature")
            xml = parse_message(self.safe_mode.decrypt(xml.get("Encrypt", "")).encode("utf-8"))
        if xml.get("ToUserName") != openid or xml.get("FromUserName") != self.account:
            problems.append("reply addressed wrongly")
        if xml.get("MsgType") != "text":
            problems.append("reply is not text")
        content = xml.get("Content", "")
        if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
            problems.append("reply over 2,048 bytes")
        return content

    def say(self, openid: str, content: str) -> Answer:
        return self.deliver(self.text(openid, content), openid)

    def verify_url(self, echostr: str, **override: str) -> "tuple[int, str]":
        """The "服务器配置" check: GET with signature, timestamp, nonce and echostr."""
        ts, nonce = str(int(time.time())), "20260101"
        query = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": echostr}
        query.update(override)
        try:
            with urllib.request.urlopen(self.callback + "?" + urllib.parse.urlencode(query), timeout=10) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")
