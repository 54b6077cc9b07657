"""SQL schema of the knowledge base (SQLAlchemy 1.4, 2.0 style).

Region → guide (with precedence) → service item (子项, national code) → business variant (业务办理项)
→ fields, materials, process steps, channels, time limits, contacts, legal basis, forms. Every row
that holds guide text carries its provenance: the source file and a 1-based line range.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

#: Where the SQLite knowledge base lives unless KB_DATABASE_URL says otherwise.
DEFAULT_DB_PATH = Path(__file__).resolve().parent / "generated" / "kb.sqlite3"


def database_url() -> str:
    """The KB database URL: ``KB_DATABASE_URL`` or the SQLite file under ``knowledge/generated``."""
    return os.environ.get("KB_DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: Optional[str] = None) -> Engine:
    """A 2.0-style engine for ``url`` (default: :func:`database_url`)."""
    url = url or database_url()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    # a server's pooled connections are tested before use: a database restart costs no message
    return create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))


class Provenance:
    """Mixin: the guide lines a record was read from."""

    source_file = Column(String(64), nullable=False)
    start_line = Column(Integer, nullable=False)
    end_line = Column(Integer, nullable=False)

    @property
    def source(self) -> str:
        return f"{self.source_file}:{self.start_line}-{self.end_line}"


class Guide(Base):
    __tablename__ = "guides"
    id = Column(Integer, primary_key=True)
    key = Column(String(16), unique=True, nullable=False)  # "000", or "000-e12" for an imported edition
    region_key = Column(String(32), nullable=False)  # the region whose own guide it is
    file = Column(String(64), nullable=False)
    title = Column(Text, nullable=False)
    issuer = Column(Text, nullable=False)
    edition = Column(Text, nullable=False)
    date = Column(String(32), nullable=False)
    covers = Column(Text, nullable=False)
    sha256 = Column(String(64), nullable=False)
    line_count = Column(Integer, nullable=False)
    coverage = Column(Float)  # share of content lines that landed in the KB, set by the build
    # an imported new edition: the guide it replaces and the date it does so from (YYYY-MM-DD);
    # until then the old one answers (knowledge.query.guides_in_force)
    effective = Column(String(10))
    replaces = Column(String(16))


class Region(Base):
    __tablename__ = "regions"
    id = Column(Integer, primary_key=True)
    key = Column(String(32), unique=True, nullable=False)
    name = Column(String(64), nullable=False)
    province = Column(String(32), nullable=False)
    level = Column(String(8), nullable=False)
    parent = Column(String(64))
    caveat = Column(Text)
    aliases = relationship("RegionAlias", back_populates="region", cascade="all, delete-orphan")
    guides = relationship(
        "RegionGuide",
        back_populates="region",
        order_by="RegionGuide.precedence",
        cascade="all, delete-orphan",
    )
    consult = relationship("RegionConsult", back_populates="region", cascade="all, delete-orphan")


class RegionAlias(Base):
    __tablename__ = "region_aliases"
    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False)
    alias = Column(String(64), unique=True, nullable=False)
    region = relationship("Region", back_populates="aliases")


class RegionGuide(Base):
    """Which guides answer for a region, in order: precedence 1 answers first."""

    __tablename__ = "region_guides"
    __table_args__ = (UniqueConstraint("region_id", "guide_id"),)
    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False)
    guide_id = Column(ForeignKey("guides.id"), nullable=False)
    precedence = Column(Integer, nullable=False)
    region = relationship("Region", back_populates="guides")
    guide = relationship("Guide")


class RegionConsult(Provenance, Base):
    """Where to ask in a region when the KB lacks a fact (text copied from the guide)."""

    __tablename__ = "region_consult"
    id = Column(Integer, primary_key=True)
    region_id = Column(ForeignKey("regions.id"), nullable=False)
    text = Column(Text, nullable=False)
    region = relationship("Region", back_populates="consult")


class ServiceItem(Provenance, Base):
    """A sub item (子项) as one guide prints it, e.g. 职工参保登记 in the Hunan guide."""

    __tablename__ = "service_items"
    id = Column(Integer, primary_key=True)
    guide_id = Column(ForeignKey("guides.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    level = Column(String(8))  # 咸安: 区级 / 乡镇 / 村
    main_code = Column(String(16))
    main_name = Column(Text)
    code = Column(String(16))
    code_inferred = Column(Boolean, nullable=False, default=False)
    code_basis = Column(Text)  # printed / list table / name match / rule text
    name = Column(Text, nullable=False)
    guide = relationship("Guide")
    variants = relationship(
        "Variant", back_populates="item", order_by="Variant.seq", cascade="all, delete-orphan"
    )


class Variant(Provenance, Base):
    """A business variant (业务办理项); items the guide does not split have one, named None."""

    __tablename__ = "variants"
    id = Column(Integer, primary_key=True)
    item_id = Column(ForeignKey("service_items.id"), nullable=False)
    seq = Column(Integer, nullable=False)  # order within the guide
    name = Column(Text)
    title = Column(Text, nullable=False)
    target = Column(Text)  # 服务对象
    unit = Column(Text)  # 受理单位
    applicant_types = Column(Text)  # comma-separated: 个人, 单位, 医药机构, 委托代理人, ...
    insurance_types = Column(Text)  # comma-separated: 职工医保, 城乡居民医保, 生育保险, 医疗救助
    personnel_categories = Column(Text)  # comma-separated, e.g. 灵活就业人员, 退休人员, 新生儿
    materials_marker = Column(Text)  # 按协议 / 无需材料 where the guide gives no list
    item = relationship("ServiceItem", back_populates="variants")
    fields = relationship("ItemField", order_by="ItemField.start_line", cascade="all, delete-orphan")
    steps = relationship("ProcessStep", order_by="ProcessStep.seq", cascade="all, delete-orphan")
    materials = relationship("Material", order_by="Material.seq", cascade="all, delete-orphan")
    channels = relationship("Channel", order_by="Channel.seq", cascade="all, delete-orphan")
    time_limits = relationship("TimeLimit", order_by="TimeLimit.seq", cascade="all, delete-orphan")
    contacts = relationship("Contact", order_by="Contact.seq", cascade="all, delete-orphan")
    legal_bases = relationship("LegalBasis", cascade="all, delete-orphan")
    forms = relationship("VariantForm", cascade="all, delete-orphan")
    conflicts = relationship("Conflict", cascade="all, delete-orphan")


class ItemField(Provenance, Base):
    """One field of a variant exactly as the guide gives it (paragraphs rejoined, typos corrected)."""

    __tablename__ = "item_fields"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    key = Column(String(16), nullable=False)  # knowledge.parsers.base.FIELD_KEYS
    heading = Column(Text, nullable=False)
    text = Column(Text, nullable=False)


class ProcessStep(Provenance, Base):
    __tablename__ = "process_steps"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    title = Column(Text)  # 申请 / 受理 / 审核 / 办结 where the step names itself
    text = Column(Text, nullable=False)


class Material(Provenance, Base):
    """One required material, or one 备注 note (kind='note') of the materials field."""

    __tablename__ = "materials"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    kind = Column(String(8), nullable=False, default="material")  # material / note
    condition = Column(Text)  # e.g. 灵活就业人员 / 特殊人群还需提供 / 方式一（窗口办）
    text = Column(Text, nullable=False)


class Channel(Provenance, Base):
    __tablename__ = "channels"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)  # onsite / online / app / wechat / website / phone / ...
    names = Column(Text)  # named apps, sites, windows, phones found in the text, "|"-separated
    text = Column(Text, nullable=False)


class TimeLimit(Provenance, Base):
    """One parsed segment of the time limit; ``text`` is the whole verbatim time-limit text."""

    __tablename__ = "time_limits"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    segment = Column(Text, nullable=False)
    condition = Column(Text)  # e.g. 灵活就业人员 / 特殊病病种
    mode = Column(String(8))  # online / offline / None when it applies to both
    unit = Column(String(16), nullable=False)  # working_days / natural_days / immediate / other
    days = Column(Integer)


class Contact(Provenance, Base):
    """Query, consult, supervision and evaluation channels, with any phone numbers they name."""

    __tablename__ = "contacts"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    seq = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)  # query / consult / supervision / evaluation / address
    text = Column(Text, nullable=False)
    phones = Column(Text)  # "|"-separated


class LegalBasis(Provenance, Base):
    """设定依据; only Hunan's list table carries it. Provenance points at the table row."""

    __tablename__ = "legal_bases"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    text = Column(Text, nullable=False)


