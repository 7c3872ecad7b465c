"""Judging a unit's figures against its plan's targets, with early warning (预警).

Status vocabulary (fixed): ``met`` 已达标, ``not_met`` 未达标, ``at_risk`` 预警, ``no_data``
无数据, ``not_applicable`` 不适用. Every result carries a reason a clerk understands.

Choices a county may question are shown in the reason and documented in docs/evaluation.md:
- projection: ordinary least squares over the unit's last (up to) five figures up to the
  evaluated year, at least three points, extended to the target's deadline (2030 when the
  plan gives none). A projection that misses the target raises "预计达标困难" and the status
  ``at_risk`` while the deadline is still ahead;
- fluctuation ("波动较大"): the latest year-on-year change lies more than three standard
  deviations from the mean of the earlier changes (at least three of them);
- 左右: within ± the target's tolerance (default 2 percentage points, from the catalogue);
- a figure entered as 不适用 makes the target ``not_applicable`` (not ``no_data``); a 待核实
  figure is evaluated with its reported value and the result is marked ``pending`` (待核实),
  with the units under query named in the reason; one without a value is ``no_data``
  saying 待核实 (db/value_kinds.py).
"""

from __future__ import annotations

import math
import operator
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.aggregation import FigureIndex, IndicatorInfo, Resolved
from db.figure_text import format_figure, with_unit
from db.models import Goal, OrgUnit, Plan, Target
from db.numbers import sample_stdev
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.target_wording import holds

BASELINE_YEAR = FIRST_YEAR
PROJECTION_WINDOW = 5
PROJECTION_MIN_POINTS = 3
FLUCTUATION_SIGMAS = 3.0

STATUS_LABELS = {
    "met": "已达标",
    "not_met": "未达标",
    "at_risk": "预警",
    "no_data": "无数据",
    "not_applicable": "不适用",
}
_COMPARATOR_WORDS = {">=": "不低于", "<=": "不高于", ">": "高于", "<": "低于", "=": "等于"}


@dataclass(frozen=True)
class TargetSpec:
    """A target with what evaluating it needs to know of its goal and indicator."""

    id: str
    plan: str
    goal: int
    domain: str
    indicator: IndicatorInfo
    kind: str
    comparator: str | None
    value: float | None
    unit: str | None
    year: int | None
    tolerance: float | None
    baseline_year: int | None
    relative_to: str | None
    measure: str
    per_unit_level: str | None
    disaggregation: str | None
    source: str

    @property
    def deadline(self) -> int:
        return self.year or LAST_YEAR


@dataclass(frozen=True)
class Projection:
    value: float
    year: int
    first_year: int  # the points the line was fitted to
    last_year: int
    method: str = "least_squares"


@dataclass(frozen=True)
class EarlyWarning:
    code: str  # projection_miss (预计达标困难) | fluctuation (波动较大)
    reason: str


