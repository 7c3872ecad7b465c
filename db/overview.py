"""The overview of a unit's year: counts per domain, the early-warning list, completeness,
and for a county the same per township."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from db.aggregation import _subtree
from db.attainment import Attainment, attainment
from db.entry_rows import EntrySheet, targets_answered_for
from db.evaluation import STATUS_LABELS, target_phrase
from db.plan_text import DOMAIN_NAMES
from db.progress import TaskCancelled
from db.unit_events import figures_outside_validity, names_in, units_valid_in


@dataclass(frozen=True)
class DomainLine:
    key: str
    name: str
    counts: dict[str, int]


@dataclass(frozen=True)
class WarningLine:
    indicator: str
    target: str  # the target in words
    status: str
    reason: str


@dataclass(frozen=True)
class UnitLine:
    code: str
    name: str
    filled: int
    expected: int
    counts: dict[str, int]

    @property
    def completeness(self) -> float:
        return self.filled / self.expected if self.expected else 1.0


@dataclass(frozen=True)
class Overview:
    domains: list[DomainLine]
    warnings: list[WarningLine]
    filled: int  # indicators with a figure this year
    expected: int
    children: list[UnitLine]
    # Figures of units below stored for a year the unit did not exist in (db/unit_events.py).
    findings: list[str] = field(default_factory=list)
    attainment: Attainment | None = None  # 达标率 of the unit's own targets (db/attainment.py)


def build_overview(session: Session, sheet: EntrySheet,
                   progress: Callable[[int, int, str], None] | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   with_children: bool = True) -> Overview:
    """The overview; ``with_children=False`` skips evaluating every unit below (the slow part,
    which the desktop runs off the GUI thread)."""
    domains = [DomainLine(key, DOMAIN_NAMES[key], sheet.counts(key)) for key in sheet.domain_order]
    warnings = [
        WarningLine(row.indicator.name, target_phrase(spec), result.status,
                    "；".join([result.reason] + [w.reason for w in result.warnings
                                                 if result.reason not in w.reason]))
        for row in sheet.rows for spec, result in zip(row.targets, row.results, strict=True)
        if result.status == "at_risk" or result.warnings
    ]
    filled = sum(1 for row in sheet.rows if row.answered)
    children = _children(session, sheet, progress, cancelled) if with_children else []
    below = _subtree(sheet.unit.code, sheet.evaluator.index.all_children)
    findings = [f.message for f in figures_outside_validity(session, below)
                if f.year == sheet.year] if with_children else []
    return Overview(domains, warnings, filled, len(sheet.rows), children, findings,
                    attainment(r for row in sheet.rows for r in row.results))


def _children(session: Session, sheet: EntrySheet,
              progress: Callable[[int, int, str], None] | None,
              cancelled: Callable[[], bool] | None) -> list[UnitLine]:
    # The units that existed in the year shown, under the names they had then.
    earlier = names_in(session, sheet.year)
    kids = [(u.code, earlier.get(u.code, u.name), u.level)
            for u in units_valid_in(session, sheet.unit.code, sheet.year)]
    lines = []
    evaluator = sheet.evaluator
    for i, (code, name, level) in enumerate(kids):
        if cancelled is not None and cancelled():
            raise TaskCancelled()
        if progress is not None:
            progress(i, len(kids), f"正在评估 {name}")
        counts = dict.fromkeys(STATUS_LABELS, 0)
        specs = targets_answered_for(evaluator, code, level)
        for spec in specs:
            counts[evaluator.evaluate_one(spec, code, sheet.year).status] += 1
        codes = {s.indicator.code for s in specs}
        filled = sum(1 for c in codes
                     if evaluator.index.resolve(code, c, sheet.year).answered)
        lines.append(UnitLine(code, name, filled, len(codes), counts))
    return lines
