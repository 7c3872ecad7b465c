"""A whole plan drafted from its text, in the shape of ``catalogue export`` plus ``unresolved``.

    draft = draft_plan(lines, PlanMeta(code="130000", name="某县", …), indicators)

Goals come from db/plan_text.py (the eight domains, numbered 主要目标 "1." or "（1）",
departments in brackets or on 牵头/责任单位 lines); targets from db/plan_draft/draft.py. A
clause naming a quantity no indicator matches gets a proposed indicator (``proposed: true``)
for the reviewer to confirm and explain. Every number and measurable clause the rules could
not place is listed under ``unresolved`` — nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.plan_draft.clauses import QUANTITY
from db.plan_draft.draft import draft_goal
from db.plan_text import DOMAIN_NAMES, GoalText, PlanText, read_plan_lines

DRAFT_FORMAT = "tianbao-plan-draft"
DRAFT_VERSION = 1
LEVELS = ("county", "district", "city", "county_city")
_CHAPTER_NAMES = {"main_goals": "主要目标", "key_projects": "重点工程"}


@dataclass(frozen=True)
class PlanMeta:
    code: str  # GB/T 2260 division code
    name: str
    level: str = "county"
    parent_code: str = ""
    parent_name: str = ""
    province: str = ""
    title: str = ""
    source: str = ""


def draft_plan(lines: list[str], meta: PlanMeta, indicators: list[dict[str, Any]]
               ) -> dict[str, Any]:
    """Draft ``lines`` (a plan's text) as a catalogue document for review."""
    plan = read_plan_lines(lines, Path(meta.source or f"{meta.code}.txt"))
    if not plan.goals:
        raise ValueError("没有在文件中找到“主要目标”下编号的条目：请确认这是妇女发展规划的正文。")
    indicators = list(indicators)  # proposals are added to this copy only
    goals, targets, unresolved = [], [], []
    for goal in plan.goals:
        goal_id = _goal_id(meta.code, goal)
        drafted = draft_goal(goal, goal_id, indicators)
        # A number or clause the rules could not place waits in ``unresolved`` for the
        # reviewer's reason (or a target); ``non_targets`` holds only reasons already given.
        non_targets: list[dict[str, str]] = []
        unresolved += [{"goal": goal_id, "text": entry["text"], "why": "?"}
                       for entry in drafted.non_targets]
        goals.append({
            "id": goal_id, "plan": meta.code, "domain": goal.domain or _kp_domain(goal),
            "chapter": goal.chapter, "number": goal.number, "text": goal.text,
            "lead": list(goal.lead), "responsible": list(goal.responsible),
            "qualitative": not drafted.targets, "non_targets": non_targets,
        })
        targets += [_export_target(t, goal_id, goal, meta.code) for t in drafted.targets]
    _apply_repeat_rule(goals, targets, unresolved)
    _name_proposals(meta.code, indicators, targets)
    by_code = {i["code"]: i for i in indicators}
    used = list(dict.fromkeys(t["indicator"] for t in targets))
    for t in targets:
        t["indicator_name"] = by_code[t["indicator"]]["name"]
    return {
        "format": DRAFT_FORMAT, "version": DRAFT_VERSION,
        "plans": [_plan_entry(meta, plan)],
        "domains": [{"key": k, "name": n} for k, n in DOMAIN_NAMES.items()],
        "goals": goals,
        "indicators": [_indicator_entry(by_code[c]) for c in used],
        "targets": targets,
        "unresolved": unresolved,
    }


def _name_proposals(code: str, indicators: list[dict[str, Any]],
                    targets: list[dict[str, Any]]) -> None:
    """Proposed indicators get codes of their plan (local_130181_1): two counties' proposals
    never share a code in a city's catalogue."""
    renamed = {}
    for ind in indicators:
        if ind.get("proposed") and ind["code"].startswith("proposed_"):
            renamed[ind["code"]] = f"local_{code}_{ind['code'].removeprefix('proposed_')}"
            ind["code"] = renamed[ind["code"]]
    for t in targets:
        t["indicator"] = renamed.get(t["indicator"], t["indicator"])


def _goal_id(code: str, goal: GoalText) -> str:
    return f"{code}-{goal.domain if goal.chapter == 'main_goals' else 'kp'}-{goal.number}"


def _kp_domain(goal: GoalText) -> str:
    """A 重点工程 item belongs to the domain its words speak of; health when none does."""
    for key, words in (("health", "健康"), ("education", "教育"), ("economy", "就业"),
                       ("decision", "决策"), ("social_security", "保障"), ("family", "家庭"),
                       ("environment", "环境"), ("law", "法")):
        if words in goal.text[:20]:
            return key
    return "health"


def _plan_entry(meta: PlanMeta, plan: PlanText) -> dict[str, Any]:
    return {
        "code": meta.code, "name": meta.name,
        "title": meta.title or f"{meta.name}妇女发展规划（2021—2030年）",
        "level": meta.level, "province": meta.province,
        "parent": {"code": meta.parent_code, "name": meta.parent_name},
        "domain_order": plan.domain_order, "source": meta.source,
    }


_TARGET_FIELDS = ("indicator", "kind", "comparator", "value", "unit", "year", "tolerance",
                  "baseline_year", "relative_to", "measure", "per_unit_level",
                  "disaggregation", "source")


def _export_target(t: dict[str, Any], goal_id: str, goal: GoalText, code: str
                   ) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": t["id"], "plan": code, "domain": goal.domain,
                             "goal": goal.number, "chapter": goal.chapter}
    for name in _TARGET_FIELDS:
        entry[name] = t.get(name, "level" if name == "measure" else None)
    if goal.chapter == "key_projects":
        entry["domain"] = _kp_domain(goal)
    return entry


