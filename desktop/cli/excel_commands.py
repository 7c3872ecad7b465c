"""Headless commands for Excel workbooks (see docs/excel.md and docs/cli.md).

    tianbao --db PATH excel template --unit CODE --year YEAR [--department NAME]
            [--with-units-below] --out FILE.xlsx
    tianbao --db PATH excel import FILE.xlsx [--dry-run] [--unit CODE] [--year YEAR]
    tianbao --db PATH excel tables --unit CODE --years 2020-2025 --out FILE.xlsx
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, utf8_stdout, year_range


def register(commands: Any) -> None:
    """Add ``excel`` and its sub-commands to the ``tianbao`` parser."""
    excel = commands.add_parser("excel", help="Excel 填报模板的导出与导入、统计表导出")
    excel_commands = excel.add_subparsers(dest="excel_command", required=True)

    template = excel_commands.add_parser(
        "template", help="导出一个单位某年的填报模板（.xlsx），填好后用 excel import 导入")
    template.add_argument("--unit", required=True, help="单位代码")
    template.add_argument("--year", required=True, type=int, help="填报年份（2020—2030）")
    template.add_argument("--department",
                          help="只导出该部门负责的指标：规划中的牵头或责任单位；"
                               "规划未列部门时按报送部门对照（如 卫健局、教育局）")
    template.add_argument("--with-units-below", action="store_true",
                          help="同时列出全部下级单位（如各乡镇）需要填报的数据")
    template.add_argument("--out", required=True, type=Path, help="输出的 .xlsx 文件")
    template.set_defaults(handler=template_command)

    imp = excel_commands.add_parser("import", help="导入填好的填报模板（全部无误才写入）")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--unit", help="只接受该单位（或其下级单位）的模板")
    imp.add_argument("--year", type=int, help="只接受该年份的模板")
    imp.set_defaults(handler=import_command)

    tables = excel_commands.add_parser(
        "tables", help="导出统计表（妇女统计资料）：各领域指标 × 单位 × 年份")
    tables.add_argument("--unit", required=True, help="单位代码（含其下级单位）")
    tables.add_argument("--years", required=True, type=year_range, help="年份范围，如 2020-2025")
    tables.add_argument("--out", required=True, type=Path, help="输出的 .xlsx 文件")
    tables.set_defaults(handler=tables_command)


def template_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from reports.excel.template import build_template

    utf8_stdout()
    built = build_template(session, args.unit, args.year, args.out,
                           department=args.department, include_below=args.with_units_below)
    print(f"已导出填报模板 {built.path}：{built.rows} 项数据，{built.units} 个单位")
    return 0


def import_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.importing.excel_template import format_template_report, import_template

    utf8_stdout()
    report = import_template(session, args.file, dry_run=args.dry_run,
                             expected_unit=args.unit, expected_year=args.year)
    print(format_template_report(report))
    return EXIT_REFUSED if report.has_errors else 0


def tables_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from reports.excel.tables import build_tables

    utf8_stdout()
    built = build_tables(session, args.unit, args.years, args.out)
    print(f"已导出统计表 {built.path}：{built.sheets} 张工作表，{built.rows} 行")
    return 0
