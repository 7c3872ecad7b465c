"""审核公式: cross-checks between the figures of one unit and year, kept as data.

A rule reads "left op factor × (right₁ + right₂ + …)" on one breakdown (合计, 女性 or 男性), e.g.
村委会主任数 ≤ 村委会成员数. The shipped rules (resources/catalogue/cross_checks.yaml) hold for
every plan; an administrator adds rules of their own per plan in the setting ``cross_checks``
(db/plan_settings.py; ``tianbao checks add``). An error refuses a figure like the built-in
checks; a warning asks for a comment before submission (db/figures.py set_year_status).

A rule is judged only when all its figures are there: a half-filled form is not wrong yet.
Every caller (entry, CSV and Excel import, sync import, submission) evaluates the same way,
through :func:`evaluate`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import CurrentUser
from db.checks import DISAGGREGATION_LABELS, Finding, format_number
from db.errors import UserError
from db.models import Indicator
from resources import CATALOGUE_DIR

CROSS_CHECKS_FILE = "cross_checks.yaml"
Operator = Literal["<=", "<", "=", ">=", ">"]
OPERATOR_SIGNS = {"<=": "≤", "<": "<", "=": "=", ">=": "≥", ">": ">"}
OPERATOR_WORDS = {"<=": "不应多于", "<": "应少于", "=": "应等于", ">=": "不应少于", ">": "应多于"}
# A custom rule is a line an administrator reads back; a longer message is a paste gone wrong.
MAX_MESSAGE = 200
# Sums of parts are compared after rounding noise: figures are typed to at most a few decimals,
# so a difference below a billionth of their size is arithmetic, not a wrong figure.
_RELATIVE_SLACK = 1e-9

_CODE = r"^[a-z][a-z0-9_]*$"


class CrossCheckError(UserError, ValueError):
    """A refused rule: wrong shape, unknown indicator, duplicate id, or a shipped rule."""


class CrossCheck(BaseModel):
    """One rule. ``right`` is summed, then multiplied by ``factor``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_CODE, max_length=64)
    left: str = Field(pattern=_CODE, max_length=64)
    op: Operator
    right: tuple[str, ...] = Field(min_length=1, max_length=20)
    factor: float = Field(default=1.0, gt=0, le=1e6)
    disaggregation: Literal["total", "female", "male"] = "total"
    severity: Literal["error", "warning"] = "error"
    message: str = Field(default="", max_length=MAX_MESSAGE)

    @field_validator("right")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not re.fullmatch(_CODE, code) or len(code) > 64:
                raise ValueError(f"“{code}”不是指标代码")
        return value

    @field_validator("factor")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("系数应为有限的正数")
        return value

    @property
    def codes(self) -> tuple[str, ...]:
        """Every indicator the rule reads, left first."""
        return (self.left, *self.right)

    def as_record(self) -> dict[str, Any]:
        """The rule as stored in the setting (JSON): defaults left out."""
        record: dict[str, Any] = {"id": self.id, "left": self.left, "op": self.op,
                                  "right": list(self.right)}
        if self.factor != 1.0:
            record["factor"] = self.factor
        if self.disaggregation != "total":
            record["disaggregation"] = self.disaggregation
        record["severity"] = self.severity
        if self.message:
            record["message"] = self.message
        return record


class CrossCheckFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    checks: list[CrossCheck]


# --------------------------------------------------------------------------- the rules


@lru_cache(maxsize=4)
def shipped_cross_checks(directory: Path = CATALOGUE_DIR) -> tuple[CrossCheck, ...]:
    """The rules shipped in resources/catalogue/cross_checks.yaml (validated; read once)."""
    path = directory / CROSS_CHECKS_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    checks = CrossCheckFile.model_validate(raw).checks
    ids = [rule.id for rule in checks]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: 审核公式的 id 重复")
    return tuple(checks)


