"""报送日历: who reports which indicators to the county, by which date (docs/calendar.md).

The plan's ``reporting_calendar`` setting is a list of entries::

    {"reporter": "乡镇", "due": "04-30"}
    {"reporter": "卫健局", "due": "05-31", "indicators": ["maternal_mortality_ratio"]}
    {"reporter": "各部门", "due": "05-20"}

``reporter`` is a department, ``乡镇`` (every unit directly below: the townships and 街道 of a
county) or ``各部门`` (every department of the 报送部门 mapping without an entry of its own).
``due`` is a month-day in the year after the data year (统计报表制度: an annual return for 2024
is due in 2025). ``indicators`` is optional: by default a department reports the indicators the
mapping gives it (db/departments.py) and the units below what their level collects.

The default follows the practice the published 统计监测方案 describe: townships first (by 30
April, so the county can pool their counts), departments by 20 May.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import yaml

from resources import CATALOGUE_DIR

log = logging.getLogger(__name__)

TOWNSHIPS = "乡镇"
OTHER_DEPARTMENTS = "各部门"
DEFAULT_CALENDAR: list[dict[str, Any]] = [
    {"reporter": TOWNSHIPS, "due": "04-30"},
    {"reporter": OTHER_DEPARTMENTS, "due": "05-20"},
]

_DUE = re.compile(r"(\d{1,2})-(\d{1,2})")
_FIELDS = ("reporter", "due", "indicators")


class CalendarError(ValueError):
    """A refused calendar; plan_settings turns it into a SettingError."""


@dataclass(frozen=True)
class CalendarEntry:
    reporter: str
    month: int
    day: int
    indicators: tuple[str, ...] | None = None  # None: the default for this reporter

    @property
    def due_text(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"

    def due_date(self, data_year: int) -> date:
        """The deadline for the figures of ``data_year``: in the year after it."""
        return date(data_year + 1, self.month, self.day)


def parse_due(text: Any) -> tuple[int, int]:
    """``"05-20"`` → (5, 20); CalendarError for anything that is not a real month-day."""
    if not isinstance(text, str) or not (match := _DUE.fullmatch(text.strip())):
        raise CalendarError(f"报送日期“{text}”应写成“月-日”，如 05-20（数据年份的次年）。")
    month, day = int(match[1]), int(match[2])
    if (month, day) == (2, 29):
        # Not every year has one: a deadline that vanishes three years in four is no deadline.
        raise CalendarError("报送日期不能是02-29（平年没有这一天），请改为02-28或03-01。")
    try:
        date(2001, month, day)
    except ValueError:
        raise CalendarError(f"报送日期“{text}”不是有效的日期。") from None
    return month, day


@cache
def catalogue_codes() -> frozenset[str]:
    """Every indicator code of the shipped catalogue, to refuse a mistyped code at once."""
    data = yaml.safe_load((CATALOGUE_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    return frozenset(str(i["code"]) for i in data["indicators"])


def check_calendar(value: Any) -> list[dict[str, Any]]:
    """What an administrator typed → the stored calendar, or CalendarError in plain Chinese."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CalendarError("报送日历应为若干条记录的列表，如 "
                            '[{"reporter": "乡镇", "due": "04-30"}]。')
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, item in enumerate(value, start=1):
        unknown = sorted(set(item) - set(_FIELDS))
        if unknown:
            raise CalendarError(f"第{number}条有未知的项目：{'、'.join(unknown)}"
                                f"（可用：{'、'.join(_FIELDS)}）。")
        reporter = item.get("reporter")
        if not isinstance(reporter, str) or not reporter.strip() or len(reporter) > 30:
            raise CalendarError(f"第{number}条：reporter 应为部门名称、“{TOWNSHIPS}”"
                                f"或“{OTHER_DEPARTMENTS}”（不超过30个字）。")
        reporter = reporter.strip()
        if reporter in seen:
            raise CalendarError(f"“{reporter}”在报送日历中出现了两次。")
        seen.add(reporter)
        try:
            month, day = parse_due(item.get("due"))
        except CalendarError as error:
            raise CalendarError(f"第{number}条（{reporter}）：{error}") from None
        entry: dict[str, Any] = {"reporter": reporter, "due": f"{month:02d}-{day:02d}"}
        if "indicators" in item:
            entry["indicators"] = _indicators(number, reporter, item["indicators"])
        checked.append(entry)
    return checked


def _indicators(number: int, reporter: str, codes: Any) -> list[str]:
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise CalendarError(f"第{number}条（{reporter}）：indicators 应为指标代码的列表；"
                            "不写则按默认（部门按报送部门对照，乡镇按乡镇采集的指标）。")
    unknown = sorted(set(codes) - catalogue_codes())
    if unknown:
        raise CalendarError(f"第{number}条（{reporter}）：没有这些指标代码：{'、'.join(unknown)}。")
    return list(dict.fromkeys(c.strip() for c in codes))


def entries(value: Any) -> list[CalendarEntry]:
    """The stored setting as entries. Checked again: a value stored before this check existed
    (the setting's first release took any list) must not stop the overview from opening."""
    try:
        checked = check_calendar(value)
    except CalendarError as error:
        log.warning("报送日历无效，按默认日历：%s", error)
        checked = check_calendar(DEFAULT_CALENDAR)
    out = []
    for item in checked:
        month, day = parse_due(item["due"])
        codes = item.get("indicators")
        out.append(CalendarEntry(item["reporter"], month, day,
                                 tuple(codes) if codes else None))
    return out