@dataclass(frozen=True, init=False)
class TargetResult:
    target: str
    indicator: str
    goal: int
    domain: str
    year: int
    value: float | None
    status: str
    reason: str
    projected: Projection | None = None
    warnings: tuple[EarlyWarning, ...] = ()
    contributing_units: tuple[str, ...] = ()
    missing_units: tuple[str, ...] = ()
    # The verdict rests on a figure under query (待核实): shown beside the status.
    pending: bool = False
    # How the unit's own figure was entered: number, not_applicable (不适用) or pending.
    figure_kind: str = "number"

    # Written out rather than generated: a frozen dataclass's own __init__ sets each field
    # through object.__setattr__ (≈ 2.5 µs here), and a city's units make 10 000 of these
    # (bench_evaluation.py). Frozen all the same: only __init__ writes the instance's dict.
    # tests/test_evaluation_whole_tree.py checks the signature against the fields.
    # ``reason`` may also be given as a function that words it: it is then called when the
    # reason is first read (see _WordedOnRead) — a city's 3 000 verdicts are judged for pages
    # that show a few dozen reasons.
    def __init__(self, target: str, indicator: str, goal: int, domain: str, year: int,
                 value: float | None, status: str, reason: str | Callable[[], str],
                 projected: Projection | None = None, warnings: tuple[EarlyWarning, ...] = (),
                 contributing_units: tuple[str, ...] = (), missing_units: tuple[str, ...] = (),
                 pending: bool = False, figure_kind: str = "number") -> None:
        own = self.__dict__
        own.update(target=target, indicator=indicator, goal=goal, domain=domain, year=year,
                   value=value, status=status)
        own["reason" if isinstance(reason, str) else "_words"] = reason
        own.update(projected=projected, warnings=warnings, contributing_units=contributing_units,
                   missing_units=missing_units, pending=pending, figure_kind=figure_kind)

    def __getstate__(self) -> dict[str, Any]:
        self.reason  # noqa: B018 - worded now: a pickle holds words, not a function
        return self.__dict__

    @property
    def figure_label(self) -> str | None:
        """"不适用" or "待核实" where a report prints that instead of (or beside) a number."""
        if self.figure_kind == "not_applicable" and self.value is None:
            return "不适用"
        return "待核实" if self.pending else None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["projected"] = (
            {"value": round(self.projected.value, 4), "year": self.projected.year,
             "method": self.projected.method,
             "fitted_years": [self.projected.first_year, self.projected.last_year]}
            if self.projected else None
        )
        out["warnings"] = [asdict(w) for w in self.warnings]
        out["contributing_units"] = list(self.contributing_units)
        out["missing_units"] = list(self.missing_units)
        out["status_label"] = self.status_label
        return out


class _WordedOnRead:
    """TargetResult.reason when the verdict left a function to word it: called on the first
    reading, and the words kept in the instance (which, being there, are what every later
    reading finds, before this class attribute). Equality, repr, to_dict and replace all read
    the attribute, so a verdict compares and prints exactly as if worded at once."""

    def __get__(self, result: TargetResult | None, owner: type | None = None) -> Any:
        if result is None:
            return self
        own = result.__dict__
        words = own.get("_words")
        if words is None:  # worded meanwhile by another thread
            return own["reason"]
        own["reason"] = reason = words()
        own.pop("_words", None)
        return reason


TargetResult.reason = _WordedOnRead()  # type: ignore[assignment]


# ---------------------------------------------------------------------------- wording


def format_value(value: float, unit: str | None, against: float | None = None) -> str:
    """A figure as a clerk writes it: 10.5/10万, 45.3%, 3人.

    With ``against`` (the bound it is judged by), enough decimals are shown that a figure just
    above the bound does not read as the bound itself (10.52, not "10.5 — 未达到10.5").
    """
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if against is not None and not float(value).is_integer():
        for decimals in (1, 2, 3, 4):
            text = f"{value:.{decimals}f}"
            if f"{against:.{decimals}f}" != text or holds(value, "=", against):
                break
    return with_unit(text, unit)


def target_phrase(spec: TargetSpec) -> str:
    """The target in words, e.g. "2025年不高于10.5/10万" or "约45%（±2个百分点）"."""
    when = f"{spec.year}年" if spec.year else ""
    if spec.kind == "trend":
        if spec.measure == "change":
            return "上升趋势减缓"
        return "逐年提高" if spec.comparator == ">" else "逐年降低"
    if spec.kind == "relative":
        return f"{_COMPARATOR_WORDS.get(spec.comparator or '>=', '')}对比指标"
    if spec.value is None:
        return spec.source
    if spec.kind == "baseline_relative":
        return f"{when}比{spec.baseline_year}年提高{format_value(spec.value, '%')}"
    if spec.comparator == "approx":
        return (f"{when}约{format_value(spec.value, spec.unit)}"
                f"（±{format_value(spec.tolerance or 0, None)}{_points(spec.unit)}）")
    word = _COMPARATOR_WORDS.get(spec.comparator or "", "")
    prefix = "每年" if spec.kind == "maintain" else when
    return f"{prefix}{word}{format_value(spec.value, spec.unit)}"


def _points(unit: str | None) -> str:
    return "个百分点" if unit == "%" else (unit or "")


# ---------------------------------------------------------------------------- numbers


def least_squares(points: Mapping[int, float]) -> tuple[float, float]:
    """Slope and intercept of the ordinary least-squares line through (year, value)."""
    slope, intercept = statistics.linear_regression(list(points), list(points.values()))
    return slope, intercept


def project(series: Mapping[int, float], year: int, deadline: int, unit: str | None
            ) -> Projection | None:
    """The figure at ``deadline`` extended from the last figures up to ``year``."""
    if deadline <= year:
        return None
    known = sorted(y for y in series if y <= year)[-PROJECTION_WINDOW:]
    if len(known) < PROJECTION_MIN_POINTS:
        return None
    slope, intercept = least_squares({y: series[y] for y in known})
    value = slope * deadline + intercept
    # A share cannot leave 0–100 and no count or rate goes below zero, whatever the line says.
    value = max(0.0, min(100.0, value)) if unit == "%" else max(0.0, value)
    return Projection(value, deadline, known[0], known[-1])


def fluctuation(series: Mapping[int, float], year: int, unit: str | None) -> EarlyWarning | None:
    """"波动较大": this year's change far outside the series' usual year-on-year change."""
    if year not in series or year - 1 not in series:
        return None  # no change this year to judge
    years = list(series)
    if years[-1] == year and years == list(range(years[0], year + 1)):
        # The usual series (every year up to this one, in order, as history gives it): its
        # changes in one pass at C speed.
        upto = list(series.values())
        earlier = list(map(operator.sub, upto[1:-1], upto[:-2]))
    else:
        # The changes between consecutive years up to this one, in no particular order: every
        # sum below is math.fsum, exact whatever the order, so nothing needs sorting.
        earlier = [value - series[y - 1] for y, value in series.items()
                   if y < year and y - 1 in series]
        upto = [value for y, value in series.items() if y <= year]
    if len(earlier) < 3:
        return None
    latest = series[year] - series[year - 1]
    mean = math.fsum(earlier) / len(earlier)  # statistics.fmean, without its generator
    # A floor on the spread, so a perfectly steady series does not flag every small change.
    floor = max(abs(math.fsum(upto) / len(upto)) * 0.02, 1e-9)
    if abs(latest - mean) <= FLUCTUATION_SIGMAS * floor:
        return None  # within the floor, so within any spread above it: no deviation needed
    spread = max(sample_stdev(earlier), floor)
    if abs(latest - mean) <= FLUCTUATION_SIGMAS * spread:
        return None
    return EarlyWarning(
        "fluctuation",
        f"{year}年较上年变化{_signed(latest, unit)}，以往年均变化{_signed(mean, unit)}"
        f"（通常波动±{format_value(spread, _delta_unit(unit))}），波动较大，请核实数据",
    )


def _delta_unit(unit: str | None) -> str | None:
    return "个百分点" if unit == "%" else unit


def _signed(value: float, unit: str | None) -> str:
    sign = "+" if value >= 0 else "-"
    return sign + format_value(abs(value), _delta_unit(unit))


# ---------------------------------------------------------------------------- one target


_NOTHING: Mapping[Any, Any] = MappingProxyType({})  # read-only, so safely shared


@dataclass(frozen=True, init=False)
class Inputs:
    """Everything one target's verdict depends on, already resolved for one unit."""

    series: Mapping[int, float]  # the unit's figures by year
    contributing: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    other: Mapping[int, float] = field(default_factory=dict)  # relative_to's figures
    per_unit: Mapping[str, float | None] = field(default_factory=dict)  # per_unit: each unit
    unit_names: Mapping[str, str] = field(default_factory=dict)
    unit_level: str = "county"
    # How the unit's own figure for the year was stored: number, not_applicable (不适用) or
    # pending (待核实); and the units below whose figures pooled here are 待核实.
    figure_kind: str = "number"
    queried: tuple[str, ...] = ()

    # Written out for speed, as TargetResult's: one of these per verdict a unit is judged on.
    # An empty mapping left out is one shared read-only mapping, not a new dict each time.
    def __init__(self, series: Mapping[int, float], contributing: tuple[str, ...] = (),
                 missing: tuple[str, ...] = (), other: Mapping[int, float] = _NOTHING,
                 per_unit: Mapping[str, float | None] = _NOTHING,
                 unit_names: Mapping[str, str] = _NOTHING, unit_level: str = "county",
                 figure_kind: str = "number", queried: tuple[str, ...] = ()) -> None:
        own = self.__dict__
        own.update(series=series, contributing=contributing, missing=missing, other=other,
                   per_unit=per_unit, unit_names=unit_names, unit_level=unit_level,
                   figure_kind=figure_kind, queried=queried)


