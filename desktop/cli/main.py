"""The ``tianbao`` command: start the desktop app, or answer a question without a window.

    tianbao [--db PATH_OR_URL]                  start the app
    tianbao [--db …] info                       database, schema and catalogue facts
    tianbao [--db …] catalogue export --format json
    tianbao [--db …] init | demo                 see desktop/cli/setup_commands.py
    tianbao [--db …] units add                   see desktop/cli/unit_commands.py
    tianbao [--db …] values import               see desktop/cli/value_commands.py
    tianbao [--db …] values verify               see desktop/cli/verify_commands.py
    tianbao [--db …] evaluate                    see desktop/cli/evaluate_commands.py
    tianbao [--db …] report …                   see desktop/cli/report_commands.py
    tianbao [--db …] excel template | import | tables   see desktop/cli/excel_commands.py
    tianbao [--db …] backup | restore            see desktop/cli/maintenance_commands.py
    tianbao [--db …] users …                    see desktop/cli/account_commands.py
    tianbao [--db …] sync | keys | catalogue …   see desktop/cli/sync_commands.py
    tianbao [--db …] settings show | set | reset see desktop/cli/settings_commands.py
    tianbao [--db …] calendar show | set | remove | status   see desktop/cli/calendar_commands.py
    tianbao [--db …] returns issue | export | import | list   see desktop/cli/return_commands.py
    tianbao [--db …] checks list | add | remove  see desktop/cli/check_commands.py

See docs/cli.md.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from db.errors import UserError
from db.location import DATABASE_ENV_VAR, StorageError, resolve_database_url
from desktop.cli.common import EXIT_REFUSED, EXIT_STORAGE_ERROR

if TYPE_CHECKING:  # SQLAlchemy loads after the window is shown (issue 15), or for a command
    from sqlalchemy.orm import Session

    from db.storage import PreparedDatabase

Handler = Callable[[argparse.Namespace, "Session", "PreparedDatabase"], int]


def _add_start_options(parser: argparse.ArgumentParser) -> None:
    """The options of starting the desktop app (and --db, -v, which every command takes)."""
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
    window.add_argument("--size", metavar="WxH", type=_window_size, default=(1440, 900),
                        help="截图的窗口大小（如 1366x768）")
    # For benchmarks/bench_cold_start.py: quit as soon as the window's frame is on screen.
    window.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tianbao",
        usage="%(prog)s [-h] [--db PATH_OR_URL] [-v] [--unit CODE --year YEAR --screenshot FILE]"
              " [COMMAND ...]",
        description="填报：妇女发展规划监测。不带子命令时启动桌面程序。",
    )
    _add_start_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    info = commands.add_parser("info", help="显示数据库位置、结构版本、目录版本和条目数")
    info.set_defaults(handler=show_info)

    catalogue = commands.add_parser("catalogue", help="规划目录")
    catalogue_commands = catalogue.add_subparsers(dest="catalogue_command", required=True)
    export = catalogue_commands.add_parser("export", help="把目录输出到标准输出")
    export.add_argument("--format", choices=["json"], default="json")
    export.set_defaults(handler=export_catalogue)

    from desktop.cli import (
        account_commands,
        calendar_commands,
        check_commands,
        evaluate_commands,
        excel_commands,
        maintenance_commands,
        plan_commands,
        report_commands,
        return_commands,
        settings_commands,
        setup_commands,
        sync_commands,
        unit_commands,
        value_commands,
    )

    for module in (setup_commands, unit_commands, value_commands, evaluate_commands,
                   report_commands, excel_commands, maintenance_commands, account_commands,
                   sync_commands, plan_commands, settings_commands, calendar_commands,
                   check_commands, return_commands):
        module.register(commands)
    sync_commands.register_catalogue(catalogue_commands)
    return parser


def window_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The options, if ``argv`` starts the desktop app; None for a command, --help or an error.

    Starting the app must not wait for the command modules (and SQLAlchemy with them) to load:
    the window comes first. Anything this small parser does not take goes to the full one.
    """
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    _add_start_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return None if rest else args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # No cyclic garbage collection while the window starts (see _start_window); a command
    # gets it back at once.
    collecting = gc.isenabled()
    gc.disable()
    window = window_arguments(argv)
    if window is None and collecting:
        gc.enable()
    args = window or build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _run(args, collecting=collecting)
    except UserError as error:
        # The one place a refusal is told: its reason on stderr, after the command's own words
        # for what was refused (``refused``, e.g. 拒绝导入：). Anything else is a bug: traceback.
        print(f"{getattr(args, 'refused', '')}{error}", file=sys.stderr)
        return EXIT_STORAGE_ERROR if isinstance(error, StorageError) else EXIT_REFUSED


