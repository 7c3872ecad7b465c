"""The checks a unit's figures get from its plan's settings: the 30% rule and the 审核公式.

Both depend on the plan the unit follows (a township follows its county): the year-on-year
threshold (setting ``yoy_threshold``) and the cross-checks (shipped plus the setting
``cross_checks``). Every path that stores figures — the grid (db/figures.py), CSV and Excel
imports (db/importing/bulk_save.py), sync import (db/sync/compare.py) and submission
(db/checks.py check_unit_year) — asks here, once per unit or once per batch, never per figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import Finding, yoy_finding
from db.cross_checks import CrossCheck, cross_checks_for, evaluate, indicator_names
from db.models import OrgUnit, Plan


@dataclass(frozen=True)
class PlanChecks:
    """What one plan asks of its units' figures."""

    threshold: float
    rules: tuple[CrossCheck, ...]
    names: Mapping[str, str]  # indicator code → name, for the messages

    @cached_property  # asked once per figure of an import
    def codes(self) -> frozenset[str]:
        """Every indicator a cross-check reads."""
        return frozenset(code for rule in self.rules for code in rule.codes)

    def yoy(self, history: Mapping[int, float], year: int, value: float, code: str,
            disaggregation: str) -> Finding | None:
        """The 30% rule's warning for one figure, worded with the indicator's name."""
        found = yoy_finding(history, year, value, self.threshold)
        if found is None:
            return None
        return replace(found, message=f"“{self.names.get(code, code)}”：{found.message}",
                       field=code, disaggregation=disaggregation)

    def cross(self, values: Mapping[tuple[str, str], float | None],
              touching: Iterable[str] | None = None) -> list[Finding]:
        return evaluate(self.rules, values, self.names, touching)


class _NamesWhenAsked(Mapping[str, str]):
    """Indicator names, read from the database the first time a message needs one: a figure
    saved from the grid asks for its unit's checks on every edit, and most draw no message."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._names: dict[str, str] | None = None

    def _read(self) -> dict[str, str]:
        if self._names is None:
            self._names = indicator_names(self._session)
        return self._names

    def __getitem__(self, code: str) -> str:
        return self._read()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def checks_for_plan(session: Session, plan_code: str | None,
                    names: Mapping[str, str] | None = None) -> PlanChecks:
    from db.plan_settings import YOY_THRESHOLD, setting

    return PlanChecks(float(setting(session, plan_code, YOY_THRESHOLD)),
                      tuple(cross_checks_for(session, plan_code)),
                      names if names is not None else _NamesWhenAsked(session))


def checks_for_unit(session: Session, unit_code: str) -> PlanChecks:
    return checks_for_units(session, [unit_code])[unit_code]


def checks_for_units(session: Session, unit_codes: Iterable[str]) -> dict[str, PlanChecks]:
    """Each unit's checks, reading the units, the plans and their settings once for all."""
    from db.evaluation import _plan_in  # the one definition of "the plan a unit follows"

    wanted = list(dict.fromkeys(unit_codes))
    if not wanted:
        return {}
    units = {code: (parent, plan) for code, parent, plan in session.execute(
        select(OrgUnit.code, OrgUnit.parent_code, OrgUnit.plan_code))}
    plans = set(session.scalars(select(Plan.code)))
    names = _NamesWhenAsked(session)
    by_plan: dict[str | None, PlanChecks] = {}
    out: dict[str, PlanChecks] = {}
    for unit in wanted:
        plan = _plan_in(units, plans, unit)
        if plan not in by_plan:
            by_plan[plan] = checks_for_plan(session, plan, names)
        out[unit] = by_plan[plan]
    return out
