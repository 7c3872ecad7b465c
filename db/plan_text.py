"""Reading the published plan texts: where the numbered 主要目标 items are, and the numbers in them.

The catalogue files in ``resources/catalogue/`` are the reviewed source of truth; this module
is what proves them faithful to the plans (tests walk every seed text with it) and what helps
draft a catalogue for a new plan (``tools/draft_catalogue.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

DOMAIN_NAMES: dict[str, str] = {
    "health": "妇女与健康",
    "education": "妇女与教育",
    "economy": "妇女与经济",
    "decision": "妇女参与决策和管理",
    "social_security": "妇女与社会保障",
    "family": "妇女与家庭建设",
    "environment": "妇女与环境",
    "law": "妇女与法律",
}
_DOMAIN_BY_NAME = {name: key for key, name in DOMAIN_NAMES.items()}

# "（一）妇女与健康", and in other plans "一、妇女与健康" or "1.妇女与健康"; a few write
# "妇女参与决策管理" or "妇女与社会保障。" — the key words decide the domain.
_DOMAIN_HEADING = re.compile(r"^(?:（[一二三四五六七八]）|[一二三四五六七八][、.．]|"
                             r"[1-8][.．、])\s*"
                             r"(妇女[^。，]{1,10}?)。?\s*$")
_DOMAIN_WORDS = (("健康", "health"), ("教育", "education"), ("经济", "economy"),
                 ("决策", "decision"), ("社会保障", "social_security"), ("家庭", "family"),
                 ("环境", "environment"), ("法律", "law"))
_GOALS_START = re.compile(r"^(?:[12][.．、]|（[一二]）)?\s*主要目标[:：]?\s*$")
_MEASURES_START = re.compile(r"^(?:[23][.．、]|（[二三]）)?\s*策略措施[:：]?\s*$")
# A page number or running header a PDF's text layer puts between lines: "— 12 —", "- 3 -".
_PAGE_NOISE = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$")
# A line of departments under a goal: "牵头单位：县卫健局  责任单位：县医保局".
_ROLE_LINE = re.compile(r"^[（(]?(?:牵头单位|责任单位)[:：；;]")
# 聊城市 numbers its goals "（1）"; the others "1." or "1．" (full-width stop in places); other
# counties write "1、".
_GOAL_NUMBER = re.compile(r"^(?:（(\d+)）|(\d+)[.．、])")
# A trailing bracket naming departments: 镇原县 "（卫健局）", 聊城市 "（牵头单位：…。责任单位：…）".
_DEPARTMENTS = re.compile(r"（([^（）]*)）$")
# The plan once writes "牵头单位；" with a semicolon, so any of :：；; separates role and names.
_ROLE = re.compile(r"(牵头单位|责任单位)[:：；;]\s*([^。]*)")
_KEY_PROJECTS_START = re.compile(r"^[一二三四五六]、重点工程\s*$")
_KEY_PROJECT = re.compile(r"^（([一二三四五六七八九十])）")
_CHAPTER_START = re.compile(r"^[一二三四五六七八九十]、")
_CN_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class GoalText:
    """One numbered item as it stands in a plan."""

    domain: str
    chapter: str  # main_goals | key_projects
    number: int
    line: str  # the whole line, number and department bracket included
    text: str  # the goal itself, without its number and department bracket
    lead: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()


@dataclass
class PlanText:
    path: Path
    goals: list[GoalText] = field(default_factory=list)
    domain_order: list[str] = field(default_factory=list)


def split_departments(body: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Separate a goal's trailing department bracket from its text.

    Returns (text, lead, responsible). 镇原县 names one set of departments, taken as lead;
    聊城市 names 牵头单位 and 责任单位 separately. A bracket that names no department
    (e.g. "（小）区" inside the text) is never at the very end, so it stays in the text.
    """
    match = _DEPARTMENTS.search(body)
    if not match:
        return body, (), ()
    inner = match.group(1)
    text = body[: match.start()]
    if "牵头单位" in inner or "责任单位" in inner:
        named = dict(_ROLE.findall(inner))
        lead = _department_list(named.get("牵头单位", ""))
        responsible = _department_list(named.get("责任单位", ""))
        return text, lead, responsible
    if _looks_like_departments(inner):
        return text, _department_list(inner), ()
    return body, (), ()


def _department_list(names: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in re.split(r"[、，,]", names) if n.strip())


def _looks_like_departments(inner: str) -> bool:
    suffixes = ("局", "委", "部", "会", "院", "办", "联", "厅", "队", "馆", "台", "所",
                "中心", "署", "单位")
    return all(name.endswith(suffixes) for name in _department_list(inner))


def domain_of(heading: str) -> str | None:
    """The domain key a heading's name stands for (妇女与健康 → health), or None."""
    if heading in _DOMAIN_BY_NAME:
        return _DOMAIN_BY_NAME[heading]
    found = [key for word, key in _DOMAIN_WORDS if word in heading]
    return found[0] if len(found) == 1 else None


def read_plan(path: Path) -> PlanText:
    """Every numbered 主要目标 item of a plan, and its 重点工程 items where it has them."""
    return read_plan_lines(path.read_text(encoding="utf-8").splitlines(), path)


