"""The windowed tracker store: a long conversation is read back as its state plus its last events,
every event is still stored once, and slots, the form and the session stand as after a full replay."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.windowed_tracker_store import WindowedSQLTrackerStore
from tests.postgres import database_url

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ["chenzhou", "hunan", "yunnan", "xianan", "guizhou"]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request, tmp_path, domain):
    """(windowed store of ``window`` events, plain store) on one database: SQLite, or the PostgreSQL server."""
    if request.param == "sqlite":
        where = dict(dialect="sqlite", db=str(tmp_path / "tracker.sqlite3"))
    else:
        url = make_url(database_url("yibao_tracker_test"))
        where = dict(dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS events"))
        engine.dispose()

    def make(window: int):
        return WindowedSQLTrackerStore(domain, window=window, **where), SQLTrackerStore(domain, **where)
    return make


def turn(n: int):
    """One turn as this assistant writes it: the message, slots, the answer."""
    events = [ActionExecuted("action_listen"), UserUttered(f"第{n}个问题", {"name": "ask_materials", "confidence": 1.0})]
    events.append(SlotSet("region", REGIONS[n % 5]))
    if n == 3:
        events.append(SlotSet("service_item", "002036004001"))  # set once, long before the window
    events += [ActionExecuted("action_answer_kb"), BotUttered(f"第{n}个回答"), ActionExecuted("action_listen")]
    return events


async def converse(store, domain, turns: int, sender: str = "long") -> None:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
    if not tracker.events:
        tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted()], domain)
    for n in range(turns):
        for event in turn(n):
            tracker.update(event, domain)
        if n == 5:
            tracker.update(ActiveLoop("case_lookup_form"), domain)
        if n == 6:
            tracker.update(ActiveLoop(None), domain)
        await store.save(tracker)
        tracker = await store.retrieve(sender)


def test_a_long_conversation_is_read_back_bounded_with_its_state_and_stored_whole(stores, domain):
    windowed, plain = stores(40)
    asyncio.run(converse(windowed, domain, 60))
    full = asyncio.run(plain.retrieve("long"))
    read = asyncio.run(windowed.retrieve("long"))
    assert len(full.events) == 2 + 60 * 6 + 2  # every event stored once
    assert len(read.events) <= 40 + 4 and isinstance(read.events[-1], ActionExecuted)
    assert read.current_slot_values() == full.current_slot_values()
    assert read.get_slot("service_item") == "002036004001"  # set at turn 3, long out of the window
    assert read.active_loop_name is None and read.latest_message.text == "第59个问题"
    assert any(isinstance(e, SessionStarted) for e in read.events)  # not taken for a new session
    first_user = next(e for e in read.events if isinstance(e, UserUttered))
    assert read.events.index(first_user) < 6  # the window opens on a user message, after the state


def test_a_form_running_when_the_window_opens_is_still_running(stores, domain):
    windowed, _ = stores(20)

    async def go():
        await converse(windowed, domain, 6)  # turn 5 starts the form, never ends it here
        tracker = await windowed.retrieve("long")
        for n in range(6, 12):
            for event in turn(n):
                tracker.update(event, domain)
            await windowed.save(tracker)
            tracker = await windowed.retrieve("long")
        return tracker

    tracker = asyncio.run(go())
    assert tracker.active_loop_name == "case_lookup_form"


def test_a_short_conversation_is_read_back_whole(stores, domain):
    windowed, plain = stores(200)
    asyncio.run(converse(windowed, domain, 5))
    full = asyncio.run(plain.retrieve("long"))
    read = asyncio.run(windowed.retrieve("long"))
    assert [e.as_dict() for e in read.events] == [e.as_dict() for e in full.events]


def test_the_assistant_is_configured_with_it():
    import yaml
    from rasa.shared.utils.common import class_from_module_path

    configured = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]["type"]
    # (Rasa falls back to an in-memory store, with a mere warning, when the class cannot be imported)
    assert class_from_module_path(configured) is WindowedSQLTrackerStore
