"""The catalogue as stored in a database, as plain data (``tianbao catalogue export``).

Read from the database rather than the files, so it shows exactly what this installation
evaluates against. Field by field documentation: docs/catalogue.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.catalogue import VERSION_KEY
from db.models import Domain, Goal, Indicator, Meta, Plan, Target


def catalogue_as_dict(session: Session) -> dict[str, Any]:
    """``{version, plans, domains, goals, indicators, targets}`` in catalogue order."""
    indicators = {i.code: i for i in session.scalars(select(Indicator).order_by(Indicator.code))}
    goals = {g.id: g for g in session.scalars(select(Goal))}
    return {
        "version": session.scalar(select(Meta.value).where(Meta.key == VERSION_KEY)),
        "plans": [_plan(p) for p in session.scalars(select(Plan).order_by(Plan.code))],
        "domains": [{"key": d.key, "name": d.name}
                    for d in session.scalars(select(Domain).order_by(Domain.position))],
        "goals": [_goal(g) for g in sorted(goals.values(), key=_goal_order)],
        "indicators": [_indicator(i) for i in indicators.values()],
        "targets": [
            _target(t, goals[t.goal_id], indicators[t.indicator_code])
            for t in session.scalars(select(Target))
        ],
    }


def _goal_order(goal: Goal) -> tuple[str, str, str, int]:
    return goal.plan_code, goal.chapter, goal.domain_key, goal.number


def _plan(p: Plan) -> dict[str, Any]:
    return {
        "code": p.code, "name": p.name, "title": p.title, "level": p.level,
        "province": p.province, "parent": {"code": p.parent_code, "name": p.parent_name},
        "domain_order": p.domain_order, "source": p.source_file,
    }


def _goal(g: Goal) -> dict[str, Any]:
    return {
        "id": g.id, "plan": g.plan_code, "domain": g.domain_key, "chapter": g.chapter,
        "number": g.number, "text": g.text, "lead": g.lead_departments,
        "responsible": g.responsible_departments, "qualitative": g.qualitative,
        "non_targets": g.non_targets,
    }


def _indicator(i: Indicator) -> dict[str, Any]:
    return {
        "code": i.code, "name": i.name, "domain": i.domain_key, "kind": i.kind, "unit": i.unit,
        "direction": i.direction, "numerator": i.numerator, "denominator": i.denominator,
        "factor": i.factor, "disaggregation": i.disaggregation, "collected_at": i.collected_at,
        "definition": i.definition, "explanation": i.explanation,
    }


def _target(t: Target, goal: Goal, indicator: Indicator) -> dict[str, Any]:
    return {
        "id": t.id, "plan": goal.plan_code, "domain": goal.domain_key, "goal": goal.number,
        "chapter": goal.chapter, "indicator": t.indicator_code, "indicator_name": indicator.name,
        "kind": t.kind, "comparator": t.comparator, "value": t.value, "unit": t.unit,
        "year": t.year, "tolerance": t.tolerance, "baseline_year": t.baseline_year,
        "relative_to": t.relative_to, "measure": t.measure, "per_unit_level": t.per_unit_level,
        "disaggregation": t.disaggregation, "source": t.source,
    }
