"""Drafting a plan's catalogue from its text: goals, targets, and every number left to place.

The same wording rules as the shipped catalogue (docs/catalogue.md, db/target_wording.py and
db/plan_draft/clauses.py). A draft proposes; a person reviews (the 导入本地规划 dialog or the
YAML file) before anything is loaded. What the rules cannot place is listed as unresolved —
the drafter prefers leaving a number for the reviewer to a target that could be wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from db.plan_draft.clauses import CLAUSE, Clause, measurable_clauses
from db.plan_text import GoalText, NumberMention, numbers_in
from db.target_wording import comparator_from_wording, kind_from_wording

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

NUMERIC = re.compile(
    r"(?:(?:力争)?到\s*(?P<year>20\d\d)\s*年)?"
    r"(?P<verb>保持并巩固在|达到并保持在|稳定在|保持在|巩固在|提高到|下降到|降低到|控制在|达到|"
    r"不低于|不少于|不高于|超过|总体为|达|为)"
    r"\s*(?P<num>[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*(?P<unit>%|％|‰|/10万活产|/10万|岁|年)?"
    r"(?P<q>以上|以下|左右|以内)?"
)
BASELINE = re.compile(r"在\s*(?P<year>20\d\d)\s*年[^，。；]*?基础上提高\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*%")
RELATIVE = re.compile(r"(?:一般)?(?:不低于|不少于)本地区")
YEAR = re.compile(r"到\s*(20\d\d)\s*年")
MEASURE_WORD = re.compile(r"\s*(名|支|个|所|人)")


@dataclass
class IndicatorMatch:
    indicator: dict[str, Any]
    start: int
    end: int


def alias_spans(alias: str, text: str) -> list[tuple[int, int]]:
    """Where ``alias`` occurs in ``text``; "A…B" allows a short gap (失业保险…参保人数 matches
    "失业保险和工伤保险参保人数")."""
    if "…" not in alias:
        return [(m.start(), m.end()) for m in re.finditer(re.escape(alias), text)]
    head, tail = alias.split("…", 1)
    pattern = re.escape(head) + r"[^。；]{0,16}?" + re.escape(tail)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def find_indicators(text: str, indicators: list[dict[str, Any]]) -> list[IndicatorMatch]:
    """Every indicator ``text`` names, longest alias first, without overlaps, in reading order.

    Two "A…B" aliases may share their tail (失业保险和工伤保险参保人数 names both), so only
    their heads must not overlap.
    """
    found: list[tuple[int, int, int, dict[str, Any]]] = []
    for ind in indicators:
        for alias in ind.get("aliases", []) or [ind["name"]]:
            for start, end in alias_spans(alias, text):
                head_end = start + len(alias.split("…", 1)[0])
                found.append((end - start, start, head_end, ind))
    found.sort(key=lambda f: (-f[0], f[1]))
    chosen: list[IndicatorMatch] = []
    taken: list[tuple[int, int]] = []
    for _, start, head_end, ind in found:
        if any(start < e and s < head_end for s, e in taken):
            continue
        if any(c.indicator["code"] == ind["code"] for c in chosen):
            continue
        taken.append((start, head_end))
        chosen.append(IndicatorMatch(ind, start, head_end))
    return sorted(chosen, key=lambda c: c.start)


def _value(written: str) -> float:
    return float(written.translate(_FULL_WIDTH))


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def unit_of(written: str | None, indicator: dict[str, Any]) -> str:
    return {"%": "%", "％": "%", "‰": "‰", "/10万": "1/10万", "/10万活产": "1/10万活产",
            "岁": "岁", "年": "年"}.get(written or "", indicator["unit"])


@dataclass
class GoalDraft:
    targets: list[dict[str, Any]] = field(default_factory=list)
    non_targets: list[dict[str, str]] = field(default_factory=list)  # why "?": to resolve
    covered: set[int] = field(default_factory=set)  # starts of numbers a target explains


def draft_goal(goal: GoalText, goal_id: str, indicators: list[dict[str, Any]]) -> GoalDraft:
    """The targets the wording rules find in one goal, and the numbers and clauses left over."""
    text = goal.text
    draft = GoalDraft()
    numbers = numbers_in(text)
    previous: tuple[dict[str, Any], int] | None = None  # indicator and where its clause starts
    measurable = measurable_clauses(text)
    handled: set[int] = set()  # starts of measurable clauses a target came from
    for clause in CLAUSE.finditer(text):
        body, offset = clause.group(0), clause.start()
        found = _baseline_targets(text, body, offset, indicators, draft, numbers)
        found = found or _relative_target(body, offset, indicators, draft)
        if not found:
            for m in NUMERIC.finditer(body):
                subject = body[: m.start()]
                matches = find_indicators(subject, indicators)
                start = offset
                if matches:
                    ind = matches[-1].indicator
                    start = offset + matches[-1].start
                    if "分别" in body and len(matches) > 1:
                        for other in matches:
                            _add_numeric(text, other.indicator, offset + other.start, offset,
                                         m, draft, numbers)
                        found = True
                        previous = (ind, start)
                        continue
                elif previous is not None and not find_indicators(subject, indicators) and \
                        not re.search(r"[\u4e00-\u9fff]{6,}", re.sub(r"^(?:力争)?到\s*20\d\d\s*年", "",
                                                                   subject.strip())):
                    ind, start = previous
                else:
                    continue
                _add_numeric(text, ind, start, offset, m, draft, numbers)
                previous = (ind, start)
                found = True
        if found:
            handled.update(c.start for c in measurable if c.overlaps(offset, clause.end()))
    for item in measurable:
        if item.start in handled:
            continue
        if _clause_target(text, item, indicators, draft, numbers):
            handled.add(item.start)
        else:
            draft.non_targets.append({"text": item.text, "why": "?"})
    for n in numbers:
        if n.start not in draft.covered:
            draft.non_targets.append({"text": n.text, "why": "?"})
    for i, target in enumerate(draft.targets, 1):
        draft.targets[i - 1] = {"id": f"{goal_id}-{i}", **target}
    return draft


def _cover(draft: GoalDraft, numbers: list[NumberMention], start: int, end: int) -> None:
    draft.covered.update(n.start for n in numbers if start <= n.start < end)


def _add_numeric(text: str, ind: dict[str, Any], start: int, offset: int, m: re.Match[str],
                 draft: GoalDraft, numbers: list[NumberMention]) -> None:
    end = offset + m.end()
    value = _value(m.group("num"))
    unit = unit_of(m.group("unit"), ind)
    comparator = comparator_from_wording(m.group(0), ind["direction"])
    year = m.group("year")
    if year is None:
        # "到2025年，…达到" puts the deadline before the subject.
        before = YEAR.search(text[start:offset + m.start()])
        year = before.group(1) if before else None
    target: dict[str, Any] = {
        "indicator": ind["code"],
        "kind": kind_from_wording(m.group(0), comparator, value, unit),
        "comparator": comparator, "value": _plain(value), "unit": unit,
    }
    if year:
        target["year"] = int(year)
    if comparator == "approx":
        target["tolerance"] = 2
    source_start = start if not (year and m.group("year") is None) else min(
        start, offset + (YEAR.search(text[offset:end]) or m).start())
    target["source"] = text[source_start:end]
    draft.targets.append(target)
    _cover(draft, numbers, source_start, end)


def _baseline_targets(text: str, body: str, offset: int, indicators: list[dict[str, Any]],
                      draft: GoalDraft, numbers: list[NumberMention]) -> bool:
    """到2025年和2030年，X分别在2019年和2022年基础上提高10% → one target per pair."""
    m = re.search(r"在\s*(20\d\d)\s*年(?:和\s*(20\d\d)\s*年)?基础上提高\s*([0-9]+(?:\.[0-9]+)?)\s*%",
                  body)
    if not m:
        return False
    matches = find_indicators(body[: m.start()], indicators)
    if not matches:
        return False
    deadlines = [int(y) for y in re.findall(r"(20\d\d)\s*年", text[:offset + m.start()])
                 [-2 if m.group(2) else -1:]]
    # The deadlines stand before the clause: "到2025年和2030年，营养健康知识知晓率分别…".
    lead = text.rfind("到", 0, offset)
    source_start = lead if lead >= 0 and offset - lead < 20 else offset
    bases = [int(m.group(1))] + ([int(m.group(2))] if m.group(2) else [])
    source = text[source_start: offset + m.end()]
    for i, base in enumerate(bases):
        target = {"indicator": matches[-1].indicator["code"], "kind": "baseline_relative",
                  "comparator": ">=", "value": _plain(float(m.group(3))), "unit": "%"}
        if i < len(deadlines) and len(deadlines) == len(bases) + (len(deadlines) - len(bases)):
            target["year"] = deadlines[i] if len(deadlines) == len(bases) else None
        target["baseline_year"] = base
        target = {k: v for k, v in target.items() if v is not None}
        target["source"] = source
        draft.targets.append(target)
    _cover(draft, numbers, source_start, offset + m.end())
    return True


def _relative_target(body: str, offset: int, indicators: list[dict[str, Any]],
                     draft: GoalDraft) -> bool:
    """女代表比例一般不低于本地区女党员占党员总数的比例 → relative to the other indicator."""
    m = RELATIVE.search(body)
    if not m:
        return False
    mine = find_indicators(body[: m.start()], indicators)
    other = find_indicators(body[m.start():], indicators)
    if not mine or not other:
        return False
    draft.targets.append({"indicator": mine[-1].indicator["code"], "kind": "relative",
                          "comparator": ">=", "value": None,
                          "relative_to": other[0].indicator["code"], "source": body})
    return True


def _clause_target(text: str, clause: Clause, indicators: list[dict[str, Any]],
                   draft: GoalDraft, numbers: list[NumberMention]) -> bool:
    matches = find_indicators(clause.text, indicators)
    if not matches:
        return False
    if clause.kind == "trend":
        for match in matches:
            target: dict[str, Any] = {"indicator": match.indicator["code"], "kind": "trend",
                                      "comparator": "<" if clause.direction == "<" else ">",
                                      "value": None}
            if clause.direction == "change":
                target.update(comparator="<", measure="change")
            target["source"] = clause.text
            draft.targets.append(target)
        return True
    if clause.kind == "coverage":
        ind = matches[-1].indicator
        draft.targets.append({"indicator": ind["code"], "kind": "coverage", "comparator": ">=",
                              "value": 100, "unit": "%", "source": clause.text})
        return True
    # per_unit: "每个行政村建立一支以上…", "至少配备1名女干部"
    inside = [n for n in numbers if clause.start <= n.start < clause.end]
    if len(inside) != 1:
        return False
    number = inside[0]
    word = MEASURE_WORD.match(text, number.end)
    ind = matches[-1].indicator
    level = "team" if "各" in clause.text and "班子" in clause.text else "township"
    draft.targets.append({"indicator": ind["code"], "kind": "per_unit",
                          "comparator": comparator_from_wording(clause.text, "higher"),
                          "value": _plain(number.value),
                          "unit": word.group(1) if word else ind["unit"],
                          "per_unit_level": level, "source": clause.text})
    _cover(draft, numbers, clause.start, clause.end)
    return True
