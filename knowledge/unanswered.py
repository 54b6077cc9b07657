"""What residents could not get answered: a report for content editors, read from Rasa's tracker store.

``python -m knowledge unanswered [--since YYYY-MM-DD] [--json] [--tracker URL]`` reads the SQL
tracker store Rasa writes (table ``events``) and lists the questions that ended badly, by region and
nearest KB item, so that editors see which guide text is missing or misread:

- ``decline`` — declined as outside 医保经办 (:func:`actions.answers.decline`: "不在医保经办服务范围内");
- ``fallback`` — not understood: the reply asks to rephrase (``answers.REPHRASE`` "抱歉，我没听明白",
  ``answers.INTERNAL_ERROR``), or Rasa's own fallback ran (``action_default_fallback``,
  ``action_default_ask_rephrase``, ``action_two_stage_fallback``, a ``utter_default`` /
  ``utter_ask_rephrase`` response);
- ``not_stated`` — the reply says the guide does not state it ("《…》没有写明…", from
  ``answers._missing`` and ``answers.answer_many``; not "没有写明，以下摘自《…》", which answers from
  the next guide) or that the region's guide has no such item (``answers.no_item_in_region``:
  "…的办事指南中没有“…”这项业务");
- ``handoff`` — handed to a person: ``answers.handoff`` ("…人工咨询渠道（以当地指南为准）") or
  ``answers.HANDOFF_ASK_REGION`` ("为您转人工咨询"; counted once when the region reply brings the
  channels);
- ``poor_rating`` — "评价 1"/"评价 2": the ``answer_rating`` slot set by ``action_record_rating`` to
  1 or 2 (``answers.POOR_RATING``) rates the last answer before it (one of
  ``actions.actions.RATED_ACTIONS``, as ``RecordRating`` decides what there is to rate).

Outcomes come from the bot events' text and the actions that produced them (custom actions' messages
carry no response name), never from the model's intent alone: an ``out_of_scope`` or ``nlu_fallback``
turn that the KB answered after all is not reported. The rating reply (which repeats the handoff
channels) is not itself an outcome.

Each question is the user's message in its context: a short reply (a region, "转人工", a button, "更多",
"要多久") is read with the question it answers (the ``pending_question`` slot, else the last real
question of the session). Its region is the ``region`` slot at the reply; its item is the item the
reply was about for ``not_stated`` and ``poor_rating`` (the ``service_item`` slot the answer set, or a
tapped item button), else the nearest item by the KB's evidence (``evidence_items`` in the region, or
``rank_items`` and then every region when no region is known) — by evidence only when the question has
a word of 医保 (``in_domain``, as routing decides): "驾照到期换证" shares characters with some guide
text, but no item is near it.

No personal data leaves this module: every example is masked (tokens the channel left become their
masked forms, raw ID numbers, mobiles and introduced names are masked by the channel's own guard
``bot.channels.pii_guard``, landlines and other long digit runs here); what was typed while a lookup
form asked for personal data is never shown; sender ids are only counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, inspect, select
from sqlalchemy.engine import URL, Engine, make_url

ROOT = Path(__file__).resolve().parents[1]

#: Outcome keys in report order, with the label editors read.
OUTCOMES: "OrderedDict[str, str]" = OrderedDict(
    [
        ("not_stated", "指南未写明"),
        ("decline", "婉拒（不在服务范围）"),
        ("fallback", "没听懂（请换个说法）"),
        ("handoff", "转人工"),
        ("poor_rating", "差评（评价1–2）"),
    ]
)
NO_REGION = "未指明地区"
NO_ITEM = "（无相近事项）"
#: Examples kept per (region, item, outcome) group.
EXAMPLES = 3
#: An example longer than this is cut (with …).
EXAMPLE_CHARS = 120
#: Below this evidence score no item is "near" (``actions.routing.WEAK_EVIDENCE``).
NEAREST_MIN_SCORE = 4.0

# -- what marks each outcome (the wording of actions/answers.py; tests check they still match) ------

#: ``answers.decline``.
DECLINE_RE = re.compile(r"不在医保经办服务范围内")
#: ``answers.REPHRASE``, ``answers.INTERNAL_ERROR``.
FALLBACK_RE = re.compile(r"抱歉，我没听明白|这个问题我这边处理时出了错")
#: ``answers._missing`` / ``answer_many``'s silent aspects (not the next guide's "没有写明，以下摘自"),
#: ``answers.no_item_in_region``, and the older wording "指南未写明".
NOT_STATED_RE = re.compile(r"》没有写明(?!，以下摘自)|的办事指南中没有“[^”\n]*”这项业务|指南(?:中)?未(?:写明|载明|列明)")
#: ``answers.handoff``, ``answers.HANDOFF_ASK_REGION``.
HANDOFF_RE = re.compile(r"人工咨询渠道（以当地指南为准）|为您转人工咨询")
HANDOFF_ASK_REGION_RE = re.compile(r"为您转人工咨询.{0,6}请问您在哪个地区")
#: Rasa's own fallback actions and responses.
FALLBACK_ACTIONS = frozenset(
    {"action_default_fallback", "action_default_ask_rephrase", "action_two_stage_fallback", "action_default_ask_affirmation"}
)
FALLBACK_RESPONSES = frozenset({"utter_default", "utter_ask_rephrase"})
#: ``actions.actions.RATED_ACTIONS``: replies a resident can rate.
RATED_ACTIONS = frozenset(
    {
        "action_answer", "action_kb_search", "action_more", "action_human_handoff", "action_out_of_scope",
        "action_status_lookup", "action_enrollment_lookup",
    }
)
RATING_ACTION = "action_record_rating"
RATING_SLOT = "answer_rating"
#: ``answers.POOR_RATING``: ratings up to this are poor.
POOR_RATING = 2

# -- what makes a message a question of its own ----------------------------------------------------

#: Words that carry no question ("转人工", "好的", "谢谢"): what is left decides if a message stands alone.
_FILLER = re.compile(
    r"[\W_]+|转人工|人工客服|人工服务|人工|客服|真人|我要|我想|帮我|麻烦|请问|请|谢谢|好的|好|嗯|哦|吧|呢|啊|呀|吗|那"
)
#: A message with fewer characters than this left is read with the question before it.
OWN_QUESTION_CHARS = 5
_PAYLOAD = re.compile(r"^/(?P<intent>\w+)(?P<entities>\{.*\})?$", re.S)


def _content_chars(text: str) -> int:
    return len(_FILLER.sub("", unicodedata.normalize("NFKC", text)))


# -- masking ---------------------------------------------------------------------------------------

_LANDLINE = re.compile(r"(?<![0-9*])([(（]?0[1-9][0-9]{1,2}[)）]?[-－—–\s]?)([0-9]{7,8})(?![0-9*])")
_LONG_DIGITS = re.compile(r"(?<![0-9*])([0-9]{3})([0-9]{4,})(?![0-9*])")
_vocabulary: Optional[frozenset] = None


def _known_words() -> frozenset:
    """The KB's words (never taken for a name), as the channel guard reads them."""
    global _vocabulary
    if _vocabulary is None:
        from bot.channels.inbound import KnownValues

        _vocabulary = KnownValues.load().vocabulary
    return _vocabulary


def mask_personal(text: str) -> str:
    """``text`` with no personal data: ID numbers, mobiles, landlines, introduced names masked.

    Tokens the channel guard left (``〔身份证号:430***********1234:h=…〕``) become their masked form
    with no hash; what another channel let through raw is tokenised by the same guard
    (``bot.channels.pii_guard.protect``) and masked alike; landlines keep their area code only
    (0735-*******), and any other run of seven or more digits keeps its first three.
    """
    from bot.channels.pii_guard import protect, scrub_reply

    masked = scrub_reply(text or "")
    masked = scrub_reply(protect(masked, None, _known_words()))
    masked = _LANDLINE.sub(lambda m: m[1] + "*" * len(m[2]), masked)
    return _LONG_DIGITS.sub(lambda m: m[1] + "*" * len(m[2]), masked)


# -- reading the tracker store ---------------------------------------------------------------------

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def default_tracker_url() -> str:
    """The tracker store the assistant writes, from the variables its endpoints read: ``make run``'s
    ``TRACKER_DIALECT``/``TRACKER_DB`` (sqlite, ``bot/generated/tracker.sqlite3`` relative to the
    repository), or ``make run-scaled``'s server with ``TRACKER_HOST``/``_PORT``/``_USER``/``_PASSWORD``
    as well (``bot/endpoints-scaled.yml``); ``TRACKER_DB`` may also be a whole URL."""
    dialect = os.environ.get("TRACKER_DIALECT") or "sqlite"
    db = os.environ.get("TRACKER_DB") or "bot/generated/tracker.sqlite3"
    if "://" in db:
        return db
    if dialect == "sqlite":
        path = Path(db)
        return f"sqlite:///{path if path.is_absolute() else ROOT / path}"
    port = os.environ.get("TRACKER_PORT")
    return URL.create(dialect, username=os.environ.get("TRACKER_USER") or None,
                      password=os.environ.get("TRACKER_PASSWORD") or None, host=os.environ.get("TRACKER_HOST") or None,
                      port=int(port) if port else None, database=db).render_as_string(hide_password=False)


def _sender_events(engine: Engine, since_ts: Optional[float]) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """(sender id, its events in store order) for every sender with an event at or after ``since_ts``."""
    e = EVENTS.c
    query = select(e.sender_id, e.type_name, e.timestamp, e.data).order_by(e.sender_id, e.id)
    if since_ts is not None:
        recent = select(e.sender_id).where(e.timestamp >= since_ts).distinct()
        query = query.where(e.sender_id.in_(recent))
    sender: Optional[str] = None
    events: List[Dict[str, Any]] = []
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True).execute(query):
            if row.sender_id != sender:
                if sender is not None:
                    yield sender, events
                sender, events = row.sender_id, []
            try:
                data = json.loads(row.data) if row.data else {}
            except ValueError:
                data = {}
            data.setdefault("event", row.type_name)
            if data.get("timestamp") is None:
                data["timestamp"] = row.timestamp
            events.append(data)
    if sender is not None:
        yield sender, events


# -- one conversation's turns ----------------------------------------------------------------------


@dataclass
class _Turn:
    """A user message and everything the bot did until the next one."""

    timestamp: float
    text: str
    intent: str
    entities: Dict[str, Any]
    slots_before: Dict[str, Any]
    actions: List[str] = field(default_factory=list)
    bot: List[Tuple[str, str, Dict[str, Any]]] = field(default_factory=list)  # (action, text, metadata)
    rating: Optional[int] = None
    slots_after: Dict[str, Any] = field(default_factory=dict)
    question: str = ""
    outcome: Optional[str] = None

    @property
    def payload(self) -> Optional[Dict[str, Any]]:
        m = _PAYLOAD.match(self.text.strip())
        if not m:
            return None
        try:
            entities = json.loads(m["entities"]) if m["entities"] else {}
        except ValueError:
            entities = {}
        return entities if isinstance(entities, dict) else {}


@dataclass
class Finding:
    """One question that ended badly (masked text; no sender id)."""

    outcome: str
    question: str
    region: Optional[str]
    item: Optional[str]  # the item the reply was about, when it is the answer's own (else found later)
    timestamp: float
    conversation: int  # an ordinal of the sender within this run, to count conversations


def _classify(turn: _Turn) -> Optional[str]:
    """The outcome of a turn's reply, or None when it answered (the rating reply is not a reply)."""
    if any(a in FALLBACK_ACTIONS or a in FALLBACK_RESPONSES for a in turn.actions):
        return "fallback"
    found = set()
    for action, text, meta in turn.bot:
        if action == RATING_ACTION:
            continue
        response = (meta or {}).get("utter_action") or (meta or {}).get("template_name")
        if response in FALLBACK_RESPONSES or FALLBACK_RE.search(text):
            found.add("fallback")
        if DECLINE_RE.search(text):
            found.add("decline")
        if HANDOFF_RE.search(text):
            found.add("handoff")
        elif NOT_STATED_RE.search(text):
            found.add("not_stated")
    for outcome in ("fallback", "decline", "handoff", "not_stated"):
        if outcome in found:
            return outcome
    return None


