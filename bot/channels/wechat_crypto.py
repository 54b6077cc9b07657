"""The WeChat Official Account (公众号) message rules: signatures, safe-mode encryption, safe XML.

Pure functions without Rasa, so that the channel and the tests' fake platform share one reading of
the platform's spec (消息加解密说明):

* A request is signed with SHA-1 over the sorted strings (token, timestamp, nonce), and in safe mode
  (安全模式) with the ``Encrypt`` element as a fourth string (``msg_signature``).
* Safe mode is AES-256-CBC with key = base64-decode(EncodingAESKey + "="), IV = the key's first 16
  bytes; the plaintext is 16 random bytes, the message's length (4 bytes, big-endian), the message
  and the AppID, padded PKCS#7-style to a multiple of 32 bytes.
* Messages are small XML documents; they are parsed with a size cap and without any DTD, entity or
  external reference (a platform message never has one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
import xml.etree.ElementTree as ElementTree
from typing import Callable, Dict, Optional

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

#: How long a signed request stays valid (the platform retries within 15 s; older is a replay).
MAX_AGE_SECONDS = 300
#: The largest message body accepted (a text message is at most a few kilobytes).
MAX_XML_BYTES = 64 * 1024
#: PKCS#7 block size the platform pads to.
PAD_BLOCK = 32
#: An EncodingAESKey is 43 base64 characters (32 bytes once "=" is added).
AES_KEY_CHARS = 43


class WeChatError(ValueError):
    """A message that breaks the platform's rules (bad signature, padding, AppID or XML)."""


def signature(*parts: str) -> str:
    """The platform's signature: SHA-1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_ok(given: Optional[str], *parts: str) -> bool:
    """Whether ``given`` is the signature of ``parts`` (compared in constant time)."""
    return bool(given) and hmac.compare_digest(str(given).lower().encode(), signature(*parts).encode())


def fresh(timestamp: Optional[str], now: float, max_age: int = MAX_AGE_SECONDS) -> bool:
    """Whether a request's timestamp is a number within ``max_age`` seconds of ``now``."""
    try:
        return abs(now - int(str(timestamp))) <= max_age
    except ValueError:
        return False


class SafeMode:
    """Encryption of one account's messages (安全模式)."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        if len(encoding_aes_key or "") != AES_KEY_CHARS:
            raise WeChatError(f"EncodingAESKey must be {AES_KEY_CHARS} characters")
        try:
            self._key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (ValueError, TypeError) as exc:
            raise WeChatError("EncodingAESKey is not base64") from exc
        self.appid = appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, random_bytes: Callable[[int], bytes] = os.urandom) -> str:
        """The base64 ``Encrypt`` text of ``message`` for this account."""
        body = message.encode("utf-8")
        plain = random_bytes(16) + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = PAD_BLOCK - len(plain) % PAD_BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside an ``Encrypt`` text; :class:`WeChatError` when it is not this account's."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (ValueError, TypeError) as exc:
            raise WeChatError("Encrypt is not base64") from exc
        if not data or len(data) % 16:
            raise WeChatError("Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise WeChatError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise WeChatError("message too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise WeChatError("bad length")
        if not hmac.compare_digest(appid, self.appid.encode("utf-8")):
            raise WeChatError("AppID mismatch")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WeChatError("message is not UTF-8") from exc


#: What no platform message contains: a DTD, an entity or an external reference.
_FORBIDDEN_XML = re.compile(rb"<!DOCTYPE|<!ENTITY|SYSTEM\s+[\"']|PUBLIC\s+[\"']", re.I)


def parse_message(body: bytes, max_bytes: int = MAX_XML_BYTES) -> Dict[str, str]:
    """A message's top-level elements as ``{tag: text}`` (``ToUserName``, ``MsgType``, ``Content`` …)."""
    if len(body) > max_bytes:
        raise WeChatError("message too large")
    if _FORBIDDEN_XML.search(body):
        raise WeChatError("DTDs and entities are not accepted")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise WeChatError("malformed XML") from exc
    if root.tag != "xml":
        raise WeChatError("not a message")
    return {child.tag: (child.text or "") for child in root}


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, timestamp: int) -> str:
    """A passive text reply (被动回复文本消息)."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(timestamp)}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def encrypted_envelope(mode: SafeMode, token: str, reply: str, timestamp: int, nonce: str,
                       random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """A reply wrapped for safe mode: encrypted and signed the way requests are."""
    encrypted = mode.encrypt(reply, random_bytes)
    signed = signature(token, str(int(timestamp)), nonce, encrypted)
    return (
        f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt><MsgSignature>{_cdata(signed)}</MsgSignature>"
        f"<TimeStamp>{int(timestamp)}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
    )
