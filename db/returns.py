"""Returns with reasons (退回): the level above sends a unit's figures back for correction.

A county returns either single figures of a township's year, each with its reason, or the
whole unit-year with one reason. Both ends keep the return (db.models.ValueReturn):

- **issued** at the county. Issuing sends the returned figures of the county's copy back to
  draft — a returned figure is not approved; where it was approved (已审核), the lock is reopened
  for those figures only, audited with the reason, like ``db.figures.reopen_year``. A whole
  return sends the whole unit-year back to draft. The township learns of it through a signed
  returns file (db/sync/returns_file.py).
- **received** at the township. Importing the file does the same to the township's own
  figures: the returned ones (or the whole year) go back to draft, approved ones reopened.

A returned figure is *corrected* when its value or its comment differs from what it was when
the return was issued (county) or received (township): a new value, or a comment answering
the reason. At the county the check runs after each figures file from below is applied
(:func:`note_corrections`, called by db/sync/apply.py); an item once corrected stays so, and a
return is **closed** when all its items are. A whole return is closed when the unit-year
arrives submitted again (the township checked and re-sent the whole year). At the township
the same comparison is made when the grid is shown (:func:`return_marks`): a corrected figure
shows 已更正，待上报 until the county's next returns file says the return is closed.

Every step is audited at both ends (entity ``value_return``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import UserError
from db.figures import year_status
from db.models import (
    AuditEntry,
    DataValue,
    Indicator,
    OrgUnit,
    ValueReturn,
    ValueReturnItem,
    utcnow,
)
from db.sync.keys import unit_is_below
from db.units import home_unit_code

MAX_REASON = 500
STATE_LABELS = {"open": "待更正", "closed": "已关闭"}


class ReturnError(UserError):
    """A return refused as asked (unknown unit, no reason, already returned …)."""


@dataclass(frozen=True)
class ReturnRequest:
    """One figure to return: indicator code, breakdown and the reason for it."""

    indicator_code: str
    reason: str
    disaggregation: str = "total"


@dataclass(frozen=True)
class ReturnMark:
    """What the grid shows for a returned figure (or every figure of a wholly returned year)."""

    reason: str
    corrected: bool
    whole: bool
    issued_at: datetime
    issuer_unit: str
    uid: str
    side: str = "received"  # issued: the county looking at a township's grid
    issuer_name: str = ""

    @property
    def label(self) -> str:
        if not self.corrected:
            return "已退回"
        return "已更正，待上报" if self.side == "received" else "下级已更正"

    @property
    def text(self) -> str:
        what = "整表退回" if self.whole else "退回"
        return f"{what}：{self.reason}" + (f"（{self.label}）" if self.corrected else "")


def clean_reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise ReturnError("请填写退回原因。")
    if len(reason) > MAX_REASON:
        raise ReturnError(f"退回原因不能超过 {MAX_REASON} 个字。")
    return reason


def issue_return(session: Session, unit_code: str, year: int, *,
                 items: Sequence[ReturnRequest] = (), reason: str = "",
                 user: str = "") -> ValueReturn:
    """Return ``items`` of ``unit_code``'s ``year`` (or, without items, the whole year with
    ``reason``) to a unit below this installation's; flushed and audited, not committed.

    Refused (:class:`ReturnError`): a unit that is not below this one, a year without figures
    (whole), no reason, an unknown indicator, a figure or year already returned and open.
    """
    home = home_unit_code(session)
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise ReturnError(f"没有代码为 {unit_code} 的单位。")
    if home is None or not unit_is_below(session, unit, home):
        raise ReturnError(f"{unit.name}（{unit_code}）不是本单位的下级单位，不能退回其数据。")
    whole = not items
    overall = clean_reason(reason) if whole or reason.strip() else ""
    if whole and not _stored(session, unit_code, year):
        raise ReturnError(f"{unit.name}{year}年还没有数据，无需退回。")
    whole_open, open_items = _open_keys(session, unit_code, year, "issued")
    if whole and whole_open:
        raise ReturnError(f"{unit.name}{year}年已整表退回，尚未更正。")
    row = ValueReturn(uid=str(uuid.uuid4()), side="issued", unit_code=unit_code, year=year,
                      whole=whole, reason=overall, issuer_unit=home, issued_by=user,
                      issued_at=utcnow(), state="open")
    seen: set[tuple[str, str]] = set()
    for item in items:
        key = (item.indicator_code, item.disaggregation or "total")
        indicator = session.get(Indicator, key[0])
        if indicator is None:
            raise ReturnError(f"没有代码为“{key[0]}”的指标。")
        if key in open_items:
            raise ReturnError(f"“{indicator.name}”已退回，尚未更正，不能重复退回。")
        if key in seen:
            continue
        seen.add(key)
        text = clean_reason(item.reason or overall)
        stored = figure_state(session, unit_code, year, *key)
        row.items.append(ValueReturnItem(
            indicator_code=key[0], disaggregation=key[1], reason=text,
            value_before=stored[0] if stored else None,
            comment_before=stored[1] if stored else ""))
    session.add(row)
    session.flush()
    reopened = send_back_to_draft(session, row, user)
    _audit(session, user, "issue_return", row, {
        "unit": unit_code, "year": year, "whole": whole, "reason": overall,
        "items": [[i.indicator_code, i.disaggregation, i.reason] for i in row.items],
        "reopened": reopened})
    session.flush()
    return row


def send_back_to_draft(session: Session, row: ValueReturn, user: str) -> int:
    """The returned figures (every figure of the year for a whole return) back to draft, here;
    how many were approved and so reopened. Audited per figure that changes status."""
    keys = None if row.whole else {(i.indicator_code, i.disaggregation) for i in row.items}
    reopened = 0
    for figure in session.scalars(select(DataValue).where(
            DataValue.unit_code == row.unit_code, DataValue.year == row.year)):
        if keys is not None and (figure.indicator_code, figure.disaggregation) not in keys:
            continue
        if figure.status == "draft":
            continue
        reopened += figure.status == "approved"
        session.add(AuditEntry(
            user=user, action="return", entity="data_value",
            key=f"{figure.unit_code}/{figure.indicator_code}/{figure.year}/"
                f"{figure.disaggregation}",
            before={"status": figure.status},
            after={"status": "draft", "return": row.uid}))
        # updated_at stays: the township's corrected figure, sent later, must still win.
        figure.status = "draft"
    return reopened


def note_corrections(session: Session, unit_codes: Iterable[str], user: str = "") -> int:
    """After figures of ``unit_codes`` arrived from below: mark the open issued items whose
    figure changed as corrected, close the returns all of whose items are (and whole returns
    whose year is submitted again); audited, flushed. How many returns were closed."""
    units = set(unit_codes)
    if not units:
        return 0
    closed = 0
    now = utcnow()
    for row in session.scalars(select(ValueReturn).where(
            ValueReturn.side == "issued", ValueReturn.state == "open",
            ValueReturn.unit_code.in_(units))):
        if row.whole:
            if year_status(session, row.unit_code, row.year) in ("submitted", "approved"):
                closed += _close(session, row, user, now)
            continue
        for item in row.items:
            if item.corrected_at is None and _changed(session, row, item):
                item.corrected_at = now
                _audit(session, user, "return_corrected", row,
                       {"indicator": item.indicator_code, "disaggregation": item.disaggregation})
        if all(item.corrected_at is not None for item in row.items):
            closed += _close(session, row, user, now)
    session.flush()
    return closed


def _close(session: Session, row: ValueReturn, user: str, now: datetime) -> int:
    row.state, row.closed_at = "closed", now
    _audit(session, user, "close_return", row, {"state": "closed"})
    return 1


def return_marks(session: Session, unit_code: str, year: int
                 ) -> dict[tuple[str, str] | None, ReturnMark]:
    """The open returns of a unit-year as the grid shows them: (indicator, breakdown) → mark,
    and under ``None`` the mark of a whole return (every figure of the year). Either side:
    the county sees its issued returns, the township the ones it received."""
    marks: dict[tuple[str, str] | None, ReturnMark] = {}
    names: dict[str, str] = {}
    for row in session.scalars(select(ValueReturn).where(
            ValueReturn.unit_code == unit_code, ValueReturn.year == year,
            ValueReturn.state == "open").order_by(ValueReturn.issued_at)):
        if row.issuer_unit not in names:
            issuer = session.get(OrgUnit, row.issuer_unit)
            names[row.issuer_unit] = issuer.name if issuer is not None else row.issuer_unit
        name = names[row.issuer_unit]
        if row.whole:
            corrected = (row.side == "received" and row.received_at is not None
                         and year_status(session, unit_code, year) in ("submitted", "approved"))
            marks[None] = ReturnMark(row.reason, corrected, True, row.issued_at,
                                     row.issuer_unit, row.uid, row.side, name)
            continue
        for item in row.items:
            # At the county only the township's file corrects (note_corrections), not an
            # edit made here.
            corrected = item.corrected_at is not None or (
                row.side == "received" and _changed(session, row, item))
            marks[(item.indicator_code, item.disaggregation)] = ReturnMark(
                item.reason, corrected, False, row.issued_at, row.issuer_unit, row.uid, row.side,
                name)
    return marks


def mark_for(marks: dict[tuple[str, str] | None, ReturnMark], code: str,
             disaggregation: str = "total") -> ReturnMark | None:
    """The mark of one figure: its own, else the whole return's."""
    return marks.get((code, disaggregation)) or marks.get(None)


