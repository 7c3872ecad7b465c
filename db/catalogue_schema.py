"""The shape of the catalogue files in ``resources/catalogue/`` (validated with pydantic).

Field by field documentation is in docs/catalogue.md; the rules of wording are in
db/target_wording.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DomainKey = Literal[
    "health", "education", "economy", "decision", "social_security", "family", "environment", "law"
]
Comparator = Literal[">=", "<=", ">", "<", "=", "approx"]
TargetKind = Literal[
    "threshold", "maintain", "approx", "coverage", "trend", "relative", "baseline_relative",
    "per_unit",
]
Level = Literal["township", "county", "city"]


class _Strict(BaseModel):
    # A misspelt key in a reviewed file must stop the load, not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainEntry(_Strict):
    key: DomainKey
    name: str


class IndicatorEntry(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    name: str = Field(min_length=1)
    domain: DomainKey
    kind: Literal["rate", "direct", "count"]
    unit: str = Field(min_length=1)
    direction: Literal["higher", "lower"]
    numerator: str | None = None
    denominator: str | None = None
    factor: float | None = None
    disaggregation: list[str] = []
    collected_at: Level
    definition: str = ""
    aliases: list[str] = []

    @model_validator(mode="after")
    def _rate_has_counts(self) -> IndicatorEntry:
        if self.kind == "rate" and not (self.numerator and self.denominator and self.factor):
            raise ValueError("比率指标必须给出分子、分母和系数（numerator/denominator/factor）")
        if self.kind != "rate" and (self.numerator or self.denominator):
            raise ValueError("只有比率指标（kind: rate）才有分子和分母")
        return self


class FigureMove(_Strict):
    """Figures entered under ``from`` for one of ``plans`` belong to ``to`` from version ``since``
    on: an indicator was split so that its name says what those plans' clause says."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    since: int
    from_: str = Field(alias="from")
    to: str
    plans: list[str] = Field(min_length=1)


class IndicatorFile(_Strict):
    version: int
    approx_tolerance: float = Field(gt=0)
    figure_moves: list[FigureMove] = []
    domains: list[DomainEntry]
    indicators: list[IndicatorEntry]


class Explanation(_Strict):
    """指标解释: what the statistical systems print beside every indicator."""

    meaning: str = Field(min_length=8)  # 含义
    formula: str = Field(min_length=8)  # 计算方法
    unit: str = Field(min_length=1)  # 计量单位
    source: str = Field(min_length=2)  # 统计来源
    department: str = Field(min_length=2)  # 报送部门
    period: str | None = None  # 统计时段, where it is not the calendar year


class ExplanationFile(_Strict):
    explanations: dict[str, Explanation]


class TargetEntry(_Strict):
    id: str = Field(pattern=r"^\d{6}-[a-z_]+-\d+-\d+$")
    indicator: str
    kind: TargetKind
    comparator: Comparator | None
    value: float | None
    unit: str | None = None
    year: int | None = Field(default=None, ge=2021, le=2030)
    tolerance: float | None = None
    baseline_year: int | None = Field(default=None, ge=2015, le=2030)
    relative_to: str | None = None
    measure: Literal["level", "change"] = "level"
    per_unit_level: Literal["township", "village", "community", "team"] | None = None
    disaggregation: Literal["female", "male"] | None = None
    source: str = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> TargetEntry:
        needs_value = self.kind not in ("trend", "relative")
        if needs_value and self.value is None:
            raise ValueError(f"{self.kind} 类目标必须有数值（value）")
        if self.kind == "approx" and (self.comparator != "approx" or not self.tolerance):
            raise ValueError("“左右”目标的比较符必须是 approx，并给出容差（tolerance）")
        if self.kind == "relative" and not self.relative_to:
            raise ValueError("相对目标必须给出对比的指标（relative_to）")
        if self.kind == "baseline_relative" and not self.baseline_year:
            raise ValueError("以基期为准的目标必须给出基期年份（baseline_year）")
        if self.kind == "per_unit" and not self.per_unit_level:
            raise ValueError("按单位考核的目标必须给出单位层级（per_unit_level）")
        return self


class NonTarget(_Strict):
    text: str
    why: str = Field(min_length=2)


class GoalEntry(_Strict):
    id: str = Field(pattern=r"^\d{6}-[a-z_]+-\d+$")
    domain: DomainKey
    number: int = Field(ge=1)
    chapter: Literal["main_goals", "key_projects"] = "main_goals"
    text: str = Field(min_length=2)
    lead: list[str] = []
    responsible: list[str] = []
    targets: list[TargetEntry] = []
    non_targets: list[NonTarget] = []


class ParentEntry(_Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str


class PlanEntry(_Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    title: str
    level: Literal["county", "district", "city", "county_city"]
    province: str
    parent: ParentEntry
    source: str
    domain_order: list[DomainKey] = Field(min_length=8, max_length=8)


class PlanFile(_Strict):
    plan: PlanEntry
    goals: list[GoalEntry]
