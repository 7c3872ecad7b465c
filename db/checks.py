"""Checks on entered figures. They return findings; they never raise for bad input.

A finding is an error (the figure cannot be right: a percentage of 130, a fraction of a
person, more women than people) or a warning (the figure may be right but needs a word of
explanation: an unusual jump from last year). Errors block saving or submission; a warning
blocks submission only until the figure has a comment (备注), like a follow-up flag.
The GUI and the CLI display findings; they do not compute them.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DataValue, Indicator
from db.numbers import sample_stdev

Severity = Literal["error", "warning"]
DISAGGREGATION_LABELS = {"total": "合计", "female": "女性", "male": "男性"}

# Gross ratios count pupils of any age against the population of the official age, so they
# legitimately exceed 100% (over-age and in-migrant pupils); a retention rate does too when
# pupils move in. Above 100 is therefore a warning asking for a comment, not an error.
MAY_EXCEED_100 = frozenset({
    "preschool_gross_enrolment",
    "high_school_gross_enrolment",
    "compulsory_education_retention",
})

# Above this a gross ratio is no longer over-age pupils but a wrong figure (an error).
MAY_EXCEED_100_LIMIT = 300.0
# Counts (people, cases, institutions) of the largest jurisdiction this app serves — a city —
# stay below a hundred million; a larger count is a typing or unit mistake, and a count near
# the float limit (1e308) would make every sum and pooled rate infinite.
MAX_COUNT = 100_000_000.0
# Directly entered figures in units of their own: life expectancy in years of age, years of
# schooling. Any other unit is bounded by MAX_COUNT.
UNIT_LIMITS = {"岁": 150.0, "年": 30.0}

# A comment explains a figure in a sentence or two; a longer text is a paste gone wrong, and
# a 10 MB comment would reach the county as an oversized sync file.
MAX_COMMENT = 1000
# Control characters (other than tab and line break) have no place in a comment: a workbook
# cannot hold them, and they hide text from the reader.
_COMMENT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# A year-on-year change is "unusual" outside mean ± JUMP_SIGMAS · stdev of the earlier changes.
JUMP_SIGMAS = 3.0
# Earlier years needed before the band is trusted; with fewer, a plain relative change is used.
JUMP_MIN_HISTORY = 3
# With a short history, a change of more than this share of last year's value asks for a comment.
JUMP_RELATIVE_LIMIT = 0.5
# A perfectly flat series has stdev 0, which would flag every tiny change; the spread is
# assumed to be at least this share of the series' mean level.
JUMP_STDEV_FLOOR = 0.05

# Cells that mean "no figure" in the forms clerks copy from (Excel, Word tables).
_EMPTY_MARKERS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "－"})
# ASCII digits only: NFKC has already turned full-width digits into them, and a digit from
# another script in a Chinese form is more likely a stray character than a figure.
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


@dataclass(frozen=True)
class Finding:
    """One problem with one figure: ``field`` is the indicator code where there is one."""

    severity: Severity
    code: str
    message: str
    field: str | None = None
    # Which breakdown of the figure (total/female/male/age group) the finding is about.
    disaggregation: str | None = None


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def format_number(value: float) -> str:
    """A figure as a clerk would write it: no trailing zeros, no exponent for normal sizes."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def parse_number(raw: str | float | int | None) -> tuple[float | None, list[Finding]]:
    """Read a figure as typed or pasted: ``(value, findings)``; ``(None, [])`` means no figure.

    Accepts full-width digits and points (１２．５, NFKC), surrounding spaces, thousands
    separators in the right places (1,234), and a trailing percent sign (12.5%), which is
    dropped: the indicator's unit already says it is a percentage. A comma in the wrong place
    (12,5) is refused rather than guessed, since reading it as 125 would be a silent error.
    """
    if raw is None:
        return None, []
    if isinstance(raw, bool):  # bool is an int subclass, but True is not a figure
        return None, [_not_a_number(str(raw))]
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an int too large for a float
            value = math.inf
        if not math.isfinite(value):
            return None, [_not_finite(str(raw))]
        return value, []
    if not isinstance(raw, str):
        return None, [_not_a_number(repr(raw))]

    if raw.isascii():  # its own NFKC form, and no dash to replace
        text = raw.strip()
    else:
        text = unicodedata.normalize("NFKC", raw).strip()
        # NFKC leaves the mathematical minus and some dashes alone; clerks paste them from Word.
        text = text.replace("\u2212", "-").replace("\ufe63", "-")
    if text in _EMPTY_MARKERS:
        return None, []
    if text.endswith("%"):
        text = text[:-1].rstrip()
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None, [_not_a_number(raw.strip())]
    value = float(text)
    if not math.isfinite(value):
        return None, [_not_finite(raw.strip())]
    return value, []


