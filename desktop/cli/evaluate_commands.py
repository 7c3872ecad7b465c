"""``tianbao evaluate``: a unit's figures for a year against the plan's targets (docs/cli.md).

    tianbao --db PATH evaluate --unit CODE --year YEAR [--format json|text]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.orm import Session

from db import strict_json
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, utf8_stdout


def register(commands: Any) -> None:
    """Add ``evaluate`` to the ``tianbao`` parser."""
    evaluate = commands.add_parser("evaluate", help="按规划目标评估一个单位某年的数据")
    evaluate.add_argument("--unit", required=True, help="单位代码")
    evaluate.add_argument("--year", required=True, type=int, help="评估年份（2020—2030）")
    evaluate.add_argument("--format", choices=["json", "text"], default="text")
    evaluate.add_argument("--tolerance", type=float, default=None,
                          help="“左右”目标的容差（百分点），默认取目录中的值（±2）")
    evaluate.set_defaults(handler=evaluate_command)


def evaluate_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.evaluation import STATUS_LABELS, Evaluator, target_phrase
    from db.models import OrgUnit

    if session.get(OrgUnit, args.unit) is None:
        print(f"单位 {args.unit} 不在数据库中（可先用 init 或 units add 添加）", file=sys.stderr)
        return EXIT_REFUSED
    if not FIRST_YEAR <= args.year <= LAST_YEAR:
        print(f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间", file=sys.stderr)
        return EXIT_REFUSED
    evaluator = Evaluator(session, args.unit, args.tolerance)
    specs = {s.id: s for s in evaluator.targets_for(args.unit)}
    results = evaluator.evaluate(args.unit, args.year)
    utf8_stdout()
    if args.format == "json":
        print(strict_json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return 0
    for r in results:
        spec = specs[r.target]
        print(f"{r.target:<28} {STATUS_LABELS[r.status]:<4} {spec.indicator.name}"
              f"（{target_phrase(spec)}）：{r.reason}")
        for warning in r.warnings:
            print(f"{'':<28} 预警 {warning.reason}")
    return 0
