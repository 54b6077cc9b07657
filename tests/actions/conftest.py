"""Action tests: a gateway on the session's SQLite KB and a Tracker factory (no Rasa server)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_gateway import KnowledgeGateway


@pytest.fixture(scope="session")
def gateway(kb_engine) -> KnowledgeGateway:
    return KnowledgeGateway(engine=kb_engine, cache_seconds=0)


def make_tracker(
    text: str,
    intent: str = "inform",
    confidence: float = 0.95,
    entities: Optional[Dict[str, str]] = None,
    slots: Optional[Dict[str, Any]] = None,
    ranking: Optional[List[str]] = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent``, with ``entities``."""
    ents = [{"entity": k, "value": v} for k, v in (entities or {}).items()]
    ranking_list = [{"name": n, "confidence": 0.3} for n in (ranking or [])]
    return Tracker(
        sender_id="test",
        slots=dict(slots or {}),
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking_list or [{"name": intent, "confidence": confidence}],
            "entities": ents,
        },
        # as Rasa sends it: the conversation's slot events, then this message
        events=[{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()]
        + [{"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def slots_of(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts_of(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def buttons_of(dispatcher: CollectingDispatcher) -> List[Dict[str, str]]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]