def returns_of(session: Session, *, side: str | None = None, unit_code: str | None = None,
               state: str | None = None) -> list[ValueReturn]:
    """Returns kept here, newest first."""
    query = select(ValueReturn).order_by(ValueReturn.issued_at.desc(), ValueReturn.id.desc())
    if side is not None:
        query = query.where(ValueReturn.side == side)
    if unit_code is not None:
        query = query.where(ValueReturn.unit_code == unit_code)
    if state is not None:
        query = query.where(ValueReturn.state == state)
    return list(session.scalars(query))


def describe(session: Session, row: ValueReturn) -> str:
    """One line for a list: unit, year, what, reason, state and progress."""
    unit = session.get(OrgUnit, row.unit_code)
    name = unit.name if unit is not None else row.unit_code
    if row.whole:
        what = f"整表：{row.reason}"
    else:
        names = []
        for item in row.items:
            indicator = session.get(Indicator, item.indicator_code)
            label = indicator.name if indicator is not None else item.indicator_code
            if item.disaggregation != "total":
                label += f"（{item.disaggregation}）"
            names.append(f"{label}：{item.reason}")
        what = "；".join(names)
    done = sum(item.corrected_at is not None for item in row.items)
    progress = "" if row.whole else f"，已更正 {done}/{len(row.items)}"
    when = row.issued_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (f"{name}（{row.unit_code}）{row.year}年 {when} {STATE_LABELS.get(row.state, row.state)}"
            f"{progress} — {what}")