def _not_a_number(shown: str) -> Finding:
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    if "," in shown or "，" in shown:
        return Finding("error", "not_a_number",
                       f"“{shown}”不是数字：千位分隔符的位置不对，或误用逗号作小数点。")
    return Finding("error", "not_a_number", f"“{shown}”不是数字。")


def _not_finite(shown: str) -> Finding:
    return Finding("error", "not_finite", f"“{shown}”不是有效的数值。")


def allowed_disaggregations(indicator: Indicator) -> set[str]:
    """The breakdowns a figure of ``indicator`` may carry: always the total, by sex where the
    catalogue asks for it, and any age group it lists."""
    allowed = {"total"}
    for item in indicator.disaggregation or []:
        if item == "sex":
            allowed |= {"female", "male"}
        else:
            allowed.add(item)
    return allowed


# (code, kind, unit, breakdowns) → (breakdowns allowed, largest figure drawing no finding)
_QUIET: dict[tuple[str, str, str, tuple[str, ...]], tuple[set[str], float]] = {}


def quiet_range(indicator: Indicator) -> tuple[str, set[str], float]:
    """The kind, the breakdowns allowed and the largest figure :func:`check_value` says nothing
    about, worked out once per indicator (keyed by what they depend on)."""
    kind, unit = indicator.kind, indicator.unit
    key = (indicator.code, kind, unit, tuple(indicator.disaggregation or ()))
    found = _QUIET.get(key)
    if found is None:
        if unit == "%":
            quiet = 100.0
        elif unit == "‰":
            quiet = 1000.0
        elif unit.startswith("1/10万"):
            quiet = 100_000.0
        else:
            quiet = upper_bound(indicator)
        found = _QUIET[key] = (allowed_disaggregations(indicator), quiet)
    return kind, found[0], found[1]


def check_value(indicator: Indicator, value: float, disaggregation: str = "total") -> list[Finding]:
    """Checks a single figure can fail on its own, whatever the other figures are."""
    kind, allowed, quiet = quiet_range(indicator)
    # The usual figure, in range: nothing to say (an import checks 100 000s of figures).
    if 0 <= value <= quiet and disaggregation in allowed and (kind != "count"
                                                              or value == int(value)):
        return []
    code = indicator.code
    found: list[Finding] = []

    def add(severity: Severity, check: str, message: str) -> None:
        found.append(Finding(severity, check, message, code, disaggregation))

    name = _label(indicator, disaggregation)
    if disaggregation not in allowed_disaggregations(indicator):
        add("error", "disaggregation_not_allowed",
            f"“{indicator.name}”不按“{DISAGGREGATION_LABELS.get(disaggregation, disaggregation)}”"
            "分别填报，请填合计。")
    if not math.isfinite(value):
        add("error", "not_finite", f"{name}：“{value}”不是有效的数值。")
        return found
    if value < 0:
        add("error", "negative", f"{name}不能为负数（填的是 {format_number(value)}）。")
    if indicator.kind == "count" and value != int(value):
        add("error", "not_whole",
            f"{name}是人数或个数，应为整数（填的是 {format_number(value)}）。")
    unit = indicator.unit
    upper = upper_bound(indicator)

    def implausible() -> str:  # worded only when needed: an import checks 100 000s of figures
        return (f"{name}为 {format_number(value)}{unit}，超出合理范围（最大 "
                f"{format_number(upper)}），请核对数值和单位。")

    if unit == "%":
        if value > 100:
            if code in MAY_EXCEED_100 and value > upper:
                add("error", "implausible", implausible())
            elif code in MAY_EXCEED_100:
                add("warning", "percent_above_100",
                    f"{name}为 {format_number(value)}%，超过100%。毛入学（园）率和巩固率可能超过"
                    "100%，请在备注中说明原因。")
            else:
                add("error", "percent_out_of_range",
                    f"{name}是百分比，应在0—100之间（填的是 {format_number(value)}）。")
    elif unit == "‰":
        if value > 1000:
            add("error", "permille_out_of_range",
                f"{name}是千分比，应在0—1000之间（填的是 {format_number(value)}）。")
    elif unit.startswith("1/10万"):
        if value > 100_000:
            add("error", "ratio_out_of_range",
                f"{name}以每10万计，不能超过100000（填的是 {format_number(value)}）。")
    elif value > upper:
        add("error", "implausible", implausible())
    return found


