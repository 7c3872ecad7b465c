"""``tianbao report``: write a PDF report without opening the app (see docs/cli.md).

    tianbao --db PATH report --unit CODE [--year YEAR]
            --kind annual|midterm|final|comparison|form --out FILE.pdf
            [--blank [--with-last-year]]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED
from reports.pdf.kinds import FORM_KINDS, REPORT_KINDS, build_report


def register(commands: Any) -> None:
    """Add ``report`` to the ``tianbao`` parser."""
    report = commands.add_parser("report", help="生成PDF报告（年度监测、中期/终期评估、对比）")
    report.add_argument("--unit", required=True, help="单位代码")
    report.add_argument("--year", type=int, default=None,
                        help="报告年份；中期评估默认2025，终期评估默认2030")
    report.add_argument("--kind", choices=list(REPORT_KINDS), default="annual",
                        help="annual 年度监测报告（默认）；midterm 中期评估；final 终期评估；"
                             "comparison 下级单位对比；form 统计报表；blank_form 空白报表")
    report.add_argument("--blank", action="store_true",
                        help="统计报表留空“本年”栏，供手工填写（同 --kind blank_form）")
    report.add_argument("--with-last-year", action="store_true",
                        help="空白报表的“上年”栏填入已有的上年数据")
    report.add_argument("--out", required=True, type=Path, help="输出的PDF文件")
    report.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    kind = args.kind
    if args.blank or args.with_last_year:
        if kind not in FORM_KINDS:
            print("--blank 和 --with-last-year 只用于统计报表（--kind form）", file=sys.stderr)
            return EXIT_REFUSED
        kind = "blank_form" if args.blank or kind == "blank_form" else kind
    if kind == "form" and args.with_last_year:
        print("--with-last-year 用于空白报表（加 --blank）；统计报表本身总有上年数据",
              file=sys.stderr)
        return EXIT_REFUSED
    if kind in ("annual", "comparison", *FORM_KINDS) and args.year is None:
        print(f"{REPORT_KINDS[kind]}需要用 --year 指定年份", file=sys.stderr)
        return EXIT_REFUSED
    built = build_report(session, kind, args.unit, args.year, args.out,
                         with_last_year=args.with_last_year)
    print(f"已生成 {built.path}（{built.pages}页）")
    return 0
