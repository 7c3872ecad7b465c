"""Organisational units (单位): the townships, counties and cities that report figures.

Codes follow the two official numbering systems: GB/T 2260 six-digit administrative division
codes for county level and above (盘山县 211122), and the statistics bureau's twelve-digit
统计用区划代码 for townships and streets (乡镇/街道). A unit without a plan of its own follows
its parent's plan (a township follows its county's plan).

Units are never deleted: a merged or abolished township is deactivated and keeps its figures,
so earlier years' reports can still be reproduced. Every change is written to the audit log.
Functions here flush but do not commit; the caller owns the transaction.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import UserError
from db.models import AuditEntry, Meta, OrgUnit, Plan

LEVELS = ("township", "county", "city", "province")
LEVEL_LABELS = {
    "township": "乡镇（街道）", "county": "县（市、区）", "city": "市", "province": "省",
}
# Lower rank = higher in the hierarchy; a parent must rank above its child.
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "township": 3}
# plan.level as the catalogue spells it → the unit level it implies.
_PLAN_LEVEL_TO_UNIT_LEVEL = {"county": "county", "district": "county",
                             "county_city": "county", "city": "city"}

HOME_UNIT_KEY = "home_unit"

_SIX_DIGITS = re.compile(r"[0-9]{6}")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")


class UnitError(UserError, ValueError):
    """A refused change to the units. ``str(error)`` is a plain Chinese message for the user."""


def normalize_code(code: str) -> str:
    """A code as typed, with full-width digits (a Chinese input method's) made ASCII."""
    return unicodedata.normalize("NFKC", code).strip()


def get_unit(session: Session, code: str) -> OrgUnit:
    """The unit with ``code``; UnitError if there is none."""
    code = normalize_code(code)
    unit = session.get(OrgUnit, code)
    if unit is None:
        raise UnitError(f"没有代码为 {code} 的单位。")
    return unit


def home_unit_code(session: Session) -> str | None:
    """The unit this installation works for (set by ``tianbao init --unit``), if any."""
    return session.scalar(select(Meta.value).where(Meta.key == HOME_UNIT_KEY))


def level_from_code(code: str) -> str:
    """The level a division code implies: GB/T 2260 ends a province's code in 0000, a
    prefecture-level city's in 00; twelve digits are a township's 统计用区划代码."""
    if _TWELVE_DIGITS.fullmatch(code):
        return "township"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def create_unit(
    session: Session,
    code: str,
    name: str,
    level: str,
    parent_code: str | None = None,
    plan_code: str | None = None,
    user: str = "",
) -> OrgUnit:
    """Add a unit after checking its code, level, parent and plan; raise UnitError if refused."""
    code = normalize_code(code)
    name = name.strip()
    parent_code = normalize_code(parent_code) if parent_code else None
    if level not in LEVELS:
        raise UnitError(
            f"单位级别“{level}”无效，应为乡镇、县、市或省（township/county/city/province）。"
        )
    if level == "township":
        if not _TWELVE_DIGITS.fullmatch(code):
            raise UnitError(f"乡镇（街道）代码应为12位统计用区划代码，“{code}”不符合。")
    elif not _SIX_DIGITS.fullmatch(code):
        raise UnitError(
            f"{LEVEL_LABELS[level]}级单位代码应为6位行政区划代码（GB/T 2260），“{code}”不符合。"
        )
    if not name:
        raise UnitError(f"请填写单位 {code} 的名称。")
    existing = session.get(OrgUnit, code)
    if existing is not None:
        raise UnitError(f"代码 {code} 已被单位“{existing.name}”使用。")
    if parent_code is None:
        if level == "township":
            raise UnitError(f"乡镇（街道）“{name}”必须有所属的县（市、区），请指定上级单位。")
    else:
        parent = session.get(OrgUnit, parent_code)
        if parent is None:
            raise UnitError(f"上级单位 {parent_code} 不存在，请先添加上级单位。")
        if not parent.active:
            raise UnitError(f"上级单位“{parent.name}”已停用，不能再添加下级单位。")
        if _LEVEL_RANK[parent.level] >= _LEVEL_RANK[level]:
            raise UnitError(
                f"“{parent.name}”是{LEVEL_LABELS[parent.level]}级单位，"
                f"不能作为{LEVEL_LABELS[level]}级单位“{name}”的上级。"
            )
        _check_new_unit(code, name, level, parent)
    if plan_code is not None and session.get(Plan, plan_code) is None:
        raise UnitError(f"没有代码为 {plan_code} 的规划。")

    unit = OrgUnit(code=code, name=name, level=level, parent_code=parent_code,
                   plan_code=plan_code, active=True)
    session.add(unit)
    _audit(session, user, "insert", code, None, _unit_state(unit))
    session.flush()
    return unit


def init_unit(
    session: Session,
    code: str,
    name: str | None = None,
    parent_code: str | None = None,
    level: str | None = None,
    user: str = "",
) -> OrgUnit:
    """Set up the unit this installation works for (``tianbao init --unit CODE``).

    When CODE is a plan's code, the name, level and parent come from the plan and the unit
    follows that plan; the plan's parent jurisdiction is added as well if missing. A township
    (12-digit code) needs its county, given as ``parent_code`` or already present (its code is
    the first six digits of the township's); a county that is a plan is added on the way. Running
    it again for the same unit changes nothing but the home unit. Raises UnitError if refused.
    """
    code = normalize_code(code)
    parent_code = normalize_code(parent_code) if parent_code else None
    existing = session.get(OrgUnit, code)
    if existing is not None:
        if not existing.active:
            raise UnitError(f"单位“{existing.name}”已停用，不能作为本机填报单位。")
        unit = existing
    elif session.get(Plan, code) is not None:
        unit = _unit_from_plan(session, code, name, parent_code, user)
    elif _TWELVE_DIGITS.fullmatch(code):
        if not name:
            raise UnitError(f"请填写乡镇（街道）{code} 的名称。")
        parent = parent_code or code[:6]
        if session.get(OrgUnit, parent) is None:
            if session.get(Plan, parent) is not None:
                _unit_from_plan(session, parent, None, None, user)
            elif parent_code:
                raise UnitError(f"上级单位 {parent} 不存在，请先添加上级单位。")
            else:
                raise UnitError(f"请指定乡镇（街道）“{name}”所属的县（市、区）代码。")
        # A township follows its county's plan rather than having one of its own.
        unit = create_unit(session, code, name, "township", parent_code=parent, user=user)
    else:
        if not name:
            raise UnitError(f"代码 {code} 不是已收录规划的地区，请填写单位名称。")
        unit = create_unit(session, code, name, level or level_from_code(code),
                           parent_code=parent_code, user=user)
    _set_home_unit(session, code, user)
    session.flush()
    return unit


def _unit_from_plan(session: Session, code: str, name: str | None, parent_code: str | None,
                    user: str) -> OrgUnit:
    plan = session.get(Plan, code)
    assert plan is not None
    if parent_code and parent_code != plan.parent_code:
        raise UnitError(
            f"规划记载“{plan.name}”的上级为{plan.parent_name}（{plan.parent_code}），"
            f"与指定的上级单位 {parent_code} 不一致。"
        )
    if session.get(OrgUnit, plan.parent_code) is None:
        create_unit(session, plan.parent_code, plan.parent_name,
                    level_from_code(plan.parent_code), user=user)
    return create_unit(session, code, name or plan.name, _PLAN_LEVEL_TO_UNIT_LEVEL[plan.level],
                       parent_code=plan.parent_code, plan_code=code, user=user)


def _set_home_unit(session: Session, code: str, user: str) -> None:
    row = session.get(Meta, HOME_UNIT_KEY)
    before = row.value if row is not None else None
    if before == code:
        return
    if row is None:
        session.add(Meta(key=HOME_UNIT_KEY, value=code))
    else:
        row.value = code
    session.add(AuditEntry(user=user, action="update" if before else "insert", entity="meta",
                           key=HOME_UNIT_KEY,
                           before={"value": before} if before else None,
                           after={"value": code}))


def rename_unit(session: Session, code: str, new_name: str, user: str = "") -> OrgUnit:
    """Give a unit a new name (e.g. a 乡 becomes a 镇); its code and figures stay."""
    unit = get_unit(session, code)
    new_name = new_name.strip()
    if not new_name:
        raise UnitError("单位名称不能为空。")
    if new_name != unit.name:
        _update(session, unit, user, name=new_name)
    return unit


def deactivate_unit(session: Session, code: str, user: str = "") -> OrgUnit:
    """Stop a unit from reporting (merged, abolished). Its figures are kept, never deleted."""
    unit = get_unit(session, code)
    if not unit.active:
        return unit
    if unit.code == home_unit_code(session):
        raise UnitError(f"“{unit.name}”是本机的填报单位，不能停用。")
    active_children = [child.name for child in children(session, unit.code)]
    if active_children:
        raise UnitError(
            f"“{unit.name}”还有在用的下级单位（{'、'.join(active_children)}），请先停用或调整下级单位。"
        )
    return _update(session, unit, user, active=False)


def reactivate_unit(session: Session, code: str, user: str = "") -> OrgUnit:
    """Undo a deactivation (a mistaken one, or a township restored)."""
    unit = get_unit(session, code)
    if unit.active:
        return unit
    if unit.parent_code is not None:
        parent = get_unit(session, unit.parent_code)
        if not parent.active:
            raise UnitError(f"上级单位“{parent.name}”已停用，请先恢复上级单位。")
    # A mistaken deactivation or closing from a year (db/unit_events.py) is undone as a whole.
    return _update(session, unit, user, active=True, valid_to=None)


def plan_for_unit(session: Session, code: str) -> str | None:
    """The plan a unit follows: its own, else the nearest ancestor's; None if none has one."""
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        seen.add(current)
        unit = session.get(OrgUnit, current)
        if unit is None:
            return None
        if unit.plan_code is not None:
            return unit.plan_code
        current = unit.parent_code
    return None


def children(session: Session, code: str, include_inactive: bool = False) -> list[OrgUnit]:
    """The units directly under ``code``, by code."""
    query = select(OrgUnit).where(OrgUnit.parent_code == code).order_by(OrgUnit.code)
    if not include_inactive:
        query = query.where(OrgUnit.active.is_(True))
    return list(session.scalars(query))


def subtree_codes(session: Session, code: str, include_inactive: bool = False) -> list[str]:
    """``code`` and the codes of every unit below it, parents before their children.

    Without ``include_inactive``, a deactivated unit and everything under it are left out
    (an empty list if ``code`` itself is deactivated).
    """
    root = get_unit(session, code)
    if not root.active and not include_inactive:
        return []
    by_parent: dict[str, list[str]] = {}
    query = select(OrgUnit.code, OrgUnit.parent_code).order_by(OrgUnit.code)
    if not include_inactive:
        query = query.where(OrgUnit.active.is_(True))
    for child, parent in session.execute(query):
        if parent is not None:
            by_parent.setdefault(parent, []).append(child)
    result: list[str] = []
    queue = [root.code]
    seen: set[str] = set()
    while queue:
        current = queue.pop(0)
        if current in seen:  # a hand-edited database could hold a cycle
            continue
        seen.add(current)
        result.append(current)
        queue.extend(by_parent.get(current, []))
    return result


def _unit_state(unit: OrgUnit) -> dict[str, Any]:
    return {"name": unit.name, "level": unit.level, "parent_code": unit.parent_code,
            "plan_code": unit.plan_code, "active": unit.active,
            "valid_from": unit.valid_from, "valid_to": unit.valid_to}


def _update(session: Session, unit: OrgUnit, user: str, **changes: Any) -> OrgUnit:
    """Change the unit's fields, with an audit entry of before and after; flush."""
    before = _unit_state(unit)
    for name, value in changes.items():
        setattr(unit, name, value)
    _audit(session, user, "update", unit.code, before, _unit_state(unit))
    session.flush()
    return unit


def _audit(session: Session, user: str, action: str, code: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    session.add(AuditEntry(user=user, action=action, entity="org_unit", key=code,
                           before=before, after=after))


# ----------------------------------------------- a new unit's name and code: one rule, every path
# The dialog shows these as the clerk types; create_unit refuses the same, so a unit added from
# the command line or an exchange file obeys the rule the dialog does.

_DIGITS = re.compile(r"[0-9]*")
# The level of the units a unit manages: a county its townships, a city its counties.
CHILD_LEVEL = {"county": "township", "city": "county", "province": "city"}


def unit_name_problem(name: str, level: str = "township") -> str | None:
    """What is wrong with a new unit's name as typed, in Chinese; None if nothing."""
    name = name.strip()
    if not name:
        return f"请填写{LEVEL_LABELS[level]}名称。"
    if len(name) > 64:
        return "名称过长（最多64个字）。"
    return None


def township_code_problem(code: str, county_code: str) -> str | None:
    """What is wrong with a township's 统计用区划代码 as typed, in Chinese; None if nothing.

    The statistics bureau's twelve digits are the county's six (GB/T 2260), three for the
    township and three for the village, which are 000 for the township itself.
    """
    code = normalize_code(code)
    county = county_code[:6]
    if not code:
        return "请填写12位统计用区划代码。"
    if not _DIGITS.fullmatch(code):
        return "统计用区划代码只能由数字组成。"
    if len(code) != 12:
        return f"统计用区划代码应为12位数字，现为{len(code)}位。"
    if not code.startswith(county):
        return f"代码应以所属县（市、区）的代码 {county} 开头。"
    if not code.endswith("000"):
        return "末三位应为000：以其他数字结尾的是村（居）委会的代码，不是乡镇（街道）的。"
    return None


def division_code_problem(code: str, parent_code: str, level: str) -> str | None:
    """What is wrong with a county's or city's GB/T 2260 code as typed; None if nothing.

    Six digits: two for the province, two for the city, two for the county; a city's end in 00.
    """
    code = normalize_code(code)
    prefix = parent_code[:4] if level == "county" else parent_code[:2]
    if not code:
        return "请填写6位行政区划代码。"
    if not _DIGITS.fullmatch(code):
        return "行政区划代码只能由数字组成。"
    if len(code) != 6:
        return f"行政区划代码应为6位数字，现为{len(code)}位。"
    if not code.startswith(prefix):
        return f"代码应以上级单位代码的前{len(prefix)}位 {prefix} 开头。"
    if level == "county" and code.endswith("00"):
        return "以00结尾的是市的代码，不是县（市、区）的。"
    if level == "city" and (code.endswith("0000") or not code.endswith("00")):
        return "市的代码应以00结尾（但不是0000）。"
    return None


def unit_code_problem(code: str, parent_code: str, level: str = "township") -> str | None:
    """The problem with a new ``level`` unit's code under ``parent_code``; None if nothing."""
    if level == "township":
        return township_code_problem(code, parent_code)
    return division_code_problem(code, parent_code, level)


def _check_new_unit(code: str, name: str, level: str, parent: OrgUnit) -> None:
    """UnitError with the dialog's words if the code does not belong under ``parent`` (for a
    unit one level below it, the units the dialog adds) or the name is too long."""
    problem = unit_name_problem(name, level) if level in ("township", "county", "city") else None
    if problem is None and CHILD_LEVEL.get(parent.level) == level:
        problem = unit_code_problem(code, parent.code, level)
    if problem is not None:
        raise UnitError(problem)
