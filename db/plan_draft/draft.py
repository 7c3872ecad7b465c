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

from db.plan_draft.clauses import CLAUSE, QUANTITY, Clause, measurable_clauses
from db.plan_text import GoalText, NumberMention, numbers_in
from db.target_wording import comparator_from_wording, kind_from_wording

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

NUMERIC = re.compile(
    r"(?:(?:力争)?到\s*(?P<year>20\d\d)\s*年)?"
    r"(?P<verb>保持并巩固在|达到并保持在|稳定在|保持在|巩固在|提高到|下降到|降低到|控制在|达到|"
    r"不低于|不少于|不高于|超过|总体为|至少配备|保证|实现|达|为|(?<=率))"
    r"\s*(?P<num>[0-9０-９]+(?:[.．][0-9０-９]+)?(?:/2(?![0-9万]))?|一半)"
    r"\s*(?P<unit>%|％|‰|/10万活产|/10万|岁|年|名|人)?(?P<q>以上|以下|左右|以内)?"
)
# 设立１个以上家庭暴力庇护场所, 建设1所标准化妇幼保健机构: the count before what is counted.
COUNT_FIRST = re.compile(r"(?P<verb>设立|建设|建立|建成)\s*(?P<num>[0-9０-９]+)\s*"
                         r"(?P<unit>个|所|家)"
                         r"(?P<q>以上)?")
RELATIVE = re.compile(r"(?:一般)?(?:不低于|不少于)本地区")
YEAR = re.compile(r"到\s*(20\d\d)\s*年")
MEASURE_WORD = re.compile(r"\s*(名|支|个|所|人)")


@dataclass
class IndicatorMatch:
    indicator: dict[str, Any]
    start: int
    end: int  # of the alias's head: what must not be named twice
    stop: int = 0  # of the whole alias


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
    found: list[tuple[int, int, int, int, dict[str, Any]]] = []
    for ind in indicators:
        for alias in ind.get("aliases", []) or [ind["name"]]:
            head, _, tail = alias.partition("…")
            for start, end in alias_spans(alias, text):
                if tail:
                    head_end, tail_start = start + len(head), end - len(tail)
                else:
                    head_end, tail_start = end, start
                found.append((end - start, start, head_end, tail_start, ind))
    found.sort(key=lambda f: (-f[0], f[1]))
    chosen: list[IndicatorMatch] = []
    taken: list[tuple[int, int, int, int]] = []  # start, head end, tail start, end
    for length, start, head_end, tail_start, ind in found:
        end = start + length
        if any(c.indicator["code"] == ind["code"] for c in chosen):
            continue
        if any(_conflict((start, head_end, tail_start, end), other) for other in taken):
            continue
        taken.append((start, head_end, tail_start, end))
        chosen.append(IndicatorMatch(ind, start, head_end, end))
    return sorted(chosen, key=lambda c: c.start)


