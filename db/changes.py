"""What changed in the database, told to whoever shows it: one path from every write to the views.

Every Session that commits a write publishes one :class:`DataChange` — which kinds of data
(figures, units, qualitative progress, catalogue), and where known which units and years — to
the subscribers of its engine. Nothing is published for a rollback or a read-only commit, and
nothing before the commit: a view that re-reads on the news sees what was written.

Most writes are seen without the writer doing anything: ORM objects flushed and DML statements
run through the Session are recorded automatically. Writes that bypass both (the sync import's
DB-API cursor, a restore that replaces the file) call :func:`record_change` or :func:`publish`.

Plain Python, no Qt: the desktop subscribes through one QObject bridge (desktop/data_events.py)
that hands the news to the GUI thread, since a commit may happen in a worker thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

log = logging.getLogger(__name__)

FIGURES, UNITS, QUALITATIVE, CATALOGUE, EVERYTHING = (
    "figures", "units", "qualitative", "catalogue", "everything")
# Tables whose rows a view shows, and the kind of change a write to them is.
_TABLE_KINDS = {
    "data_value": FIGURES,
    "org_unit": UNITS,
    "goal_progress": QUALITATIVE,
    "plan": CATALOGUE, "domain": CATALOGUE, "goal": CATALOGUE, "indicator": CATALOGUE,
    "target": CATALOGUE, "meta": CATALOGUE, "plan_setting": CATALOGUE,
    # Returns (退回) mark the grid's cells: a new or closed return redraws the figures.
    "value_return": FIGURES, "value_return_item": FIGURES,
}
_PENDING = "tianbao_pending_changes"
ORIGIN = "tianbao_origin"  # Session.info key: who writes through this session ("grid", …)
# Execution option of a bulk statement whose change the caller noted with record_change (which
# units and years), so the statement itself does not widen it to "any unit, any year".
RECORDED = "tianbao_change_recorded"


@dataclass(frozen=True)
class DataChange:
    """One committed write. ``units``/``years`` None: not known, so any may have changed."""

    kinds: frozenset[str]
    units: frozenset[str] | None = None
    years: frozenset[int] | None = None
    origin: str = ""

    def touches(self, unit: str, year: int | None = None) -> bool:
        """Might this change alter what a view of ``unit`` (and ``year``) shows?"""
        if EVERYTHING in self.kinds or CATALOGUE in self.kinds or UNITS in self.kinds:
            return True
        unit_ok = self.units is None or unit in self.units
        year_ok = year is None or self.years is None or year in self.years
        return unit_ok and year_ok

    def merged(self, other: DataChange) -> DataChange:
        return DataChange(
            self.kinds | other.kinds,
            None if self.units is None or other.units is None else self.units | other.units,
            None if self.years is None or other.years is None else self.years | other.years,
            self.origin if self.origin == other.origin else "",
        )


def everything(origin: str = "") -> DataChange:
    """A change of which nothing is known (a restored file): every view reloads."""
    return DataChange(frozenset({EVERYTHING}), origin=origin)


Subscriber = Callable[[DataChange], None]
_lock = threading.Lock()
_subscribers: dict[int, list[tuple[Engine, Subscriber]]] = {}


def subscribe(engine: Engine, callback: Subscriber) -> Callable[[], None]:
    """Call ``callback`` (in the committing thread) after each write committed on ``engine``.

    Returns the function that unsubscribes.
    """
    with _lock:
        _subscribers.setdefault(id(engine), []).append((engine, callback))

    def unsubscribe() -> None:
        with _lock:
            entries = _subscribers.get(id(engine), [])
            entries[:] = [e for e in entries if e[1] is not callback]

    return unsubscribe


def publish(engine: Engine, change: DataChange) -> None:
    """Tell ``engine``'s subscribers about ``change`` now (after a commit, or a restore)."""
    with _lock:
        callbacks = [cb for e, cb in _subscribers.get(id(engine), []) if e is engine]
    for callback in callbacks:
        try:
            callback(change)
        except Exception:  # a broken view must not undo or fail the write that was committed
            log.exception("a data-change subscriber failed")


def record_change(session: Session, kinds: Iterable[str], units: Iterable[str] | None = None,
                  years: Iterable[int] | None = None) -> None:
    """Note a write the Session cannot see (a raw cursor); published if the session commits."""
    _add(session, DataChange(frozenset(kinds),
                             None if units is None else frozenset(units),
                             None if years is None else frozenset(years)))


def _add(session: Session, change: DataChange) -> None:
    pending: DataChange | None = session.info.get(_PENDING)
    session.info[_PENDING] = change if pending is None else pending.merged(change)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    by_kind: dict[str, tuple[set[str], set[int]]] = {}
    for instance in (*session.new, *session.dirty, *session.deleted):
        kind = _TABLE_KINDS.get(getattr(instance, "__tablename__", ""))
        if kind is None:
            continue
        units, years = by_kind.setdefault(kind, (set(), set()))
        unit = getattr(instance, "unit_code", None) or (
            getattr(instance, "code", None) if kind == UNITS else None)
        if unit:
            units.add(unit)
        year = getattr(instance, "year", None)
        if isinstance(year, int):
            years.add(year)
    for kind, (units, years) in by_kind.items():
        _add(session, DataChange(frozenset({kind}), frozenset(units) if units else None,
                                 frozenset(years) if years else None))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(RECORDED):
        return
    table = getattr(state.statement, "table", None)
    kind = _TABLE_KINDS.get(getattr(table, "name", ""))
    if kind is not None:
        _add(state.session, DataChange(frozenset({kind})))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    change: DataChange | None = session.info.pop(_PENDING, None)
    bind = session.bind
    engine = bind.engine if isinstance(bind, Connection) else bind
    if change is None or not isinstance(engine, Engine):
        return
    publish(engine, DataChange(change.kinds, change.units, change.years,
                             str(session.info.get(ORIGIN, ""))))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
