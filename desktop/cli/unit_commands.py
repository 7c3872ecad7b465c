"""``tianbao units``: the units below this one (see docs/cli.md).

    tianbao --db PATH units add --code CODE --name NAME --parent CODE --level township
    tianbao --db PATH units list | rename | deactivate | merge | split | recode | move
        (desktop/cli/unit_event_commands.py)
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from db.units import LEVELS


def register(commands: Any) -> None:
    """Add ``units`` to the ``tianbao`` parser."""
    units = commands.add_parser("units", help="管理下级单位")
    units_commands = units.add_subparsers(dest="units_command", required=True)
    add = units_commands.add_parser("add", help="添加下级单位（如乡镇、街道）")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--parent", required=True)
    add.add_argument("--level", choices=LEVELS, default="township")
    add.set_defaults(handler=units_add_command)
    from desktop.cli import unit_event_commands  # list, rename, deactivate, merge, split …

    unit_event_commands.register(units_commands)


def units_add_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.units import create_unit

    unit = create_unit(session, args.code, args.name, args.level, parent_code=args.parent)
    session.commit()
    print(f"已添加：{unit.name}（{unit.code}），上级 {unit.parent_code}")
    return 0