class _Conversation:
    """Walks one sender's events and collects its findings."""

    def __init__(self, ordinal: int, since_ts: Optional[float]) -> None:
        self.ordinal = ordinal
        self.since_ts = since_ts
        self.findings: List[Finding] = []
        self.messages = 0
        self._slots: Dict[str, Any] = {}
        self._turns: List[_Turn] = []
        self._last_question = ""
        self._pending_handoff: Optional[Finding] = None
        self._current: Optional[_Turn] = None
        self._action = ""

    def _in_window(self, timestamp: float) -> bool:
        return self.since_ts is None or (timestamp or 0.0) >= self.since_ts

    def walk(self, events: Iterable[Dict[str, Any]]) -> "_Conversation":
        for event in events:
            kind = event.get("event")
            if kind in ("session_started", "restart"):
                self._finish()
                self._flush_handoff()
                self._slots, self._turns, self._last_question = {}, [], ""
            elif kind == "user":
                self._finish()
                parse = event.get("parse_data") or {}
                entities = {e.get("entity"): e.get("value") for e in parse.get("entities") or [] if isinstance(e, dict)}
                self._current = _Turn(
                    timestamp=event.get("timestamp") or 0.0,
                    text=event.get("text") or "",
                    intent=((parse.get("intent") or {}).get("name")) or "",
                    entities=entities,
                    slots_before=dict(self._slots),
                )
                if self._in_window(self._current.timestamp):
                    self.messages += 1
            elif kind == "slot":
                self._slots[event.get("name")] = event.get("value")
                if event.get("name") == RATING_SLOT and self._current is not None:
                    value = str(event.get("value") or "")
                    self._current.rating = int(value) if value.isdigit() else None
            elif kind == "action":
                self._action = event.get("name") or ""
                if self._current is not None:
                    self._current.actions.append(self._action)
            elif kind == "bot" and self._current is not None:
                self._current.bot.append((self._action, event.get("text") or "", event.get("metadata") or {}))
        self._finish()
        self._flush_handoff()
        return self

    def _question(self, turn: _Turn) -> str:
        """The question the message asks, read with the question it answers when it is short."""
        in_form = bool(turn.slots_before.get("requested_slot"))  # the bot asked for personal data
        own = "" if turn.payload is not None or in_form else turn.text.strip()
        pending = str(turn.slots_before.get("pending_question") or "").strip()
        context = pending or (self._last_question if _content_chars(own) < OWN_QUESTION_CHARS else "")
        if context and own and _content_chars(own) and own not in context:
            return f"{context} / {own}"
        return context or own

    def _finish(self) -> None:
        turn, self._current = self._current, None
        if turn is None:
            return
        turn.slots_after = dict(self._slots)
        turn.question = self._question(turn)
        turn.outcome = _classify(turn)
        region = turn.slots_after.get("region") or None
        tapped = (turn.payload or {}).get("service_item")
        answered = tapped or (turn.slots_after.get("service_item") if turn.outcome == "not_stated" else None)
        if turn.outcome and turn.question:
            finding = Finding(turn.outcome, turn.question, region, answered, turn.timestamp, self.ordinal)
            if turn.outcome == "handoff" and HANDOFF_ASK_REGION_RE.search(" ".join(t for _, t, _ in turn.bot)):
                self._flush_handoff()
                self._pending_handoff = finding  # the region reply may bring the channels: count once
            else:
                asked = self._pending_handoff
                if turn.outcome == "handoff" and asked is not None:  # the region reply to "转人工"
                    self._pending_handoff = None
                    if not turn.question.startswith(asked.question):
                        finding.question = f"{asked.question} / {turn.question}"
                self._flush_handoff()
                self._add(finding)
        else:
            self._flush_handoff()
        if turn.rating is not None and turn.rating <= POOR_RATING:
            rated = next((t for t in reversed(self._turns) if RATED_ACTIONS & set(t.actions)), None)
            if rated is not None and rated.question:
                item = (rated.payload or {}).get("service_item") or rated.slots_after.get("service_item")
                self._add(
                    Finding("poor_rating", rated.question, rated.slots_after.get("region") or None, item, turn.timestamp, self.ordinal)
                )
        self._turns.append(turn)
        if turn.question and turn.payload is None and _content_chars(turn.text) >= OWN_QUESTION_CHARS:
            self._last_question = turn.question

    def _flush_handoff(self) -> None:
        if self._pending_handoff is not None:
            self._add(self._pending_handoff)
            self._pending_handoff = None

    def _add(self, finding: Finding) -> None:
        if self._in_window(finding.timestamp):
            self.findings.append(finding)


# -- the report ------------------------------------------------------------------------------------


def _since_timestamp(since: Optional[dt.date]) -> Optional[float]:
    """Midnight (local time, as the server's clock stamps events) of ``since``."""
    return None if since is None else dt.datetime.combine(since, dt.time.min).timestamp()