def judged_at(spec: TargetSpec, unit_level: str) -> bool:
    """Whether a unit of this level is judged on the target: a township is not judged on a
    figure only a county or above collects."""
    return not (unit_level == "township" and spec.indicator.collected_at != "township"
                and spec.kind != "per_unit")


def not_judged(spec: TargetSpec, year: int, value: float | None,
               contributing: tuple[str, ...], missing: tuple[str, ...]) -> TargetResult:
    """The verdict on a target a township is not judged on (see :func:`judged_at`)."""
    return TargetResult(spec.id, spec.indicator.code, spec.goal, spec.domain, year, value,
                        "not_applicable", "该指标由县级及以上单位统计，乡镇不单独评估", None, (),
                        contributing, missing)


def evaluate_target(spec: TargetSpec, year: int, inputs: Inputs,
                    tolerance: float | None = None) -> TargetResult:
    """The verdict on one target for one unit and year. Never raises on any figures."""
    value = inputs.series.get(year)

    def result(status: str, reason: str | Callable[[], str],
               projected: Projection | None = None,
               warnings: Sequence[EarlyWarning] = ()) -> TargetResult:
        return TargetResult(spec.id, spec.indicator.code, spec.goal, spec.domain, year, value,
                            status, reason, projected, tuple(warnings), inputs.contributing,
                            inputs.missing, figure_kind=inputs.figure_kind)

    if not judged_at(spec, inputs.unit_level):
        return not_judged(spec, year, value, inputs.contributing, inputs.missing)
    if inputs.figure_kind == "not_applicable" and spec.kind != "per_unit":
        return result("not_applicable", f"{year}年填报为不适用：该指标不适用于本单位或本年度")
    if inputs.figure_kind == "pending" and value is None and spec.kind != "per_unit":
        return replace(result("no_data", f"{year}年数据待核实，尚无报送值"), pending=True)
    if spec.kind == "per_unit":
        verdict = _per_unit(spec, year, inputs, result)
    elif spec.kind == "trend":
        verdict = _trend(spec, year, inputs, result)
    elif spec.kind == "relative":
        verdict = _relative(spec, year, inputs, result)
    else:
        verdict = _against_bound(spec, year, inputs, result, tolerance)
    if (inputs.queried or inputs.figure_kind == "pending") and verdict.status != "not_applicable":
        names = "、".join(inputs.unit_names.get(u, u) for u in inputs.queried[:5])
        names += "等" if len(inputs.queried) > 5 else ""
        verdict = replace(verdict, pending=True,
                          reason=f"{verdict.reason}（数据待核实{'：' + names if names else ''}）")
    if verdict.status in ("no_data", "not_applicable"):
        return verdict
    swing = fluctuation(inputs.series, year, spec.indicator.unit)
    if swing is None:
        return verdict
    # dataclasses.replace, without wording the reason (it reads every field) or its cost.
    swung = object.__new__(TargetResult)
    swung.__dict__.update(verdict.__dict__, warnings=(*verdict.warnings, swing))
    return swung


def _no_data(year: int, inputs: Inputs) -> str:
    reason = f"{year}年无数据"
    if inputs.missing:
        names = [inputs.unit_names.get(u, u) for u in inputs.missing]
        shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
        reason += f"（{len(names)}个单位未填报：{shown}）"
    return reason


