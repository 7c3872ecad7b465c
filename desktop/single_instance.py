"""One Tianbao window per database.

Two windows on one file would each hold their own view of the figures: a clerk typing in one
would not see what the other saved, and undo in one could overwrite the other's edit. SQLite's
own locking keeps the file consistent but cannot prevent that, so the app takes a lock file
next to the database (``tianbao.sqlite3.lock``) and refuses to open a second window on it.

A lock left behind by a crash is taken over: Qt records the holder's PID and host in the file and
treats it as stale when that process is gone on this computer.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLockFile, QSysInfo

from db.location import APP_NAME, plain_sqlite_path

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


def instance_lock_path(db_url_or_path: str) -> Path:
    """``<database file>.lock``; for a server URL, a file in the user data folder keyed by it."""
    if "://" not in db_url_or_path:
        database: Path | None = Path(db_url_or_path).expanduser().resolve()
    else:
        # Taken before SQLAlchemy loads (the window comes first): the URLs Tianbao makes itself
        # are read here, any other is parsed by SQLAlchemy.
        database = plain_sqlite_path(db_url_or_path)
        if database is None:
            from db.storage import sqlite_file_path

            database = sqlite_file_path(db_url_or_path)
    if database is not None:
        return database.with_name(database.name + LOCK_SUFFIX)
    import hashlib  # loads OpenSSL: only for a server, not before every window

    import platformdirs

    digest = hashlib.sha256(db_url_or_path.encode("utf-8")).hexdigest()[:16]
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "locks" / f"{digest}.lock"


def _lock_file(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    # Age alone must never make a lock stale: the app stays open all day, and a database on a
    # shared folder may be locked from another computer whose PID Qt cannot check. Only a holder
    # that is provably gone (dead PID on this host) gives the lock up.
    lock.setStaleLockTime(0)
    return lock


def acquire_instance_lock(db_url_or_path: str) -> QLockFile | None:
    """Lock the database for this process; None if another Tianbao holds it.

    Keep the returned object alive while the database is open (the lock goes with it).
    If the lock file cannot be written at all (a read-only folder), the lock is skipped with a
    warning rather than locking the clerk out: it guards against a mistake, not an attacker.
    """
    path = instance_lock_path(db_url_or_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("cannot create the folder for the instance lock %s: %s", path, error)
    lock = _lock_file(path)
    # tryLock itself takes over a lock whose holder died on this computer.
    if lock.tryLock(0):
        return lock
    if lock.error() != QLockFile.LockError.LockFailedError:
        log.warning("cannot write the instance lock %s (%s); continuing without it",
                    path, lock.error().name)
        return lock
    pid, _host, _app = lock.getLockInfo()
    if pid <= 0:
        # A lock file without a readable PID was cut short by a crash or power cut, and with
        # age-based staleness off nothing else would ever clear it. removeStaleLockFile still
        # refuses while a live holder keeps the file open (flock on Unix, sharing on Windows).
        log.warning("removing the unreadable instance lock %s", path)
        if lock.removeStaleLockFile() and lock.tryLock(0):
            return lock
    return None


def lock_holder_message(db_url_or_path: str) -> str:
    """Why this database cannot be opened now, naming the process and computer holding it."""
    path = instance_lock_path(db_url_or_path)
    pid, host, _app = _lock_file(path).getLockInfo()
    message = (
        f"此数据库已在另一个填报窗口中打开（进程 {pid if pid > 0 else '未知'}，"
        f"计算机 {host or '未知'}）。请切换到那个窗口，或先关闭它。"
    )
    if host and host != QSysInfo.machineHostName():
        # Qt can only tell that a holder died when it ran on this computer.
        message += f"\n如果那台计算机上的填报已经关闭，请删除锁文件 {path} 后再打开。"
    return message
