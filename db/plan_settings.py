"""Settings an administrator keeps per plan: what differs from one province's practice to another's.

A province's statistical form has its own 表号 and 批准文号; one county asks for an explanation of
a 30% change, another of 20%; each plan has its own reporting calendar and cross-checks. Every
setting has a default here, so a plan nobody configured works; a stored row overrides it.

Each key has one check that turns what an administrator typed (CLI JSON, a dialog) into the
stored value or refuses it with a plain Chinese reason. Changes are audited like figures.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import CurrentUser
from db.errors import UserError
from db.models import AuditEntry, Plan, PlanSetting, utcnow
from db.reporting_calendar import DEFAULT_CALENDAR, CalendarError, check_calendar


class SettingError(UserError, ValueError):
    """A refused setting: unknown key, wrong shape, or not allowed for this user."""


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str  # what the administrator sees
    default: Any
    check: Callable[[Any], Any]  # the value to store, or SettingError


def _text_fields(fields: tuple[str, ...]) -> Callable[[Any], dict[str, str]]:
    def check(value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise SettingError("应为“项目: 文字”的对照表。")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise SettingError(f"没有这些项目：{'、'.join(unknown)}（可用：{'、'.join(fields)}）。")
        checked = {}
        for name in fields:
            text = value.get(name, FORM_HEADER_DEFAULT[name])
            if not isinstance(text, str) or len(text) > 100:
                raise SettingError(f"“{name}”应为不超过100个字的文字。")
            checked[name] = text.strip()
        return checked

    return check


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10:
        raise SettingError("应为大于0、不超过10的小数，如 0.3 表示30%。")
    return float(value)


def _mapping(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SettingError("应为“指标代码: 部门名称”的对照表。")
    return {k.strip(): v.strip() for k, v in value.items()}


def _calendar(value: Any) -> list[dict[str, Any]]:
    try:
        return check_calendar(value)
    except CalendarError as error:
        raise SettingError(str(error)) from None


def _cross_checks(value: Any) -> list[dict[str, Any]]:
    # 审核公式: each rule validated (db/cross_checks.py), not just "a list of records".
    from db.cross_checks import CrossCheckError, validated_rules

    try:
        return validated_rules(value)
    except CrossCheckError as error:
        raise SettingError(str(error)) from None


# The statistical form's top-right block (统计报表制度). Neutral: an office fills in its own.
FORM_HEADER_FIELDS = ("表号", "制表机关", "批准机关", "批准文号", "有效期至")
FORM_HEADER_DEFAULT = {
    "表号": "妇规监测表",
    "制表机关": "妇女儿童工作委员会办公室",
    "批准机关": "",
    "批准文号": "",
    "有效期至": "2031年6月",
}

FORM_HEADER = "form_header"
YOY_THRESHOLD = "yoy_threshold"
DEPARTMENTS = "departments"
REPORTING_CALENDAR = "reporting_calendar"
CROSS_CHECKS = "cross_checks"

SPECS: dict[str, SettingSpec] = {spec.key: spec for spec in (
    SettingSpec(FORM_HEADER, "统计报表表头", FORM_HEADER_DEFAULT,
                _text_fields(FORM_HEADER_FIELDS)),
    # The common township rule: a change of more than 30% on last year needs a written reason.
    SettingSpec(YOY_THRESHOLD, "同比变动超过此比例须说明", 0.30, _share),
    # Indicator code → the department that reports it, over the shipped default mapping.
    SettingSpec(DEPARTMENTS, "指标的报送部门（覆盖默认对照）", {}, _mapping),
    # Townships by 04-30, departments by 20 May of the next year (db/reporting_calendar.py).
    SettingSpec(REPORTING_CALENDAR, "报送日历", DEFAULT_CALENDAR, _calendar),
    SettingSpec(CROSS_CHECKS, "审核公式", [], _cross_checks),
)}


def spec(key: str) -> SettingSpec:
    try:
        return SPECS[key]
    except KeyError:
        raise SettingError(f"没有名为“{key}”的设置（可用：{'、'.join(SPECS)}）。") from None


def setting(session: Session, plan_code: str | None, key: str) -> Any:
    """The plan's value for ``key``, or the default (a copy: callers may change it freely)."""
    default = spec(key).default
    if plan_code is None:
        return copy.deepcopy(default)
    row = session.get(PlanSetting, (plan_code, key))
    return copy.deepcopy(row.value if row is not None else default)


def settings_for(session: Session, plan_code: str | None) -> dict[str, Any]:
    """Every setting of a plan, defaults filled in, in the order of SPECS."""
    return {key: setting(session, plan_code, key) for key in SPECS}


def is_customised(session: Session, plan_code: str, key: str) -> bool:
    return session.get(PlanSetting, (plan_code, key)) is not None


def put_setting(session: Session, plan_code: str, key: str, value: Any,
                by: CurrentUser) -> Any:
    """Check and store a setting (audited; the caller commits). Returns what was stored."""
    _require_admin(by)
    if session.get(Plan, plan_code) is None:
        raise SettingError(f"没有代码为 {plan_code} 的规划。")
    checked = spec(key).check(value)
    row = session.get(PlanSetting, (plan_code, key))
    before = None if row is None else row.value
    if row is None:
        row = PlanSetting(plan_code=plan_code, key=key, value=checked)
        session.add(row)
    row.value, row.updated_by, row.updated_at = checked, by.username, utcnow()
    _audit(session, by, "update" if before is not None else "insert", plan_code, key, before,
           checked)
    return checked


def reset_setting(session: Session, plan_code: str, key: str, by: CurrentUser) -> None:
    """Back to the default (audited; the caller commits)."""
    _require_admin(by)
    spec(key)
    row = session.get(PlanSetting, (plan_code, key))
    if row is not None:
        _audit(session, by, "delete", plan_code, key, row.value, None)
        session.delete(row)


def customised_plans(session: Session, key: str) -> list[str]:
    return list(session.scalars(select(PlanSetting.plan_code).where(PlanSetting.key == key)))


def _require_admin(by: CurrentUser) -> None:
    if not by.allowed("manage_settings"):
        raise SettingError("只有管理员可以修改规划设置。")


def _audit(session: Session, by: CurrentUser, action: str, plan_code: str, key: str,
           before: Any, after: Any) -> None:
    session.add(AuditEntry(user=by.username, action=action, entity="plan_setting",
                           key=f"{plan_code}/{key}",
                           before=None if before is None else {"value": before},
                           after=None if after is None else {"value": after}))
