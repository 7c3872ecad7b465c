"""Headless commands for a county's own plan (see docs/cli.md and docs/catalogue.md).

    tianbao [--db …] plan draft FILE --code CODE --name NAME [--level county] [--parent CODE]
                                     [--parent-name NAME] [--province NAME]
                                     --format json|yaml --out DRAFT
    tianbao [--db …] plan import DRAFT
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from db.errors import UserError
from db.storage import PreparedDatabase

EXIT_REFUSED = 1


def register(commands: Any) -> None:
    """Add ``plan draft`` and ``plan import`` to the ``tianbao`` parser."""
    plan = commands.add_parser("plan", help="导入本县（市、区）自己的规划")
    sub = plan.add_subparsers(dest="plan_command", required=True)
    draft = sub.add_parser("draft", help="从规划文本（.txt、.docx、文字版 .pdf）生成待审核的草稿")
    draft.add_argument("file", type=Path)
    draft.add_argument("--code", required=True, help="行政区划代码（6位）")
    draft.add_argument("--name", required=True, help="地区名称，如 某某县")
    draft.add_argument("--level", choices=["county", "district", "city", "county_city"],
                       default="county")
    draft.add_argument("--parent", default="", help="上级行政区划代码")
    draft.add_argument("--parent-name", default="", help="上级名称")
    draft.add_argument("--province", default="", help="所在省份")
    draft.add_argument("--title", default="",
                       help="规划标题（默认：某某县妇女发展规划（2021—2030年））")
    draft.add_argument("--format", choices=["json", "yaml"], default="json")
    draft.add_argument("--out", type=Path, required=True, help="草稿文件")
    draft.set_defaults(handler=draft_command)
    imp = sub.add_parser("import", help="把审核完的草稿载入本机目录")
    imp.add_argument("draft", type=Path)
    imp.set_defaults(handler=import_command)


def draft_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.plan_draft.indicators import indicator_dicts
    from db.plan_draft.plan import PlanMeta, draft_plan
    from db.plan_draft.sources import read_plan_source

    try:
        if not (len(args.code) == 6 and args.code.isdigit()):
            raise UserError(f"行政区划代码应为6位数字：{args.code}")
        lines = read_plan_source(args.file)
        meta = PlanMeta(args.code, args.name, args.level, args.parent, args.parent_name,
                        args.province, args.title, args.file.name)
        try:
            draft = draft_plan(lines, meta, indicator_dicts(session))
        except ValueError as error:
            raise UserError(str(error)) from None
        write_draft(draft, args.out, args.format)
    except UserError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    goals, targets = len(draft["goals"]), len(draft["targets"])
    print(f"已生成草稿 {args.out}：{goals} 条目标，{targets} 项目标值，"
          f"{len(draft['unresolved'])} 处待处理。")
    return 0


def write_draft(draft: dict[str, Any], out: Path, fmt: str) -> None:
    if fmt == "yaml":
        text = yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=1000)
    else:
        text = json.dumps(draft, ensure_ascii=False, indent=2)
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"无法写入 {out}：{error.strerror or error}") from None


def import_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.plan_draft.load import import_plan, read_draft

    try:
        code = import_plan(session, read_draft(args.draft))
    except UserError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    print(f"规划 {code} 已载入本机目录。")
    return 0