def _against_bound(spec: TargetSpec, year: int, inputs: Inputs, result: Any,
                   tolerance: float | None) -> TargetResult:
    """threshold, maintain, approx, coverage and baseline_relative targets."""
    if spec.kind != "maintain" and spec.year is not None and year > spec.year:
        return result("not_applicable", f"该目标期限为{spec.year}年，已在{spec.year}年评估")
    bound = spec.value if spec.value is not None else 0.0
    comparator = spec.comparator or ">="
    if spec.kind == "baseline_relative":
        base = inputs.series.get(spec.baseline_year or BASELINE_YEAR)
        if base is None:
            return result("no_data", f"缺少{spec.baseline_year}年基期数据，无法计算提高幅度")
        bound = base * (1 + bound / 100)
        comparator = ">="
    tol = tolerance if tolerance is not None else (spec.tolerance or 0.0)
    value = inputs.series.get(year)
    if value is None:
        return result("no_data", lambda: _no_data(year, inputs))
    unit = spec.indicator.unit
    warnings: list[EarlyWarning] = []
    met_now = holds(value, comparator, bound, tol)

    def shown() -> str:
        return f"{year}年为{format_figure(value, unit, against=bound)}"

    if spec.kind == "maintain" and not met_now:
        return result("not_met", lambda: f"{shown()}，未保持在目标"
                      f"（{_bound_text(comparator, bound, unit, tol)}）", warnings=warnings)
    projected = project(inputs.series, year, spec.deadline, unit)
    if projected is not None and not holds(projected.value, comparator, bound, tol):
        reason = (f"按{projected.first_year}—{projected.last_year}年趋势推算，"
                  f"{projected.year}年约为{format_figure(projected.value, unit)}，"
                  f"{_miss_word(comparator, projected.value, bound)}目标"
                  f"{format_value(bound, unit)}")
        warnings.insert(0, EarlyWarning("projection_miss", f"预计达标困难：{reason}"))
        return result("at_risk", reason, projected, warnings)
    when = f"{spec.deadline}年" if spec.kind != "maintain" else "每年"
    if met_now:
        return result("met", lambda: f"{shown()}，达到目标"
                      f"（{when}{_bound_text(comparator, bound, unit, tol)}）", projected, warnings)

    def not_reached() -> str:
        reason = f"{shown()}，未达到目标（{when}{_bound_text(comparator, bound, unit, tol)}）"
        if projected is not None:
            reason += (f"；按趋势推算{projected.year}年约为"
                       f"{format_figure(projected.value, unit)}，可望达标")
        return reason

    return result("not_met", not_reached, projected, warnings)


def _bound_text(comparator: str, bound: float, unit: str, tolerance: float) -> str:
    if comparator == "approx":
        return f"{format_value(bound, unit)}左右，允许±{format_value(tolerance, _delta_unit(unit))}"
    return f"{_COMPARATOR_WORDS[comparator]}{format_value(bound, unit)}"


def _miss_word(comparator: str, projected: float, bound: float) -> str:
    if comparator == "approx":
        return "偏离"
    return "高于" if projected > bound else "低于"


def _trend(spec: TargetSpec, year: int, inputs: Inputs, result: Any) -> TargetResult:
    series, unit = inputs.series, spec.indicator.unit
    if year <= BASELINE_YEAR:
        return result("not_applicable",
                      f"{BASELINE_YEAR}年为基期，趋势自{BASELINE_YEAR + 1}年起评估")
    value = series.get(year)
    if value is None:
        return result("no_data", lambda: _no_data(year, inputs))
    previous = series.get(year - 1)
    if spec.measure == "change":
        return _slowdown(year, value, previous, series.get(year - 2), unit, result)
    base = series.get(BASELINE_YEAR)
    rising = spec.comparator == ">"
    better = (lambda a, b: a > b) if rising else (lambda a, b: a < b)
    word = "提高" if rising else "降低"
    if previous is None and base is None:
        return result("no_data", f"{year}年为{format_figure(value, unit)}，"
                      f"缺少上一年和{BASELINE_YEAR}年基期数据，无法判断趋势")

    def compared() -> str:
        parts = []
        if previous is not None:
            parts.append(f"上年{format_figure(previous, unit)}")
        if base is not None:
            parts.append(f"{BASELINE_YEAR}年{format_figure(base, unit)}")
        return f"{year}年为{format_figure(value, unit)}（{'，'.join(parts)}）"

    improved_on_base = base is not None and better(value, base)
    worse_than_last_year = previous is not None and better(previous, value)
    if base is None:
        improved = previous is not None and better(value, previous)
        verb = "保持" + word + "趋势" if improved else "未见" + word
        return result("met" if improved else "not_met", lambda: f"{compared()}，{verb}")
    if improved_on_base and not worse_than_last_year:
        return result("met", lambda: f"{compared()}，保持{word}趋势")
    if improved_on_base:
        warning = EarlyWarning("projection_miss",
                               f"预计达标困难：{compared()}，较上年出现反向变化")
        return result("at_risk", lambda: f"{compared()}，较上年未能{word}", warnings=[warning])
    return result("not_met", lambda: f"{compared()}，未见{word}")


