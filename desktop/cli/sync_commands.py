"""Exchange between levels on the command line (see docs/cli.md and docs/sync-format.md).

    tianbao sync export --unit CODE --years 2021-2025 --out FILE [--to CODE] [--all-audit]
    tianbao sync import FILE [--dry-run] [--dhis2]
    tianbao keys show | keys export --out FILE | keys register FILE [--fingerprint DIGITS]
    tianbao catalogue publish --out FILE | catalogue import FILE [--dry-run]

Every refusal prints its reason in Chinese on stderr and exits with 1 (desktop/cli/main.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.storage import PreparedDatabase
from desktop.cli.common import EXIT_REFUSED, os_user, utf8_stdout, year_range


def register(commands: Any) -> None:
    """Add ``sync`` and ``keys`` to the ``tianbao`` parser."""
    sync = commands.add_parser("sync", help="上下级之间用文件交换数据（导出、导入）")
    sync_commands = sync.add_subparsers(dest="sync_command", required=True)
    export = sync_commands.add_parser("export", help="导出本单位及下级单位的数据，供上级导入")
    export.add_argument("--unit", required=True, help="单位代码（本单位或其下级）")
    export.add_argument("--years", required=True, type=year_range, help="年份范围，如 2021-2025")
    export.add_argument("--out", required=True, type=Path, help="输出的交换文件")
    export.add_argument("--to", dest="receiver", help="接收单位代码（默认为上级单位）")
    export.add_argument("--all-audit", action="store_true",
                        help="附上全部修改记录（默认只附上次导出给同一接收单位以来的记录）")
    export.set_defaults(handler=sync_export_command)
    imp = sync_commands.add_parser("import", help="检查并导入下级单位的交换文件")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不写入")
    imp.add_argument("--dhis2", action="store_true",
                     help="文件是 DHIS2 的 dataValueSet JSON（以代码为标识，无签名）")
    imp.set_defaults(handler=sync_import_command, refused="拒绝导入：")

    keys = commands.add_parser("keys", help="本机签名密钥和已登记的下级、上级密钥")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    show = keys_commands.add_parser("show", help="显示本机密钥的指纹（电话核对用）")
    show.set_defaults(handler=keys_show_command)
    kexport = keys_commands.add_parser("export", help="写出本单位的密钥登记文件，交给对方登记")
    kexport.add_argument("--out", required=True, type=Path)
    kexport.set_defaults(handler=keys_export_command)
    kregister = keys_commands.add_parser("register", help="登记对方单位的密钥登记文件")
    kregister.add_argument("file", type=Path)
    kregister.add_argument("--fingerprint", help="电话中对方读出的指纹（30位数字），不一致则不登记")
    kregister.set_defaults(handler=keys_register_command, refused="未登记：")


def register_catalogue(catalogue_commands: Any) -> None:
    """Add ``publish`` and ``import`` under the existing ``catalogue`` command."""
    publish = catalogue_commands.add_parser("publish", help="发布目录和目标值更新文件，供下级导入")
    publish.add_argument("--out", required=True, type=Path)
    publish.set_defaults(handler=catalogue_publish_command)
    imp = catalogue_commands.add_parser("import", help="检查并导入上级发布的目录更新文件")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不写入")
    imp.set_defaults(handler=catalogue_import_command, refused="拒绝导入：")


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_REFUSED


def sync_export_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.export import export_sync_file

    utf8_stdout()
    summary = export_sync_file(session, args.unit, args.years, args.out,
                               receiver=args.receiver, all_audit=args.all_audit, user=os_user())
    counts = summary.counts
    print(f"已导出 {summary.path}（{summary.file_bytes} 字节）：单位 {counts['orgUnits']} 个，"
          f"数据 {counts['dataValues']} 条，目标进展 {counts['goalProgress']} 条，"
          f"修改记录 {counts['auditEntries']} 条；"
          f"年份 {summary.years[0]}—{summary.years[-1]}，接收单位 {summary.receiver or '-'}。")
    print(f"文件 SHA-256：{summary.file_sha256}")
    return 0


def sync_import_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.preview_text import format_preview

    utf8_stdout()
    if args.dhis2:
        from db.sync.dhis2 import import_dhis2_file

        preview = import_dhis2_file(session, args.file, user=os_user(), dry_run=args.dry_run)
    else:
        from db.sync.import_ import import_sync_file

        preview = import_sync_file(session, args.file, user=os_user(), dry_run=args.dry_run)
    text = format_preview(preview)
    if preview.refused:
        return _refuse(text)
    print(text)
    return 0


def keys_show_command(_args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.keys import ensure_local_key, format_fingerprint

    key = ensure_local_key(session, os_user())
    session.commit()
    print(f"本机密钥指纹：{format_fingerprint(key.fingerprint)}")
    return 0


def keys_export_command(args: argparse.Namespace, session: Session, _: PreparedDatabase) -> int:
    from db.sync.keys import format_fingerprint, write_registration

    utf8_stdout()
    registration = write_registration(session, args.out, os_user())
    session.commit()
    print(f"已写出 {registration.unit_name}（{registration.unit_code}）的密钥登记文件：{args.out}")
    print(f"指纹：{format_fingerprint(registration.fingerprint)}（请在电话中向对方读出，以便核对）")
    return 0


def keys_register_command(args: argparse.Namespace, session: Session,
                          _: PreparedDatabase) -> int:
    from db.sync.keys import format_fingerprint, read_registration, register_key

    utf8_stdout()
    registration = read_registration(args.file)
    result = register_key(session, registration, os_user(), args.fingerprint)
    session.commit()
    name = f"{registration.unit_name}（{registration.unit_code}）"
    shown = format_fingerprint(registration.fingerprint)
    if not result.added:
        print(f"{name} 的此密钥已登记过，未作改动。指纹：{shown}")
        return 0
    print(f"已登记 {name} 的密钥。指纹：{shown}")
    if args.fingerprint is None:
        print("请与对方电话核对以上指纹；如不一致，请立即联系管理员。")
    if result.other_keys:
        print(f"该单位另有 {len(result.other_keys)} 个已登记的密钥，仍然有效。")
    return 0


def catalogue_publish_command(args: argparse.Namespace, session: Session,
                              _: PreparedDatabase) -> int:
    from db.sync.catalogue_update import LABELS, publish_catalogue

    utf8_stdout()
    counts = publish_catalogue(session, args.out, os_user())
    parts = "，".join(f"{LABELS[name]} {count} 条" for name, count in counts.items())
    print(f"已发布目录更新文件 {args.out}：{parts}。")
    return 0


def catalogue_import_command(args: argparse.Namespace, session: Session,
                             _: PreparedDatabase) -> int:
    from db.sync.catalogue_update import import_catalogue_update
    from db.sync.preview_text import format_catalogue_preview

    utf8_stdout()
    preview = import_catalogue_update(session, args.file, user=os_user(), dry_run=args.dry_run)
    print(format_catalogue_preview(preview))
    return 0
