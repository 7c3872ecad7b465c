"""A real small file system for disk-full tests: a tmpfs of a few MB, mounted for one test.

Mounting needs root (or CAP_SYS_ADMIN), as in this project's CI container. Elsewhere the tests
that need it are skipped with the reason — except under CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SIZE = "4m"


def mount_small_disk(folder: Path, size: str = SIZE) -> bool:
    """Mount a tmpfs of ``size`` on ``folder``; False if this machine does not allow it."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 4 MB file system of its own."""
    folder = tmp_path / "small-disk"
    if not mount_small_disk(folder):
        reason = "needs root to mount a 4 MB tmpfs (the disk-full tests)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the disk-full tests cannot run: {reason}")
        pytest.skip(reason)
    try:
        yield folder
    finally:
        unmount(folder)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill ``folder``'s file system, then free ``leave`` bytes again; the filler file."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            try:
                if os.write(descriptor, chunk) == 0:
                    break
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]  # top up to the last byte
    finally:
        os.close(descriptor)
    if leave:
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - leave))
    return filler


def free_space(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize
