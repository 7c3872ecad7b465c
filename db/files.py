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
