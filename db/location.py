"""Where the database is, without SQLAlchemy: what the desktop app needs before its window.

The window's frame is shown before SQLAlchemy, the models and the database are loaded (issue 15:
a clerk sees the window at once), yet the single-instance lock and the crash log need the
database's place and the app's name first. db/storage.py re-exports all of this.
"""

from __future__ import annotations

import os
from pathlib import Path

from db.errors import UserError
from db.files import PRIVATE_FOLDER_MODE, make_private_folder

APP_NAME = "Tianbao"
DATABASE_FILENAME = "tianbao.sqlite3"
DATABASE_ENV_VAR = "TIANBAO_DB"


class StorageError(UserError):
    """The database cannot be opened or prepared. ``str(error)`` is for the user, in Chinese."""


def default_database_path() -> Path:
    """The per-user data file, e.g. ``~/.local/share/Tianbao/tianbao.sqlite3`` on Linux."""
    import platformdirs  # ~10 ms on Linux (it loads tempfile); not needed with --db

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DATABASE_FILENAME


def resolve_database_url(cli_value: str | None) -> str:
    """The database URL chosen by ``--db``, else ``TIANBAO_DB``, else the default file.

    A value containing ``://`` is taken as a SQLAlchemy URL as it is; anything else is a file
    path, made absolute (so the URL does not depend on the working directory) and given a parent
    folder.
    """
    value = cli_value or os.environ.get(DATABASE_ENV_VAR) or None
    if value is not None and "://" in value:
        return value
    path = Path(value).expanduser() if value is not None else default_database_path()
    path = path.resolve()
    try:
        if value is None:
            make_private_folder(path.parent)  # ours: the figures are no one else's to read
        else:
            # A folder the user named may be shared on purpose; only one made here is private.
            path.parent.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"无法创建数据文件夹 {path.parent}：{error.strerror}") from error
    return f"sqlite:///{path}"


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (what resolve_database_url makes), else None.

    None means "ask db.storage.sqlite_file_path", which parses any URL with SQLAlchemy.
    """
    prefix = "sqlite:///"
    # A query, a fragment or an escape is left to SQLAlchemy's parser.
    if not url.startswith(prefix) or any(mark in url for mark in "?#%"):
        return None
    database = url[len(prefix):]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()
