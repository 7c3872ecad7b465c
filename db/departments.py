"""报送部门: which department reports which indicator, for department templates and the calendar.

Two sources, one rule (docs/excel.md):

* A plan whose goals name departments (聊城市's 牵头单位/责任单位, 镇原县's brackets) keeps them:
  a department's template holds the indicators of the goals naming it — unless an
  administrator set the plan's ``departments`` setting, which says the plan follows the mapping.
* Every other plan (盘山县, 西岗区, 开平市) uses the mapping: the shipped default
  (resources/catalogue/departments.yaml, one department per indicator, taken from the 指标解释)
  with the plan's ``departments`` setting (indicator code → department) laid over it.

The reporting calendar and the timeliness of returns always use the mapping, since there every
indicator needs exactly one reporter; a goal may name five departments.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Goal, Target
from db.plan_settings import DEPARTMENTS, is_customised, setting
from resources import CATALOGUE_DIR

DEFAULT_FILE = CATALOGUE_DIR / "departments.yaml"


def normalise_department(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip()


@cache
def default_departments() -> dict[str, str]:
    """The shipped mapping, indicator code → department (read once)."""
    with DEFAULT_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {str(code): normalise_department(str(name))
            for code, name in data["departments"].items()}


def department_map(session: Session, plan_code: str | None) -> dict[str, str]:
    """The plan's mapping: the default with the plan's ``departments`` setting over it."""
    mapping = dict(default_departments())
    for code, name in setting(session, plan_code, DEPARTMENTS).items():
        mapping[code] = normalise_department(name)
    return mapping


def goal_departments(session: Session, plan_code: str) -> list[str]:
    """Every lead and responsible department (牵头单位/责任单位) a plan's goals name, sorted."""
    names: set[str] = set()
    for lead, responsible in session.execute(
            select(Goal.lead_departments, Goal.responsible_departments)
            .where(Goal.plan_code == plan_code)):
        names.update(normalise_department(n) for n in (lead or []) + (responsible or []))
    return sorted(names)


def uses_goal_departments(session: Session, plan_code: str) -> bool:
    """Whether the plan's department templates follow its goals (see the module's rule)."""
    if is_customised(session, plan_code, DEPARTMENTS):
        return False
    return bool(goal_departments(session, plan_code))


def mapped_departments(session: Session, plan_code: str | None) -> list[str]:
    """The departments of the plan's mapping, those reporting most indicators first."""
    counts: dict[str, int] = {}
    for name in department_map(session, plan_code).values():
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))


def departments(session: Session, plan_code: str) -> list[str]:
    """The departments a plan's department templates can be made for."""
    if uses_goal_departments(session, plan_code):
        return goal_departments(session, plan_code)
    return mapped_departments(session, plan_code)


def mapped_indicators(session: Session, plan_code: str | None, department: str) -> set[str]:
    """The indicators the mapping gives a department."""
    wanted = normalise_department(department)
    return {code for code, name in department_map(session, plan_code).items() if name == wanted}


def department_indicators(session: Session, plan_code: str, department: str) -> set[str]:
    """The indicators a department reports for a plan (see the module's rule).

    By goals: those of the targets of every goal naming the department as lead or responsible,
    and the figures those targets are compared with."""
    if not uses_goal_departments(session, plan_code):
        return mapped_indicators(session, plan_code, department)
    wanted = normalise_department(department)
    codes: set[str] = set()
    rows = session.execute(
        select(Target.indicator_code, Target.relative_to, Goal.lead_departments,
               Goal.responsible_departments)
        .join(Goal, Target.goal_id == Goal.id).where(Goal.plan_code == plan_code))
    for code, relative_to, lead, responsible in rows:
        if wanted in {normalise_department(n) for n in (lead or []) + (responsible or [])}:
            codes.add(code)
            if relative_to:
                codes.add(relative_to)
    return codes