def clean_comment(text: str) -> tuple[str, list[Finding]]:
    """A comment as it is stored: line breaks as ``\\n``, control characters removed (with a
    warning saying so), and an error for one longer than MAX_COMMENT characters."""
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    found: list[Finding] = []
    if has_control_characters(cleaned):
        cleaned = _COMMENT_CONTROL.sub("", cleaned)
        found.append(Finding("warning", "comment_control_characters",
                             "备注中有看不见的控制字符，已删除。"))
    if len(cleaned) > MAX_COMMENT:
        found.append(Finding("error", "comment_too_long",
                             f"备注有 {len(cleaned)} 个字，超过 {MAX_COMMENT} 字的上限，请缩短。"))
    return cleaned, found


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character :func:`clean_comment` removes."""
    return _COMMENT_CONTROL.search(text) is not None


def upper_bound(indicator: Indicator) -> float:
    """The largest plausible figure of ``indicator``: a rate by its factor (100 for a
    percentage, except gross ratios up to MAY_EXCEED_100_LIMIT; 1000 ‰; 100000 per 10万), a
    count by a population's order of magnitude (MAX_COUNT), a direct figure by its unit."""
    unit = indicator.unit
    if indicator.kind == "count":
        return MAX_COUNT
    if unit == "%":
        return MAY_EXCEED_100_LIMIT if indicator.code in MAY_EXCEED_100 else 100.0
    if unit == "‰":
        return 1000.0
    if unit.startswith("1/10万"):
        return 100_000.0
    return UNIT_LIMITS.get(unit, MAX_COUNT)


def _label(indicator: Indicator, disaggregation: str | None) -> str:
    if disaggregation in (None, "total"):
        return f"“{indicator.name}”"
    return f"“{indicator.name}”（{DISAGGREGATION_LABELS.get(disaggregation, disaggregation)}）"


def check_consistency(
    indicators: Mapping[str, Indicator], values: Mapping[tuple[str, str], float]
) -> list[Finding]:
    """Checks between the figures of one unit and year, keyed ``(code, disaggregation)``.

    A rate's numerator may not exceed its denominator (more deaths than live births), and a
    part may not exceed its whole (more women than members). Percentages by sex are not
    compared with their total: girls' enrolment may well be above the overall rate.
    """
    found: list[Finding] = []
    reported: set[tuple[str, str, str]] = set()
    for indicator in indicators.values():
        if indicator.kind != "rate" or not indicator.numerator or not indicator.denominator:
            continue
        numerator = indicators.get(indicator.numerator)
        denominator = indicators.get(indicator.denominator)
        if numerator is None or denominator is None:
            continue
        for (code, dis), top in values.items():
            if code != numerator.code:
                continue
            bottom = values.get((denominator.code, dis))
            key = (numerator.code, denominator.code, dis)
            if bottom is None or top <= bottom or key in reported:
                continue
            reported.add(key)
            if numerator.code == f"{denominator.code}_female":
                found.append(Finding(
                    "error", "female_above_total",
                    f"{_label(numerator, dis)}（{format_number(top)}）不能多于"
                    f"{_label(denominator, dis)}（{format_number(bottom)}）。",
                    numerator.code, dis))
            else:
                found.append(Finding(
                    "error", "numerator_above_denominator",
                    f"{_label(numerator, dis)}（{format_number(top)}）不能多于"
                    f"{_label(denominator, dis)}（{format_number(bottom)}），"
                    f"否则“{indicator.name}”会超出合理范围。",
                    numerator.code, dis))
    for (code, dis), part in values.items():
        count = indicators.get(code)
        if count is None or count.kind != "count" or dis not in ("female", "male"):
            continue
        total = values.get((code, "total"))
        if total is not None and part > total:
            found.append(Finding(
                "error", f"{dis}_above_total",
                f"{_label(count, dis)}（{format_number(part)}）不能多于合计"
                f"（{format_number(total)}）。",
                code, dis))
    return found


def jump_finding(history: Mapping[int, float], year: int, value: float) -> Finding | None:
    """A warning if ``value`` for ``year`` jumps unusually against the earlier years.

    With at least three earlier years, the change from the previous year is unusual outside
    mean ± 3·stdev of the earlier year-on-year changes (the spread taken as at least 5% of the
    series' level); with one or two earlier years, a change of more than 50% is. Years in
    ``history`` from ``year`` on are ignored, so the GUI can pass the whole series as the
    clerk types. The finding has no ``field``: the caller knows which figure it is about.
    """
    # The earlier years' figures in year order, built without a tuple per year: an import
    # asks this of every figure it reads.
    values: list[float] = []
    previous_year = 0
    for y in sorted(history):
        if y >= year:
            break
        v = history[y]
        if v is not None and math.isfinite(v):
            values.append(v)
            previous_year = y
    if not values or not math.isfinite(value):
        return None
    previous = values[-1]
    change = value - previous

    def shown() -> str:  # worded only for a jump: an import checks 100 000s of figures
        return f"{previous_year}年为 {format_number(previous)}，{year}年为 {format_number(value)}"

    if len(values) >= JUMP_MIN_HISTORY:
        changes = list(map(operator.sub, values[1:], values))
        # statistics.fmean is fsum / n; written out, as an import checks 100 000s of figures.
        centre = math.fsum(changes) / len(changes)
        floor = JUMP_STDEV_FLOOR * abs(math.fsum(values) / len(values))
        if centre - JUMP_SIGMAS * floor <= change <= centre + JUMP_SIGMAS * floor:
            return None  # within the floor, so within any larger spread: no deviation needed
        spread = max(sample_stdev(changes), floor)
        low, high = centre - JUMP_SIGMAS * spread, centre + JUMP_SIGMAS * spread
        if low <= change <= high:
            return None
        return Finding(
            "warning", "unusual_jump",
            f"{shown()}，变化 {_signed(change)}；按往年的年度变化，本年通常应在 "
            f"{_rounded(previous + low)}—{_rounded(previous + high)} 之间，"
            "请在备注中说明原因。")
    if previous == 0:
        if value == 0:
            return None
    elif abs(change) <= JUMP_RELATIVE_LIMIT * abs(previous):
        return None
    percent = "" if previous == 0 else f"（{_signed(change / abs(previous) * 100)}%）"
    return Finding(
        "warning", "unusual_jump",
        f"{shown()}，变化 {_signed(change)}{percent}，幅度超过50%，请在备注中说明原因。")