def _conflict(one: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> bool:
    """Two matches name the same words: their heads overlap, unless both are "A…B" aliases
    whose tails differ (刑事案件…破案率 and 刑事案件…结案率 share 刑事案件)."""
    heads = one[0] < other[1] and other[0] < one[1]
    gapped = one[1] < one[3] and other[1] < other[3]
    if heads and gapped:
        return one[2] < other[3] and other[2] < one[3]
    return heads


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
    placed: list[tuple[dict[str, Any], int, int]] = field(default_factory=list)  # ind, span


def draft_goal(goal: GoalText, goal_id: str, indicators: list[dict[str, Any]]) -> GoalDraft:
    """The targets the wording rules find in one goal, and the numbers and clauses left over."""
    text = goal.text
    draft = GoalDraft()
    numbers = numbers_in(text)
    measurable = measurable_clauses(text)
    per_unit = {c.start for c in measurable if c.kind == "per_unit"}
    handled: set[int] = set()  # starts of clauses a target came from
    previous: tuple[dict[str, Any], int] | None = None  # this sentence's last indicator
    for clause in CLAUSE.finditer(text):
        body, offset = clause.group(0), clause.start()
        if offset > 0 and text[offset - 1] == "。":
            previous = None
        if offset in per_unit:
            continue
        found = (_baseline_targets(text, body, offset, indicators, draft, numbers)
                 or _relative_target(body, offset, indicators, draft)
                 or _count_first_target(text, body, offset, indicators, draft, numbers))
        for m in ([] if found else NUMERIC.finditer(body)):
            subject = body[: m.start()]
            matches = find_indicators(subject, indicators)
            if matches and "分别" in body and len(matches) > 1:
                for match in matches:
                    _add_numeric(text, match.indicator, offset + match.start, offset, m, draft,
                                 numbers)
                previous, found = (matches[-1].indicator, offset + matches[-1].start), True
                continue
            if matches:
                ind, start = matches[-1].indicator, offset + matches[-1].start
            elif previous is not None and _bare(subject):
                ind, start = previous
            else:
                earlier = _earlier_subject(text, offset, indicators, handled)
                if earlier is not None and _bare(subject):
                    ind, start = earlier
                else:
                    proposed = propose_indicator(subject, m, goal.domain, indicators)
                    if proposed is None:
                        continue
                    ind, start = proposed, offset + body.find(proposed["name"])
            _add_numeric(text, ind, start, offset, m, draft, numbers)
            previous, found = (ind, start), True
        if found:
            handled.add(offset)
            handled.update(c.start for c in measurable if c.overlaps(offset, clause.end()))
    for item in measurable:
        if item.start in handled:
            continue
        if _clause_target(text, item, indicators, draft, numbers,
                          previous_of(draft, item, text)):
            handled.add(item.start)
        else:
            draft.non_targets.append({"text": item.text, "why": "?"})
    for n in numbers:
        if n.start not in draft.covered:
            draft.non_targets.append({"text": n.text, "why": "?"})
    for i, target in enumerate(draft.targets, 1):
        draft.targets[i - 1] = {"id": f"{goal_id}-{i}", **target}
    return draft


# Words before a subject that name where, not what: "全县", "县级", "到2025年".
_LEADING = re.compile(r"^(?:(?:力争)?到\s*20\d\d\s*年)?(?:全[县市区镇]|[县市区镇乡]级?|各级)?")


def propose_indicator(subject: str, m: re.Match[str], domain: str,
                      indicators: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A new indicator for a number whose subject names a quantity no indicator matches.

    It is added to ``indicators`` (so the next clause naming it finds it) with
    ``proposed: true``: the reviewer confirms, renames or replaces it, and explains it.
    """
    name = _LEADING.sub("", subject.strip()).strip("，、 ")
    if len(name) < 3 or not QUANTITY.search(name[-6:]):
        return None
    lower = (m.group("verb") in ("下降到", "降低到", "控制在", "不高于")
             or m.group("q") in ("以下", "以内"))
    written = m.group("unit")
    number = sum(1 for i in indicators if i.get("proposed")) + 1
    entry = {"code": f"proposed_{number}", "name": name, "domain": domain or "health",
             "kind": "direct", "unit": unit_of(written, {"unit": "%"}),
             "direction": "lower" if lower else "higher", "collected_at": "county",
             "aliases": [name], "proposed": True}
    indicators.append(entry)
    return entry


def _bare(subject: str) -> bool:
    """A subject that names nothing of its own: "到2030年", "力争", "其中", "女干部均"."""
    rest = re.sub(r"^(?:力争)?(?:到\s*20\d\d\s*年)?", "", subject.strip())
    return len(rest) <= 4


def _earlier_subject(text: str, offset: int, indicators: list[dict[str, Any]],
                     handled: set[int]) -> tuple[dict[str, Any], int] | None:
    """The indicator named by an earlier clause of the same sentence that stated no target of
    its own: "区党政工作部门，保证1/2以上的领导班子配备女干部"."""
    sentence = text.rfind("。", 0, offset) + 1
    for m in reversed(list(CLAUSE.finditer(text[sentence:offset]))):
        start = sentence + m.start()
        if start in handled:
            return None
        matches = find_indicators(m.group(0), indicators)
        if matches:
            return matches[-1].indicator, start + matches[-1].start
    return None


def previous_of(draft: GoalDraft, clause: Clause, text: str) -> dict[str, Any] | None:
    """The indicator of the target stated just before ``clause`` in its sentence, if any."""
    sentence = text.rfind("。", 0, clause.start) + 1
    before = [(end, ind) for ind, start, end in draft.placed
              if sentence <= start and end <= clause.start]
    return max(before, key=lambda b: b[0])[1] if before else None


def _cover(draft: GoalDraft, numbers: list[NumberMention], start: int, end: int) -> None:
    draft.covered.update(n.start for n in numbers if start <= n.start < end)


def _place(draft: GoalDraft, ind: dict[str, Any], target: dict[str, Any], text: str, start: int,
           end: int, numbers: list[NumberMention]) -> None:
    target["source"] = text[start:end]
    draft.targets.append(target)
    draft.placed.append((ind, start, end))
    _cover(draft, numbers, start, end)


def _add_numeric(text: str, ind: dict[str, Any], start: int, offset: int, m: re.Match[str],
                 draft: GoalDraft, numbers: list[NumberMention]) -> None:
    end = offset + m.end()
    written = m.group("num")
    unit = unit_of(m.group("unit"), ind)
    if written == "一半" or written.endswith("/2"):  # 保证1/2以上, 一半以上: a share of 50 %
        value, unit = 50.0, "%"
    else:
        value = _value(written)
    # "在不低于98%基础上": the word before the verb belongs to the wording.
    wording = text[max(offset, offset + m.start() - 1): end]
    comparator = comparator_from_wording(m.group(0), ind["direction"])
    year = m.group("year")
    source_start = start
    if year is None:
        # "到2025年，…达到": the deadline stands before the subject, in the same sentence.
        sentence = text.rfind("。", 0, offset) + 1
        before = list(YEAR.finditer(text, min(start, offset), offset + m.start()))
        if not before and sentence < start:
            before = list(YEAR.finditer(text, sentence, start))
        if before:
            year = before[-1].group(1)
            source_start = min(start, before[-1].start())
    target: dict[str, Any] = {
        "indicator": ind["code"],
        "kind": kind_from_wording(wording, comparator, value, unit),
        "comparator": comparator, "value": _plain(value), "unit": unit,
    }
    if year:
        target["year"] = int(year)
    if comparator == "approx":
        target["tolerance"] = 2
    _place(draft, ind, target, text, source_start, end, numbers)


def _count_first_target(text: str, body: str, offset: int, indicators: list[dict[str, Any]],
                        draft: GoalDraft, numbers: list[NumberMention]) -> bool:
    """设立１个以上家庭暴力庇护场所并有效运行 → the count of what follows the number."""
    m = COUNT_FIRST.search(body)
    if not m:
        return False
    matches = find_indicators(body[m.end():], indicators)
    if not matches:
        return False
    ind = matches[0].indicator
    value = _value(m.group("num"))
    # "并有效运行": the place must be kept running, every year.
    kind = "maintain" if "运行" in body[m.end():] else "threshold"
    target = {"indicator": ind["code"], "kind": kind, "comparator": ">=",
              "value": _plain(value), "unit": m.group("unit")}
    _place(draft, ind, target, text, offset + m.start(),
            offset + m.end() + matches[0].start + (matches[0].end - matches[0].start) +
            _tail_length(body[m.end():], matches[0]), numbers)
    return True


def _tail_length(rest: str, match: IndicatorMatch) -> int:
    """How far a count-first clause runs after its indicator's name: "…场所并有效运行"."""
    after = rest[match.end:]
    run = re.match(r"并有效运行", after)
    return run.end() if run else 0


def _baseline_targets(text: str, body: str, offset: int, indicators: list[dict[str, Any]],
                      draft: GoalDraft, numbers: list[NumberMention]) -> bool:
    """到2025年和2030年，X分别在2019年和2022年基础上提高10% → one target per pair."""
    m = re.search(r"在\s*(20\d\d)\s*年(?:和\s*(20\d\d)\s*年)?基础上提高\s*"
                  r"([0-9]+(?:\.[0-9]+)?)\s*%", body)
    if not m:
        return False
    matches = find_indicators(body[: m.start()], indicators)
    if not matches:
        return False
    ind = matches[-1].indicator
    bases = [int(m.group(1))] + ([int(m.group(2))] if m.group(2) else [])
    # The deadlines stand before the clause: "到2025年和2030年，营养健康知识知晓率分别…".
    sentence = text.rfind("。", 0, offset) + 1
    lead = re.search(r"到\s*(20\d\d)\s*年(?:和\s*(20\d\d)\s*年)?",
                     text[sentence:offset + m.start()])
    deadlines = [int(y) for y in lead.groups() if y] if lead else []
    source_start = sentence + lead.start() if lead else offset
    end = offset + m.end()
    for i, base in enumerate(bases):
        target: dict[str, Any] = {"indicator": ind["code"], "kind": "baseline_relative",
                                  "comparator": ">=", "value": _plain(float(m.group(3))),
                                  "unit": "%"}
        if len(deadlines) == len(bases):
            target["year"] = deadlines[i]
        target["baseline_year"] = base
        _place(draft, ind, target, text, source_start, end, numbers)
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
    draft.placed.append((mine[-1].indicator, offset, offset + len(body)))
    return True


def _clause_matches(text: str, clause: Clause, indicators: list[dict[str, Any]]
                    ) -> list[IndicatorMatch]:
    """The indicators a measurable clause names. Where it names none, a trend takes those of
    the sentence that reach into it ("镇领导班子…，比例逐步提高"); a per-unit count or a
    coverage takes the nearest earlier clause's ("区地方党委、政府领导班子，应至少各配备1名")."""
    matches = find_indicators(clause.text, indicators)
    if matches:
        return matches
    sentence = text.rfind("。", 0, clause.start) + 1
    so_far = find_indicators(text[sentence: clause.end], indicators)
    reaching = [m for m in so_far if sentence + m.stop > clause.start]
    if reaching or clause.kind == "trend":
        return reaching
    if not so_far:
        return []
    last = max(m.start for m in so_far)
    return [m for m in so_far if m.start == last]


def _clause_target(text: str, clause: Clause, indicators: list[dict[str, Any]],
                   draft: GoalDraft, numbers: list[NumberMention],
                   previous: dict[str, Any] | None) -> bool:
    matches = _clause_matches(text, clause, indicators)
    if clause.kind == "trend":
        if not matches:
            return False
        for match in matches:
            target: dict[str, Any] = {"indicator": match.indicator["code"], "kind": "trend",
                                      "comparator": "<" if clause.direction == "<" else ">",
                                      "value": None}
            if clause.direction == "change":
                target.update(comparator="<", measure="change")
            _place(draft, match.indicator, target, text, clause.start, clause.end, numbers)
        return True
    if clause.kind == "coverage":
        ind = matches[-1].indicator if matches else previous
        if ind is None:
            return False
        target = {"indicator": ind["code"], "kind": "coverage", "comparator": ">=",
                  "value": 100, "unit": "%"}
        _place(draft, ind, target, text, clause.start, clause.end, numbers)
        return True
    # per_unit: "每个行政村建立一支以上…", "至少各配备1名女干部"
    inside = [n for n in numbers if clause.start <= n.start < clause.end]
    if len(inside) != 1 or not matches:
        return False
    number = inside[0]
    word = MEASURE_WORD.match(text, number.end)
    level = "team" if "各" in clause.text or "各" in text[text.rfind("。", 0, clause.start) + 1:
                                                          clause.start] else "township"
    for match in matches:
        target = {"indicator": match.indicator["code"], "kind": "per_unit",
                  "comparator": comparator_from_wording(clause.text, "higher"),
                  "value": _plain(number.value),
                  "unit": word.group(1) if word else match.indicator["unit"],
                  "per_unit_level": level}
        _place(draft, match.indicator, target, text, clause.start, clause.end, numbers)
    return True
