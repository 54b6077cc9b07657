"""Staff accounts, their sessions, the login lockout and the log of staff case look-ups.

The console's own tables, apart from the KB (rebuilt from the guides) and the case store (the
bureau's system): ``STAFF_DATABASE_URL``, else a SQLite file under ``web/generated``. Passwords are
hashed with Argon2id (argon2-cffi); a session is a random token whose SHA-256 alone is stored, with
its own CSRF token; five failed logins within 15 minutes lock the account for 15 minutes, whatever
the password tried next.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from knowledge.schema import make_engine as kb_engine

ROLES = ("agent", "village", "editor", "reviewer", "admin")
DEFAULT_DB_PATH = Path(__file__).resolve().parent / "generated" / "staff.sqlite3"
SESSION_HOURS = 8
LOCK_AFTER_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10
NAME_CHARS = 32

Base = declarative_base()
_hasher = PasswordHasher()
#: Verified against when the name is unknown, so that a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class StaffUser(Base):
    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    name = Column(String(NAME_CHARS), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(200), nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    csrf = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)


class LoginAttempt(Base):
    __tablename__ = "staff_login_attempts"
    id = Column(Integer, primary_key=True)
    name = Column(String(NAME_CHARS), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    ok = Column(Boolean, nullable=False)


class StaffLookup(Base):
    """One staff case look-up: who, when, which record, and how it ended (no personal data)."""

    __tablename__ = "staff_lookups"
    id = Column(Integer, primary_key=True)
    user_name = Column(String(NAME_CHARS), nullable=False)
    at = Column(DateTime, nullable=False)
    record = Column(String(64), nullable=False)  # the application number asked for
    outcome = Column(String(32), nullable=False)  # shown / refused / locked


def database_url() -> str:
    return os.environ.get("STAFF_DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: Optional[str] = None) -> Engine:
    """The staff DB's engine with its tables (the KB's engine factory: SQLite folders made as needed)."""
    engine = kb_engine(url or database_url())
    Base.metadata.create_all(engine)
    return engine


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff (what the pages need; never the hash)."""

    id: int
    name: str
    role: str


class AccountError(ValueError):
    """A refused account change, with the reason in one Chinese sentence."""