# The township rule's threshold when a plan sets none (db/plan_settings.py ``yoy_threshold``).
YOY_DEFAULT_THRESHOLD = 0.30
# A change exactly at the threshold is within it ("超过30%" means more than): the share is
# compared after rounding away arithmetic noise (0.13 / 0.1 − 1 is 0.30000000000000004).
_YOY_SLACK = 1e-9


def yoy_finding(history: Mapping[int, float], year: int, value: float,
                threshold: float = YOY_DEFAULT_THRESHOLD) -> Finding | None:
    """A warning if ``value`` changed on last year's figure by more than ``threshold`` (a share:
    0.3 is 30%): the statistics offices' rule that such a change needs a written reason (备注).

    Only the figure of ``year - 1`` counts (同比, not the last year that has one); a change from
    0 has no percentage and is left to :func:`jump_finding`. No ``field``, as there.
    """
    previous = history.get(year - 1)
    # None: a figure that is not a number (无数据, 不适用 …) has no change to speak of.
    if previous is None or previous == 0 or value is None or not math.isfinite(value) \
            or not math.isfinite(previous):
        return None
    share = (value - previous) / abs(previous)
    if abs(share) <= threshold + _YOY_SLACK:
        return None
    way = "增长" if share > 0 else "下降"
    return Finding(
        "warning", "yoy_change",
        f"{year - 1}年为 {format_number(previous)}，{year}年为 {format_number(value)}，"
        f"比上年{way}{abs(share) * 100:.1f}%，超过{format_number(round(threshold * 100, 2))}%，"
        "请在备注中说明原因。")


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _rounded(value)


def _rounded(value: float) -> str:
    # Two decimals are finer than any figure in the plans (rates are given to one decimal).
    return format_number(round(value, 2))


def check_unit_year(session: Session, unit_code: str, year: int) -> list[Finding]:
    """Every check on one unit's figures for one year, each finding naming its indicator.

    Run before submission: errors block it; warnings block it until their figure has a comment.
    """
    # 不适用 (and 待核实 without a value) has no number to check (db/value_kinds.py).
    rows = list(session.scalars(
        select(DataValue).where(DataValue.unit_code == unit_code, DataValue.year <= year,
                                DataValue.value.is_not(None))
    ))
    if not any(row.year == year for row in rows):
        return []
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    current = {(r.indicator_code, r.disaggregation): r.value for r in rows
               if r.year == year and r.value is not None}
    series: dict[tuple[str, str], dict[int, float]] = {}
    for row in rows:
        if row.value is not None:
            series.setdefault((row.indicator_code, row.disaggregation), {})[row.year] = row.value

    found: list[Finding] = []
    for (code, dis), value in sorted(current.items()):
        indicator = indicators.get(code)
        if indicator is not None:
            found.extend(check_value(indicator, value, dis))
    found.extend(check_consistency(indicators, current))
    from db.plan_checks import checks_for_unit  # it builds on this module

    plan_checks = checks_for_unit(session, unit_code)
    found.extend(plan_checks.cross(current))
    for (code, dis), value in sorted(current.items()):
        yoy = plan_checks.yoy(series[(code, dis)], year, value, code, dis)
        if yoy is not None:
            found.append(yoy)
        jump = jump_finding(series[(code, dis)], year, value)
        if jump is not None:
            indicator = indicators.get(code)
            prefix = f"{_label(indicator, dis)}：" if indicator is not None else ""
            found.append(replace(jump, message=prefix + jump.message, field=code,
                                 disaggregation=dis))
    return found
