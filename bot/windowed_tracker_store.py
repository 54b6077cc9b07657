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
import os
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

#: Events read back: the last two or three turns of this assistant (a turn writes 8–15 events).
WINDOW = 30
#: The indexes the window reads by (name: columns), beside Rasa's own on ``sender_id``.
INDEXES = {
    "ix_events_sender_id_id": "sender_id, id",
    "ix_events_sender_type_id": "sender_id, type_name, id",
    "ix_events_sender_type_name_id": "sender_id, type_name, action_name, id",
}
#: An id above every event's (the look-ups' upper bound when there is none).
NO_LIMIT = 2**62
#: Where a windowed tracker remembers how many of its events came from the store.
_LOADED = "_windowed_loaded_events"


class WindowedSQLTrackerStore(SQLTrackerStore):
    """:class:`SQLTrackerStore` whose ``retrieve`` reads the session's state and its last events."""

    def __init__(self, *args: Any, window: int = WINDOW, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = int(window)
        self._sql: Optional[Tuple[int, Dict[str, Any]]] = None
        if self.engine.dialect.name == "sqlite":
            self._write_ahead()
        else:
            self._ping_before_use()
        self._create_indexes()

    def _write_ahead(self) -> None:
        """SQLite with a write-ahead log, synced at checkpoints rather than at every commit: a
        turn's commit cost a fifth of Rasa's time per message (py-spy). A crash of the process loses
        nothing; only a power cut may lose the last turns."""

        def pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        sa.event.listen(self.engine, "connect", pragmas)
        self.engine.dispose()  # connections opened before the listener get it too

    def _ping_before_use(self) -> None:
        """Test a pooled connection before each use: after a database server restart, the first
        message then gets a new connection instead of an error (Rasa's engine does not ping)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _create_indexes(self) -> None:
        """The indexes the window's look-ups need (Rasa's table indexes ``sender_id`` alone, so
        PostgreSQL read every event of a long session on each of them: 7 ms a look-up at 14,000
        events). Replicas starting together may race to create one: the loser finds it made."""
        table = self.SQLEvent.__tablename__
        for name, columns in INDEXES.items():
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
            except sa.exc.SQLAlchemyError:  # made by another replica meanwhile
                logger.debug("index %s exists", name)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            events = self._windowed_events(session, sender_id)
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _LOADED, len(tracker.events))
        return tracker

    def _windowed_events(self, session: "sa.orm.Session", sender_id: Text) -> List[Dict[str, Any]]:
        sql = self._statements()
        session_start = session.execute(sql["latest"], dict(sender=sender_id, kind=SessionStarted.type_name,
                                                            lower=0, below=NO_LIMIT)).first()
        lower = session_start.id if session_start is not None else 0
        newest = session.execute(sql["tail"], dict(sender=sender_id, lower=lower, n=self.window + 1)).all()
        if len(newest) <= self.window:  # the whole session fits
            return [json.loads(e.data) for e in reversed(newest)]
        tail = list(reversed(newest[:-1]))
        # start at a user message: a window opening inside a turn would show the rules half a turn
        first_user = next((i for i, e in enumerate(tail) if e.type_name == UserUttered.type_name), 0)
        tail = tail[first_user:]
        start = tail[0].id
        # the state the left-out events built: session start, each slot's latest value, the form
        bounds = dict(sender=sender_id, lower=lower, below=start)
        slots = session.execute(sql["slots"], bounds).all() if sql["slots"] is not None else []
        loop = session.execute(sql["latest"], dict(bounds, kind=ActiveLoop.type_name)).first()
        prefix = [e for e in [session_start, loop] if e is not None] + slots
        prefix.sort(key=lambda e: e.id)
        return [json.loads(e.data) for e in prefix + tail]

    def _statements(self) -> Dict[str, Any]:
        """The window's three look-ups, each an index seek, written once per store: built with the ORM
        for every message, reading the window was a third of Rasa's time per message (py-spy).

        ``slots`` is one seek per domain slot for its newest value (a slot event's slot name is stored
        as its ``action_name``), so its cost does not grow with the session."""
        if self._sql is None or self._sql[0] != id(self.domain):  # a new model brings a new domain
            table, columns = self.SQLEvent.__tablename__, "id, type_name, data"
            names = [slot.name for slot in (self.domain.slots if self.domain else [])]
            seek = (f"SELECT * FROM (SELECT {columns} FROM {table} WHERE sender_id = :sender AND type_name = "
                    f"'{SlotSet.type_name}' AND action_name = :slot_{{i}} AND id >= :lower AND id < :below "
                    f"ORDER BY id DESC LIMIT 1) AS slot_{{i}}")
            slots = (sa.text(" UNION ALL ".join(seek.format(i=i) for i in range(len(names))))
                     .bindparams(**{f"slot_{i}": name for i, name in enumerate(names)})) if names else None
            self._sql = id(self.domain), {
                "latest": sa.text(f"SELECT {columns} FROM {table} WHERE sender_id = :sender AND type_name = :kind "
                                  f"AND id >= :lower AND id < :below ORDER BY id DESC LIMIT 1"),
                "tail": sa.text(f"SELECT {columns} FROM {table} WHERE sender_id = :sender AND id >= :lower "
                                f"ORDER BY id DESC LIMIT :n"),
                "slots": slots,
            }
        return self._sql[1]

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        """A new conversation's tracker (``retrieve`` found no event of the sender): none of its
        events is stored yet, so saving it need not count the stored ones first."""
        tracker = super().init_tracker(sender_id)
        setattr(tracker, _LOADED, 0)
        return tracker

    def _additional_events(self, session: "sa.orm.Session", tracker: DialogueStateTracker) -> Iterator:
        """The events of ``tracker`` not stored yet: those after the ones it was read with."""
        loaded = getattr(tracker, _LOADED, None)
        if loaded is None:  # a tracker this store did not read (a new conversation)
            return super()._additional_events(session, tracker)
        setattr(tracker, _LOADED, len(tracker.events))  # saved twice in one turn: store each event once
        return itertools.islice(tracker.events, loaded, len(tracker.events))


def create_tables() -> None:
    """Create the tracker table in the database the ``TRACKER_*`` variables name (as
    ``bot/endpoints-scaled.yml`` does), so that replicas starting together need not race to."""
    store = WindowedSQLTrackerStore(
        dialect=os.environ.get("TRACKER_DIALECT", "sqlite"), host=os.environ.get("TRACKER_HOST"),
        port=os.environ.get("TRACKER_PORT"), db=os.environ.get("TRACKER_DB", "rasa.db"),
        username=os.environ.get("TRACKER_USER"), password=os.environ.get("TRACKER_PASSWORD") or None,
    )
    store.engine.dispose()
