"""Keep identity-checked lookups from being brute-forced, whoever asks and from wherever.

A status lookup's second factor is four phone digits: 10,000 possibilities. Counting failures per
sender id is no defence, because the client chooses the sender id. So every lookup attempt is
recorded in the case store's database (shared by every action-server process, REST and WeChat alike)
and four limits apply:

- **per target** — the application number or ID number the user gave, and the person behind it:
  ``target_failures`` failures within ``target_window`` lock that target for ``target_lock``, for
  every sender. This is what bounds a targeted attack (guesses per target per day).
- **per sender** — ``sender_failures`` failures within ``sender_window`` lock the sender (a resident
  who mistyped is told early), and at most ``sender_attempts`` lookups per ``sender_attempt_window``.
- **global** — ``global_failures`` failures within ``global_window`` across everybody pause all
  lookups for ``global_lock``: this bounds an attack spread over many targets and sender ids.

A success resets nothing: failures age out of their window. Locks and their ends are logged with
the scope and an 8-character prefix of a keyed hash only, never a personal value.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from casework.schema import LookupAttempt, LookupLock, create_schema

log = logging.getLogger(__name__)

SENDER, TARGET, GLOBAL = "sender", "target", "global"
_GLOBAL_KEY = "*"


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """The guard's thresholds; ``from_env`` reads ``LOOKUP_*`` overrides (minutes and counts)."""

    target_failures: int = 5
    target_window: dt.timedelta = dt.timedelta(hours=24)
    target_lock: dt.timedelta = dt.timedelta(hours=24)
    sender_failures: int = 3
    sender_window: dt.timedelta = dt.timedelta(minutes=30)
    sender_lock: dt.timedelta = dt.timedelta(minutes=30)
    sender_attempts: int = 10
    sender_attempt_window: dt.timedelta = dt.timedelta(hours=1)
    global_failures: int = 20
    global_window: dt.timedelta = dt.timedelta(minutes=1)
    global_lock: dt.timedelta = dt.timedelta(minutes=5)

    @classmethod
    def from_env(cls) -> "Limits":
        d = cls()

        def minutes(name: str, default: dt.timedelta) -> dt.timedelta:
            return dt.timedelta(minutes=_env_int(name, int(default.total_seconds() // 60)))

        return cls(
            target_failures=_env_int("LOOKUP_TARGET_FAILURES", d.target_failures),
            target_window=minutes("LOOKUP_TARGET_WINDOW_MINUTES", d.target_window),
            target_lock=minutes("LOOKUP_TARGET_LOCK_MINUTES", d.target_lock),
            sender_failures=_env_int("LOOKUP_SENDER_FAILURES", d.sender_failures),
            sender_window=minutes("LOOKUP_SENDER_WINDOW_MINUTES", d.sender_window),
            sender_lock=minutes("LOOKUP_SENDER_LOCK_MINUTES", d.sender_lock),
            sender_attempts=_env_int("LOOKUP_SENDER_ATTEMPTS_PER_HOUR", d.sender_attempts),
            global_failures=_env_int("LOOKUP_GLOBAL_FAILURES", d.global_failures),
            global_window=minutes("LOOKUP_GLOBAL_WINDOW_MINUTES", d.global_window),
            global_lock=minutes("LOOKUP_GLOBAL_LOCK_MINUTES", d.global_lock),
        )

    @property
    def keep(self) -> dt.timedelta:
        """How long attempts matter (older rows are pruned)."""
        return max(self.target_window, self.sender_window, self.sender_attempt_window, self.global_window)

    def guesses_per_target_per_day(self) -> int:
        """The most failed guesses one target can take in 24 hours, whoever sends them."""
        # a target takes target_failures guesses, then stays locked; the window forgets them only after it
        cycle = max(self.target_window, self.target_lock)
        return self.target_failures * max(1, int(dt.timedelta(hours=24) / cycle))


@dataclass(frozen=True)
class Verdict:
    """Whether a lookup may go ahead.

    ``reason`` is one of ``sender_locked``, ``target_locked``, ``sender_rate``, ``global_busy`` when
    not allowed; ``until`` is when asking again makes sense; ``remaining`` counts the failures left
    before a lock (the smallest over the sender and the targets), after :meth:`LookupGuard.record`.
    """

    allowed: bool
    reason: Optional[str] = None
    until: Optional[dt.datetime] = None
    remaining: Optional[int] = None


class LookupGuard:
    """Attempts and locks in the case store's database; every action-server process shares them."""

    def __init__(self, engine: Engine, limits: Optional[Limits] = None) -> None:
        self.engine = engine
        self.limits = limits or Limits.from_env()
        create_schema(engine)

    def _session(self) -> Session:
        return Session(self.engine, future=True)

    # -- reading ---------------------------------------------------------------------------------

    def check(self, sender_hash: str, targets: Sequence[str], now: dt.datetime) -> Verdict:
        """Whether ``sender_hash`` may look up ``targets`` (keyed hashes; may be empty) at ``now``.

        Locks are checked first (global, target, sender), then the sender's attempt rate. An expired
        lock found here is logged as ended and removed.
        """
        keys = [(GLOBAL, _GLOBAL_KEY), *((TARGET, t) for t in targets if t), (SENDER, sender_hash)]
        with self._session() as s:
            locks = self._locks(s, keys)
            for lock in locks:
                if lock.until <= now:
                    log.info("lookup lock ended: scope=%s key=%s… at %s", lock.scope, lock.key_hash[:8], lock.until)
                    s.delete(lock)
            s.commit()
            active = {(lock.scope, lock.key_hash): lock.until for lock in locks if lock.until > now}
            for scope, key in keys:
                if (scope, key) in active:
                    reason = {GLOBAL: "global_busy", TARGET: "target_locked", SENDER: "sender_locked"}[scope]
                    return Verdict(False, reason, active[(scope, key)])
            since = now - self.limits.sender_attempt_window
            recent = s.scalars(
                select(LookupAttempt.at)
                .where(LookupAttempt.sender_hash == sender_hash, LookupAttempt.at > since)
                .order_by(LookupAttempt.at)
            ).all()
            if len(recent) >= self.limits.sender_attempts:
                return Verdict(False, "sender_rate", recent[0] + self.limits.sender_attempt_window)
        return Verdict(True)

    @staticmethod
    def _locks(s: Session, keys: Iterable[Tuple[str, str]]) -> List[LookupLock]:
        conditions = [(LookupLock.scope == scope) & (LookupLock.key_hash == key) for scope, key in keys]
        return list(s.scalars(select(LookupLock).where(or_(*conditions))))

    # -- writing ---------------------------------------------------------------------------------

    def record(self, sender_hash: str, targets: Sequence[str], ok: bool, now: dt.datetime) -> Verdict:
        """Record one lookup's outcome; a failure may lock the sender, a target or everybody.

        Args:
            sender_hash: keyed hash of the sender id.
            targets: the key the user gave (keyed hash) and, when known, the person's target hash.
            ok: whether both factors matched.
            now: the clock.

        Returns:
            ``Verdict(allowed=not locked, reason, until, remaining)``.
        """
        key = targets[0] if targets else None
        person = targets[1] if len(targets) > 1 else None
        lim = self.limits
        with self._session() as s:
            s.add(LookupAttempt(at=now, sender_hash=sender_hash, target_hash=key, person_hash=person, ok=ok))
            s.execute(delete(LookupAttempt).where(LookupAttempt.at < now - lim.keep - dt.timedelta(hours=1)))
            s.flush()
            if ok:
                s.commit()
                return Verdict(True)
            remaining: List[int] = []
            locked: List[Tuple[str, dt.datetime]] = []

            failures = self._failures(s, LookupAttempt.sender_hash == sender_hash, now - lim.sender_window)
            remaining.append(lim.sender_failures - failures)
            if failures >= lim.sender_failures:
                locked.append(("sender_locked", self._lock(s, SENDER, sender_hash, now, lim.sender_lock)))
            for target in {t for t in targets if t}:
                where = or_(LookupAttempt.target_hash == target, LookupAttempt.person_hash == target)
                failures = self._failures(s, where, now - lim.target_window)
                remaining.append(lim.target_failures - failures)
                if failures >= lim.target_failures:
                    locked.append(("target_locked", self._lock(s, TARGET, target, now, lim.target_lock)))
            failures = self._failures(s, LookupAttempt.ok.is_(False), now - lim.global_window)
            if failures >= lim.global_failures:
                locked.append(("global_busy", self._lock(s, GLOBAL, _GLOBAL_KEY, now, lim.global_lock)))
            s.commit()
        left = max(0, min(remaining))
        if locked:
            reason, until = max(locked, key=lambda r: r[1])
            return Verdict(False, reason, until, 0)
        return Verdict(True, None, None, left)

    @staticmethod
    def _failures(s: Session, where, since: dt.datetime) -> int:
        stmt = select(func.count(LookupAttempt.id)).where(where, LookupAttempt.ok.is_(False), LookupAttempt.at > since)
        return int(s.scalar(stmt) or 0)

    @staticmethod
    def _lock(s: Session, scope: str, key: str, now: dt.datetime, length: dt.timedelta) -> dt.datetime:
        """Lock (scope, key) until ``now + length`` unless a lock is already running; returns its end."""
        lock = s.scalars(select(LookupLock).where(LookupLock.scope == scope, LookupLock.key_hash == key)).first()
        if lock is not None and lock.until > now:
            return lock.until
        until = now + length
        if lock is None:
            s.add(LookupLock(scope=scope, key_hash=key, since=now, until=until))
        else:
            lock.since, lock.until = now, until
        log.warning("lookups locked: scope=%s key=%s… until %s", scope, key[:8], until)
        return until
