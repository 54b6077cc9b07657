"""End to end: the careless-user corpus leaves no raw personal data in the tracker store, logs or replies.

``tests/e2e/data/careless_users.yml`` was written from the list of careless habits (spaced, dashed,
full-width and glued numbers, +86 prefixes, zero-width characters, names in free text and at the
name prompt with titles, phone tails in words, personal data in request metadata, an ID across the
300-character cut). Every conversation is replayed over HTTP, then every string of every stored
event, both servers' logs and every reply are searched for each value as typed and in canonical form.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import yaml

from tests.e2e.conftest import post, text

pytestmark = pytest.mark.slow

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "careless_users.yml").read_text(encoding="utf-8"))
#: Keyed hashes and message ids are long hex runs with letters: dropped before the search, so a
#: four-digit phone tail cannot match inside one by chance (a run of digits only is kept).
_HEX_WITH_LETTERS = re.compile(r"(?=[0-9a-f]*[a-f])[0-9a-f]{16,}")


def _strings(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _searchable(texts: List[str]) -> str:
    return "\n".join(_HEX_WITH_LETTERS.sub("#", t) for t in texts)


@pytest.fixture(scope="module")
def replayed(server) -> Dict[str, str]:
    """Replay every conversation (one sender each); return the replies per conversation."""
    replies: Dict[str, str] = {}
    for i, conversation in enumerate(CORPUS["conversations"]):
        sender = f"careless-{i}"
        said = []
        for turn in conversation["turns"]:
            payload = {"sender": sender, "message": turn["message"]}
            if turn.get("metadata"):
                payload["metadata"] = turn["metadata"]
            status, body = post(server, payload)
            assert status == 200, body
            said.append(text(body))
        replies[conversation["name"]] = "\n".join(said)
    return replies


def test_the_corpus_is_big_enough():
    conversations = CORPUS["conversations"]
    assert len(conversations) >= 15
    assert sum(len(c["turns"]) for c in conversations) >= 40
    assert any(t.get("metadata") for c in conversations for t in c["turns"])


def test_no_raw_personal_data_anywhere_after_the_run(server, replayed):
    with sqlite3.connect(server["tracker_db"]) as db:
        rows = list(db.execute("select sender_id, data from events where sender_id like 'careless-%'"))
    senders = {r[0] for r in rows}
    assert len(senders) == len(CORPUS["conversations"])  # every conversation was stored: the search means something
    stored = _searchable([s for _, data in rows for s in _strings(json.loads(data))])
    logs = _searchable([p.read_text(encoding="utf-8", errors="replace") for p in server["logs"] if p.exists()])
    leaks = []
    for conversation in CORPUS["conversations"]:
        said = _searchable([replayed[conversation["name"]]])
        for value in {*conversation["secrets"], *conversation["canonical"]}:
            for where, haystack in (("tracker store", stored), ("logs", logs), ("replies", said)):
                if value in haystack:
                    leaks.append(f"{conversation['name']}: {value!r} in {where}")
    assert not leaks, "\n".join(leaks)


def test_the_lookups_in_the_corpus_really_reached_their_prompts(replayed):
    """The name and phone-tail prompts were asked, so the values typed after them were tested as such."""
    asked = "\n".join(replayed.values())
    assert "姓名" in asked and "后四位" in asked
