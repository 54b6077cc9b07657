"""The guard every channel puts in front of Rasa (REST now; WeChat and the web page use it too).

In: a sender id and a message as the channel received them. Out: the text Rasa may see (or a reply
that stops the message here), the metadata Rasa may keep, and replies that are safe to send.

- Sender ids: a safe character set and length, and never a phone or ID number.
- Text: control characters dropped; personal data tokenised (``pii_guard``) *before* the length cut,
  so a cut can never leave the digits of an ID behind; the cut never splits a token.
- Payloads: a message in Rasa's ``/intent{...}`` syntax passes only when it is a button this sender
  was offered, or an ``inform`` whose entity values are known KB keys (a button from before a
  restart). Anything else in that syntax is refused; a plain message that merely starts with "/"
  loses the slash, so Rasa never reads user text as an intent.
- Metadata: reduced to an allow-list of non-personal keys.
- Replies: the bot's ``custom.pii_expect`` marker is noted and dropped, offered buttons are noted,
  and no text or button title may show a token or a hash.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

from bot.channels.pii_guard import Expectations, cut, protect, scrub_reply, tokenize_ids
from bot.channels.shared_state import Store, open_store

GENERATED = Path(__file__).resolve().parents[2] / "data" / "nlu" / "generated"

MAX_SENDER_CHARS = 64
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,%d}$" % MAX_SENDER_CHARS)
#: Metadata keys a client may send (values: short strings of a safe character set); the rest is dropped.
METADATA_ALLOWED = {"client": 32, "lang": 16, "page": 64, "channel": 16}
_METADATA_VALUE = re.compile(r"^[A-Za-z0-9_.:/@-]*$")
#: The only intent our buttons carry, and the entities they may set.
BUTTON_INTENTS = {"inform"}
BUTTON_ENTITIES = {"region", "service_item", "variant"}
#: Buttons without values ("更多").
BARE_BUTTON_INTENTS = {"more"}
OFFERS_PREFIX = "offers:"
#: "评价 5" (as the guides' 评价 channels score: 5 非常满意 … 1 非常不满意) rates the last answer, on
#: every channel; the message becomes the ``rate`` intent directly, so no classifier can misread it.
RATING_RE = re.compile(r"^评价\s*[:：]?\s*(\d)\s*分?$")
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][A-Za-z0-9_]*)(?:@[0-9.]+)?(?P<entities>\{.*\})?$", re.DOTALL)

CUT_NOTE = "您的消息较长，我只读了前{n}个字。如果问题在后面，请分开发送。"
EMPTY_REPLY = "您好像没有输入内容。请直接说您要办的医保业务，比如“异地就医备案要什么材料”。"
STALE_BUTTON = "这个按钮已失效或格式不对，我没有执行。请直接用文字说出您的问题，比如“郴州生育津贴要什么材料”。"
BAD_SENDER = f"sender 须为 1–{MAX_SENDER_CHARS} 个字符，只能包含字母、数字和 _ . : @ -"
RATING_HELP = "评价请回复“评价”加 1–5 的数字：5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意。比如“评价 5”。"
PII_SENDER = "sender 不能包含手机号或身份证号，请使用随机生成的会话标识"


def clean_text(text: str) -> str:
    """Drop control characters and private-use code points (newlines and tabs become spaces).

    Format characters (zero-width spaces, direction marks) stay until the privacy guard has read
    the digits they split, and are dropped after it.
    """
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\r\n\t":
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


def _drop_format(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


@dataclass
class Inbound:
    """What the channel does with one message: pass ``text`` to Rasa, or send ``stop`` back at once.

    ``notes`` go before the bot's replies (e.g. that the message was cut).
    """

    text: Optional[str] = None
    stop: Optional[str] = None
    notes: List[str] = field(default_factory=list)


class OfferedButtons:
    """The payloads each sender was offered lately (bounded per sender, each expiring after a day).

    Kept in the shared state store (``shared_state``): in Redis when ``STATE_REDIS_URL`` is set, so a
    button pressed may reach any replica, else in this process's memory (at most ``senders``).
    """

    def __init__(self, per_sender: int = 40, senders: int = 20000, seconds: float = 86400,
                 store: Optional[Store] = None) -> None:
        self._store = store if store is not None else open_store(size=senders)
        self.per_sender, self.seconds = per_sender, seconds

    def add(self, sender: str, payloads: List[str]) -> None:
        self._store.add_recent(OFFERS_PREFIX + sender, payloads, self.per_sender, self.seconds)

    def has(self, sender: str, payload: str) -> bool:
        return self._store.has_recent(OFFERS_PREFIX + sender, payload, self.seconds)


@dataclass(frozen=True)
class KnownValues:
    """Entity values a button may carry: region keys, item keys, variant labels (from the KB)."""

    region: FrozenSet[str] = frozenset()
    service_item: FrozenSet[str] = frozenset()
    variant: FrozenSet[str] = frozenset()
    vocabulary: FrozenSet[str] = frozenset()

    @classmethod
    def load(cls, folder: Path = GENERATED) -> "KnownValues":
        """Read ``entities.json`` and the jieba dictionary made by ``make nlu`` (empty when absent)."""
        entities_path, dict_path = folder / "entities.json", folder / "jieba" / "userdict.txt"
        data: Dict[str, Any] = json.loads(entities_path.read_text(encoding="utf-8")) if entities_path.exists() else {}
        phrases = ((data.get("entities") or {}).get("region") or {}).get("phrases") or {}
        regions = {key for values in phrases.values() for key, _ in values}
        words: Set[str] = set()
        if dict_path.exists():
            words |= {line.split()[0] for line in dict_path.read_text(encoding="utf-8").splitlines() if line.strip()}
        for index in (data.get("entities") or {}).values():
            words |= set((index or {}).get("phrases") or {})
        return cls(
            region=frozenset(regions),
            service_item=frozenset(data.get("item_names") or {}),
            variant=frozenset(data.get("button_labels") or []),
            vocabulary=frozenset(w for w in words if len(w) >= 2 and not w.isascii()),
        )


def parse_payload(text: str) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(intent, entities) of a ``/intent{...}`` message, or None when it is not well-formed."""
    m = _PAYLOAD.match(text)
    if not m:
        return None
    entities: Dict[str, Any] = {}
    if m["entities"]:
        try:
            entities = json.loads(m["entities"])
        except (ValueError, RecursionError):
            return None
        if not isinstance(entities, dict):
            return None
    return m["intent"], entities