def _run(args: argparse.Namespace, *, collecting: bool = True) -> int:
    if getattr(args, "command", None) is None:
        return _start_window(args, collecting)
    url = resolve_database_url(args.db)

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from db.storage import busy_message, is_database_busy, prepare_database

    try:
        prepared = prepare_database(url)
    except StorageError:
        # A command that must work on a database that cannot be opened (restore) says so.
        fallback = getattr(args, "handler_without_database", None)
        if fallback is None:
            raise
        return int(fallback(args, url))
    handler: Handler = args.handler
    try:
        # Leaving the session rolls back whatever a refused command had not committed.
        with Session(prepared.engine) as session:
            load_shipped_catalogue(session)
            return handler(args, session, prepared)
    except OperationalError as error:
        # Another process kept the database busy past the busy timeout (issue 11): nothing of
        # this command was written, and the clerk only needs to try again.
        if not is_database_busy(error):
            raise
        print(busy_message(), file=sys.stderr)
        return EXIT_STORAGE_ERROR
    except BrokenPipeError:
        # The reader (head, a pager) stopped early. Point stdout at devnull so that Python's
        # final flush does not raise again (see the Python docs, signal module, SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        prepared.engine.dispose()


def _start_window(args: argparse.Namespace, collecting: bool) -> int:
    """Run the desktop app, with cyclic garbage collection off (by main) until it started.

    PySide6 creates tens of thousands of objects as it loads (its enums, its signatures), and
    the collections they set off cost ~5–10 ms of a ~200 ms start for nothing to free (issue
    15). run_app collects on the GUI thread from then on (desktop/gui_gc.py); if it never got
    that far (Qt could not load), Python collects again as before (``collecting``: it did when
    main was called).
    """
    try:
        url = resolve_database_url(args.db)
        # Imported here so that headless commands work on machines without Qt's system libraries.
        from desktop.app import Screenshot, run_app

        shot = None
        if args.screenshot:
            # A screenshot is for docs, tests and CI: render offscreen unless told otherwise,
            # so it works the same with or without a display.
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            shot = Screenshot(args.screenshot, args.page, args.domain, args.select, args.size)
        return run_app(url, args.start_unit, args.start_year, shot,
                       quit_when_shown=args.quit_when_shown)
    finally:
        # Not imported if Qt could not load: then nothing took collection over.
        gui_gc = sys.modules.get("desktop.gui_gc")
        if collecting and not (gui_gc is not None and gui_gc.collecting_on_gui_thread()):
            gc.enable()


def _window_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"窗口大小应写成“宽x高”，如 1366x768，而不是“{text}”")
    return int(width), int(height)


def load_shipped_catalogue(session: Session) -> bool:
    """Load or update the shipped catalogue if the database holds an older one; commit."""
    from db.catalogue import ensure_catalogue
    from db.sync.key_store import move_key_out_at_start

    changed = ensure_catalogue(session)
    session.commit()
    move_key_out_at_start(session)
    return changed


def show_info(_args: argparse.Namespace, session: Session, prepared: PreparedDatabase) -> int:
    from sqlalchemy import func, select

    from db.models import Goal, Indicator, Meta, Plan, Target
    from db.storage import current_revision

    def count(model: type[Plan] | type[Goal] | type[Target] | type[Indicator]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    catalogue_version = session.scalar(select(Meta.value).where(Meta.key == "catalogue_version"))
    from desktop.cli.common import utf8_stdout

    utf8_stdout()
    # In Chinese like every other command (and the labels of 关于填报).
    facts = [
        ("数据库", prepared.engine.url.render_as_string(hide_password=True)),
        ("结构版本", current_revision(prepared.engine) or "-"),
        ("指标目录版本", catalogue_version or "-"),
        ("规划", count(Plan)),
        ("主要目标", count(Goal)),
        ("目标", count(Target)),
        ("指标", count(Indicator)),
    ]
    for label, value in facts:
        print(f"{label}：{value}")
    return 0


def export_catalogue(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    import json

    from db.catalogue_export import catalogue_as_dict
    from desktop.cli.common import utf8_stdout

    utf8_stdout()
    print(json.dumps(catalogue_as_dict(session), ensure_ascii=False, indent=2, allow_nan=False))
    return 0
