"""SQL schema of the case-work store (SQLAlchemy 1.4, 2.0 style), separate from the knowledge base.

Persons (raw values plus keyed hashes for lookups), enrollments, applications with their status
history, and the lookup attempts and locks that keep identity checks from being brute-forced. The store has its own
metadata, so ``create_all``/``drop_all`` here never touch the KB tables even when both share a database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship

from knowledge.schema import make_engine as kb_engine

Base = declarative_base()

#: Folder for the default SQLite file and the PII key (git-ignored: ``generated/``).
GENERATED_DIR = Path(__file__).resolve().parent / "generated"
#: Where the SQLite store lives unless CASEWORK_DATABASE_URL says otherwise.
DEFAULT_DB_PATH = GENERATED_DIR / "casework.sqlite3"

INSURANCE_TYPES = ("职工医保", "城乡居民医保")
PERSONNEL_CATEGORIES = ("在职职工", "灵活就业人员", "退休人员", "城乡居民", "学生")
ENROLLMENT_STATUSES = ("参保中", "暂停", "终止")
CHANNELS = ("窗口", "线上", "APP", "公众号")
#: The guide's steps (申请→受理→审核→办结) plus the two side exits the guides name.
APPLICATION_STATUSES = ("申请", "受理", "审核", "办结", "不予受理", "材料不全")


def database_url() -> str:
    """The store's URL: ``CASEWORK_DATABASE_URL`` or the SQLite file under ``casework/generated``."""
    return os.environ.get("CASEWORK_DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: Optional[str] = None) -> Engine:
    """A 2.0-style engine for ``url`` (default: :func:`database_url`): the KB's engine factory
    (the SQLite folder made as needed, a server's pooled connections tested before use)."""
    return kb_engine(url or database_url())


def create_schema(engine: Engine) -> None:
    """Create the store's tables where missing (idempotent)."""
    Base.metadata.create_all(engine)


def drop_schema(engine: Engine) -> None:
    """Drop the store's tables (``demo --reset``); the KB's tables are not in this metadata."""
    Base.metadata.drop_all(engine)


class Person(Base):
    """A resident. Raw values stay in the store; lookups compare the keyed hashes only."""

    __tablename__ = "persons"
    id = Column(Integer, primary_key=True)
    id_number = Column(String(18), unique=True, nullable=False)
    id_hmac = Column(String(64), unique=True, nullable=False, index=True)
    name = Column(String(32), nullable=False)
    name_hmac = Column(String(64), nullable=False)
    phone = Column(String(20))
    region_key = Column(String(32), nullable=False)
    created_at = Column(DateTime, nullable=False)
    enrollments = relationship("Enrollment", back_populates="person", cascade="all, delete-orphan")
    applications = relationship("Application", back_populates="person", cascade="all, delete-orphan")


class Enrollment(Base):
    """One insurance enrollment (参保) of a person in a region."""

    __tablename__ = "enrollments"
    id = Column(Integer, primary_key=True)
    person_id = Column(ForeignKey("persons.id"), nullable=False, index=True)
    region_key = Column(String(32), nullable=False)
    insurance_type = Column(String(16), nullable=False)  # INSURANCE_TYPES
    personnel_category = Column(String(16), nullable=False)  # PERSONNEL_CATEGORIES
    status = Column(String(8), nullable=False)  # ENROLLMENT_STATUSES
    since = Column(Date, nullable=False)
    unit = Column(Text)  # employer name, None for residents, students and the self-employed
    last_paid_month = Column(String(7))  # 'YYYY-MM'
    person = relationship("Person", back_populates="enrollments")


class Application(Base):
    """An application for a KB service item, with the time limit copied from the KB at submission."""

    __tablename__ = "applications"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    person_id = Column(ForeignKey("persons.id"), nullable=False, index=True)
    item_code = Column(String(16))  # None for the few KB items printed without a code
    item_name = Column(Text, nullable=False)
    variant = Column(Text)
    region_key = Column(String(32), nullable=False)
    channel = Column(String(8), nullable=False)  # CHANNELS
    submitted_at = Column(DateTime, nullable=False)
    status = Column(String(8), nullable=False)  # APPLICATION_STATUSES
    reason = Column(Text)  # why 不予受理
    missing_materials = Column(JSON)  # exact KB material texts, for 材料不全
    time_limit_text = Column(Text)  # verbatim KB text
    limit_unit = Column(String(16))  # working_days / natural_days / immediate / None (unknown)
    limit_days = Column(Integer)
    expected_completion = Column(Date)
    completion_is_estimate = Column(Boolean, nullable=False, default=False)
    person = relationship("Person", back_populates="applications")
    events = relationship(
        "ApplicationEvent",
        back_populates="application",
        order_by=lambda: [ApplicationEvent.at, ApplicationEvent.id],
        cascade="all, delete-orphan",
    )


class ApplicationEvent(Base):
    """One step in an application's history (who moved it to which status, when)."""

    __tablename__ = "application_events"
    id = Column(Integer, primary_key=True)
    application_id = Column(ForeignKey("applications.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    status = Column(String(8), nullable=False)
    note = Column(Text)
    actor = Column(String(32), nullable=False)
    application = relationship("Application", back_populates="events")


class LookupAttempt(Base):
    """One identity-checked lookup: who asked (keyed hash of the sender id), about whom, and whether it
    passed. Failures are counted per target across every sender and channel (casework/lookup_guard.py).

    ``target_hash`` is the key the user gave (application number or ID number, keyed hash);
    ``person_hash`` the person it belongs to when the store knows one, so failures against one person
    add up whichever key was used. No raw value is stored.
    """

    __tablename__ = "lookup_attempts"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, index=True)
    sender_hash = Column(String(64), nullable=False, index=True)
    target_hash = Column(String(64), index=True)
    person_hash = Column(String(64), index=True)
    ok = Column(Boolean, nullable=False)


class LookupLock(Base):
    """A lock on lookups for one sender, one target or everybody (``scope`` = sender/target/global)."""

    __tablename__ = "lookup_locks"
    __table_args__ = (UniqueConstraint("scope", "key_hash"),)
    id = Column(Integer, primary_key=True)
    scope = Column(String(8), nullable=False)
    key_hash = Column(String(64), nullable=False)
    since = Column(DateTime, nullable=False)
    until = Column(DateTime, nullable=False)