class StaffStore:
    """Accounts, sessions and the look-up log on one engine."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self.engine = engine or make_engine()

    # -- accounts ------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, now: Optional[datetime] = None) -> Staff:
        name = (name or "").strip()
        if not name or len(name) > NAME_CHARS or not all(c.isalnum() or c in "-_." for c in name):
            raise AccountError(f"用户名须为 1–{NAME_CHARS} 个字母、数字或 - _ .")
        if role not in ROLES:
            raise AccountError(f"角色须为以下之一：{'、'.join(ROLES)}")
        if len(password or "") < MIN_PASSWORD_CHARS:
            raise AccountError(f"密码至少 {MIN_PASSWORD_CHARS} 个字符")
        with Session(self.engine, future=True) as session:
            if session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one_or_none():
                raise AccountError(f"用户 {name} 已存在")
            user = StaffUser(name=name, role=role, password_hash=_hasher.hash(password), created_at=now or datetime.now())
            session.add(user)
            session.commit()
            return Staff(user.id, user.name, user.role)

    def role_of(self, name: str) -> Optional[str]:
        """The role of an active account, None for an unknown or disabled one."""
        with Session(self.engine, future=True) as session:
            user = session.execute(select(StaffUser).where(StaffUser.name == (name or "").strip())).scalar_one_or_none()
            return user.role if user is not None and not user.disabled else None

    def users(self) -> List[Tuple[str, str, bool, datetime]]:
        with Session(self.engine, future=True) as session:
            rows = session.execute(select(StaffUser).order_by(StaffUser.name)).scalars().all()
            return [(u.name, u.role, u.disabled, u.created_at) for u in rows]

    def count(self) -> int:
        with Session(self.engine, future=True) as session:
            return session.execute(select(func.count()).select_from(StaffUser)).scalar_one()

    # -- login ---------------------------------------------------------------------------------

    def locked(self, name: str, now: datetime) -> bool:
        """Whether ``name`` failed LOCK_AFTER_FAILURES times within the window (since its last success)."""
        with Session(self.engine, future=True) as session:
            recent = session.execute(
                select(LoginAttempt).where(LoginAttempt.name == name, LoginAttempt.at > now - LOCK_WINDOW)
                .order_by(LoginAttempt.at.desc())
            ).scalars().all()
        failures = 0
        for attempt in recent:
            if attempt.ok:
                break
            failures += 1
        return failures >= LOCK_AFTER_FAILURES

    def login(self, name: str, password: str, now: Optional[datetime] = None) -> Tuple[Optional[Staff], str]:
        """(the staff member, "") or (None, why in Chinese); every attempt counts towards the lockout."""
        now = now or datetime.now()
        name = (name or "").strip()[:NAME_CHARS]
        if self.locked(name, now):
            return None, f"登录失败次数过多，账号已锁定 {int(LOCK_WINDOW.total_seconds() // 60)} 分钟，请稍后再试或联系管理员。"
        with Session(self.engine, future=True) as session:
            user = session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one_or_none()
            try:
                _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
                ok = user is not None and not user.disabled
            except (VerificationError, InvalidHashError):
                ok = False
            session.add(LoginAttempt(name=name, at=now, ok=ok))
            session.commit()
            if not ok or user is None:
                return None, "用户名或密码不正确。"
            return Staff(user.id, user.name, user.role), ""

    def start_session(self, staff: Staff, now: Optional[datetime] = None) -> Tuple[str, str]:
        """A new session for ``staff``: (cookie token, CSRF token)."""
        now = now or datetime.now()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with Session(self.engine, future=True) as session:
            session.add(StaffSession(token_hash=_digest(token), user_id=staff.id, csrf=csrf,
                                     expires_at=now + timedelta(hours=SESSION_HOURS)))
            session.commit()
        return token, csrf

    def session(self, token: Optional[str], now: Optional[datetime] = None) -> Optional[Tuple[Staff, str]]:
        """(staff, CSRF token) of a live session, else None."""
        if not token or len(token) > 100:
            return None
        now = now or datetime.now()
        with Session(self.engine, future=True) as session:
            row = session.get(StaffSession, _digest(token))
            if row is None or row.expires_at <= now:
                return None
            user = session.get(StaffUser, row.user_id)
            if user is None or user.disabled:
                return None
            return Staff(user.id, user.name, user.role), row.csrf

    def end_session(self, token: Optional[str]) -> None:
        if not token:
            return
        with Session(self.engine, future=True) as session:
            row = session.get(StaffSession, _digest(token))
            if row is not None:
                session.delete(row)
                session.commit()

    @staticmethod
    def csrf_ok(expected: str, given: Optional[str]) -> bool:
        return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())

    # -- the look-up log -----------------------------------------------------------------------

    def log_lookup(self, staff: Staff, record: str, outcome: str, now: Optional[datetime] = None) -> None:
        with Session(self.engine, future=True) as session:
            session.add(StaffLookup(user_name=staff.name, at=now or datetime.now(), record=record[:64], outcome=outcome))
            session.commit()

    def lookups(self) -> List[Tuple[str, datetime, str, str]]:
        with Session(self.engine, future=True) as session:
            rows = session.execute(select(StaffLookup).order_by(StaffLookup.id)).scalars().all()
            return [(r.user_name, r.at, r.record, r.outcome) for r in rows]


DEMO_ACCOUNTS = (("demo-agent", "agent"), ("demo-village", "village"), ("demo-editor", "editor"), ("demo-reviewer", "reviewer"))


def create_demo_accounts(store: StaffStore, out: Path) -> bool:
    """The four demo accounts with random passwords written to ``out`` (0600), when no account exists."""
    if store.count():
        return False
    lines = ["# Demo staff accounts made by `make run` (git-ignored; delete the staff DB to make new ones)."]
    for name, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        store.add_user(name, role, password)
        lines.append(f"{name}\t{role}\t{password}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return True