def _slowdown(year: int, value: float, previous: float | None, before: float | None,
              unit: str, result: Any) -> TargetResult:
    """上升趋势减缓 / 增长率持续减缓: this year's rise smaller than last year's."""
    if previous is None or before is None:
        return result("no_data", f"需要{year - 2}—{year}年连续三年数据才能判断上升趋势是否减缓")
    this_rise, last_rise = value - previous, previous - before
    text = (f"{year}年较上年变化{_signed(this_rise, unit)}，"
            f"上年变化{_signed(last_rise, unit)}")
    if this_rise <= 0 or this_rise < last_rise:
        return result("met", f"{text}，上升趋势减缓")
    return result("not_met", f"{text}，上升趋势未减缓")


def _relative(spec: TargetSpec, year: int, inputs: Inputs, result: Any) -> TargetResult:
    value, other = inputs.series.get(year), inputs.other.get(year)
    unit = spec.indicator.unit
    if value is None:
        return result("no_data", _no_data(year, inputs))
    if other is None:
        return result("no_data", f"{year}年为{format_figure(value, unit)}，缺少对比指标的数据")
    comparator = spec.comparator or ">="
    text = (f"{year}年为{format_figure(value, unit)}，对比指标为{format_figure(other, unit)}"
            f"（应{_COMPARATOR_WORDS[comparator]}对比指标）")
    return result("met" if holds(value, comparator, other) else "not_met", text)


def _per_unit(spec: TargetSpec, year: int, inputs: Inputs, result: Any) -> TargetResult:
    """每个镇至少1名女干部: every unit of the level is checked on its own."""
    bound, comparator = spec.value or 0.0, spec.comparator or ">="
    unit = spec.indicator.unit
    if not inputs.per_unit:
        return result("no_data", f"{year}年没有需要检查的单位")
    failing = [u for u, v in inputs.per_unit.items() if v is not None and
               not holds(v, comparator, bound)]
    missing = [u for u, v in inputs.per_unit.items() if v is None]

    def goal() -> str:
        return f"{_COMPARATOR_WORDS[comparator]}{format_value(bound, unit)}"

    def names(codes: list[str]) -> str:
        shown = [inputs.unit_names.get(c, c) for c in codes[:5]]
        return "、".join(shown) + ("等" if len(codes) > 5 else "")

    checked = len(inputs.per_unit)
    if failing:
        return result("not_met", lambda: f"{checked}个单位中{len(failing)}个未达到每单位"
                      f"{goal()}：{names(failing)}")
    if missing:
        return result("no_data", lambda: f"{len(missing)}个单位{year}年未填报：{names(missing)}")
    return result("met", lambda: f"{checked}个单位均达到每单位{goal()}")


# ---------------------------------------------------------------------------- whole units


