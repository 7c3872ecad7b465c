"""How a plan's wording of a target maps to a comparison, kind and unit.

The one place that knows Civil Code art. 1259: "民法所称的'以上'、'以下'、'以内'、'届满'，
包括本数；所称的'不满'、'超过'、'以外'，不包括本数。" So "2%以下" means ≤ 2 and "超过30%"
means > 30. The drafting tool uses these rules to propose targets, and the tests use them to
check that every target in the reviewed catalogue says what its clause says.
"""

from __future__ import annotations

import re

COMPARATORS = (">=", "<=", ">", "<", "=", "approx")
KINDS = (
    "threshold",  # 到2025年控制在10.5/10万以下 — reached by a deadline (null: the plan's end)
    "maintain",  # 保持在90%以上, 稳定在95%以上 — must hold in every monitored year
    "approx",  # 保持在40%左右 — within a tolerance of the value
    "coverage",  # 全覆盖, 达到100%
    "trend",  # 逐步提高, 明显降低, 上升趋势减缓
    "relative",  # 不低于本地区女党员占党员总数的比例
    "baseline_relative",  # 在2019年基础上提高10%
    "per_unit",  # 每个镇至少1名女干部 — every unit of a level checked
)

# Verbs after which the figure must hold every year rather than be reached once.
# "不少于/至少配备/应保证" state a floor that must never be crossed (女干部均不少于20%), and
# "在不低于98%基础上" keeps a level while reaching further.
MAINTAIN_VERBS = ("保持在", "稳定在", "巩固在", "保持并巩固在", "达到并保持在", "不少于",
                  "至少配备", "保证", "在不低于")


def comparator_from_wording(clause: str, direction: str) -> str:
    """The comparison a clause states about its number.

    ``direction`` ("higher" or "lower") decides a bare "达到X%", which the plans use for
    "at least X" when higher is better (DOMAIN.md) and "at most X" when lower is better.
    """
    if "左右" in clause:
        return "approx"
    # Exclusive words first: "不满"/"超过" exclude the number itself (art. 1259).
    if re.search(r"超过[0-9０-９]", clause):
        return ">"
    if re.search(r"不满[0-9０-９]", clause):
        return "<"
    if re.search(r"不低于|不少于|至少|以上", clause):
        return ">="
    if re.search(r"不高于|不超过|以下|以内", clause):
        return "<="
    return ">=" if direction == "higher" else "<="


def holds(value: float, comparator: str, bound: float, tolerance: float = 0.0) -> bool:
    """Whether ``value`` satisfies ``comparator bound`` (approx: within ± tolerance).

    A rate computed from counts (21 / 200 000 × 100 000) or a bound computed from a baseline
    (50 × 1.1) carries binary rounding noise; a figure equal to the bound up to that noise is
    the bound itself, so "以上/以下" accept it and "超过/不满" refuse it.
    """
    same = _same(value, bound)
    if comparator == ">=":
        return value >= bound or same
    if comparator == "<=":
        return value <= bound or same
    if comparator == ">":
        return value > bound and not same
    if comparator == "<":
        return value < bound and not same
    if comparator == "=":
        return same
    if comparator == "approx":
        return abs(value - bound) <= tolerance or _same(abs(value - bound), tolerance)
    raise ValueError(f"unknown comparator {comparator!r}")


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def kind_from_wording(clause: str, comparator: str, value: float | None, unit: str | None) -> str:
    """The target kind a clause with a number states (trend, relative … are set by hand)."""
    if comparator == "approx":
        return "approx"
    if value == 100 and unit == "%":
        return "coverage"
    if any(verb in clause for verb in MAINTAIN_VERBS):
        return "maintain"
    return "threshold"
