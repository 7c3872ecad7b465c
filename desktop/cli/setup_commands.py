"""Setting a machine up: its unit, and demonstration data (see docs/cli.md).

    tianbao --db PATH init --unit CODE [--name NAME --parent CODE --level LEVEL]
    tianbao --db PATH demo --unit CODE --townships N --years 2020-2025 --seed S
"""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from db.units import LEVELS
from desktop.cli.common import year_range


def register(commands: Any) -> None:
    """Add ``init`` and ``demo`` to the ``tianbao`` parser."""
    init = commands.add_parser("init", help="设定本机填报的单位（目录中规划的地区，或其下的乡镇）")
    init.add_argument("--unit", required=True, help="行政区划代码（6位）或统计用区划代码（12位）")
    init.add_argument("--name", help="单位名称（规划所在地区可省略）")
    init.add_argument("--parent", help="上级单位代码（乡镇默认取前6位）")
    init.add_argument("--level", choices=LEVELS, help="单位层级（默认按代码判断）")
    init.set_defaults(handler=init_command)

    demo = commands.add_parser("demo", help="生成确定的演示数据（培训、截图、性能测试用）")
    demo.add_argument("--unit", required=True, help="规划所属行政区划代码，如 211122")
    demo.add_argument("--townships", type=int, default=20, help="乡镇数")
    demo.add_argument("--years", type=year_range, default=range(2020, 2026),
                      help="年份范围，如 2020-2025")
    demo.add_argument("--seed", type=int, default=1, help="随机种子：同一种子得到同样的数据")
    demo.set_defaults(handler=demo_command)


def demo_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.demo import fill_demo

    summary = fill_demo(session, args.unit, args.townships, args.years, args.seed)
    print(f"已为 {summary.unit} 及 {len(summary.townships)} 个乡镇生成 "
          f"{summary.years.start}—{summary.years.stop - 1} 年演示数据 {summary.figures} 条")
    return 0


def init_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.keys import ensure_local_key, format_fingerprint
    from db.units import init_unit

    unit = init_unit(session, args.unit, args.name, args.parent, args.level)
    key = ensure_local_key(session)  # made at setup: the fingerprint to read out by phone
    session.commit()
    print(f"本机填报单位：{unit.name}（{unit.code}）")
    print(f"本机密钥指纹：{format_fingerprint(key.fingerprint)}")
    return 0
