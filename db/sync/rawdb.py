"""The DB-API path for the millions of figures a city's sync file holds.

Measured on a city-scale file (1.3 M figures, benchmarks/bench_sync.py): adding ORM objects is
about 30× slower than plain ``sqlite3`` ``executemany``, and SQLAlchemy Core's ``insert()`` with
dicts about 3× (most of it turning each dict into a tuple through the bind processors). So
figures are read and written here as tuples through the driver's own cursor, inside the
Session's transaction, with the one column that needs converting (``updated_at``, a
:class:`~db.models.UTCDateTime`) converted by the column type's own processors for the dialect
— the same bytes SQLAlchemy would write, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from db.sync.format import format_time

# A timestamp cache is a dict; past this many distinct times it starts again rather than grow.
_CACHE_LIMIT = 200_000


def cursor(session: Session) -> Any:
    """A DB-API cursor on the Session's connection, inside its transaction."""
    return session.connection().connection.cursor()


def executemany(session: Session, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run ``sql`` (written with ``?`` marks) once per row, in one driver call."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cur = cursor(session)
    try:
        cur.executemany(sql, rows)
    finally:
        cur.close()


def fetch(session: Session, sql: str, params: Sequence[Any] = ()) -> Iterable[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` marks), streamed from the driver's cursor."""
    dialect = session.get_bind().dialect
    if dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cur = cursor(session)
    try:
        cur.execute(sql, tuple(params))
        while True:
            rows = cur.fetchmany(10_000)
            if not rows:
                return
            yield from rows
    finally:
        cur.close()


class TimeCodec:
    """Converts a :class:`~db.models.UTCDateTime` column's values between the driver's form
    (a string on SQLite, a datetime on PostgreSQL) and aware datetimes / format strings.

    Figures entered in one sitting share their timestamps, so conversions are cached.
    """

    def __init__(self, column: ColumnElement[Any], dialect: Dialect) -> None:
        impl = column.type.dialect_impl(dialect)
        self._bind = impl.bind_processor(dialect) or (lambda value: value)
        self._result = impl.result_processor(dialect, None) or (lambda value: value)
        self._to_db: dict[datetime, Any] = {}
        self._text: dict[Any, str] = {}

    def to_db(self, moment: datetime) -> Any:
        """The driver's form of an aware datetime; ordered and compared like the stored one."""
        cached = self._to_db.get(moment)
        if cached is None:
            if len(self._to_db) > _CACHE_LIMIT:
                self._to_db.clear()
            cached = self._to_db[moment] = self._bind(moment)
        return cached

    def from_db(self, raw: Any) -> datetime:
        return cast(datetime, self._result(raw))  # a stored updated_at is never NULL

    def text(self, raw: Any) -> str:
        """The format's text (``…Z``) of a stored value as the driver returns it."""
        cached = self._text.get(raw)
        if cached is None:
            if len(self._text) > _CACHE_LIMIT:
                self._text.clear()
            cached = self._text[raw] = format_time(self.from_db(raw))
        return cached
