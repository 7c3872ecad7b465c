"""Draft a plan's catalogue file from its published text, for a person to review.

    python tools/draft_catalogue.py ../shared/seeds/000_….txt 211122 > draft.yaml

The draft proposes goals (exact text, departments) and the targets its wording rules
recognise; anything they cannot place is listed under ``non_targets`` with ``why: "?"``
so the reviewer must decide. The reviewed files in resources/catalogue/ are what the app
loads — this tool is never run by the app.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.plan_text import GoalText, numbers_in, read_plan  # noqa: E402
from db.target_wording import comparator_from_wording, kind_from_wording  # noqa: E402

PLANS: dict[str, dict[str, Any]] = {
    "211122": dict(name="盘山县", level="county", province="辽宁省",
                   parent={"code": "211100", "name": "盘锦市"}),
    "210203": dict(name="西岗区", level="district", province="辽宁省",
                   parent={"code": "210200", "name": "大连市"}),
    "621027": dict(name="镇原县", level="county", province="甘肃省",
                   parent={"code": "621000", "name": "庆阳市"}),
    "371500": dict(name="聊城市", level="city", province="山东省",
                   parent={"code": "370000", "name": "山东省"}),
    "440783": dict(name="开平市", level="county_city", province="广东省",
                   parent={"code": "440700", "name": "江门市"}),
}

NUMERIC = re.compile(
    r"(?:(?:力争)?到\s*(?P<year>20\d\d)\s*年)?"
    r"(?P<verb>保持并巩固在|达到并保持在|稳定在|保持在|巩固在|提高到|下降到|控制在|达到|"
    r"不低于|不少于|超过|总体为|达|为)"
    r"(?P<num>[0-9０-９]+(?:\.[0-9]+)?)\s*(?P<unit>%|％|/10万活产|/10万)?(?P<q>以上|以下|左右)?"
)
TREND_AFTER = re.compile(
    r"(逐步提高|不断提高|持续提高|稳步提高|明显提高|提高|延长|不断提升|逐步降低|明显降低|降低|"
    r"上升趋势减缓|持续减缓)$"
)
TREND_BEFORE = re.compile(r"^(提高|降低)")
CLAUSE = re.compile(r"[^，。；]+")


def load_indicators() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "resources/catalogue/indicators.yaml").read_text("utf-8"))
    return data["indicators"]


def find_indicator(subject: str, indicators: list[dict[str, Any]]) -> dict[str, Any] | None:
    best: tuple[int, dict[str, Any]] | None = None
    for ind in indicators:
        for alias in ind.get("aliases", []):
            if alias in subject and (best is None or len(alias) > best[0]):
                best = (len(alias), ind)
    return best[1] if best else None


def unit_of(written: str | None, indicator: dict[str, Any]) -> str:
    if written in ("%", "％"):
        return "%"
    if written == "/10万":
        return "1/10万"
    if written == "/10万活产":
        return "1/10万活产"
    return indicator["unit"]


def draft_targets(goal: GoalText, goal_id: str, indicators: list[dict[str, Any]]) -> dict:
    text = goal.text
    targets: list[dict[str, Any]] = []
    previous: tuple[dict[str, Any], int] | None = None  # indicator and where its clause starts
    covered: set[int] = set()
    for clause in CLAUSE.finditer(text):
        body = clause.group(0)
        found = False
        for m in NUMERIC.finditer(body):
            subject = body[: m.start()]
            ind = find_indicator(subject, indicators)
            start = clause.start()
            if ind is None and previous is not None and not subject.strip():
                ind, start = previous
            if ind is None:
                continue
            found = True
            end = clause.start() + m.end()
            source = text[start:end]
            written = m.group("num").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            value = float(written)
            unit = unit_of(m.group("unit"), ind)
            comparator = comparator_from_wording(m.group(0), ind["direction"])
            target: dict[str, Any] = {
                "indicator": ind["code"],
                "kind": kind_from_wording(m.group(0), comparator, value, unit),
                "comparator": comparator,
                "value": int(value) if value.is_integer() else value,
                "unit": unit,
            }
            if m.group("year"):
                target["year"] = int(m.group("year"))
            if comparator == "approx":
                target["tolerance"] = 2
            target["source"] = source
            targets.append(target)
            previous = (ind, start)
            for n in numbers_in(text):
                if start <= n.start < end:
                    covered.add(n.start)
        if found:
            continue
        trend = TREND_AFTER.search(body) or TREND_BEFORE.search(body)
        if trend:
            ind = find_indicator(body, indicators)
            if ind is not None:
                rising = trend.group(1) in ("逐步提高", "不断提高", "持续提高", "稳步提高",
                                            "明显提高", "提高", "延长", "不断提升")
                target = {"indicator": ind["code"], "kind": "trend",
                          "comparator": ">" if rising else "<", "value": None}
                if trend.group(1) in ("上升趋势减缓", "持续减缓"):
                    target["measure"] = "change"
                target["source"] = body
                targets.append(target)
    for i, target in enumerate(targets, 1):
        target = {"id": f"{goal_id}-{i}", **target}
        targets[i - 1] = target
    non_targets = [
        {"text": n.text, "why": "?"} for n in numbers_in(text) if n.start not in covered
    ]
    return {"targets": targets, "non_targets": non_targets}


def draft_plan(path: Path, code: str) -> dict[str, Any]:
    meta = PLANS[code]
    plan = read_plan(path)
    indicators = load_indicators()
    goals = []
    for g in plan.goals:
        domain = g.domain or "?"
        kind = domain if g.chapter == "main_goals" else "kp"
        goal_id = f"{code}-{kind}-{g.number}"
        entry: dict[str, Any] = {"id": goal_id, "domain": domain, "number": g.number}
        if g.chapter != "main_goals":
            entry["chapter"] = g.chapter
        entry["text"] = g.text
        if g.lead:
            entry["lead"] = list(g.lead)
        if g.responsible:
            entry["responsible"] = list(g.responsible)
        drafted = draft_targets(g, goal_id, indicators)
        if drafted["targets"]:
            entry["targets"] = drafted["targets"]
        if drafted["non_targets"]:
            entry["non_targets"] = drafted["non_targets"]
        goals.append(entry)
    return {
        "plan": {
            "code": code,
            "name": meta["name"],
            "title": f"{meta['name']}妇女发展规划（2021—2030年）",
            "level": meta["level"],
            "province": meta["province"],
            "parent": meta["parent"],
            "source": path.name,
            "domain_order": plan.domain_order,
        },
        "goals": goals,
    }


def main() -> None:
    path, code = Path(sys.argv[1]), sys.argv[2]
    data = draft_plan(path, code)
    yaml.safe_dump(data, sys.stdout, allow_unicode=True, sort_keys=False, width=1000)


if __name__ == "__main__":
    main()
