"""Headless commands about units, figures and their evaluation (see docs/cli.md).

    tianbao --db PATH init --unit CODE [--name NAME --parent CODE --level LEVEL]
    tianbao --db PATH units add --code CODE --name NAME --parent CODE --level township
    tianbao --db PATH values import FILE.csv [--dry-run]
    tianbao --db PATH evaluate --unit CODE --year YEAR [--format json|text]
    tianbao --db PATH demo --unit CODE --townships N --years 2020-2025 --seed S
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.console import utf8_stdout

EXIT_REFUSED = 1


LEVELS = ["township", "county", "city", "province"]


def register(commands: Any) -> None:
    """Add this module's sub-commands to the ``tianbao`` parser."""
    init = commands.add_parser("init", help="设定本机填报的单位（目录中规划的地区，或其下的乡镇）")
    init.add_argument("--unit", required=True, help="行政区划代码（6位）或统计用区划代码（12位）")
    init.add_argument("--name", help="单位名称（规划所在地区可省略）")
    init.add_argument("--parent", help="上级单位代码（乡镇默认取前6位）")
    init.add_argument("--level", choices=LEVELS, help="单位层级（默认按代码判断）")
    init.set_defaults(handler=init_command)

    units = commands.add_parser("units", help="管理下级单位")
    units_commands = units.add_subparsers(dest="units_command", required=True)
    add = units_commands.add_parser("add", help="添加下级单位（如乡镇、街道）")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--parent", required=True)
    add.add_argument("--level", choices=LEVELS, default="township")
    add.set_defaults(handler=units_add_command)

    values = commands.add_parser("values", help="导入填报数据")
    values_commands = values.add_subparsers(dest="values_command", required=True)
    imp = values_commands.add_parser(
        "import", help="从 CSV 导入（列：unit,code,year,sex,value,comment）")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.set_defaults(handler=values_import_command)
    evaluate = commands.add_parser("evaluate", help="按规划目标评估一个单位某年的数据")
    evaluate.add_argument("--unit", required=True, help="单位代码")
    evaluate.add_argument("--year", required=True, type=int, help="评估年份（2020—2030）")
    evaluate.add_argument("--format", choices=["json", "text"], default="text")
    evaluate.add_argument("--tolerance", type=float, default=None,
                          help="“左右”目标的容差（百分点），默认取目录中的值（±2）")
    evaluate.set_defaults(handler=evaluate_command)

    demo = commands.add_parser("demo", help="生成确定的演示数据（培训、截图、性能测试用）")
    demo.add_argument("--unit", required=True, help="规划所属行政区划代码，如 211122")
    demo.add_argument("--townships", type=int, default=20, help="乡镇数")
    demo.add_argument("--years", type=year_range, default=range(2020, 2026),
                      help="年份范围，如 2020-2025")
    demo.add_argument("--seed", type=int, default=1, help="随机种子：同一种子得到同样的数据")
    demo.set_defaults(handler=demo_command)


def year_range(text: str) -> range:
    """``2020-2025`` → range(2020, 2026); a single year is a range of one."""
    first, _, last = text.partition("-")
    try:
        start, stop = int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年份范围应写成 2020-2025，而不是 {text!r}") from None
    if not (2020 <= start <= stop <= 2030):
        raise argparse.ArgumentTypeError("年份必须在2020—2030年之间")
    return range(start, stop + 1)


def evaluate_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.evaluation import STATUS_LABELS, Evaluator, target_phrase
    from db.models import OrgUnit

    if session.get(OrgUnit, args.unit) is None:
        print(f"单位 {args.unit} 不在数据库中（可先用 init 或 units add 添加）", file=sys.stderr)
        return EXIT_REFUSED
    if not 2020 <= args.year <= 2030:
        print("年份必须在2020—2030年之间", file=sys.stderr)
        return EXIT_REFUSED
    evaluator = Evaluator(session, args.unit, args.tolerance)
    specs = {s.id: s for s in evaluator.targets_for(args.unit)}
    results = evaluator.evaluate(args.unit, args.year)
    utf8_stdout()
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return 0
    for r in results:
        spec = specs[r.target]
        print(f"{r.target:<28} {STATUS_LABELS[r.status]:<4} {spec.indicator.name}"
              f"（{target_phrase(spec)}）：{r.reason}")
        for warning in r.warnings:
            print(f"{'':<28} 预警 {warning.reason}")
    return 0


def demo_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.demo import fill_demo

    try:
        summary = fill_demo(session, args.unit, args.townships, args.years, args.seed)
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    print(f"已为 {summary.unit} 及 {len(summary.townships)} 个乡镇生成 "
          f"{summary.years.start}—{summary.years.stop - 1} 年演示数据 {summary.figures} 条")
    return 0


def init_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.keys import ensure_local_key, format_fingerprint
    from db.units import UnitError, init_unit

    try:
        unit = init_unit(session, args.unit, args.name, args.parent, args.level)
        key = ensure_local_key(session)  # made at setup: the fingerprint to read out by phone
        session.commit()
    except UnitError as error:
        session.rollback()
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    print(f"本机填报单位：{unit.name}（{unit.code}）")
    print(f"本机密钥指纹：{format_fingerprint(key.fingerprint)}")
    return 0


def units_add_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.units import UnitError, create_unit

    try:
        unit = create_unit(session, args.code, args.name, args.level, parent_code=args.parent)
        session.commit()
    except UnitError as error:
        session.rollback()
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    print(f"已添加：{unit.name}（{unit.code}），上级 {unit.parent_code}")
    return 0


def values_import_command(args: argparse.Namespace, session: Session,
                          prepared: PreparedDatabase) -> int:
    from db.values_csv import ValuesCsvError, format_report, import_values_csv

    utf8_stdout()
    try:
        report = import_values_csv(session, args.file, dry_run=args.dry_run)
    except ValuesCsvError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    print(format_report(report))
    return EXIT_REFUSED if report.has_errors else 0
