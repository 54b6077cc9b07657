"""Rasa's SQL tracker store, reading back a bounded window of a long conversation.

Rasa rebuilds the whole session's tracker from the database on every message and sends it to the
action server; its rule policy featurizes all of it. At turn 200 that is thousands of events, and a
turn cost 5.6 times what it cost at turn 10 (``scripts/bench.py``). Every event is still stored;
only what is read back for the next turn is bounded: the session's last ``window`` events (from a
user message on), after the events that restore its state — the session start, the latest value of
every slot set earlier in the session, and the form (active loop) running then. Slots, forms and the
session therefore stand as if the whole session had been replayed; what the window leaves out is
history no rule or action of this assistant looks back to.

Configured in ``bot/endpoints.yml``: ``type: bot.windowed_tracker_store.WindowedSQLTrackerStore``
(``window``: events, default :data:`WINDOW`).
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

#: Events read back: the last two or three turns of this assistant (a turn writes 8–15 events).
WINDOW = 30
#: Where a windowed tracker remembers how many of its events came from the store.
_LOADED = "_windowed_loaded_events"


class WindowedSQLTrackerStore(SQLTrackerStore):
    """:class:`SQLTrackerStore` whose ``retrieve`` reads the session's state and its last events."""

    def __init__(self, *args: Any, window: int = WINDOW, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = int(window)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            events = self._windowed_events(session, sender_id)
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _LOADED, len(tracker.events))
        return tracker

    def _windowed_events(self, session: "sa.orm.Session", sender_id: Text) -> List[Dict[str, Any]]:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        newest = query.order_by(None).order_by(self.SQLEvent.id.desc()).limit(self.window + 1).all()
        if len(newest) <= self.window:  # the whole session fits
            return [json.loads(e.data) for e in reversed(newest)]
        tail = list(reversed(newest[:-1]))
        # start at a user message: a window opening inside a turn would show the rules half a turn
        first_user = next((i for i, e in enumerate(tail) if e.type_name == UserUttered.type_name), 0)
        tail = tail[first_user:]
        start = tail[0].id
        event = self.SQLEvent

        def latest(kind: str):
            return session.query(event).filter(event.sender_id == sender_id, event.type_name == kind,
                                               event.id >= lower, event.id < start).order_by(event.id.desc()).first()

        # the state the left-out events built: session start, each slot's latest value, the form
        lower = 0
        session_start = latest(SessionStarted.type_name)
        lower = session_start.id if session_start is not None else 0
        slot_ids = [i for (i,) in session.query(sa.func.max(event.id)).filter(
            event.sender_id == sender_id, event.type_name == SlotSet.type_name, event.id >= lower, event.id < start,
        ).group_by(event.action_name)]  # a slot event's slot name is stored as its action_name
        slots = session.query(event).filter(event.id.in_(slot_ids)).all() if slot_ids else []
        loop = latest(ActiveLoop.type_name)
        prefix = [e for e in [session_start, loop] if e is not None] + slots
        prefix.sort(key=lambda e: e.id)
        return [json.loads(e.data) for e in prefix + tail]

    def _additional_events(self, session: "sa.orm.Session", tracker: DialogueStateTracker) -> Iterator:
        """The events of ``tracker`` not stored yet: those after the ones it was read with."""
        loaded = getattr(tracker, _LOADED, None)
        if loaded is None:  # a tracker this store did not read (a new conversation)
            return super()._additional_events(session, tracker)
        setattr(tracker, _LOADED, len(tracker.events))  # saved twice in one turn: store each event once
        return itertools.islice(tracker.events, loaded, len(tracker.events))
