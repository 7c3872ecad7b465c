"""``tianbao users …``: accounts for IT staff, without opening the app (see docs/cli.md).

    tianbao --db PATH users add --username NAME --role clerk|reviewer|admin [--name 显示名]
    tianbao --db PATH users list
    tianbao --db PATH users passwd NAME
    tianbao --db PATH users require-login on|off
    tianbao --db PATH users deactivate NAME | activate NAME

Whoever can run commands on the database file can already copy it, so the command line acts
as an administrator; passwords are read without echo (or one line from standard input).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sqlalchemy.orm import Session

from db.accounts import (
    ROLES,
    AccountError,
    create_user,
    login_required,
    set_active,
    set_login_required,
    set_password,
    single_user,
    users,
)
from db.storage import PreparedDatabase


def register(commands: Any) -> None:
    parser = commands.add_parser("users", help="管理账户和角色（填报员、审核员、管理员）")
    sub = parser.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="添加账户（密码从终端或标准输入读取）")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=sorted(ROLES))
    add.add_argument("--name", default="", help="显示名")
    add.set_defaults(handler=add_command)
    sub.add_parser("list", help="列出账户").set_defaults(handler=list_command)
    passwd = sub.add_parser("passwd", help="重设密码")
    passwd.add_argument("username")
    passwd.set_defaults(handler=passwd_command)
    login = sub.add_parser("require-login", help="是否要求登录（on：要求；off：单机免登录）")
    login.add_argument("state", choices=["on", "off"])
    login.set_defaults(handler=login_command)
    for name, help_text in (("deactivate", "停用账户（保留其修改记录，不能再登录）"),
                            ("activate", "重新启用已停用的账户")):
        state = sub.add_parser(name, help=help_text)
        state.add_argument("username")
        state.set_defaults(handler=active_command)


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != first:
            raise AccountError("两次输入的密码不一致。")
        return first
    return sys.stdin.readline().rstrip("\n")


def add_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    user = create_user(session, args.username, _password(), args.role, args.name,
                       by=single_user())
    session.commit()
    print(f"已添加账户 {user.username}（{ROLES[user.role]}）")
    return 0


def list_command(_args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    print(f"要求登录：{'是' if login_required(session) else '否（单机免登录）'}")
    for user in users(session):
        state = "" if user.active else "（已停用）"
        print(f"{user.username}\t{user.display_name}\t{ROLES[user.role]}{state}")
    return 0


def passwd_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    set_password(session, args.username, _password(), single_user())
    session.commit()
    print(f"已重设 {args.username} 的密码")
    return 0


def login_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    set_login_required(session, args.state == "on", single_user())
    session.commit()
    print("已要求登录" if args.state == "on" else "已改为单机免登录")
    return 0


def active_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    active = args.users_command == "activate"
    set_active(session, args.username, active, single_user())
    session.commit()
    print(f"已{'启用' if active else '停用'}账户 {args.username}")
    return 0