def validated_rules(value: Any) -> list[dict[str, Any]]:
    """The check of the ``cross_checks`` setting: a list of rules, each as :class:`CrossCheck`
    accepts it, ids unique and different from the shipped ones. Returns what is stored."""
    if not isinstance(value, list):
        raise CrossCheckError("审核公式应为若干条规则的列表。")
    rules: list[CrossCheck] = []
    for position, item in enumerate(value, start=1):
        rules.append(_parsed(item, f"第{position}条审核公式"))
    seen: set[str] = {rule.id for rule in shipped_cross_checks()}
    for rule in rules:
        if rule.id in seen:
            raise CrossCheckError(f"审核公式的编号“{rule.id}”已被使用，请换一个。")
        seen.add(rule.id)
    return [rule.as_record() for rule in rules]


def _parsed(item: Any, where: str) -> CrossCheck:
    if not isinstance(item, dict):
        raise CrossCheckError(f"{where}应为一条记录（对照表）。")
    try:
        return CrossCheck.model_validate(item)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "记录"
        raise CrossCheckError(f"{where}的“{field}”有误：{_plain(first)}") from None


def _plain(problem: Any) -> str:
    """pydantic's reason in the words an administrator would use."""
    kind = problem["type"]
    if kind == "missing":
        return "缺少此项。"
    if kind == "extra_forbidden":
        return ("不认识此项（可用：id、left、op、right、factor、disaggregation、severity、"
                "message）。")
    if kind == "literal_error":
        allowed = problem.get("ctx", {}).get("expected", "")
        return f"只能是 {allowed}。"
    if kind == "string_pattern_mismatch":
        return "应为小写字母开头、由小写字母、数字和下划线组成的代码。"
    if kind in ("greater_than", "less_than_equal", "finite_number", "float_parsing"):
        return "应为大于0的数。"
    if kind == "too_short":
        return "至少要有一个指标。"
    return str(problem.get("msg", "格式不对。"))


def custom_cross_checks(session: Session, plan_code: str | None) -> list[CrossCheck]:
    """The plan's own rules (the ``cross_checks`` setting)."""
    from db.plan_settings import CROSS_CHECKS, setting

    return [CrossCheck.model_validate(record)
            for record in setting(session, plan_code, CROSS_CHECKS)]


def cross_checks_for(session: Session, plan_code: str | None) -> list[CrossCheck]:
    """Every rule a unit of ``plan_code`` is checked with: the shipped ones, then the plan's."""
    return [*shipped_cross_checks(), *custom_cross_checks(session, plan_code)]


def add_cross_check(session: Session, plan_code: str, record: dict[str, Any],
                    by: CurrentUser) -> CrossCheck:
    """Check a new rule against the catalogue and add it to the plan (admin only, audited; the
    caller commits). Without an ``id`` one is made up (``rule_1``, ``rule_2`` …)."""
    from db.plan_settings import CROSS_CHECKS, put_setting, setting

    stored: list[dict[str, Any]] = setting(session, plan_code, CROSS_CHECKS)
    if not record.get("id"):
        taken = {r["id"] for r in stored} | {r.id for r in shipped_cross_checks()}
        number = 1
        while f"rule_{number}" in taken:
            number += 1
        record = {**record, "id": f"rule_{number}"}
    rule = _parsed(record, "审核公式")
    known = set(session.scalars(select(Indicator.code)))
    unknown = [code for code in rule.codes if code not in known]
    if unknown:
        raise CrossCheckError(f"没有这些指标代码：{'、'.join(unknown)}。")
    if rule.left in rule.right:
        raise CrossCheckError("左边的指标不能同时出现在右边。")
    put_setting(session, plan_code, CROSS_CHECKS, [*stored, rule.as_record()], by)
    return rule