class InboundGuard:
    """One guard per channel instance; holds the per-sender notes and the KB's known values.

    The notes (expectations, offered buttons) go to ``store`` when given (both under their own key
    prefixes), else each to a store of its own chosen by ``STATE_REDIS_URL`` (``shared_state``).
    """

    def __init__(self, max_chars: int = 300, known: Optional[KnownValues] = None,
                 store: Optional[Store] = None) -> None:
        self.max_chars = max_chars
        self.known = known if known is not None else KnownValues.load()
        self.expectations = Expectations(store=store)
        self.offered = OfferedButtons(store=store)

    # -- in ------------------------------------------------------------------------------------

    @staticmethod
    def sender_error(sender: Any) -> Optional[str]:
        """Why a sender id is refused, or None."""
        if not isinstance(sender, str) or not SENDER_RE.match(sender):
            return BAD_SENDER
        if tokenize_ids(sender) != sender:
            return PII_SENDER
        return None

    @staticmethod
    def metadata(raw: Any) -> Optional[Dict[str, str]]:
        """The allow-listed, non-personal part of a request's metadata (None when nothing is left)."""
        if not isinstance(raw, dict):
            return None
        kept = {
            k: v
            for k, v in raw.items()
            if k in METADATA_ALLOWED and isinstance(v, str) and len(v) <= METADATA_ALLOWED[k] and _METADATA_VALUE.match(v)
        }
        return kept or None

    def incoming(self, sender: str, message: str) -> Inbound:
        """What Rasa may see of ``message`` from ``sender`` (already checked by ``sender_error``)."""
        text = clean_text(message or "")
        if not _drop_format(text):
            return Inbound(stop=EMPTY_REPLY)
        rating = RATING_RE.match(unicodedata.normalize("NFKC", _drop_format(text)))
        if rating:
            score = int(rating[1])
            return Inbound(text=f'/rate{{"rating": "{score}"}}') if 1 <= score <= 5 else Inbound(stop=RATING_HELP)
        if text.startswith("/"):
            payload = self._button(sender, text)
            if payload is not None:
                return Inbound(text=payload)
            if parse_payload(text) is not None or re.match(r"^/\w+\s*\{", text):
                return Inbound(stop=STALE_BUTTON)
            text = text.lstrip("/").strip() or text  # "/生育津贴" is a question, not an intent
            if text.startswith("/"):
                return Inbound(stop=STALE_BUTTON)
        expected = self.expectations.pop(sender)
        safe = _drop_format(protect(text, expected, self.known.vocabulary))
        safe, was_cut = cut(safe, self.max_chars)
        return Inbound(text=safe, notes=[CUT_NOTE.format(n=self.max_chars)] if was_cut else [])

    def _button(self, sender: str, text: str) -> Optional[str]:
        """The payload to pass on when ``text`` is one of our buttons, else None."""
        if self.offered.has(sender, text):
            return text
        parsed = parse_payload(text)
        if parsed is None:
            return None
        intent, entities = parsed
        if intent in BARE_BUTTON_INTENTS and not entities:
            return "/" + intent
        if intent not in BUTTON_INTENTS or not entities or not set(entities) <= BUTTON_ENTITIES:
            return None
        for name, value in entities.items():
            if not isinstance(value, str) or value not in getattr(self.known, name):
                return None
        return "/" + intent + json.dumps(entities, ensure_ascii=False)

    # -- out -----------------------------------------------------------------------------------

    def outgoing(self, sender: str, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Replies to send: pii_expect noted and dropped, buttons noted, tokens and hashes scrubbed."""
        out = []
        for m in messages:
            custom = m.get("custom") if isinstance(m.get("custom"), dict) else None
            if custom and "pii_expect" in custom:
                self.expectations.set(sender, str(custom["pii_expect"]))
                m = {k: v for k, v in m.items() if k != "custom"}
                if not m.get("text") and not m.get("buttons"):
                    continue
            m = dict(m)
            if isinstance(m.get("text"), str):
                m["text"] = scrub_reply(m["text"])
            if isinstance(m.get("buttons"), list):
                buttons = [b for b in m["buttons"] if isinstance(b, dict)]
                self.offered.add(sender, [str(b.get("payload")) for b in buttons if b.get("payload")])
                m["buttons"] = [dict(b, title=scrub_reply(str(b.get("title", "")))) for b in buttons]
            out.append(m)
        return out