def _changed(session: Session, row: ValueReturn, item: ValueReturnItem) -> bool:
    figure = figure_state(session, row.unit_code, row.year, item.indicator_code,
                          item.disaggregation)
    if figure is None:
        return item.value_before is not None
    return figure != (item.value_before, item.comment_before)


def figure_state(session: Session, unit: str, year: int, code: str, dis: str
            ) -> tuple[float | None, str] | None:
    """(value, comment) of a stored figure. Columns, not the entity: sync writes figures
    through the driver's cursor (apply.py), so an entity in the identity map may be stale."""
    found = session.execute(select(DataValue.value, DataValue.comment).where(
        DataValue.unit_code == unit, DataValue.year == year, DataValue.indicator_code == code,
        DataValue.disaggregation == dis)).first()
    return None if found is None else (found[0], found[1])


def _stored(session: Session, unit: str, year: int) -> bool:
    return session.scalar(select(DataValue.id).where(
        DataValue.unit_code == unit, DataValue.year == year).limit(1)) is not None


def _open_keys(session: Session, unit: str, year: int, side: str
               ) -> tuple[bool, set[tuple[str, str]]]:
    """Whether a whole return of the unit-year is open, and its figures returned, uncorrected."""
    whole = False
    items: set[tuple[str, str]] = set()
    for row in session.scalars(select(ValueReturn).where(
            ValueReturn.unit_code == unit, ValueReturn.year == year, ValueReturn.side == side,
            ValueReturn.state == "open")):
        whole = whole or row.whole
        items |= {(item.indicator_code, item.disaggregation) for item in row.items
                  if item.corrected_at is None}
    return whole, items


def _audit(session: Session, user: str, action: str, row: ValueReturn,
           after: dict[str, object]) -> None:
    session.add(AuditEntry(user=user, action=action, entity="value_return",
                           key=f"{row.unit_code}/{row.year}/{row.uid}"[:200], after=after))
