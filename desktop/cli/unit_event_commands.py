"""Command-line changes to the map of units over the plan's years (see docs/units.md).

    tianbao units list [--unit CODE] [--year YEAR]
    tianbao units rename --code CODE --name NAME --year YEAR [--reason TEXT]
    tianbao units deactivate --code CODE --from-year YEAR [--reason TEXT]
    tianbao units merge --from CODE [--from CODE …] --into CODE [--name NAME] --year YEAR
    tianbao units split --from CODE --into CODE[=NAME] --into CODE[=NAME] … --year YEAR
    tianbao units recode --code CODE --new-code CODE --year YEAR
    tianbao units move --code CODE --new-code CODE --parent CODE --year YEAR

Each change is one committed transaction, audited; a refused one prints why and changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import OrgUnit, UnitEvent
from db.storage import PreparedDatabase
from db.unit_events import (
    event_text,
    figures_outside_validity,
    names_in,
    record_close,
    record_merge,
    record_move,
    record_recode,
    record_rename,
    record_split,
    units_valid_in,
    validity_text,
)
from db.units import UnitError, get_unit, home_unit_code, subtree_codes
from desktop.cli.common import utf8_stdout

EXIT_REFUSED = 1


def register(units_commands: Any) -> None:
    """Add the change commands to ``tianbao units`` (the sub-parsers of ``units``)."""
    listing = units_commands.add_parser("list", help="列出下级单位（某年有效的，或全部及有效期）")
    listing.add_argument("--unit", help="上级单位代码（默认本机填报单位）")
    listing.add_argument("--year", type=int, help="只列这一年有效的单位，用当年的名称")
    listing.set_defaults(handler=list_command)

    rename = units_commands.add_parser("rename", help="单位更名（代码不变），自某年起")
    rename.add_argument("--code", required=True)
    rename.add_argument("--name", required=True, help="新名称")
    _year_and_reason(rename)
    rename.set_defaults(handler=rename_command)

    close = units_commands.add_parser("deactivate", help="撤销单位：自某年起不再存在，数据保留")
    close.add_argument("--code", required=True)
    close.add_argument("--from-year", dest="year", type=int, required=True,
                       help="第一个不再存在的年份（此前各年照常汇总）")
    close.add_argument("--reason", default="", help="变更原因或文件依据")
    close.set_defaults(handler=deactivate_command)

    merge = units_commands.add_parser("merge", help="合并单位（撤乡并镇），自某年起")
    merge.add_argument("--from", dest="sources", action="append", required=True,
                       metavar="CODE", help="被合并的单位（可重复）")
    merge.add_argument("--into", required=True, metavar="CODE",
                       help="合并后的单位：新代码（须给 --name），或被合并单位之一")
    merge.add_argument("--name", help="合并后新单位的名称")
    _year_and_reason(merge)
    merge.set_defaults(handler=merge_command)

    split = units_commands.add_parser("split", help="拆分单位，自某年起")
    split.add_argument("--from", dest="source", required=True, metavar="CODE")
    split.add_argument("--into", dest="parts", action="append", required=True,
                       metavar="CODE[=NAME]", help="拆分后的单位（可重复）；新单位写 代码=名称")
    _year_and_reason(split)
    split.set_defaults(handler=split_command)

    recode = units_commands.add_parser("recode", help="同一单位换用新的统计用区划代码，自某年起")
    recode.add_argument("--code", required=True)
    recode.add_argument("--new-code", required=True)
    _year_and_reason(recode)
    recode.set_defaults(handler=recode_command)

    move = units_commands.add_parser("move", help="单位划归另一上级（换用新代码），自某年起")
    move.add_argument("--code", required=True)
    move.add_argument("--new-code", required=True)
    move.add_argument("--parent", required=True, help="新的上级单位代码")
    _year_and_reason(move)
    move.set_defaults(handler=move_command)


def _year_and_reason(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=int, required=True, help="新区划生效的第一年")
    parser.add_argument("--reason", default="", help="变更原因或文件依据")


# ------------------------------------------------------------------------------ handlers


def rename_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    return _change(session, lambda: record_rename(session, args.code, args.name, args.year,
                                                  args.reason))


def deactivate_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    return _change(session, lambda: record_close(session, args.code, args.year, args.reason))


def merge_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    return _change(session, lambda: record_merge(session, args.sources, args.into, args.year,
                                                 args.reason, name=args.name))


def split_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    parts = []
    for text in args.parts:
        code, _, name = text.partition("=")
        parts.append((code, name.strip() or None))
    return _change(session, lambda: record_split(session, args.source, parts, args.year,
                                                 args.reason))


def recode_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    return _change(session, lambda: record_recode(session, args.code, args.new_code, args.year,
                                                  args.reason))


def move_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    return _change(session, lambda: record_move(session, args.code, args.new_code, args.parent,
                                                args.year, args.reason))


def _change(session: Session, change: Callable[[], UnitEvent]) -> int:
    utf8_stdout()
    try:
        event = change()
        session.commit()
    except UnitError as error:
        session.rollback()
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    names = {u.code: u.name for u in session.scalars(select(OrgUnit))}
    print(f"已记录：{event_text(event, names)}")
    return 0


def list_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    utf8_stdout()
    code = args.unit or home_unit_code(session)
    if code is None:
        print("请用 --unit 指定上级单位（本机尚未设定填报单位）。", file=sys.stderr)
        return EXIT_REFUSED
    try:
        parent = get_unit(session, code)
    except UnitError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    if args.year is not None:
        earlier = names_in(session, args.year)
        units = units_valid_in(session, parent.code, args.year)
        print(f"{parent.name}（{parent.code}）{args.year}年的下级单位：{len(units)}个")
        for unit in units:
            print(f"{unit.code}\t{earlier.get(unit.code, unit.name)}")
    else:
        units = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_code == parent.code)
                                     .order_by(OrgUnit.code)))
        print(f"{parent.name}（{parent.code}）的下级单位：{len(units)}个")
        for unit in units:
            print(f"{unit.code}\t{unit.name}\t{validity_text(unit)}")
    below = subtree_codes(session, parent.code, include_inactive=True)
    events = [e for e in session.scalars(select(UnitEvent).order_by(UnitEvent.year, UnitEvent.id))
              if set(below) & {*e.sources, *e.targets}]
    if events:
        names = {u.code: u.name for u in session.scalars(select(OrgUnit))}
        print("区划变更：")
        for event in events:
            print(f"  {event_text(event, names)}")
    outside = [f for f in figures_outside_validity(session, below)
               if args.year is None or f.year == args.year]
    for finding in outside:
        print(f"注意：{finding.message}")
    return 0
