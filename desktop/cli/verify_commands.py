"""``tianbao values verify``: double entry of paper returns (双录入核对, db/double_entry.py).

    tianbao values verify [--unit CODE] [--year Y]           the open mismatches, cell by cell
    tianbao values verify --pass 1|2 --file F.csv --unit CODE --year Y [--by NAME]
    tianbao values verify --resolve CODE [--sex female|male] (--take 1|2 | --value V)
                          --unit CODE --year Y [--by NAME]
    tianbao values verify --commit --unit CODE --year Y [--by NAME]

A pass's CSV is the file of ``values import`` (same columns, same parser). Keying a pass prints
counts only, never the other pass's figures: the second pass is blind.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.errors import UserError
from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, os_user, utf8_stdout

_SEX = {"total": "total", "female": "female", "male": "male", "女": "female", "男": "male",
        "合计": "total"}


def register(values_commands: Any) -> None:
    """Add ``verify`` under ``tianbao values``."""
    verify = values_commands.add_parser(
        "verify", help="纸质报表双录入核对：列出不一致、录入一遍、处理不一致、核对入库",
        description="不带 --pass/--resolve/--commit 时列出尚未处理的不一致（逐项：指标、第一遍、"
                    "第二遍）。")
    verify.add_argument("--unit", metavar="CODE", help="单位代码")
    verify.add_argument("--year", type=int, help="年份")
    action = verify.add_mutually_exclusive_group()
    action.add_argument("--pass", dest="pass_number", type=int, choices=[1, 2],
                        help="录入第一遍或第二遍（与 --file 一起）")
    action.add_argument("--resolve", metavar="INDICATOR", help="处理一项不一致（指标代码）")
    action.add_argument("--commit", action="store_true", help="把两遍一致或已处理的数据入库")
    verify.add_argument("--file", type=Path, help="一遍的 CSV 文件（列同 values import）")
    verify.add_argument("--sex", default="total", help="处理不一致时的性别：female、male，默认合计")
    verify.add_argument("--take", type=int, choices=[1, 2], help="采用第一遍或第二遍的数值")
    verify.add_argument("--value", help="按纸质报表填写的数值（留空表示报表上没有数据）")
    verify.add_argument("--by", default=None, help="录入人或处理人（默认：本机登录名）")
    verify.set_defaults(handler=verify_command, refused="未保存：")


def verify_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    utf8_stdout()
    if args.pass_number is not None:
        return _key_pass(args, session)
    if args.resolve:
        return _resolve(args, session)
    if args.commit:
        return _commit(args, session)
    return _list(args, session)


def _unit_and_year(args: argparse.Namespace, what: str) -> tuple[str, int]:
    if not args.unit or args.year is None:
        raise UserError(f"{what}须用 --unit 和 --year 指明纸质报表的单位和年份。")
    return args.unit, args.year


def _by(args: argparse.Namespace) -> str:
    return (args.by or os_user()).strip()[:64]


def _key_pass(args: argparse.Namespace, session: Session) -> int:
    from db.double_entry import PASS_LABELS, key_pass, read_pass_csv
    from db.importing.csv_values import format_report
    from db.storage import begin_write

    unit, year = _unit_and_year(args, "录入")
    if args.file is None:
        raise UserError("请用 --file 给出这一遍的 CSV 文件。")
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise UserError(f"无法读取文件 {args.file}：{error.strerror or error}") from error
    values, report = read_pass_csv(session, data, unit, year, args.file.name)
    if report.has_errors:
        print(format_report(report))
        return EXIT_REFUSED
    begin_write(session)
    result = key_pass(session, unit, year, args.pass_number, values, _by(args))
    session.commit()
    summary = result.summary
    print(f"已录入{PASS_LABELS[args.pass_number]}：{unit} {year}年，{result.cells} 项。")
    if summary.same_keyer:
        print("注意：两遍由同一人录入（已记录）。")
    print(_counts(summary))
    return 0


def _resolve(args: argparse.Namespace, session: Session) -> int:
    from db.double_entry import resolve, shown
    from db.storage import begin_write

    unit, year = _unit_and_year(args, "处理不一致")
    sex = _SEX.get(args.sex.strip().lower())
    if sex is None:
        raise UserError(f"性别“{args.sex}”无效：只能填 female、male 或 total。")
    if (args.take is None) == (args.value is None):
        raise UserError("请用 --take 1、--take 2 或 --value 数值 说明采用哪个数值（三者取一）。")
    begin_write(session)
    cell = resolve(session, unit, year, args.resolve, sex, _by(args), choose=args.take,
                   value=args.value)
    session.commit()
    print(f"已处理：{cell.label}（第一遍 {shown(cell.pass1)}，第二遍 {shown(cell.pass2)}）"
          f"→ {shown(cell.resolved or None)}。用 --commit 入库。")
    return 0


def _commit(args: argparse.Namespace, session: Session) -> int:
    from db.double_entry import RETURN_STATES, commit_agreed
    from db.storage import begin_write

    unit, year = _unit_and_year(args, "核对入库")
    begin_write(session)
    result = commit_agreed(session, unit, year, _by(args))
    session.commit()
    print(f"已入库 {result.saved} 项。")
    for finding in result.warnings:
        print(f"  提醒：{finding.message}")
    for findings in result.refused.values():
        for finding in findings:
            print(f"  未入库：{finding.message}")
    print(f"{unit} {year}年纸质报表：{RETURN_STATES[result.summary.state]}。"
          + ("" if result.summary.state == "verified" else _counts(result.summary)))
    return EXIT_REFUSED if result.refused else 0


def _list(args: argparse.Namespace, session: Session) -> int:
    from db.double_entry import mismatches, open_returns, shown
    from db.models import OrgUnit

    returns = open_returns(session, args.unit, args.year)
    if not returns:
        print("没有正在核对的纸质报表。")
        return 0
    cells = mismatches(session, args.unit, args.year, include_resolved=True)
    for summary in returns:
        unit = session.get(OrgUnit, summary.unit_code)
        keyers = "，".join(f"{label} {by or '未录'}" for label, by in
                          (("第一遍", summary.pass1_by), ("第二遍", summary.pass2_by)))
        same = "，两遍由同一人录入" if summary.same_keyer else ""
        print(f"{summary.unit_code} {unit.name if unit else ''} {summary.year}年"
              f"（{keyers}{same}）：{_counts(summary)}")
        mine = [c for c in cells if (c.unit_code, c.year) == (summary.unit_code, summary.year)]
        if not mine:
            continue
        width = max(_width(c.label) for c in mine) + 2
        print(f"  {_pad('指标', width)}{_pad('第一遍', 12)}{_pad('第二遍', 12)}处理")
        for cell in mine:
            done = "" if cell.resolved is None else f"已定为 {shown(cell.resolved or None)}"
            print(f"  {_pad(cell.label, width)}{_pad(shown(cell.pass1), 12)}"
                  f"{_pad(shown(cell.pass2), 12)}{done}".rstrip())
    return 0


def _counts(summary: Any) -> str:
    parts = [f"可入库 {summary.agreed} 项", f"不一致 {summary.mismatched} 项"]
    if summary.waiting:
        parts.append(f"待另一遍 {summary.waiting} 项")
    if summary.committed:
        parts.append(f"已入库 {summary.committed} 项")
    return "，".join(parts) + "。"


def _width(text: str) -> int:
    """Columns on a console: a CJK character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _width(text))
