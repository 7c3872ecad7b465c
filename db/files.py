"""Writing a file so that a crash, a full disk or a cancel never leaves half of it."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_when_done(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block ends normally.

    On any exception (OSError, a cancel, a bug) the temporary file is removed and the old file,
    if any, stays as it was. The temporary file lives in the destination's own folder because
    ``os.replace`` is atomic only within one file system (POSIX and Windows alike). It is made
    with the ordinary permissions (not ``mkstemp``'s owner-only ones) so a report on a shared
    folder can be read by colleagues.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        with open(partial, "rb+") as written:
            os.fsync(written.fileno())  # on disk before the rename makes it the real file
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_failure(error: OSError) -> str:
    """Why a file could not be written, in plain Chinese: a full disk is named as such."""
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "磁盘空间不足，文件未写入（未留下半个文件）。请腾出空间后再试"
    return str(error.strerror or error)


def write_bytes_when_done(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`replaced_when_done`."""
    with replaced_when_done(path) as partial, open(partial, "wb") as file:
        file.write(data)


# Owner-only permissions for what holds the figures or the signing key (the database, its folder,
# its backups, the key file). POSIX only: on Windows they live in the user's own profile.
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and parents) readable by this user only; tighten it if it exists."""
    folder = Path(folder)
    folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    tighten(folder, PRIVATE_FOLDER_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist (SQLite then fills it, and
    gives its -wal and -shm files the same permissions)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def tighten(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Take group and other permissions off ``path`` if this user owns it (POSIX)."""
    if os.name != "posix":
        return
    try:
        status = os.stat(path)
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            os.chmod(path, mode)
    except OSError:
        pass  # not ours to change, or gone: nothing to protect here


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole, readable by this user only from the first byte."""
    path = Path(path)
    with replaced_when_done(path) as partial:
        partial.unlink(missing_ok=True)  # a leftover from a crash may have other permissions
        create_private_file(partial)
        with open(partial, "wb") as file:
            file.write(data)
