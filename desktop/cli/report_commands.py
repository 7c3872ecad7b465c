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
from reports.pdf.kinds import REPORT_KINDS, build_report


def register(commands: Any) -> None:
    """Add ``report`` to the ``tianbao`` parser."""
    report = commands.add_parser("report", help="生成PDF报告（年度监测、中期/终期评估、对比）")
    report.add_argument("--unit", required=True, help="单位代码")
    report.add_argument("--year", type=int, default=None,
                        help="报告年份；中期评估默认2025，终期评估默认2030")
    report.add_argument("--kind", choices=list(REPORT_KINDS), default="annual",
                        help="annual 年度监测报告（默认）；midterm 中期评估；final 终期评估；"
                             "comparison 下级单位对比")
    report.add_argument("--out", required=True, type=Path, help="输出的PDF文件")
    report.set_defaults(handler=report_command)


def report_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    if args.kind in ("annual", "comparison") and args.year is None:
        print("年度监测报告和对比报告需要用 --year 指定年份", file=sys.stderr)
        return EXIT_REFUSED
    built = build_report(session, args.kind, args.unit, args.year, args.out)
    print(f"已生成 {built.path}（{built.pages}页）")
    return 0
