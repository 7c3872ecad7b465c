"""Read-only queries behind the screens (db/queries.py)."""

from __future__ import annotations

from pathlib import Path

from catalogue_rows import add_health_indicator
from sqlalchemy.orm import Session

from db.models import Goal, Plan, Target
from db.queries import PlanSummary, plan_summaries
from db.storage import prepare_database


def plan(code: str, name: str) -> Plan:
    return Plan(
        code=code,
        name=name,
        title=f"{name}妇女发展规划（2021—2030年）",
        level="county",
        province="辽宁省",
        parent_code="211100",
        parent_name="盘锦市",
        source_file=f"{code}.txt",
        domain_order=["health"],
    )


def goal(plan_code: str, number: int) -> Goal:
    return Goal(
        id=f"{plan_code}-health-{number}",
        plan_code=plan_code,
        domain_key="health",
        number=number,
        text="孕产妇死亡率控制在10/10万以下。",
    )


def target(goal_id: str, suffix: str) -> Target:
    return Target(
        id=f"{goal_id}-{suffix}",
        goal_id=goal_id,
        indicator_code="maternal_mortality",
        kind="threshold",
        source="控制在10/10万以下",
    )


def test_each_plan_counts_its_goals_once_however_many_targets_they_have(db_path: Path) -> None:
    prepared = prepare_database(f"sqlite:///{db_path}")
    try:
        with Session(prepared.engine) as session:
            add_health_indicator(session, "maternal_mortality", "孕产妇死亡率", kind="direct",
                                 unit="1/10万", collected_at="county")
            session.add_all([plan("211122", "盘山县"), plan("210203", "西岗区")])
            session.flush()
            session.add_all([goal("211122", 1), goal("211122", 2)])
            session.flush()
            session.add_all([target("211122-health-1", "a"), target("211122-health-1", "b")])
            session.commit()

            assert plan_summaries(session) == [
                PlanSummary("210203", "西岗区", goal_count=0, target_count=0),
                PlanSummary("211122", "盘山县", goal_count=2, target_count=2),
            ]
    finally:
        prepared.engine.dispose()
