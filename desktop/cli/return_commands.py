"""``tianbao returns``: returns with reasons (退回) between levels (docs/cli.md, db/returns.py).

    tianbao returns issue --unit CODE --year YEAR --reason TEXT [--indicator CODE[/BREAKDOWN] …]
    tianbao returns export --unit CODE --out FILE
    tianbao returns import FILE [--dry-run]
    tianbao returns list [--unit CODE] [--open]

Without --indicator, ``issue`` returns the whole unit-year. Refusals exit with 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import os_user, utf8_stdout


def register(commands: Any) -> None:
    """Add ``returns`` to the ``tianbao`` parser."""
    returns = commands.add_parser("returns", help="退回下级单位的数据（附原因）")
    sub = returns.add_subparsers(dest="returns_command", required=True)
    issue = sub.add_parser("issue", help="退回下级单位某年的数据：逐项（--indicator）或整表")
    issue.add_argument("--unit", required=True, help="下级单位代码")
    issue.add_argument("--year", required=True, type=int)
    issue.add_argument("--indicator", action="append", default=[],
                       help="退回的指标代码，可写 代码/分组；可重复；省略则整表退回")
    issue.add_argument("--reason", required=True, help="退回原因")
    issue.set_defaults(handler=issue_command, refused="未退回：")
    export = sub.add_parser("export", help="写出给某下级单位的退回文件（含已关闭的），签名")
    export.add_argument("--unit", required=True)
    export.add_argument("--out", required=True, type=Path)
    export.set_defaults(handler=export_command, refused="未导出：")
    imp = sub.add_parser("import", help="检查并导入上级单位的退回文件")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不写入")
    imp.set_defaults(handler=import_command, refused="拒绝导入：")
    listing = sub.add_parser("list", help="列出本机的退回记录（发出的和收到的）")
    listing.add_argument("--unit")
    listing.add_argument("--open", action="store_true", help="只列出尚未关闭的")
    listing.set_defaults(handler=list_command)


def issue_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.returns import ReturnRequest, describe, issue_return

    utf8_stdout()
    items = []
    for text in args.indicator:
        code, _, dis = text.partition("/")
        items.append(ReturnRequest(code.strip(), args.reason, dis.strip() or "total"))
    row = issue_return(session, args.unit, args.year, items=items, reason=args.reason,
                       user=os_user())
    session.commit()
    print(f"已退回：{describe(session, row)}")
    print(f"请用“tianbao returns export --unit {args.unit} --out 文件”写出退回文件交给该单位。")
    return 0


def export_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.returns_file import export_returns

    utf8_stdout()
    count = export_returns(session, args.unit, args.out, os_user())
    print(f"已写出退回文件 {args.out}：退回记录 {count} 条。")
    return 0


def import_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.returns_file import format_returns_preview, import_returns_file

    utf8_stdout()
    preview = import_returns_file(session, args.file, user=os_user(), dry_run=args.dry_run)
    print(format_returns_preview(preview))
    return 0


def list_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.returns import describe, returns_of

    utf8_stdout()
    rows = returns_of(session, unit_code=args.unit, state="open" if args.open else None)
    if not rows:
        print("没有退回记录。")
        return 0
    for side, title in (("issued", "本单位发出的退回"), ("received", "上级退回本单位的")):
        mine = [row for row in rows if row.side == side]
        if mine:
            print(f"{title}（{len(mine)} 条）：")
            for row in mine:
                print(f"  {describe(session, row)}")
    return 0
