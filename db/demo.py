"""Plausible, deterministic figures for training, screenshots and benchmarks (``tianbao demo``).

The same seed always gives the same database. Figures follow each indicator's targets:
most hover near them and drift towards them, a few drift away, so a demo county shows
every status and early warning the real work will.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.evaluation import plan_of
from db.models import DataValue, Goal, GoalProgress, Indicator, OrgUnit, Plan, Target
from db.units import UnitError

TOWNSHIP_NAMES = (
    "太平街道", "沙岭镇", "高升街道", "得胜街道", "胡家镇", "石新镇", "东郭镇", "羊圈子镇",
    "坝墙子镇", "古城子镇", "甜水镇", "吴家镇", "陈家镇", "新兴镇", "三道沟镇", "大洼镇",
    "西安镇", "平安镇", "清水镇", "红旗镇", "长青镇", "永乐镇", "兴隆镇", "和平镇",
)
DEMO_USER = "演示数据"


@dataclass(frozen=True)
class DemoSummary:
    unit: str
    townships: list[str]
    years: range
    figures: int


def township_code(county: str, index: int) -> str:
    """A 12-digit 统计用区划代码 for the index-th township of a county."""
    return f"{county[:6]}{100 + index:03d}000"


def fill_demo(session: Session, unit: str, townships: int, years: range, seed: int) -> DemoSummary:
    """Create the unit (a plan's jurisdiction) and its townships, then their figures.

    Figures of the demo units for these years are replaced, so running it twice with the
    same seed gives the same database. Commits.
    """
    rng = random.Random(seed)
    _ensure_unit(session, unit)
    codes = _ensure_townships(session, unit, townships)
    plan = plan_of(session, unit)
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    targets = _targets_by_indicator(session, plan)
    session.execute(delete(DataValue).where(DataValue.unit_code.in_([unit, *codes]),
                                            DataValue.year.in_(list(years))))
    rows: list[dict] = []
    denominators: dict[tuple[str, str, int], int] = {}
    stamp = datetime(years.stop - 1, 12, 31, tzinfo=UTC)
    for code in sorted(targets):
        indicator = indicators[code]
        level = _start_level(rng, indicator, targets[code])
        drift = _drift(rng, indicator, targets[code])
        if indicator.kind == "rate" and indicator.collected_at == "township":
            rows += _rate_counts(rng, indicator, codes, years, level, drift, denominators)
        elif indicator.kind == "count" and indicator.collected_at == "township":
            rows += [_row(t, code, y, float(rng.choice((0, 1, 1, 2, 2, 3))))
                     for t in codes for y in years]
        else:
            rows += _direct_series(rng, indicator, unit, code, years, level, drift, targets[code])
    _respect_cross_checks(rows, indicators)
    for row in rows:
        row.update(stored_by=DEMO_USER, updated_at=stamp, comment="", status="draft")
    # Rows are plain dicts: one executemany is ~30× faster than adding ORM objects.
    session.execute(insert(DataValue), rows)
    _progress(session, rng, unit, plan, years)
    session.commit()
    return DemoSummary(unit, codes, years, len(rows))


def _ensure_unit(session: Session, unit: str) -> None:
    if session.get(OrgUnit, unit) is not None:
        return
    plan = session.get(Plan, unit)
    if plan is None:
        raise UnitError(f"单位 {unit} 不存在，也不是目录中任何规划的行政区划代码")
    level = "city" if plan.level == "city" else "county"
    session.add(OrgUnit(code=unit, name=plan.name, level=level, plan_code=unit))
    session.flush()


def _ensure_townships(session: Session, county: str, count: int) -> list[str]:
    codes = []
    for i in range(count):
        code = township_code(county, i)
        if session.get(OrgUnit, code) is None:
            name = TOWNSHIP_NAMES[i] if i < len(TOWNSHIP_NAMES) else f"第{i + 1}镇"
            session.add(OrgUnit(code=code, name=name, level="township", parent_code=county))
        codes.append(code)
    session.flush()
    return codes


def _targets_by_indicator(session: Session, plan: str | None) -> dict[str, list[Target]]:
    out: dict[str, list[Target]] = {}
    query = select(Target).join(Goal, Target.goal_id == Goal.id).where(Goal.plan_code == plan)
    for target in session.scalars(query):
        out.setdefault(target.indicator_code, []).append(target)
        if target.relative_to:
            out.setdefault(target.relative_to, [])
    return out


def _bound(targets: list[Target]) -> float | None:
    values = [t.value for t in targets if t.value is not None and t.kind != "baseline_relative"]
    return values[0] if values else None


def _start_level(rng: random.Random, indicator: Indicator, targets: list[Target]) -> float:
    bound = _bound(targets)
    if bound is None:
        # Plausible levels for indicators the plans only ask to rise or fall.
        typical = {"%": (20, 60), "岁": (76, 82), "年": (9, 11)}
        low, high = typical.get(indicator.unit, (5, 50))
        return rng.uniform(low, high)
    # Most units start a little on the wrong side of the bound and improve towards it.
    better = 1 if indicator.direction == "higher" else -1
    return max(0.0, bound - better * abs(bound) * rng.uniform(-0.04, 0.12))


def _drift(rng: random.Random, indicator: Indicator, targets: list[Target]) -> float:
    better = 1 if indicator.direction == "higher" else -1
    scale = abs(_bound(targets) or 30) * 0.02
    # One indicator in five drifts the wrong way, so early warnings appear.
    return better * scale * (rng.uniform(0.2, 1.5) if rng.random() > 0.2 else -rng.uniform(0.3, 1))


def _direct_series(rng: random.Random, indicator: Indicator, unit: str, code: str, years: range,
                   level: float, drift: float, targets: list[Target]) -> list[dict]:
    rows = []
    sexes = ["total"] + (["female"] if any(t.disaggregation == "female" for t in targets) else [])
    for offset, year in enumerate(years):
        value = level + drift * offset + rng.gauss(0, abs(drift) * 0.3 + 0.01)
        value = min(100.0, max(0.0, value)) if indicator.unit == "%" else max(0.0, value)
        value = float(round(value)) if indicator.kind == "count" else round(value, 1)
        for sex in sexes:
            rows.append(_row(unit, code, year, value, sex))
    return rows


def _rate_counts(rng: random.Random, indicator: Indicator, townships: list[str],
                 years: range, level: float, drift: float,
                 denominators: dict[tuple[str, str, int], int]) -> list[dict]:
    """Numerator and denominator counts per township, so the county's rate is pooled.

    Rates that share a denominator (活产数) share its figure: ``denominators`` remembers it.
    """
    rows = []
    factor = indicator.factor or 100
    code = indicator.denominator or ""
    for offset, year in enumerate(years):
        rate = max(0.0, level + drift * offset)
        for township in townships:
            key = (township, code, year)
            if key not in denominators:
                # A township's births or population move a few per cent a year, not at random
                # from one year to the next: the 30% rule would flag nearly every demo figure.
                previous = denominators.get((township, code, year - 1))
                denominators[key] = (rng.randint(300, 1500) if previous is None
                                     else max(1, round(previous * rng.uniform(0.95, 1.05))))
                rows.append(_row(township, code, year, float(denominators[key])))
            denominator = denominators[key]
            expected = denominator * rate / factor
            numerator = min(denominator, _poisson(rng, expected))
            rows.append(_row(township, indicator.numerator or "", year, float(numerator)))
    return rows


def _respect_cross_checks(rows: list[dict], indicators: dict[str, Indicator]) -> None:
    """Lower the counts that break a shipped error 审核公式 (村委会主任数 ≤ 村委会成员数 …), and
    then a numerator above its lowered denominator, until nothing is broken: demo figures are
    figures a clerk could have saved. Counts drawn independently would often break them."""
    from db.cross_checks import shipped_cross_checks

    limits: dict[str, list[tuple[tuple[str, ...], float, int, str]]] = {}
    for rule in shipped_cross_checks():
        if rule.severity == "error" and rule.op in ("<=", "<"):
            limits.setdefault(rule.left, []).append(
                (rule.right, rule.factor, 1 if rule.op == "<" else 0, rule.disaggregation))
    for i in indicators.values():
        if i.kind == "rate" and i.numerator and i.denominator:
            limits.setdefault(i.numerator, []).append(((i.denominator,), 1.0, 0, ""))
    by_key = {(r["unit_code"], r["indicator_code"], r["year"], r["disaggregation"]): r
              for r in rows}
    bounded = [(key, row) for key, row in by_key.items() if key[1] in limits]
    changed = True
    while changed:  # values only fall and stay ≥ 0, so this ends
        changed = False
        for (unit, code, year, dis), row in bounded:
            for right, factor, strict, only in limits[code]:
                if only and only != dis:
                    continue
                parts = [by_key.get((unit, c, year, dis)) for c in right]
                if not parts or any(part is None for part in parts):
                    continue
                limit = max(0.0, float(int(sum(p["value"] for p in parts if p) * factor)) - strict)
                if row["value"] > limit:
                    row["value"], changed = limit, True


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: rare events (孕产妇死亡) in a small township are mostly 0, sometimes 1."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean ** 0.5)))
    # Knuth's method; random.Random has no Poisson and numpy would be a dependency for one line.
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _row(unit: str, code: str, year: int, value: float, sex: str = "total") -> dict:
    return {"unit_code": unit, "indicator_code": code, "year": year, "disaggregation": sex,
            "value": value, "entered_directly": False}


def _progress(session: Session, rng: random.Random, unit: str, plan: str | None,
              years: range) -> None:
    goals = session.scalars(select(Goal.id).where(Goal.plan_code == plan, Goal.qualitative)).all()
    session.execute(delete(GoalProgress).where(GoalProgress.unit_code == unit,
                                               GoalProgress.year.in_(list(years))))
    rows = []
    for goal in goals:
        state = 0
        for year in years:
            state = min(2, state + (rng.random() < 0.35))
            rows.append({"unit_code": unit, "goal_id": goal, "year": year,
                         "status": ("not_started", "in_progress", "done")[state],
                         "evidence": "" if state == 0 else "已制定实施方案并按季度推进（演示数据）",
                         "stored_by": DEMO_USER})
    if rows:
        session.execute(insert(GoalProgress), rows)
