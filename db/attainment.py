"""达标率 (attainment rate) and 数据完整率 (completeness): the two numbers a leader reads first.

Definitions (docs/evaluation.md, "达标率"):

- 量化目标N项 — the quantitative targets the unit answers for (the targets the grid and the
  reports count, :func:`db.entry_rows.targets_answered_for`) that apply in the year: a target
  judged 不适用 (a 2025 milestone in 2027, a county-only figure at a township, a figure marked
  不适用) is left out of N.
- 已达标M项 — of those, the targets judged 已达标 (``met``). 预警 is not counted as met even
  when this year's figure reaches the bound: its projection misses the deadline.
- 无数据 counts in N and not in M: a target without a figure is not reached, so leaving a
  figure out can never raise a unit's rate. The number without data is said beside the rate.
- 达标率 = M ÷ N; none when N is 0.
- 数据完整率 = targets in N with a figure for the year ÷ N.

The change from last year compares with the same definition applied to the year before, in
percentage points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from db.entry_rows import targets_answered_for
from db.evaluation import Evaluator, TargetResult, TargetSpec
from db.plan_years import FIRST_YEAR


@dataclass(frozen=True)
class Attainment:
    """How many applicable targets a unit has in a year, how many it meets, how many lack data."""

    evaluable: int  # N: applicable targets (无数据 included, 不适用 not)
    met: int  # M
    no_data: int
    with_figure: int

    @property
    def rate(self) -> float | None:
        """达标率 as a share (0.75 for 75%); None without an applicable target."""
        return self.met / self.evaluable if self.evaluable else None

    @property
    def completeness(self) -> float | None:
        """数据完整率: the applicable targets with a figure, as a share."""
        return self.with_figure / self.evaluable if self.evaluable else None


def attainment(results: Iterable[TargetResult]) -> Attainment:
    """The one count behind every 达标率 the app prints or shows."""
    applicable = [r for r in results if r.status != "not_applicable"]
    return Attainment(
        evaluable=len(applicable),
        met=sum(1 for r in applicable if r.status == "met"),
        no_data=sum(1 for r in applicable if r.status == "no_data"),
        with_figure=sum(1 for r in applicable if r.value is not None),
    )


def change_in_points(now: Attainment, before: Attainment | None) -> float | None:
    """The change of the rate on the year before, in percentage points (None if either has
    no applicable target)."""
    if before is None or now.rate is None or before.rate is None:
        return None
    return (now.rate - before.rate) * 100


@dataclass(frozen=True)
class AttainmentSummary:
    """A unit's 达标率 overall and per domain, this year and last year."""

    unit: str
    year: int
    overall: Attainment
    previous: Attainment | None  # None in the first plan year
    domains: tuple[tuple[str, Attainment, Attainment | None], ...]  # key, this year, last year

    @property
    def change(self) -> float | None:
        return change_in_points(self.overall, self.previous)


def unit_attainment(evaluator: Evaluator, unit_code: str, level: str, year: int,
                    specs: list[TargetSpec] | None = None,
                    results: list[TargetResult] | None = None) -> AttainmentSummary:
    """The unit's 达标率 for ``year`` and the year before, overall and per domain.

    ``results`` (this year's, in the order of ``specs``) saves judging the year again when the
    caller has already done it, as the annual report has.
    """
    specs = specs if specs is not None else targets_answered_for(evaluator, unit_code, level)
    now = results if results is not None else [
        evaluator.evaluate_one(spec, unit_code, year) for spec in specs]
    before = ([evaluator.evaluate_one(spec, unit_code, year - 1) for spec in specs]
              if year > FIRST_YEAR else None)
    domains = list(dict.fromkeys(spec.domain for spec in specs))
    per_domain = tuple(
        (key, attainment(r for s, r in zip(specs, now, strict=True) if s.domain == key),
         None if before is None else
         attainment(r for s, r in zip(specs, before, strict=True) if s.domain == key))
        for key in domains)
    return AttainmentSummary(unit_code, year, attainment(now),
                             None if before is None else attainment(before), per_domain)


def percent(share: float | None) -> str:
    """75.0% (one decimal, as every percentage the reports print); — when there is none."""
    return "—" if share is None else f"{share * 100:.1f}%"


def points(change: float | None) -> str:
    """提高2.5个百分点 / 下降1.0个百分点 / 与上年持平."""
    if change is None:
        return ""
    if round(change, 1) == 0:
        return "与上年持平"
    return f"{'提高' if change > 0 else '下降'}{abs(change):.1f}个百分点"


def ranked(shares: dict[str, float | None]) -> list[tuple[int | None, str]]:
    """Codes best first with their 名次 (1, 2, 2, 4: equal shares share a place); a code
    without a share (no applicable target) comes last, unranked. Equal shares keep the
    order they were given in (a county lists its townships by code)."""
    order = sorted(shares, key=lambda code: (shares[code] is None, -(shares[code] or 0.0)))
    out: list[tuple[int | None, str]] = []
    for position, code in enumerate(order, start=1):
        share = shares[code]
        if share is None:
            out.append((None, code))
        elif out and out[-1][0] is not None and shares[out[-1][1]] == share:
            out.append((out[-1][0], code))
        else:
            out.append((position, code))
    return out