def _short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Nearest:
    """The nearest KB item of a question (memoised; the KB's own ranking)."""

    def __init__(self, kb: Any) -> None:
        self.kb = kb
        self._memo: Dict[Tuple[str, Optional[str]], Optional[str]] = {}
        self._region_keys = [r.key for r in kb.regions()]

    def __call__(self, text: str, region: Optional[str]) -> Optional[str]:
        key = (text, region)
        if key not in self._memo:
            self._memo[key] = self._find(text, region)
        return self._memo[key]

    def _best_evidence(self, text: str, region: str) -> Tuple[Optional[str], float]:
        hits = self.kb.evidence_items(text, region, k=1)
        return (hits[0][0], float(hits[0][1])) if hits else (None, 0.0)

    def _find(self, text: str, region: Optional[str]) -> Optional[str]:
        if not text.strip():
            return None
        ranked = self.kb.rank_items(text)  # an item the phrase lists find named
        named = ranked[0][0] if ranked and ranked[0][1] > 0 else None
        in_domain = getattr(self.kb, "in_domain", None)
        if in_domain is not None and not in_domain(text):
            # no word of 医保 ("明天会不会下雨"): the guides' text shares characters with anything,
            # so only an item the question names is near (as routing decides)
            return named
        if region:
            item, score = self._best_evidence(text, region)
            return item if score >= NEAREST_MIN_SCORE else named
        if named:
            return named
        best: Tuple[Optional[str], float] = (None, 0.0)
        for key in self._region_keys:
            found = self._best_evidence(text, key)
            if found[1] > best[1]:
                best = found
        return best[0] if best[1] >= NEAREST_MIN_SCORE else None


