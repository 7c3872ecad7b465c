"""Reading the reviewed catalogue files and loading them into a database.

The files in ``resources/catalogue/`` (``indicators.yaml`` and one ``plan_<code>.yaml`` per
plan) are the source of truth. Loading is idempotent and versioned by a hash of the files:
a newer catalogue updates definitions and targets and never touches entered figures.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import (
    AuditEntry,
    DataValue,
    Domain,
    GoalProgress,
    Indicator,
    Meta,
    Plan,
    Target,
    table_of,
)
from db.models import Goal as GoalRow
from resources import CATALOGUE_DIR

if TYPE_CHECKING:  # pydantic and the schema load only when a catalogue is read (~0.05 s)
    from db.catalogue_schema import Explanation, GoalEntry, IndicatorFile, PlanFile

log = logging.getLogger(__name__)

INDICATORS_FILE = "indicators.yaml"
EXPLANATIONS_FILE = "explanations.yaml"
VERSION_KEY = "catalogue_version"
# The shipped catalogue version the stored catalogue was loaded from or imported over.
SHIPPED_KEY = "catalogue_shipped"
# The version of indicators.yaml last loaded: figure moves apply once (see _move_figures).
INDICATOR_FILE_KEY = "indicator_file_version"

try:  # libyaml's loader is ~10× faster; the pure-Python one gives the same result
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader


class CatalogueError(Exception):
    """A catalogue file that cannot be loaded: which file, which entry, what is wrong."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = file, entry, problem
        super().__init__(f"目录文件 {file}，条目 {entry}：{problem}")


@dataclass(frozen=True)
class Catalogue:
    indicators: IndicatorFile
    plans: list[PlanFile]
    version: str
    explanations: dict[str, Explanation]  # 指标解释 by indicator code

    def targets(self) -> Iterable[tuple[PlanFile, GoalEntry, Any]]:
        for plan in self.plans:
            for goal in plan.goals:
                for target in goal.targets:
                    yield plan, goal, target


def catalogue_version(directory: Path = CATALOGUE_DIR) -> str:
    """A hash of the catalogue files' bytes: equal versions mean nothing to reload."""
    digest = hashlib.sha256()
    for path in _catalogue_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _catalogue_files(directory: Path) -> list[Path]:
    """indicators.yaml, then every plan file, then explanations.yaml (all hashed as the version)."""
    return [directory / INDICATORS_FILE, *sorted(directory.glob("plan_*.yaml")),
            directory / EXPLANATIONS_FILE]


def read_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Parse and validate every catalogue file; raise CatalogueError on the first problem."""
    from db.catalogue_schema import ExplanationFile, IndicatorFile, PlanFile

    files = _catalogue_files(directory)
    indicators = _validated(files[0], IndicatorFile)
    plan_files = files[1:-1]
    plans = [_validated(path, PlanFile) for path in plan_files]
    if not plans:
        raise CatalogueError(str(directory), "-", "没有任何规划文件（plan_*.yaml）")
    _check_references(indicators, plans, [files[0], *plan_files])
    explanations = _validated(files[-1], ExplanationFile).explanations
    _check_explanations(indicators, explanations)
    return Catalogue(indicators, plans, catalogue_version(directory), explanations)


def _check_explanations(indicators: IndicatorFile, explanations: dict[str, Any]) -> None:
    """Every indicator is explained, and nothing else is."""
    codes = [i.code for i in indicators.indicators]
    for code in codes:
        if code not in explanations:
            raise CatalogueError(EXPLANATIONS_FILE, code, "缺少指标解释")
    for code in explanations:
        if code not in codes:
            raise CatalogueError(EXPLANATIONS_FILE, code, "指标解释对应的指标不存在")


def _validated(path: Path, model: Any) -> Any:
    from pydantic import ValidationError

    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except FileNotFoundError:
        raise CatalogueError(path.name, "-", "文件不存在") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogueError(path.name, "-", f"不是有效的 YAML 文件（{exc}）") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _entry_path(raw, first["loc"])
        raise CatalogueError(path.name, where, first["msg"]) from None


def _entry_path(raw: Any, loc: tuple[Any, ...]) -> str:
    """A readable path to the failing entry, naming it by its id or code where it has one."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            name = node.get("id") or node.get("code") if isinstance(node, dict) else None
            parts.append(f"[{key}]" + (f"({name})" if name else ""))
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(f".{key}")
    return "".join(parts).lstrip(".") or "-"


