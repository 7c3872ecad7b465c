"""Read-only questions the screens and the command line ask of the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Goal, Plan, Target


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """One plan with how many goals and targets the catalogue holds for it."""

    code: str
    name: str
    goal_count: int
    target_count: int


def plan_summaries(session: Session) -> list[PlanSummary]:
    """Every plan, ordered by division code, with its goal and target counts."""
    statement = (
        select(
            Plan.code,
            Plan.name,
            # Joining targets repeats each goal once per target, hence DISTINCT.
            func.count(Goal.id.distinct()),
            func.count(Target.id),
        )
        .outerjoin(Goal, Goal.plan_code == Plan.code)
        .outerjoin(Target, Target.goal_id == Goal.id)
        .group_by(Plan.code, Plan.name)
        .order_by(Plan.code)
    )
    return [
        PlanSummary(code, name, goal_count, target_count)
        for code, name, goal_count, target_count in session.execute(statement)
    ]