def unanswered(
    tracker_url: str,
    since: Optional[dt.date] = None,
    kb: Any = None,
    examples: int = EXAMPLES,
) -> Dict[str, Any]:
    """The questions residents could not get answered, counted by region, nearest item and outcome.

    Args:
        tracker_url: SQLAlchemy URL of Rasa's SQL tracker store (``sqlite:///…``, ``postgresql://…``).
        since: only questions (and ratings) stamped on or after this day's midnight, local time.
        kb: the KB to find items with (``regions``, ``region``, ``item_name``, ``evidence_items``,
            ``rank_items`` and, optionally, ``in_domain`` and ``knows_item`` as
            ``actions.kb_gateway.KnowledgeGateway``);
            default ``gateway()``.
        examples: masked example questions kept per group.

    Returns:
        A JSON-serialisable dict: ``since``, ``tracker`` (URL without password), ``totals``
        (conversations, messages, unanswered, by outcome), ``outcomes`` (key → label),
        ``regions`` (per region: name, unanswered, by outcome) and ``groups`` — one per
        (region, item, outcome) with ``count``, ``conversations`` and masked ``examples`` — most
        frequent first within each region. No sender id and no unmasked personal data.
    """
    if kb is None:
        from actions.kb_gateway import gateway

        kb = gateway()
    url = make_url(tracker_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" and not Path(url.database).exists():
        raise FileNotFoundError(f"no tracker store at {url.database}")
    engine = create_engine(url, future=True)
    since_ts = _since_timestamp(since)
    findings: List[Finding] = []
    conversations = messages = 0
    try:
        if inspect(engine).has_table("events"):
            for ordinal, (_, events) in enumerate(_sender_events(engine, since_ts)):
                conv = _Conversation(ordinal, since_ts).walk(events)
                findings += conv.findings
                messages += conv.messages
                conversations += 1 if conv.messages else 0
    finally:
        engine.dispose()
    return _report(findings, kb, since, url, conversations, messages, examples)


def _report(
    findings: Sequence[Finding], kb: Any, since: Optional[dt.date], url: URL, conversations: int, messages: int, examples: int
) -> Dict[str, Any]:
    nearest = _Nearest(kb)
    knows = getattr(kb, "knows_item", None) or (lambda key: bool(key))
    region_names = {r.key: r.name for r in kb.regions()}
    groups: Dict[Tuple[str, str, str], Dict[str, Any]] = {}
    senders: Dict[Tuple[str, str, str], set] = {}
    for f in sorted(findings, key=lambda f: -f.timestamp):  # the latest examples first
        region = f.region if f.region in region_names else None
        question = mask_personal(f.question)
        item = f.item if f.item and knows(f.item) else nearest(question, region)
        key = (region or "", item or "", f.outcome)
        group = groups.setdefault(
            key,
            {
                "region": region,
                "region_name": region_names.get(region or "", NO_REGION),
                "item": item,
                "item_name": kb.item_name(item) if item else NO_ITEM,
                "outcome": f.outcome,
                "outcome_label": OUTCOMES[f.outcome],
                "count": 0,
                "conversations": 0,
                "examples": [],
            },
        )
        group["count"] += 1
        senders.setdefault(key, set()).add(f.conversation)
        group["conversations"] = len(senders[key])
        example = _short(question)
        if example not in group["examples"] and len(group["examples"]) < examples:
            group["examples"].append(example)
    order = {key: i for i, key in enumerate(region_names)}
    outcome_order = {key: i for i, key in enumerate(OUTCOMES)}
    ordered = sorted(
        groups.values(),
        key=lambda g: (order.get(g["region"] or "", len(order)), -g["count"], outcome_order[g["outcome"]], g["item_name"]),
    )
    by_outcome = {key: sum(g["count"] for g in ordered if g["outcome"] == key) for key in OUTCOMES}
    regions: "OrderedDict[str, Dict[str, Any]]" = OrderedDict()
    for g in ordered:
        r = regions.setdefault(g["region"] or NO_REGION, {"name": g["region_name"], "unanswered": 0, "by_outcome": {k: 0 for k in OUTCOMES}})
        r["unanswered"] += g["count"]
        r["by_outcome"][g["outcome"]] += g["count"]
    return {
        "since": since.isoformat() if since else None,
        "tracker": url.render_as_string(hide_password=True),
        "totals": {
            "conversations": conversations,
            "messages": messages,
            "unanswered": sum(by_outcome.values()),
            "by_outcome": by_outcome,
        },
        "outcomes": dict(OUTCOMES),
        "regions": dict(regions),
        "groups": ordered,
    }


# -- text ------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    if _width(text) > width:
        while text and _width(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def format_report(report: Dict[str, Any]) -> str:
    """The report as a readable Chinese table: totals, then per region its groups with examples."""
    totals = report["totals"]
    labels = report["outcomes"]
    since = f"（{report['since']} 起）" if report.get("since") else "（全部记录）"
    lines = [
        f"居民没有得到解答的问题{since}",
        f"会话 {totals['conversations']} 个，用户消息 {totals['messages']} 条；未解答 {totals['unanswered']} 次："
        + "，".join(f"{labels[k]} {v}" for k, v in totals["by_outcome"].items()),
    ]
    if not report["groups"]:
        lines.append("\n没有未解答的问题。")
        return "\n".join(lines) + "\n"
    widths = (34, 22, 6, 6)
    header = _pad("事项", widths[0]) + _pad("结果", widths[1]) + _pad("次数", widths[2]) + "会话"
    region = object()
    for g in report["groups"]:
        if g["region"] != region:
            region = g["region"]
            summary = report["regions"][g["region"] or NO_REGION]
            lines += ["", f"【{g['region_name']}】未解答 {summary['unanswered']} 次", header, "─" * sum(widths)]
        lines.append(
            _pad(g["item_name"], widths[0]) + _pad(g["outcome_label"], widths[1]) + _pad(str(g["count"]), widths[2]) + str(g["conversations"])
        )
        lines += [f"    例：{e}" for e in g["examples"]]
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------------------------


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def cmd_unanswered(args: argparse.Namespace) -> int:
    """``python -m knowledge unanswered``: print the report (text, or JSON with ``--json``)."""
    url = args.tracker or default_tracker_url()
    try:
        report = unanswered(url, since=args.since, examples=args.examples)
    except FileNotFoundError as exc:
        print(f"找不到对话记录库：{exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report), end="")
    return 0


def add_command(subparsers: Any, handler: Callable[[argparse.Namespace], int] = cmd_unanswered) -> argparse.ArgumentParser:
    """Register ``unanswered`` on ``python -m knowledge``'s subparsers (``args.func`` runs it)."""
    p = subparsers.add_parser("unanswered", help="questions residents could not get answered, by region and item (from the tracker store)")
    p.add_argument("--since", type=_date, default=None, help="only from this day on (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--tracker", default=None, help="tracker store URL (default: TRACKER_DIALECT/TRACKER_DB as make run sets them)")
    p.add_argument("--examples", type=int, default=EXAMPLES, help="example questions per group")
    p.set_defaults(func=handler)
    return p