def load_targets(session: Session, plan_code: str,
                 indicators: Mapping[str, IndicatorInfo] | None = None) -> list[TargetSpec]:
    """Every target of a plan, in the plan's own order: domains as the plan presents them,
    goals by number, 重点工程 after 主要目标. ``indicators``: those already read, if any."""
    from db.aggregation import load_indicator_info

    if indicators is None:
        indicators = load_indicator_info(session)
    plan = session.get(Plan, plan_code)
    order = {key: i for i, key in enumerate(plan.domain_order if plan else [])}
    # Columns, not ORM objects: the targets are only copied into TargetSpecs.
    rows = list(session.execute(
        select(Target.id, Target.indicator_code, Target.kind, Target.comparator, Target.value,
               Target.unit, Target.year, Target.tolerance, Target.baseline_year,
               Target.relative_to, Target.measure, Target.per_unit_level,
               Target.disaggregation, Target.source, Goal.number, Goal.domain_key, Goal.chapter)
        .join(Goal, Target.goal_id == Goal.id)
        .where(Goal.plan_code == plan_code)
    ).all())
    rows.sort(key=lambda r: (r.chapter != "main_goals", order.get(r.domain_key, 99), r.number,
                             int(r.id.rsplit("-", 1)[1])))
    return [
        TargetSpec(t.id, plan_code, t.number, t.domain_key, indicators[t.indicator_code], t.kind,
                   t.comparator, t.value, t.unit, t.year, t.tolerance, t.baseline_year,
                   t.relative_to, t.measure, t.per_unit_level, t.disaggregation, t.source)
        for t in rows
    ]


def plan_of(session: Session, unit_code: str) -> str | None:
    """The plan a unit follows: its own, else its parent's (a township follows its county)."""
    units = {u.code: (u.parent_code, u.plan_code) for u in session.scalars(select(OrgUnit))}
    return _plan_in(units, set(session.scalars(select(Plan.code))), unit_code)


def _plan_in(units: Mapping[str, tuple[str | None, str | None]], plans: set[str],
             unit_code: str) -> str | None:
    code: str | None = unit_code
    seen: set[str] = set()
    while code is not None and code not in seen:
        seen.add(code)
        if code in plans and (code not in units or units[code][1] in (None, code)):
            return code
        if code not in units:
            return None
        parent, plan = units[code]
        if plan:
            return plan
        code = parent
    return None


