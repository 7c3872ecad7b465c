"""``tianbao calendar``: the reporting calendar per plan and the 报送情况 (see docs/calendar.md).

    tianbao [--db …] calendar show [--plan CODE]
    tianbao [--db …] calendar set REPORTER MM-DD [--indicators CODE,CODE] [--plan CODE]
    tianbao [--db …] calendar remove REPORTER [--plan CODE]
    tianbao [--db …] calendar status --unit CODE --year YEAR [--today YYYY-MM-DD]

REPORTER is a department (卫健局), 乡镇 (every unit below) or 各部门 (every other department).
Without --plan: the plan of the unit this installation works for. Changes are admin-only and
audited, as ``tianbao settings set reporting_calendar`` is.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db.errors import UserError
from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, utf8_stdout
from desktop.cli.settings_commands import _plan


def register(commands: Any) -> None:
    """Add ``calendar`` and its sub-commands to the ``tianbao`` parser."""
    calendar = commands.add_parser("calendar", help="报送日历（谁、哪些指标、何时报送）与报送情况")
    sub = calendar.add_subparsers(dest="calendar_command", required=True)
    show = sub.add_parser("show", help="显示规划的报送日历")
    show.add_argument("--plan", help="规划代码（默认：本单位所执行的规划）")
    show.set_defaults(handler=show_command)
    put = sub.add_parser("set", help="设定一个报送单位的报送日期（仅管理员）")
    put.add_argument("reporter", help="部门名称、“乡镇”或“各部门”")
    put.add_argument("due", help="报送日期（数据年份的次年），如 05-20")
    put.add_argument("--indicators", help="指标代码，以逗号分隔（默认按报送部门对照）")
    put.add_argument("--plan")
    put.set_defaults(handler=set_command, refused="未修改：")
    remove = sub.add_parser("remove", help="从报送日历中删除一个报送单位（仅管理员）")
    remove.add_argument("reporter")
    remove.add_argument("--plan")
    remove.set_defaults(handler=remove_command, refused="未修改：")
    status = sub.add_parser("status", help="报送情况：各报送单位是否报齐、是否按时")
    status.add_argument("--unit", required=True, help="单位代码（县、区）")
    status.add_argument("--year", required=True, type=int, help="数据年份")
    status.add_argument("--today", type=date.fromisoformat,
                        help="按此日期判断是否逾期（默认：今天）")
    status.set_defaults(handler=status_command)


def show_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.plan_settings import REPORTING_CALENDAR, is_customised, setting
    from db.reporting_calendar import entries

    plan = _plan(session, args.plan)
    utf8_stdout()
    shown = "已自定义" if is_customised(session, plan, REPORTING_CALENDAR) else "默认"
    print(f"规划 {plan} 的报送日历（{shown}；日期为数据年份的次年）：")
    for entry in entries(setting(session, plan, REPORTING_CALENDAR)):
        which = (f"{len(entry.indicators)}项指标：{'、'.join(entry.indicators)}"
                 if entry.indicators else "默认指标")
        print(f"  {entry.reporter}\t{entry.due_text}\t{which}")
    return 0


def set_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.plan_settings import REPORTING_CALENDAR, put_setting, setting

    plan = _plan(session, args.plan)
    reporter = args.reporter.strip()
    item: dict[str, Any] = {"reporter": reporter, "due": args.due}
    if args.indicators:
        item["indicators"] = [c.strip() for c in args.indicators.split(",") if c.strip()]
    calendar = setting(session, plan, REPORTING_CALENDAR)
    replaced = [item if e["reporter"] == reporter else e for e in calendar]
    if item not in replaced:
        replaced.append(item)
    stored = put_setting(session, plan, REPORTING_CALENDAR, replaced, single_user())
    session.commit()
    utf8_stdout()
    due = next(e["due"] for e in stored if e["reporter"] == reporter)
    print(f"已保存：{reporter} 于数据年份次年的 {due} 前报送（规划 {plan}）。")
    return 0


def remove_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.plan_settings import REPORTING_CALENDAR, put_setting, setting

    plan = _plan(session, args.plan)
    calendar = setting(session, plan, REPORTING_CALENDAR)
    kept = [e for e in calendar if e["reporter"] != args.reporter.strip()]
    if len(kept) == len(calendar):
        raise UserError(f"报送日历中没有“{args.reporter}”。")
    put_setting(session, plan, REPORTING_CALENDAR, kept, single_user())
    session.commit()
    utf8_stdout()
    print(f"已从规划 {plan} 的报送日历中删除“{args.reporter}”。")
    return 0


def status_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.models import OrgUnit
    from db.reporting_status import (
        COMPLETENESS_LABELS,
        local_time,
        reporting_status,
        summarise,
    )

    if session.get(OrgUnit, args.unit) is None:
        raise UserError(f"没有代码为 {args.unit} 的单位。")
    statuses = reporting_status(session, args.unit, args.year, today=args.today)
    utf8_stdout()
    if not statuses:
        print("本单位没有报送单位（没有适用的规划）。")
        return EXIT_REFUSED
    print(f"{args.year}年数据报送情况　{summarise(statuses).text}")
    print("报送单位\t报送期限\t完整度\t及时性\t最近收到的文件")
    for s in statuses:
        received = f"{s.last_file.name}（{local_time(s.last_file.at)}）" if s.last_file else "—"
        print(f"{s.reporter.name}\t{s.reporter.due.isoformat()}\t"
              f"{COMPLETENESS_LABELS[s.completeness]} {s.answered}/{s.expected}\t"
              f"{s.timeliness}\t{received}")
    return 0