def _check_references(indicators: IndicatorFile, plans: list[PlanFile], files: list[Path]) -> None:
    codes: set[str] = set()
    for ind in indicators.indicators:
        if ind.code in codes:
            raise CatalogueError(files[0].name, ind.code, "指标代码重复")
        codes.add(ind.code)
    by_code = {ind.code: ind for ind in indicators.indicators}
    for ind in indicators.indicators:
        for part in (ind.numerator, ind.denominator):
            if part is not None and (part not in by_code or by_code[part].kind != "count"):
                raise CatalogueError(files[0].name, ind.code,
                                     f"分子或分母 {part} 不是已定义的计数指标")
    seen_goals: set[str] = set()
    seen_targets: set[str] = set()
    for path, plan in zip(files[1:], plans, strict=True):
        expected = f"plan_{plan.plan.code}.yaml"
        if path.name != expected:
            raise CatalogueError(path.name, "plan.code", f"文件名应为 {expected}")
        for goal in plan.goals:
            if goal.id in seen_goals:
                raise CatalogueError(path.name, goal.id, "目标编号（id）重复")
            seen_goals.add(goal.id)
            for target in goal.targets:
                if target.id in seen_targets or not target.id.startswith(goal.id + "-"):
                    raise CatalogueError(path.name, target.id, "指标目标编号重复或不属于所在目标")
                seen_targets.add(target.id)
                for ref in (target.indicator, target.relative_to):
                    if ref is not None and ref not in by_code:
                        raise CatalogueError(path.name, target.id, f"未定义的指标 {ref}")


# ---------------------------------------------------------------------------- loading


def stored_version(session: Session) -> str | None:
    return session.scalar(select(Meta.value).where(Meta.key == VERSION_KEY))


def ensure_catalogue(session: Session, directory: Path = CATALOGUE_DIR) -> bool:
    """Load the shipped catalogue unless this database already holds the same version.

    Returns True when something was loaded or updated. Commits on success; on any error
    the transaction is rolled back, so nothing half loaded stays in the database.
    """
    shipped = catalogue_version(directory)
    # An update file imported from the city (db/sync/catalogue_update.py) replaces the shipped
    # catalogue it was imported over; only a newer shipped catalogue supersedes it again.
    if shipped in (stored_version(session), _meta_value(session, SHIPPED_KEY)):
        return False
    load_catalogue(session, read_catalogue(directory))
    return True


def load_catalogue(session: Session, catalogue: Catalogue, user: str = "") -> None:
    """Insert or update the whole catalogue in one transaction; figures are never touched."""
    rows = CatalogueRows(_domain_rows(catalogue), _indicator_rows(catalogue),
                         _plan_rows(catalogue), _goal_rows(catalogue), _target_rows(catalogue))
    load_catalogue_rows(session, rows, catalogue.version, user, shipped=catalogue.version,
                        moves=FigureMoves(catalogue.indicators.version,
                                          list(catalogue.indicators.figure_moves)))


@dataclass(frozen=True)
class CatalogueRows:
    """The catalogue as rows of its tables (column name → value), as loaded or published."""

    domains: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    targets: list[dict[str, Any]]


@dataclass(frozen=True)
class FigureMoves:
    """indicators.yaml's version and the figure moves it lists (see :func:`_move_figures`)."""

    version: int
    moves: list[Any]


def load_catalogue_rows(session: Session, rows: CatalogueRows, version: str, user: str = "",
                        shipped: str | None = None, action: str = "load_catalogue",
                        moves: FigureMoves | None = None) -> None:
    """Insert or update catalogue rows in one transaction and commit; figures are never
    touched, and goals with recorded progress are kept even when they leave the catalogue.

    ``shipped`` is the shipped catalogue these rows stand for (see :func:`ensure_catalogue`).
    """
    previous = stored_version(session)
    try:
        _upsert(session, table_of(Domain), "key", rows.domains)
        # Counts first: a rate's numerator and denominator must exist before it (foreign keys).
        _upsert(session, table_of(Indicator), "code",
                sorted(rows.indicators, key=lambda r: r["kind"] != "count"))
        _upsert(session, table_of(Plan), "code", rows.plans)
        _upsert(session, table_of(GoalRow), "id", rows.goals)
        _replace_targets(session, rows.targets)
        _drop_vanished_goals(session, {goal["id"] for goal in rows.goals})
        if moves is not None:
            _move_figures(session, moves, user)
        _set_meta(session, VERSION_KEY, version)
        if shipped is not None:
            _set_meta(session, SHIPPED_KEY, shipped)
        session.add(AuditEntry(user=user, action=action, entity="catalogue",
                               key=version,
                               before={"version": previous} if previous else None,
                               after={"version": version}))
        session.commit()
    except Exception:
        session.rollback()
        raise
    log.info("catalogue %s loaded (was %s)", version, previous)