class Conflict(Provenance, Base):
    """Where one guide disagrees with itself (list table vs guide text, text vs flowchart)."""

    __tablename__ = "conflicts"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    field = Column(String(16), nullable=False)
    this_text = Column(Text, nullable=False)
    other_text = Column(Text, nullable=False)
    other_source = Column(Text, nullable=False)  # e.g. 清单表格 001:…


class Form(Provenance, Base):
    __tablename__ = "forms"
    id = Column(Integer, primary_key=True)
    guide_id = Column(ForeignKey("guides.id"), nullable=False)
    label = Column(String(32))
    title = Column(Text, nullable=False)
    fields = Column(Text)  # cell labels, "|"-separated, in order of appearance
    text = Column(Text, nullable=False)  # verbatim body
    item_seq = Column(Integer)


class VariantForm(Base):
    """A form a variant refers to (by label such as 表13 or by title)."""

    __tablename__ = "variant_forms"
    id = Column(Integer, primary_key=True)
    variant_id = Column(ForeignKey("variants.id"), nullable=False)
    form_id = Column(ForeignKey("forms.id"), nullable=False)
    reference = Column(Text, nullable=False)  # how the variant names it
    form = relationship("Form")


class Document(Provenance, Base):
    """Text that is not an item: cover letter, preface, duty lists, notices, headings."""

    __tablename__ = "documents"
    id = Column(Integer, primary_key=True)
    guide_id = Column(ForeignKey("guides.id"), nullable=False)
    kind = Column(String(16), nullable=False)
    title = Column(Text, nullable=False)
    text = Column(Text, nullable=False)