def _indicator_entry(ind: dict[str, Any]) -> dict[str, Any]:
    keys = ("code", "name", "domain", "kind", "unit", "direction", "numerator", "denominator",
            "factor", "disaggregation", "collected_at", "definition")
    entry = {k: ind.get(k, [] if k == "disaggregation" else "" if k == "definition" else None)
             for k in keys}
    entry["explanation"] = ind.get("explanation") or None
    entry["proposed"] = bool(ind.get("proposed"))
    return entry


def _apply_repeat_rule(goals: list[dict[str, Any]], targets: list[dict[str, Any]],
                       unresolved: list[dict[str, Any]]) -> None:
    """docs/catalogue.md: a 重点工程 target that repeats a main goal's is a non-target."""
    main: dict[Any, dict[str, Any]] = {}
    for t in targets:
        if t["chapter"] == "main_goals":
            main.setdefault(_repeat_key(t), t)
    goal_by_id = {g["id"]: g for g in goals}
    for t in [t for t in targets if t["chapter"] == "key_projects"]:
        same = main.get(_repeat_key(t))
        if same is None:
            continue
        targets.remove(t)
        goal = goal_by_id[t["id"].rsplit("-", 1)[0]]
        numbers = [n for n in re.findall(r"[0-9０-９]+(?:\.[0-9]+)?", t["source"])
                   if t["value"] is not None and float(n) == float(t["value"])]
        text = numbers[-1] if numbers else t["source"]
        why = (f"与主要目标“{DOMAIN_NAMES[same['domain']]}”第{same['goal']}条相同"
               f"（{same['source']}），不另立目标")
        goal["non_targets"].append({"text": text, "why": why})
        # A repeated number is explained now: it no longer waits for the reviewer.
        unresolved[:] = [u for u in unresolved if not (u["goal"] == goal["id"]
                                                       and u["text"] == text)]
    for goal in goals:
        goal["qualitative"] = not any(t["id"].rsplit("-", 1)[0] == goal["id"] for t in targets)


def _repeat_key(t: dict[str, Any]) -> tuple[Any, ...]:
    if t["kind"] == "trend":
        return (t["indicator"], "trend", t["comparator"])
    return (t["indicator"], t["comparator"], t["value"], t["year"])


def unresolved_count(draft: dict[str, Any]) -> int:
    return len(draft.get("unresolved", []))


def looks_measurable(subject: str) -> bool:
    """Whether a clause's subject names a quantity (…率, …比例, …人数): worth an indicator."""
    return bool(QUANTITY.search(subject))
