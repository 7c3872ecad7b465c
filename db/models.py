"""SQLAlchemy models: the catalogue (plans, domains, goals, indicators, targets),
organisational units, figures and the audit log.

Glossary (Chinese terms appear here once, English names are used in code):
plan 妇女发展规划 · domain 发展领域 · goal 主要目标 item · indicator 指标 ·
target 目标值 · unit 单位 (organisational unit: township 乡镇/街道, county 县/区, city 市) ·
data value 填报数据 · lead department 牵头单位 · responsible department 责任单位.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Names for every index and constraint (SQLAlchemy's documented recipe), so that a later
# migration can drop or alter one by name, also in SQLite batch mode, which rebuilds the table.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_of(model: type[Base]) -> Table:
    """A model's Table, for Core statements (``Model.__table__`` is typed as a FromClause)."""
    return cast(Table, model.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC and always read back timezone-aware (in UTC).

    SQLite keeps no offset, so an aware value is converted to UTC before it is written and
    ``UTC`` is attached again on reading. A naive value is refused: it could be local time
    (UTC+8 in China) and would silently be stored eight hours off. Migrations render this type as
    ``sa.DateTime(timezone=True)`` (see db/migrations/env.py).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give it a timezone (e.g. UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
        datetime: UTCDateTime,
    }


class Meta(Base):
    """Key/value facts about this database (catalogue version, the unit it works for)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Plan(Base):
    """One jurisdiction's Women's Development Plan 2021–2030."""

    __tablename__ = "plan"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)  # GB/T 2260 division code
    name: Mapped[str] = mapped_column(String(64))  # jurisdiction, e.g. 盘山县
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # county | district | city | county_city
    province: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str] = mapped_column(String(12))
    parent_name: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(64))
    domain_order: Mapped[list[str]] = mapped_column(JSON)  # plans order the domains differently

    goals: Mapped[list[Goal]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class Domain(Base):
    """One of the eight 发展领域."""

    __tablename__ = "domain"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)


class Goal(Base):
    """A numbered 主要目标 item (or, for 开平市, a 重点工程 item), with its exact text."""

    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("plan_code", "chapter", "domain_key", "number"),)
    # Stable across catalogue releases, e.g. "211122-health-2"; figures and progress refer to it.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plan.code"))
    domain_key: Mapped[str] = mapped_column(ForeignKey("domain.key"))
    # main_goals | key_projects
    chapter: Mapped[str] = mapped_column(String(16), default="main_goals")
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lead_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    qualitative: Mapped[bool] = mapped_column(Boolean, default=False)
    # Numbers in the text that are not targets (years, "15分钟生活圈" …), each with why.
    non_targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    plan: Mapped[Plan] = relationship(back_populates="goals")
    targets: Mapped[list[Target]] = relationship(
        back_populates="goal", cascade="all, delete-orphan"
    )


class Indicator(Base):
    """A measurable quantity shared across plans, or a raw count that rates are built from.

    ``kind`` is ``rate`` (computed from ``numerator``/``denominator`` × ``factor``),
    ``direct`` (entered as it is, e.g. a survey figure) or ``count`` (a raw count).
    """

    __tablename__ = "indicator"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    domain_key: Mapped[str] = mapped_column(ForeignKey("domain.key"))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))  # higher | lower
    numerator: Mapped[str | None] = mapped_column(ForeignKey("indicator.code"), nullable=True)
    denominator: Mapped[str | None] = mapped_column(ForeignKey("indicator.code"), nullable=True)
    factor: Mapped[float | None] = mapped_column(Float, nullable=True)
    disaggregation: Mapped[list[str]] = mapped_column(JSON, default=list)
    collected_at: Mapped[str] = mapped_column(String(16))  # township | county | city
    definition: Mapped[str] = mapped_column(Text, default="")
    # 指标解释 (resources/catalogue/explanations.yaml): meaning, formula, unit, source,
    # department and, where it applies, period.
    explanation: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)


class Target(Base):
    """What a goal promises for an indicator (see docs/catalogue.md for the kinds)."""

    __tablename__ = "target"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable across releases
    goal_id: Mapped[str] = mapped_column(ForeignKey("goal.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    kind: Mapped[str] = mapped_column(String(24))
    comparator: Mapped[str | None] = mapped_column(String(8), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tolerance: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    relative_to: Mapped[str | None] = mapped_column(ForeignKey("indicator.code"), nullable=True)
    # "level" judges the figure itself; "change" judges its year-on-year change
    # (上升趋势减缓: the rise must slow down).
    measure: Mapped[str] = mapped_column(String(8), default="level")
    per_unit_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Set where the target speaks of one sex only (女童九年义务教育巩固率 → "female").
    disaggregation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(Text)

    goal: Mapped[Goal] = relationship(back_populates="targets")


class OrgUnit(Base):
    """An organisational unit: township, county/district or city."""

    __tablename__ = "org_unit"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # township | county | city | province
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("org_unit.code"), nullable=True, index=True
    )
    plan_code: Mapped[str | None] = mapped_column(ForeignKey("plan.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The years the unit existed in (both inclusive; None: open). A year's aggregates, completeness
    # and reports use the units valid in that year (db/unit_events.py, docs/units.md).
    valid_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_to: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DataValue(Base):
    """One figure: (unit, indicator or raw count, year, disaggregation) → value."""

    __tablename__ = "data_value"
    __table_args__ = (
        # Also serves lookups by unit_code alone (its first column), so that needs no index.
        UniqueConstraint("unit_code", "indicator_code", "year", "disaggregation"),
        # One indicator across all units (aggregation, comparisons between units).
        Index("ix_data_value_indicator_code_year", "indicator_code", "year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"))
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    year: Mapped[int] = mapped_column(Integer)
    disaggregation: Mapped[str] = mapped_column(String(32), default="total")
    # None only for a figure that is not a number (db/value_kinds.py): 不适用, or 待核实
    # reported without a value.
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    # number | not_applicable (不适用) | pending (待核实); 无数据 is no row.
    kind: Mapped[str] = mapped_column(String(16), default="number", server_default="number")
    entered_directly: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|approved
    stored_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Every change to figures, units and the catalogue, with who, when, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("origin", "origin_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))  # insert | update | delete | load_catalogue …
    entity: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # An entry received in a sync file keeps where it was written (the fingerprint of that
    # installation's key) and its id there, so importing the same file twice adds it once and
    # the next export upward passes it on unchanged. Both are NULL for entries written here.
    origin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    origin_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class UnitEvent(Base):
    """A change to the map of units from a year on: rename, new code, merge, split, move.

    ``sources`` are the units before the change, ``targets`` those after (a rename: the same
    unit). ``names`` keeps each unit's name before and after (``{"code": [before, after]}``), so
    that a report for an earlier year prints the name the unit had then. An event received in a
    sync file keeps its origin and id there, like an audit entry, so it is applied once.
    """

    __tablename__ = "unit_event"
    __table_args__ = (UniqueConstraint("origin", "origin_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # rename | recode | merge | split | move | close
    year: Mapped[int] = mapped_column(Integer)  # the first year of the new map
    reason: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[str] = mapped_column(String(64), default="")
    origin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    origin_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class GoalProgress(Base):
    """Progress of a goal in a unit and year (qualitative goals): 未开展 / 推进中 / 已完成."""

    __tablename__ = "goal_progress"
    # The unique constraint also serves lookups by unit_code alone (its first column).
    __table_args__ = (UniqueConstraint("unit_code", "goal_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"))
    goal_id: Mapped[str] = mapped_column(ForeignKey("goal.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # not_started | in_progress | done
    evidence: Mapped[str] = mapped_column(Text, default="")
    stored_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LocalKey(Base):
    """This installation's Ed25519 key pair, which signs the sync files it writes (db/sync/keys.py).

    Created once. For a SQLite file ``private_key_pem`` is empty: the private key is kept apart
    (db/sync/key_store.py) so a copy or backup of the file does not carry it; a server database
    keeps it here.
    """

    __tablename__ = "local_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64
    fingerprint: Mapped[str] = mapped_column(String(32))  # 30 digits, read out by phone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisteredKey(Base):
    """A public key another unit registered here: files signed with it are accepted from it."""

    __tablename__ = "registered_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by: Mapped[str] = mapped_column(String(64), default="")


class SyncLog(Base):
    """One sync file written or applied here: who, when, which file, what it held or changed."""

    __tablename__ = "sync_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str] = mapped_column(String(8))  # export | import
    kind: Mapped[str] = mapped_column(String(16))  # figures | catalogue | dhis2
    counterpart: Mapped[str | None] = mapped_column(String(12), nullable=True)  # unit code
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(16))  # written | applied


class ExportMark(Base):
    """The last sync file a unit sent to a receiver: the next one carries the audit entries
    written since (``audit_id`` is the highest audit_log id that file held)."""

    __tablename__ = "export_mark"
    __table_args__ = (UniqueConstraint("unit_code", "receiver_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12))
    receiver_code: Mapped[str] = mapped_column(String(12))
    audit_id: Mapped[int] = mapped_column(Integer, default=0)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(255), default="")


class UserAccount(Base):
    """Who may use this installation, and in which role (see db/accounts.py)."""

    __tablename__ = "user_account"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))  # clerk 填报员 | reviewer 审核员 | admin 管理员
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, never the password
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanSetting(Base):
    """One setting an administrator keeps for a plan (form header, check thresholds, the
    reporting calendar …); ``db/plan_settings.py`` holds the defaults and the checks."""

    __tablename__ = "plan_setting"
    plan_code: Mapped[str] = mapped_column(ForeignKey("plan.code"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaperReturn(Base):
    """A returned paper form being keyed twice (双录入核对, db/double_entry.py): one unit and
    year, open until every keyed cell has been verified and saved as a figure."""

    __tablename__ = "paper_return"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | verified
    pass1_by: Mapped[str] = mapped_column(String(64), default="")
    pass1_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pass2_by: Mapped[str] = mapped_column(String(64), default="")
    pass2_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Both passes keyed by the same person (allowed in single-user mode, but on the record).
    same_keyer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (Index("ix_paper_return_unit_code_year", "unit_code", "year"),)


class PaperCell(Base):
    """One cell of a paper return as each pass keyed it (text as typed; None: left blank),
    and how a mismatch was resolved. Not a figure until ``committed_at`` is set."""

    __tablename__ = "paper_cell"
    __table_args__ = (UniqueConstraint("return_id", "indicator_code", "disaggregation"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("paper_return.id"))
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    disaggregation: Mapped[str] = mapped_column(String(32), default="total")
    pass1: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pass1_by: Mapped[str] = mapped_column(String(64), default="")
    pass1_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pass2: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pass2_by: Mapped[str] = mapped_column(String(64), default="")
    pass2_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ValueReturn(Base):
    """A return (退回) of a unit's figures for a year, with reasons (db/returns.py).

    The county keeps the returns it issued (``side`` "issued"); the township keeps those it
    received in a signed returns file (``side`` "received"). ``uid`` is the same at both ends.
    A whole return (``whole``) sends the unit-year back; otherwise its items name the figures.
    """

    __tablename__ = "value_return"
    __table_args__ = (UniqueConstraint("uid", "side"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36))
    side: Mapped[str] = mapped_column(String(8))  # issued | received
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    whole: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    issuer_unit: Mapped[str] = mapped_column(String(12))
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The received side: when it arrived, and the time of the file that last set its state,
    # so that an older returns file imported later cannot reopen a closed return.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    file_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    items: Mapped[list[ValueReturnItem]] = relationship(
        back_populates="value_return", cascade="all, delete-orphan",
        order_by="ValueReturnItem.id")


class ValueReturnItem(Base):
    """One returned figure with its reason; ``value_before``/``comment_before`` are the figure
    as it stood when returned (issued) or received, so a change to either is the correction."""

    __tablename__ = "value_return_item"
    __table_args__ = (UniqueConstraint("return_id", "indicator_code", "disaggregation"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("value_return.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    disaggregation: Mapped[str] = mapped_column(String(32), default="total")
    reason: Mapped[str] = mapped_column(Text, default="")
    value_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment_before: Mapped[str] = mapped_column(Text, default="")
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    value_return: Mapped[ValueReturn] = relationship(back_populates="items")
