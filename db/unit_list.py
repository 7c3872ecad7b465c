"""The county's unit list (单位名单): a small file a county gives its townships, so that a
township's set-up picks its own name and 12-digit code instead of retyping them.

It is not signed: a wrong list can only make a township choose a wrong unit, and that shows at
the county's first import of the township's file (an unknown unit, or a name that differs from
the county's, is said in the preview and the key registration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import UserError
from db.models import OrgUnit
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.units import get_unit

LIST_FORMAT = "tianbao-unit-list"
LIST_VERSION = "1.0"
MAX_LIST_BYTES = 1024 * 1024


class UnitListError(UserError):
    """A unit list that cannot be read or written; ``str(error)`` is for the clerk."""


@dataclass(frozen=True)
class ListedUnit:
    code: str
    name: str


@dataclass(frozen=True)
class UnitList:
    """A unit and the units directly under it that still report."""

    code: str
    name: str
    level: str
    children: list[ListedUnit]


def unit_list(session: Session, code: str, year: int | None = None) -> UnitList:
    """The units below ``code`` that still report: in use now, or valid in ``year`` (by
    default the year just ended, which the offices report on) — a township merged from next
    year still sets up its PC and sends this year's figures."""
    unit = get_unit(session, code)
    reported = year if year is not None else max(FIRST_YEAR, min(LAST_YEAR,
                                                                   date.today().year - 1))
    children = [ListedUnit(c.code, c.name) for c in session.scalars(
        select(OrgUnit).where(OrgUnit.parent_code == code).order_by(OrgUnit.code))
        if c.active or (c.valid_to is not None and c.valid_to >= reported)]
    return UnitList(unit.code, unit.name, unit.level, children)


def write_unit_list(session: Session, code: str, path: Path) -> UnitList:
    listed = unit_list(session, code)
    document = {
        "format": LIST_FORMAT,
        "formatVersion": LIST_VERSION,
        "unit": {"code": listed.code, "name": listed.name, "level": listed.level},
        "children": [{"code": c.code, "name": c.name} for c in listed.children],
    }
    try:
        Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")
    except OSError as error:
        raise UnitListError(f"无法写入文件 {path}：{error.strerror or error}") from None
    return listed


def read_unit_list(path: Path) -> UnitList:
    """Read a unit list; :class:`UnitListError` for anything else."""
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_LIST_BYTES + 1)
    except OSError as error:
        raise UnitListError(f"无法读取文件 {path}：{error.strerror or error}") from None
    not_a_list = UnitListError("这不是单位名单文件（请使用县里“管理乡镇 → 导出乡镇名单”"
                               "得到的文件）。")
    if len(data) > MAX_LIST_BYTES:
        raise not_a_list
    try:
        document = json.loads(data.decode("utf-8-sig"))
        if document.get("format") != LIST_FORMAT:
            raise not_a_list
        unit = document["unit"]
        children = [ListedUnit(_code(c["code"]), _name(c["name"]))
                    for c in document["children"]]
        return UnitList(_code(unit["code"]), _name(unit["name"]), str(unit["level"]), children)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, AttributeError,
            KeyError, TypeError, ValueError):
        raise not_a_list from None


def _code(value: object) -> str:
    if not isinstance(value, str) or not value.isdigit() or len(value) not in (6, 12):
        raise ValueError(value)
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ValueError(value)
    return value.strip()
