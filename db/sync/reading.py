"""Where the records of a file come from, and where checked figures wait to be written.

A :class:`Source` is a stream of ``(section, index, record)`` read once (a sync file's payload
through its hash, or a DHIS2 file's values); a :class:`Spool` keeps the figures to write on a
temporary file between checking and writing, so a city's file never has to fit in memory.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

_SPOOL_CHUNK = 20_000


class Spool:
    """Rows written to a temporary file in pickled chunks and read back once, in order."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._rows: list[tuple[Any, ...]] = []
        self.count = 0

    def append(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= _SPOOL_CHUNK:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="tianbao-sync-")
        pickle.dump(self._rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._rows = []

    def extend(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows.extend(rows)
        self.count += len(rows)
        if len(self._rows) >= _SPOOL_CHUNK:
            self._spill()

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        if self._file is not None:
            self._file.seek(0)
            while True:
                try:
                    yield pickle.load(self._file)  # noqa: S301 - our own temporary file
                except EOFError:
                    break
        if self._rows:
            yield self._rows

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._rows = []


@dataclass
class Source:
    """Where records come from and what the file may touch (a sync file or a DHIS2 file)."""

    records: Iterable[tuple[str, int | None, Any]]  # (section, index, record)
    allowed_units: set[str]
    signer_unit: str | None
    years: set[int] | None  # the file's scope; None = any year 2020–2030
    strict: bool  # a Tianbao sync file: every member required
    default_status: str = "draft"
    finish: Any = None  # called after the records are read: raises SyncError if it must
