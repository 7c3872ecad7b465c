"""``tianbao checks``: the 审核公式 (cross-checks between indicators) of a plan (docs/checks.md).

    tianbao [--db …] checks list [--plan CODE]
    tianbao [--db …] checks add --left CODE --op OP --right CODE[+CODE…] [--factor F]
                                [--disaggregation total|female|male] [--severity error|warning]
                                [--message TEXT] [--id ID] [--plan CODE]
    tianbao [--db …] checks remove ID [--plan CODE]

Without --plan: the plan of the unit this installation works for. Adding and removing are for
an administrator and audited (they change the plan's setting ``cross_checks``).
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import utf8_stdout

OPERATORS = ("<=", "<", "=", ">=", ">")
SEVERITY_WORDS = {"error": "错误", "warning": "提醒"}


def register(commands: Any) -> None:
    """Add ``checks`` to the ``tianbao`` parser."""
    checks = commands.add_parser("checks", help="审核公式（指标间的校核关系）")
    sub = checks.add_subparsers(dest="checks_command", required=True)
    show = sub.add_parser("list", help="列出规划的审核公式（软件自带的和本规划自定义的）")
    show.add_argument("--plan", help="规划代码（默认：本单位所执行的规划）")
    show.set_defaults(handler=list_command)
    add = sub.add_parser("add", help="添加一条自定义审核公式（仅管理员）")
    add.add_argument("--left", required=True, help="左边的指标代码")
    add.add_argument("--op", required=True, choices=OPERATORS, help="比较符")
    add.add_argument("--right", required=True,
                     help="右边：一个指标代码，或用 + 连接的几个（相加），如 a+b")
    add.add_argument("--factor", type=float, default=1.0, help="右边之和乘以的系数（默认 1）")
    add.add_argument("--disaggregation", default="total", choices=("total", "female", "male"),
                     help="比较哪一组数据（默认合计）")
    add.add_argument("--severity", default="error", choices=("error", "warning"),
                     help="error：拒绝保存；warning：上报前须在备注中说明")
    add.add_argument("--message", default="", help="不符合时显示的说明")
    add.add_argument("--id", help="编号（默认自动编号 rule_1、rule_2……）")
    add.add_argument("--plan")
    add.set_defaults(handler=add_command, refused="未添加：")
    remove = sub.add_parser("remove", help="删除一条自定义审核公式（仅管理员）")
    remove.add_argument("id")
    remove.add_argument("--plan")
    remove.set_defaults(handler=remove_command, refused="未删除：")


def list_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.cross_checks import custom_cross_checks, describe, indicator_names, shipped_cross_checks
    from desktop.cli.settings_commands import _plan

    plan = _plan(session, args.plan)
    names = indicator_names(session)
    utf8_stdout()
    print(f"规划 {plan} 的审核公式：")
    for origin, rules in (("自带", shipped_cross_checks()),
                          ("自定义", custom_cross_checks(session, plan))):
        for rule in rules:
            note = f"：{rule.message}" if rule.message else ""
            print(f"  [{origin}] {rule.id}（{SEVERITY_WORDS[rule.severity]}）"
                  f"{describe(rule, names)}{note}")
    return 0


def add_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.cross_checks import add_cross_check, describe, indicator_names
    from desktop.cli.settings_commands import _plan

    plan = _plan(session, args.plan)
    record: dict[str, Any] = {
        "left": args.left.strip(), "op": args.op,
        "right": [part.strip() for part in args.right.split("+")],
        "factor": args.factor, "disaggregation": args.disaggregation,
        "severity": args.severity, "message": args.message.strip(),
    }
    if args.id:
        record["id"] = args.id.strip()
    rule = add_cross_check(session, plan, record, single_user())
    session.commit()
    utf8_stdout()
    print(f"已添加审核公式 {rule.id}（{plan}，{SEVERITY_WORDS[rule.severity]}）："
          f"{describe(rule, indicator_names(session))}")
    return 0


def remove_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.cross_checks import remove_cross_check
    from desktop.cli.settings_commands import _plan

    plan = _plan(session, args.plan)
    remove_cross_check(session, plan, args.id.strip(), single_user())
    session.commit()
    utf8_stdout()
    print(f"已删除审核公式 {args.id.strip()}（{plan}）。")
    return 0