def _upsert(session: Session, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert new rows and update existing ones by primary key, each in one executemany.

    Written out rather than using a dialect's ON CONFLICT so the same code runs on SQLite
    and PostgreSQL; the catalogue is a few thousand rows, so two statements are enough.
    """
    existing = set(session.scalars(select(table.c[key])))
    new = [r for r in rows if r[key] not in existing]
    old = [r for r in rows if r[key] in existing]
    if new:
        session.execute(insert(table), new)
    if old:
        columns = [c for c in rows[0] if c != key]
        stmt = (update(table).where(table.c[key] == bindparam("_key"))
                .values({c: bindparam(c) for c in columns}))
        session.connection().execute(stmt, [{**r, "_key": r[key]} for r in old])


def _replace_targets(session: Session, targets: list[dict[str, Any]]) -> None:
    # Nothing refers to a target row (evaluations are computed, figures refer to
    # indicators), so replacing them all is the simplest faithful update. A plan this PC
    # imported itself (导入本地规划) keeps its targets unless the new rows carry them.
    local = _local_goals(session) - {t["goal_id"] for t in targets}
    session.execute(delete(table_of(Target)).where(Target.goal_id.not_in(local)))
    if targets:
        session.execute(insert(table_of(Target)), targets)


def _local_goals(session: Session) -> set[str]:
    """Goals of plans imported on this PC (db/plan_draft/load.py marks them ``local:``)."""
    return set(session.scalars(select(GoalRow.id).join(Plan, Plan.code == GoalRow.plan_code)
                               .where(Plan.source_file.startswith("local:"))))


def _drop_vanished_goals(session: Session, wanted: set[str]) -> None:
    stored = set(session.scalars(select(GoalRow.id))) - _local_goals(session)
    with_progress = set(session.scalars(select(GoalProgress.goal_id).distinct()))
    for goal_id in stored - wanted:
        if goal_id in with_progress:
            log.warning("goal %s left the catalogue but keeps its recorded progress", goal_id)
            continue
        session.execute(delete(table_of(GoalRow)).where(GoalRow.id == goal_id))


def _move_figures(session: Session, moves: FigureMoves, user: str) -> None:
    """Move figures to the indicator a split gave their plan's target, once per version.

    A database last loaded with indicators.yaml version 1 (or before versions were recorded)
    gets every move listed ``since`` a later version. Only figures of units following one of
    the move's plans move; where the new indicator already holds a figure for the same unit,
    year and disaggregation, the old figure stays where it is (nothing is overwritten).
    """
    from db.units import plan_for_unit

    stored = int(_meta_value(session, INDICATOR_FILE_KEY) or 1)
    pending = [m for m in moves.moves if stored < m.since <= moves.version]
    for move in pending:
        rows = list(session.scalars(
            select(DataValue).where(DataValue.indicator_code == move.from_)))
        taken = {(v.unit_code, v.year, v.disaggregation) for v in session.scalars(
            select(DataValue).where(DataValue.indicator_code == move.to))}
        plans: dict[str, str | None] = {}
        moved = kept = 0
        for row in rows:
            if row.unit_code not in plans:
                plans[row.unit_code] = plan_for_unit(session, row.unit_code)
            if plans[row.unit_code] not in move.plans:
                continue
            if (row.unit_code, row.year, row.disaggregation) in taken:
                kept += 1
                continue
            row.indicator_code = move.to
            moved += 1
        if moved or kept:
            session.add(AuditEntry(user=user, action="move_figures", entity="data_value",
                                   key=f"{move.from_}->{move.to}",
                                   before={"indicator": move.from_, "plans": move.plans},
                                   after={"indicator": move.to, "moved": moved, "kept": kept}))
            log.info("moved %d figures from %s to %s (%d kept)", moved, move.from_, move.to, kept)
    session.flush()
    _set_meta(session, INDICATOR_FILE_KEY, str(moves.version))


def _meta_value(session: Session, key: str) -> str | None:
    return session.scalar(select(Meta.value).where(Meta.key == key))


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def _domain_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [{"key": d.key, "name": d.name, "position": i}
            for i, d in enumerate(catalogue.indicators.domains, 1)]


def _indicator_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    # Counts first: a rate's numerator and denominator must exist before it (foreign keys).
    ordered = sorted(catalogue.indicators.indicators, key=lambda i: i.kind != "count")
    return [{
        "code": i.code, "name": i.name, "domain_key": i.domain, "kind": i.kind, "unit": i.unit,
        "direction": i.direction, "numerator": i.numerator, "denominator": i.denominator,
        "factor": i.factor, "disaggregation": i.disaggregation, "collected_at": i.collected_at,
        "definition": i.definition,
        "explanation": catalogue.explanations[i.code].model_dump(exclude_none=True),
    } for i in ordered]


def _plan_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [{
        "code": p.plan.code, "name": p.plan.name, "title": p.plan.title, "level": p.plan.level,
        "province": p.plan.province, "parent_code": p.plan.parent.code,
        "parent_name": p.plan.parent.name, "source_file": p.plan.source,
        "domain_order": list(p.plan.domain_order),
    } for p in catalogue.plans]


def _goal_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [{
        "id": g.id, "plan_code": p.plan.code, "domain_key": g.domain, "chapter": g.chapter,
        "number": g.number, "text": g.text, "lead_departments": g.lead,
        "responsible_departments": g.responsible, "qualitative": not g.targets,
        "non_targets": [n.model_dump() for n in g.non_targets],
    } for p in catalogue.plans for g in p.goals]


def _target_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [{
        "id": t.id, "goal_id": g.id, "indicator_code": t.indicator, "kind": t.kind,
        "comparator": t.comparator, "value": t.value, "unit": t.unit, "year": t.year,
        "tolerance": t.tolerance, "baseline_year": t.baseline_year, "relative_to": t.relative_to,
        "measure": t.measure, "per_unit_level": t.per_unit_level,
        "disaggregation": t.disaggregation, "source": t.source,
    } for _, g, t in catalogue.targets()]