class ListRow(Provenance, Base):
    """One row of Hunan's rotated list table (清单), columns recovered."""

    __tablename__ = "list_rows"
    id = Column(Integer, primary_key=True)
    guide_id = Column(ForeignKey("guides.id"), nullable=False)
    main_code = Column(String(16), nullable=False)
    main_name = Column(Text, nullable=False)
    sub_code = Column(String(16), nullable=False)
    sub_name = Column(Text, nullable=False)
    variant_seq = Column(Integer, nullable=False)
    variant_name = Column(Text, nullable=False)
    materials = Column(Text, nullable=False)
    time_limit = Column(Text, nullable=False)
    steps = Column(Text, nullable=False)
    remarks = Column(Text, nullable=False)
    legal_basis = Column(Text, nullable=False)
    text = Column(Text, nullable=False)


class AppliedCorrection(Base):
    """A reviewed typo fix from knowledge/corrections.yml, as applied by the last build."""

    __tablename__ = "applied_corrections"
    id = Column(Integer, primary_key=True)
    source_file = Column(String(64), nullable=False)
    line = Column(Integer, nullable=False)
    wrong = Column(Text, nullable=False)
    right = Column(Text, nullable=False)
    reason = Column(Text, nullable=False)


class CoverageGap(Base):
    """A content line of a guide whose text did not land in any KB record (set by the build)."""

    __tablename__ = "coverage_gaps"
    id = Column(Integer, primary_key=True)
    source_file = Column(String(64), nullable=False)
    line = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)


class BuildInfo(Base):
    """One row: when and from what the KB was built (lets `make` and the bot see a stale KB)."""

    __tablename__ = "build_info"
    id = Column(Integer, primary_key=True)
    built_at = Column(String(32), nullable=False)
    fingerprint = Column(String(64), nullable=False)  # hash of sources, corrections, rules, code
    seconds = Column(Float, nullable=False)
