"""``tianbao values``: figures from a CSV file (see docs/cli.md).

    tianbao --db PATH values import FILE.csv [--dry-run]
    tianbao --db PATH values verify …   (double entry of paper returns: verify_commands.py)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, utf8_stdout


def register(commands: Any) -> None:
    """Add ``values`` to the ``tianbao`` parser."""
    values = commands.add_parser("values", help="导入填报数据")
    values_commands = values.add_subparsers(dest="values_command", required=True)
    imp = values_commands.add_parser(
        "import", help="从 CSV 导入（列：unit,code,year,sex,value,comment）")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.set_defaults(handler=values_import_command)
    from desktop.cli import verify_commands

    verify_commands.register(values_commands)


def values_import_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.importing.csv_values import format_report, import_values_csv

    utf8_stdout()
    report = import_values_csv(session, args.file, dry_run=args.dry_run)
    print(format_report(report))
    return EXIT_REFUSED if report.has_errors else 0
