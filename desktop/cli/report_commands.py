"""``tianbao report``: write a PDF report without opening the app (see docs/cli.md).

    tianbao --db PATH report --unit CODE [--year YEAR]
            --kind annual|midterm|final|comparison --out FILE.pdf
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED

KINDS = ("annual", "midterm", "final", "comparison")


def register(commands: Any) -> None:
    """Add ``report`` to the ``tianbao`` parser."""
    report = commands.add_parser("report", help="生成PDF报告（年度监测、中期/终期评估、对比）")
    report.add_argument("--unit", required=True, help="单位代码")
    report.add_argument("--year", type=int, default=None,
                        help="报告年份；中期评估默认2025，终期评估默认2030")
    report.add_argument("--kind", choices=KINDS, default="annual",
                        help="annual 年度监测报告（默认）；midterm 中期评估；final 终期评估；"
                             "comparison 下级单位对比")
    report.add_argument("--out", required=True, type=Path, help="输出的PDF文件")
    report.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    # Imported here: reportlab and the font load only when a report is asked for.
    from reports.pdf.annual import build_annual_report
    from reports.pdf.comparison import build_comparison_report
    from reports.pdf.evaluation_report import build_evaluation_report

    if args.kind in ("annual", "comparison") and args.year is None:
        print("年度监测报告和对比报告需要用 --year 指定年份", file=sys.stderr)
        return EXIT_REFUSED
    if args.kind == "annual":
        built = build_annual_report(session, args.unit, args.year, args.out)
    elif args.kind == "comparison":
        built = build_comparison_report(session, args.unit, args.year, args.out)
    else:
        built = build_evaluation_report(session, args.unit, args.out, kind=args.kind,
                                        year=args.year)
    print(f"已生成 {built.path}（{built.pages}页）")
    return 0
