"""``tianbao settings``: what an administrator keeps per plan (see docs/cli.md).

    tianbao [--db …] settings show [--plan CODE]
    tianbao [--db …] settings set KEY (VALUE_JSON | --file F.json) [--plan CODE]
    tianbao [--db …] settings reset KEY [--plan CODE]

Without --plan: the plan of the unit this installation works for.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.errors import UserError
from db.storage import PreparedDatabase
from desktop.cli.common import utf8_stdout


def register(commands: Any) -> None:
    """Add ``settings`` to the ``tianbao`` parser."""
    settings = commands.add_parser("settings", help="规划设置（报表表头、审核规则、报送日历）")
    sub = settings.add_subparsers(dest="settings_command", required=True)
    show = sub.add_parser("show", help="显示规划的全部设置（JSON）")
    show.add_argument("--plan", help="规划代码（默认：本单位所执行的规划）")
    show.set_defaults(handler=show_command)
    put = sub.add_parser("set", help="修改一项设置（仅管理员）")
    put.add_argument("key")
    put.add_argument("value", nargs="?", help="JSON 值，如 0.2 或 '{\"表号\": \"妇规1表\"}'")
    put.add_argument("--file", type=Path, help="从 JSON 文件读取值")
    put.add_argument("--plan")
    put.set_defaults(handler=set_command, refused="未修改：")
    reset = sub.add_parser("reset", help="恢复一项设置的默认值")
    reset.add_argument("key")
    reset.add_argument("--plan")
    reset.set_defaults(handler=reset_command, refused="未修改：")


def show_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.plan_settings import is_customised, settings_for

    plan = _plan(session, args.plan)
    utf8_stdout()
    values = settings_for(session, plan)
    shown = {key: {"value": value, "customised": is_customised(session, plan, key)}
             for key, value in values.items()}
    print(json.dumps({"plan": plan, "settings": shown}, ensure_ascii=False, indent=2))
    return 0


def set_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.plan_settings import put_setting, spec

    plan = _plan(session, args.plan)
    stored = put_setting(session, plan, args.key, _value(args), single_user())
    session.commit()
    utf8_stdout()
    print(f"已保存“{spec(args.key).label}”（{plan}）：{json.dumps(stored, ensure_ascii=False)}")
    return 0


def reset_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.accounts import single_user
    from db.plan_settings import reset_setting, spec

    plan = _plan(session, args.plan)
    reset_setting(session, plan, args.key, single_user())
    session.commit()
    utf8_stdout()
    print(f"已恢复“{spec(args.key).label}”（{plan}）的默认值。")
    return 0


def _value(args: argparse.Namespace) -> Any:
    if (args.value is None) == (args.file is None):
        raise UserError("请给出值，或用 --file 指定 JSON 文件（二者取一）。")
    try:
        text = args.file.read_text(encoding="utf-8-sig") if args.file else args.value
        return json.loads(text)
    except OSError as error:
        raise UserError(f"无法读取 {args.file}：{error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"值不是有效的 JSON：{error}") from error


def _plan(session: Session, code: str | None) -> str:
    from db.evaluation import plan_of
    from db.models import Plan
    from db.units import home_unit_code

    if code:
        if session.get(Plan, code) is None:
            raise UserError(f"没有代码为 {code} 的规划。")
        return code
    home = home_unit_code(session)
    plan = plan_of(session, home) if home else None
    if plan is None:
        raise UserError("本机尚未设定所执行的规划，请用 --plan 指定规划代码。")
    return plan