def read_plan_lines(lines: list[str], path: Path) -> PlanText:
    """:func:`read_plan` on a plan's lines, from any source (a .docx's paragraphs, a PDF's text).

    A line of departments under a goal (牵头单位：…) belongs to that goal; an unnumbered line
    inside 主要目标 continues the goal before it (a PDF breaks long lines).
    """
    plan = PlanText(path=path)
    domain: str | None = None
    in_goals = False
    in_key_projects = False
    for raw in lines:
        line = raw.strip().replace("\u3000", " ").strip()
        if not line or _PAGE_NOISE.match(line):
            continue
        if _KEY_PROJECTS_START.match(line):
            in_key_projects, in_goals = True, False
            continue
        if in_key_projects:
            if _CHAPTER_START.match(line):
                in_key_projects = False
                continue
            kp = _KEY_PROJECT.match(line)
            if kp:
                number = _CN_NUMERALS.index(kp.group(1)) + 1
                text = line[kp.end():].strip()
                plan.goals.append(GoalText("", "key_projects", number, line, text))
            continue
        heading = _DOMAIN_HEADING.match(line)
        found = domain_of(heading.group(1)) if heading else None
        if found is not None:
            domain = found
            plan.domain_order.append(domain)
            in_goals = False
            continue
        if _GOALS_START.match(line):
            in_goals = True
            continue
        if _MEASURES_START.match(line):
            in_goals = False
            continue
        if in_goals and domain:
            numbered = _GOAL_NUMBER.match(line)
            if not numbered:
                _continue_goal(plan, line, path)
                continue
            number = int(numbered.group(1) or numbered.group(2))
            # "1. 保障…" (镇原县, 开平市) puts a space after the number: it is not the goal's.
            text, lead, responsible = split_departments(line[numbered.end():].strip())
            plan.goals.append(GoalText(domain, "main_goals", number, line, text, lead, responsible))
    return plan


def _continue_goal(plan: PlanText, line: str, path: Path) -> None:
    """An unnumbered line in 主要目标: the departments of the goal above, or its next line."""
    if not plan.goals or plan.goals[-1].chapter != "main_goals":
        raise ValueError(f"{path.name}: 主要目标中出现未编号的行：{line[:30]}")
    last = plan.goals[-1]
    if _ROLE_LINE.match(line):
        # 牵头单位 and 责任单位 on one line are separated by spaces rather than "。".
        named: dict[str, str] = {}
        for part in re.split(r"\s*(?=责任单位[:：；;])", line.strip("（）()")):
            named.update(_ROLE.findall(part))
        lead = _department_list(re.sub(r"\s+", "、", named.get("牵头单位", "").strip()))
        responsible = _department_list(re.sub(r"\s+", "、", named.get("责任单位", "").strip()))
        plan.goals[-1] = replace(last, lead=last.lead + lead,
                                 responsible=last.responsible + responsible)
        return
    body = last.text + line
    text, lead, responsible = split_departments(body)
    plan.goals[-1] = replace(last, line=last.line + line, text=text,
                             lead=last.lead + lead, responsible=last.responsible + responsible)


# A number as a reader sees it: ASCII or full-width digits, decimals, and fractions like 1/2.
# "/10万" after a number belongs to its unit (1/10万), so it is not a number of its own.
NUMBER = re.compile(
    r"(?<![/\d０-９.])"
    r"([0-9０-９]+(?:[.．][0-9０-９]+)?(?:/[1-9１-９][0-9０-９]*(?![0-9０-９]|\s*万))?)"
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


# A number written in Chinese numerals counts like digits when a measure word follows it
# (一支以上, 半小时, 五项制度): it states a quantity. Not after 第 (第二个百年 is an ordinal), and
# 九年义务教育 or 市、镇两级 are names and scopes, so 年 and 级 are not measure words here.
CN_NUMBER = re.compile(r"(?<![第一二两三四五六七八九十百千半])([一二两三四五六七八九十百千]+|半)"
                       r"(?=支|名|个|所|项|次|小时|分钟|大|家|人|倍)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_value(written: str) -> float:
    """The value of a Chinese numeral as the plans write them: 一 … 九十九, 半, 百 and 千."""
    if written == "半":
        return 0.5
    total, digit = 0, 0
    for char in written:
        if char in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[char]
            digit = 0
        else:
            digit = _CN_DIGITS[char]
    return float(total + digit)


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written, e.g. "１" or "10.5" or "1/2" or "一"
    value: float
    start: int
    end: int


def numbers_in(text: str) -> list[NumberMention]:
    """Every number a reader would see in ``text``, with its position, in reading order."""
    mentions = []
    for m in NUMBER.finditer(text):
        written = m.group(1)
        plain = written.translate(_FULL_WIDTH)
        if "/" in plain:
            num, den = plain.split("/")
            value = float(num) / float(den)
        else:
            value = float(plain)
        mentions.append(NumberMention(written, value, m.start(1), m.end(1)))
    for m in CN_NUMBER.finditer(text):
        mentions.append(NumberMention(m.group(1), cn_value(m.group(1)), m.start(1), m.end(1)))
    return sorted(mentions, key=lambda n: n.start)