@dataclass
class Evaluator:
    """Evaluates units of one tree against their plans, reading the figures once."""

    session: Session
    root: str
    tolerance: float | None = None
    index: FigureIndex = field(init=False)
    names: dict[str, str] = field(init=False)
    levels: dict[str, str] = field(init=False)
    _targets: dict[str, list[TargetSpec]] = field(init=False, default_factory=dict)
    _tree: dict[str, tuple[str | None, str | None]] = field(init=False)
    _plans: set[str] = field(init=False)
    _checked: dict[tuple[str, int, str], list[str]] = field(init=False, default_factory=dict)
    _unjudged: dict[tuple[str, int], TargetResult] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.index = FigureIndex.load(self.session, self.root)
        # Columns, not ORM objects: a city's hundreds of units are only looked up here.
        units = self.session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.level,
                                            OrgUnit.parent_code, OrgUnit.plan_code)).all()
        self.names = {u.code: u.name for u in units}
        self.levels = {u.code: u.level for u in units}
        self._tree = {u.code: (u.parent_code, u.plan_code) for u in units}
        self._plans = set(self.session.scalars(select(Plan.code)))

    def targets_for(self, unit_code: str) -> list[TargetSpec]:
        plan = _plan_in(self._tree, self._plans, unit_code)
        if plan is None:
            return []
        if plan not in self._targets:
            self._targets[plan] = load_targets(self.session, plan, self.index.indicators)
        return self._targets[plan]

    def evaluate(self, unit_code: str, year: int) -> list[TargetResult]:
        level = self.levels.get(unit_code, "county")
        judge = self._judge
        return [judge(spec, unit_code, year, level) for spec in self.targets_for(unit_code)]

    def evaluate_one(self, spec: TargetSpec, unit_code: str, year: int) -> TargetResult:
        return self._judge(spec, unit_code, year, self.levels.get(unit_code, "county"))

    def _judge(self, spec: TargetSpec, unit_code: str, year: int, level: str) -> TargetResult:
        dis = spec.disaggregation or "total"
        info = spec.indicator
        code = info.code
        index = self.index
        judged = judged_at(spec, level)
        if not judged and info.kind == "direct" and not index.marks \
                and unit_code not in index.lineage:
            # A township's survey figure (6 800 of a city's rows): what resolve gives, as it
            # was entered and from no one else, in one look-up.
            value = index.values.get((unit_code, code, year, dis))
            return self._not_judged(spec, year, value, (), ())
        current: Resolved = index.resolve(unit_code, code, year, dis)
        # A unit with no units below "misses" only itself: that is 无数据, not a unit below
        # that did not report ("1个单位未填报：太平街道" on 太平街道's own row).
        missing = current.missing
        if len(missing) == 1 and missing[0] == unit_code:
            missing = ()
        if not judged:
            # Most of a city's rows (a township's county-level targets): the verdict shows only
            # this year's figure and who it came from, so nothing else is resolved. (A
            # successor's year before its change is its predecessors' pooled figure.)
            value = (index.history(unit_code, code, (year,), dis).get(year)
                     if unit_code in index.lineage else current.value)
            return self._not_judged(spec, year, value, current.contributing, missing)
        years = range(min(BASELINE_YEAR, spec.baseline_year or BASELINE_YEAR), year + 1)
        # A successor's earlier years are its predecessors' pooled figures (db/unit_events.py).
        series = index.history(unit_code, code, years, dis) if unit_code in index.lineage \
            else index.series(unit_code, code, years, dis)
        other = index.series(unit_code, spec.relative_to, years, dis) if spec.relative_to \
            else _NOTHING
        per_unit: Mapping[str, float | None] = _NOTHING
        if spec.kind == "per_unit":
            per_unit = {unit: current.value if unit == unit_code else
                        index.resolve(unit, code, year, dis).value
                        for unit in self._units_checked(spec, unit_code, year)}
        if index.marks or current.source in ("not_applicable", "pending"):
            figure_kind, queried = self._kind_of(current, unit_code, code, year, dis)
        else:
            figure_kind, queried = "number", ()  # what _kind_of says without a mark
        inputs = Inputs(series, current.contributing, missing, other, per_unit, self.names,
                        level, figure_kind, queried)
        return evaluate_target(spec, year, inputs, self.tolerance)

    def _not_judged(self, spec: TargetSpec, year: int, value: float | None,
                    contributing: tuple[str, ...], missing: tuple[str, ...]) -> TargetResult:
        if value is None and not contributing and not missing:
            # The same words for every township without the figure: one frozen verdict serves
            # them all.
            key = (spec.id, year)
            shared = self._unjudged.get(key)
            if shared is None:
                shared = self._unjudged[key] = not_judged(spec, year, None, (), ())
            return shared
        return not_judged(spec, year, value, contributing, missing)

    def _kind_of(self, current: Resolved, unit_code: str, code: str, year: int,
                 dis: str) -> tuple[str, tuple[str, ...]]:
        """How the unit's own figure was stored (number, not_applicable, pending) and the units
        below whose pooled figure is 待核实 (db/value_kinds.py)."""
        figure_kind = (current.source if current.source in ("not_applicable", "pending")
                       else "number")
        queried: tuple[str, ...] = ()
        if self.index.marks:
            if current.value is not None and self.index.queried((unit_code,), code, year, dis):
                figure_kind = "pending"  # the unit's own figure is the one under query
            # Units below whose figure is 待核实: pooled with its value, or (without one)
            # missing — either way the result names them.
            queried = tuple(self.index.queried(
                [u for u in (*current.contributing, *current.missing) if u != unit_code],
                code, year, dis))
        return figure_kind, queried

    def _units_checked(self, spec: TargetSpec, unit_code: str, year: int) -> list[str]:
        if spec.per_unit_level in ("team", None):
            return [unit_code]
        key = (unit_code, year, spec.per_unit_level)
        checked = self._checked.get(key)
        if checked is None:  # a county's per-unit targets all check the same townships
            checked = sorted(u for u in self.index.subtree(unit_code, year)
                             if self.levels.get(u) == spec.per_unit_level)
            self._checked[key] = checked
        return checked

