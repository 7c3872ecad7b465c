"""The ``tianbao`` command: start the desktop app, or answer a question without a window.

    tianbao [--db PATH_OR_URL]                  start the app
    tianbao [--db …] info                       database, schema and catalogue facts
    tianbao [--db …] catalogue export --format json
    tianbao [--db …] init | units | values | evaluate | demo   see desktop/figure_commands.py
    tianbao [--db …] report …                   see desktop/report_commands.py
    tianbao [--db …] excel template | import | tables   see desktop/excel_commands.py
    tianbao [--db …] backup | restore            see desktop/maintenance_commands.py
    tianbao [--db …] users …                    see desktop/account_commands.py

See docs/cli.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Goal, Indicator, Meta, Plan, Target
from db.storage import (
    DATABASE_ENV_VAR,
    PreparedDatabase,
    StorageError,
    current_revision,
    prepare_database,
    resolve_database_url,
)

EXIT_STORAGE_ERROR = 2

Handler = Callable[[argparse.Namespace, Session, PreparedDatabase], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tianbao",
        usage="%(prog)s [-h] [--db PATH_OR_URL] [-v] [--unit CODE --year YEAR --screenshot FILE]"
              " [COMMAND ...]",
        description="填报：妇女发展规划监测。不带子命令时启动桌面程序。",
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=f"数据库文件路径或 SQLAlchemy URL（优先于环境变量 {DATABASE_ENV_VAR}）",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出运行日志")
    window = parser.add_argument_group("启动桌面程序时")
    window.add_argument("--unit", dest="start_unit", metavar="CODE", help="打开这个单位")
    window.add_argument("--year", dest="start_year", type=int, metavar="YEAR",
                        help="打开这一年")
    window.add_argument("--screenshot", type=Path, metavar="FILE.png",
                        help="按用户看到的样子打开主窗口，等待空闲后保存为图片并退出")
    window.add_argument("--page", choices=["overview", "entry", "qualitative", "wizard"],
                        default="overview", help="截图的页面")
    window.add_argument("--domain", help="截图的领域（如 health）")
    window.add_argument("--select", metavar="INDICATOR", help="截图时选中的指标（显示详细信息）")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = commands.add_parser("info", help="显示数据库位置、结构版本、目录版本和条目数")
    info.set_defaults(handler=show_info)

    catalogue = commands.add_parser("catalogue", help="规划目录")
    catalogue_commands = catalogue.add_subparsers(dest="catalogue_command", required=True)
    export = catalogue_commands.add_parser("export", help="把目录输出到标准输出")
    export.add_argument("--format", choices=["json"], default="json")
    export.set_defaults(handler=export_catalogue)

    from desktop import (
        account_commands,
        excel_commands,
        figure_commands,
        maintenance_commands,
        report_commands,
    )

    for module in (figure_commands, report_commands, excel_commands, maintenance_commands,
                   account_commands):
        module.register(commands)
    from desktop import sync_commands

    sync_commands.register(commands)
    sync_commands.register_catalogue(catalogue_commands)
    from desktop import plan_commands

    plan_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        url = resolve_database_url(args.db)
    except StorageError as error:
        print(error, file=sys.stderr)
        return EXIT_STORAGE_ERROR

    if args.command is None:
        # Imported here so that headless commands work on machines without Qt's system libraries.
        from desktop.app import Screenshot, run_app

        shot = None
        if args.screenshot:
            # A screenshot is for docs, tests and CI: render offscreen unless told otherwise,
            # so it works the same with or without a display.
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            shot = Screenshot(args.screenshot, args.page, args.domain, args.select)
        return run_app(url, args.start_unit, args.start_year, shot)

    try:
        prepared = prepare_database(url)
    except StorageError as error:
        # A command that must work on a database that cannot be opened (restore) says so.
        fallback = getattr(args, "handler_without_database", None)
        if fallback is not None:
            return int(fallback(args, url))
        print(error, file=sys.stderr)
        return EXIT_STORAGE_ERROR
    handler: Handler = args.handler
    try:
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
            return handler(args, session, prepared)
    except BrokenPipeError:
        # The reader (head, a pager) stopped early. Point stdout at devnull so that Python's
        # final flush does not raise again (see the Python docs, signal module, SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        prepared.engine.dispose()


def ensure_catalogue(session: Session) -> bool:
    """Load or update the shipped catalogue if the database holds an older one."""
    from db.catalogue import ensure_catalogue as ensure

    changed = ensure(session)
    session.commit()
    return changed


def show_info(_args: argparse.Namespace, session: Session, prepared: PreparedDatabase) -> int:
    def count(model: type[Plan] | type[Goal] | type[Target] | type[Indicator]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    catalogue_version = session.scalar(select(Meta.value).where(Meta.key == "catalogue_version"))
    facts = [
        ("database", prepared.engine.url.render_as_string(hide_password=True)),
        ("schema revision", current_revision(prepared.engine) or "-"),
        ("catalogue version", catalogue_version or "-"),
        ("plans", count(Plan)),
        ("goals", count(Goal)),
        ("targets", count(Target)),
        ("indicators", count(Indicator)),
    ]
    for label, value in facts:
        print(f"{label}: {value}")
    return 0


def export_catalogue(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.catalogue_export import catalogue_as_dict
    from desktop.console import utf8_stdout

    utf8_stdout()
    print(json.dumps(catalogue_as_dict(session), ensure_ascii=False, indent=2))
    return 0