def remove_cross_check(session: Session, plan_code: str, rule_id: str,
                       by: CurrentUser) -> None:
    """Remove one of the plan's own rules (admin only, audited; the caller commits)."""
    from db.plan_settings import CROSS_CHECKS, put_setting, setting

    if any(rule.id == rule_id for rule in shipped_cross_checks()):
        raise CrossCheckError(f"“{rule_id}”是软件自带的审核公式，不能删除。")
    stored: list[dict[str, Any]] = setting(session, plan_code, CROSS_CHECKS)
    kept = [record for record in stored if record["id"] != rule_id]
    if len(kept) == len(stored):
        raise CrossCheckError(f"规划 {plan_code} 没有编号为“{rule_id}”的审核公式。")
    put_setting(session, plan_code, CROSS_CHECKS, kept, by)


# --------------------------------------------------------------------------- evaluating


def holds(rule: CrossCheck, left: float, right: Iterable[float]) -> bool:
    """Whether ``left op factor × Σ right`` holds, up to rounding noise.

    ``math.fsum`` is exactly rounded, so the sum does not depend on the order of the parts.
    """
    total = math.fsum(right) * rule.factor
    slack = _RELATIVE_SLACK * max(1.0, abs(left), abs(total))
    if rule.op == "<=":
        return left <= total + slack
    if rule.op == ">=":
        return left >= total - slack
    if rule.op == "=":
        return abs(left - total) <= slack
    if rule.op == "<":
        return left < total - slack
    return left > total + slack


def evaluate(rules: Iterable[CrossCheck], values: Mapping[tuple[str, str], float | None],
             names: Mapping[str, str], touching: Iterable[str] | None = None) -> list[Finding]:
    """The findings of every rule broken by ``values`` (``(code, disaggregation) → figure``).

    ``touching``: judge only the rules that read one of these codes (the figures just changed).
    A rule with a figure missing (or not a number) is not judged. Each finding names the
    rule's left figure; a caller that saves another figure of the rule re-labels it.
    """
    wanted = None if touching is None else set(touching)
    found: list[Finding] = []
    for rule in rules:
        if wanted is not None and wanted.isdisjoint(rule.codes):
            continue
        dis = rule.disaggregation
        left = values.get((rule.left, dis))
        right = [values.get((code, dis)) for code in rule.right]
        if left is None or any(part is None for part in right):
            continue
        parts = [part for part in right if part is not None]
        if holds(rule, left, parts):
            continue
        found.append(Finding(rule.severity, "cross_check", _message(rule, left, parts, names),
                             rule.left, dis))
    return found


def describe(rule: CrossCheck, names: Mapping[str, str]) -> str:
    """The rule in words: "村委会主任数 ≤ 村委会成员数", "合计 = 2 ×（甲 + 乙）"."""
    right = " + ".join(names.get(code, code) for code in rule.right)
    if rule.factor != 1.0:
        right = f"{format_number(rule.factor)} ×（{right}）" if len(rule.right) > 1 \
            else f"{format_number(rule.factor)} × {right}"
    where = "" if rule.disaggregation == "total" else \
        f"（{DISAGGREGATION_LABELS[rule.disaggregation]}）"
    return f"{names.get(rule.left, rule.left)} {OPERATOR_SIGNS[rule.op]} {right}{where}"


def _message(rule: CrossCheck, left: float, right: list[float],
             names: Mapping[str, str]) -> str:
    total = math.fsum(right) * rule.factor
    side = "、".join(f"“{names.get(c, c)}”" for c in rule.right)
    if len(rule.right) > 1:
        side += "之和"
    if rule.factor != 1.0:
        side += f"的{format_number(rule.factor)}倍"
    figures = (f"“{names.get(rule.left, rule.left)}”为 {format_number(left)}，"
               f"{side}为 {format_number(round(total, 6))}")
    reason = rule.message or (f"“{names.get(rule.left, rule.left)}”"
                              f"{OPERATOR_WORDS[rule.op]}{side}。")
    return f"审核公式：{figures}。{reason}"


def indicator_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(Indicator.code, Indicator.name))}
