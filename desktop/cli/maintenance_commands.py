"""``tianbao backup`` and ``tianbao restore``: backups for IT staff, without the app (docs/cli.md).

    tianbao [--db PATH] backup [--reason R]     copy the database into its backups folder
    tianbao [--db PATH] backup list             every backup and what it holds
    tianbao [--db PATH] restore FILE [--yes]    put a backup back (asks first unless --yes)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.backup import (
    backup_folder,
    backup_now,
    describe_backup,
    format_size,
    inspect_backup,
    list_backups,
    restore,
)
from db.storage import PreparedDatabase, sqlite_file_path
from desktop.cli.common import EXIT_REFUSED, utf8_stdout


def register(commands: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``tianbao`` parser."""
    backup = commands.add_parser("backup", help="备份数据库；backup list 列出已有备份")
    backup.add_argument("--reason", default="manual",
                        help="备份原因，写入文件名（默认 manual 手动备份；只自动清理"
                             "每日、导入前、升级前、恢复前的旧备份）")
    backup.set_defaults(handler=backup_command)
    backup_commands = backup.add_subparsers(dest="backup_command", metavar="list")
    listing = backup_commands.add_parser("list", help="列出备份及每个备份中的内容")
    listing.set_defaults(handler=list_command)

    restore_parser = commands.add_parser(
        "restore", help="用备份替换当前数据库（先自动备份当前数据库）")
    restore_parser.add_argument("file", type=Path, metavar="FILE",
                                help="备份文件（路径，或 backup list 中的文件名）")
    restore_parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")
    restore_parser.set_defaults(handler=restore_command,
                                handler_without_database=restore_without_database)


def _database_file(prepared: PreparedDatabase) -> Path | None:
    path = sqlite_file_path(prepared.url)
    if path is None:
        print("只能备份本机的 SQLite 数据库文件；服务器数据库请用数据库自带的备份工具。",
              file=sys.stderr)
    return path


def backup_command(args: argparse.Namespace, session: Session, prepared: PreparedDatabase) -> int:
    path = _database_file(prepared)
    if path is None:
        return EXIT_REFUSED
    session.close()  # no read transaction of ours held open while the snapshot is taken
    made = backup_now(path, args.reason)
    utf8_stdout()
    print(f"已备份到 {made}（{format_size(made.stat().st_size)}）")
    return 0


def list_command(_args: argparse.Namespace, session: Session, prepared: PreparedDatabase) -> int:
    path = _database_file(prepared)
    if path is None:
        return EXIT_REFUSED
    session.close()
    backups = list_backups(path)
    utf8_stdout()
    if not backups:
        print(f"还没有备份（备份文件夹：{backup_folder(path)}）")
        return 0
    for info in backups:
        print(describe_backup(info))
    return 0


def restore_command(args: argparse.Namespace, session: Session, prepared: PreparedDatabase,
                    *, ask: Callable[[str], str] = input) -> int:
    path = _database_file(prepared)
    if path is None:
        return EXIT_REFUSED
    # Nothing of ours may hold the file while it is replaced; the window must not either.
    session.close()
    prepared.engine.dispose()
    return _restore_file(args, path, ask)


def restore_without_database(args: argparse.Namespace, url: str) -> int:
    """``restore`` when the database itself cannot be opened (damaged, or from a newer
    version): exactly when a clerk needs a backup most, so it must not need the database."""
    path = sqlite_file_path(url)
    if path is None:
        print("只能恢复本机的 SQLite 数据库文件。", file=sys.stderr)
        return EXIT_REFUSED
    return _restore_file(args, path, input)


def _restore_file(args: argparse.Namespace, path: Path, ask: Callable[[str], str]) -> int:
    source = _find_backup(args.file, path)
    info = inspect_backup(source)
    utf8_stdout()
    print(f"备份：{describe_backup(info)}")
    if info.problem is not None:
        print(f"无法恢复：{info.problem}。数据库未作任何改动。", file=sys.stderr)
        return EXIT_REFUSED
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            print("请加 --yes 确认恢复（当前数据库会先自动备份）。", file=sys.stderr)
            return EXIT_REFUSED
        answer = ask(f"用此备份替换 {path}？当前数据库会先自动备份。输入 y 确认：")
        if answer.strip().lower() not in ("y", "yes", "是"):
            print("已取消，数据库未作任何改动。")
            return EXIT_REFUSED

    from desktop.single_instance import acquire_instance_lock, lock_holder_message

    lock = acquire_instance_lock(str(path))
    if lock is None:
        print(lock_holder_message(str(path)) + " 请先关闭程序再恢复。", file=sys.stderr)
        return EXIT_REFUSED
    try:
        result = restore(source, path)
    finally:
        lock.unlock()
    print(f"已用 {source.name} 恢复数据库 {path}。")
    if result.saved_current is not None:
        print(f"恢复前的数据库已保存为 {result.saved_current}")
    return 0


def _find_backup(given: Path, db_path: Path) -> Path:
    # `backup list` prints file names; accept one of them as it is.
    if not given.exists() and given.parent == Path("."):
        candidate = backup_folder(db_path) / given.name
        if candidate.exists():
            return candidate
    return given
