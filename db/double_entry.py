"""Double entry of paper returns (双录入核对): the verify pass of CSPro and EpiData.

A township without a PC sends its table on paper. A clerk keys it (第一遍); a second pass keys it
again blind (第二遍) — the second keyer never sees the first pass's figures, so a misread digit is
not copied but caught. Cell by cell the two passes are compared: where they agree the figure can
be committed; where they differ (不一致) the cell is blocked until someone with the paper in hand
resolves it — takes pass 1, pass 2 or types the value from the paper — and that choice is audited.

Until then nothing reaches ``data_value``: keyed cells live in ``paper_cell`` and count in no
evaluation, aggregation or report. Committing saves each verified cell through
:func:`db.figures.save_value`, so every figure gets the usual checks, lock and audit entry; a
cell refused there stays uncommitted with its reason.

Blindness is an API rule: :func:`pass_values` returns one pass only, and nothing here hands a
keyer the other pass except :func:`mismatches`, which lists a cell only once both passes are in.
When accounts are on (db/accounts.py) the two passes must be keyed by different users; on a
single-user PC one clerk may key both, and the return records it (``same_keyer``).

Values are kept as typed (NFKC, trimmed). Two values agree when both read as the same number
(``12`` and ``12.0``) or, when either is not a number (不适用, a marker), as the same text.
Functions flush but do not commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import login_required
from db.checks import DISAGGREGATION_LABELS, Finding, format_number, has_errors, parse_number
from db.errors import UserError
from db.figures import save_value
from db.importing.report_lines import ImportReport
from db.models import AuditEntry, Indicator, OrgUnit, PaperCell, PaperReturn, utcnow
from db.plan_years import FIRST_YEAR, LAST_YEAR
from db.value_kinds import figure_text

PASSES = (1, 2)
PASS_LABELS = {1: "第一遍", 2: "第二遍"}
RETURN_STATES = {"open": "核对中", "verified": "已核对"}
BLANK = "（空）"
MAX_TEXT = 64  # the column's width; no figure or marker is longer

CellKey = tuple[str, str]  # (indicator code, disaggregation)


class DoubleEntryError(UserError):
    """A refused keying or resolution; ``str()`` is plain Chinese."""


@dataclass(frozen=True)
class Mismatch:
    """One cell where the two passes differ: what the resolver looks at (第一遍 / 第二遍)."""

    unit_code: str
    unit_name: str
    year: int
    code: str
    disaggregation: str
    name: str
    pass1: str | None
    pass2: str | None
    pass1_by: str
    pass2_by: str
    resolved: str | None = None  # chosen but not yet saved (a refusal at commit keeps it here)

    @property
    def label(self) -> str:
        """The indicator as the paper shows it: 名称（女性） for a breakdown."""
        if self.disaggregation == "total":
            return self.name
        part = DISAGGREGATION_LABELS.get(self.disaggregation, self.disaggregation)
        return f"{self.name}（{part}）"


@dataclass
class ReturnSummary:
    """Where a paper return stands: the counts a clerk needs, no pass's values."""

    unit_code: str
    year: int
    state: str
    pass1_by: str = ""
    pass2_by: str = ""
    same_keyer: bool = False
    agreed: int = 0  # both passes in and equal (or resolved), not yet committed
    mismatched: int = 0  # both passes in, different, unresolved
    waiting: int = 0  # keyed in one pass while the other pass is still to come
    committed: int = 0

    @property
    def state_label(self) -> str:
        return RETURN_STATES[self.state]

    def keyed(self, number: int) -> bool:
        return bool(self.pass1_by if number == 1 else self.pass2_by)


@dataclass
class KeyResult:
    summary: ReturnSummary
    cells: int  # cells this pass holds a value for
    kept_committed: list[CellKey] = field(default_factory=list)  # already figures: not changed


@dataclass
class CommitResult:
    summary: ReturnSummary
    saved: int = 0  # figures written (or confirmed: the same figure was already stored)
    refused: dict[CellKey, list[Finding]] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)


# ---------------------------------------------------------------------------- values


def clean(value: str | float | int | None) -> str | None:
    """A keyed value as stored: text as typed (NFKC, trimmed); None for a blank cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DoubleEntryError(f"“{value}”不是数值。")
    text = format_number(float(value)) if isinstance(value, int | float) else \
        unicodedata.normalize("NFKC", value).strip()
    if len(text) > MAX_TEXT:
        raise DoubleEntryError(f"“{text[:20]}……”太长，不是一个数值。")
    return text or None


def agree(first: str | None, second: str | None) -> bool:
    """Whether two keyed values are the same figure: as numbers when both are numbers (12 and
    12.0 agree), otherwise as text (不适用 = 不适用); a blank agrees only with a blank."""
    if first is None or second is None:
        return first is second
    one, one_problems = parse_number(first)
    two, two_problems = parse_number(second)
    if not one_problems and not two_problems and one is not None and two is not None:
        return one == two
    return first == second


def shown(value: str | None) -> str:
    return BLANK if value is None else value


# ---------------------------------------------------------------------------- reading


def open_return(session: Session, unit_code: str, year: int) -> PaperReturn | None:
    """The paper return of a unit and year still being verified, if any (at most one)."""
    return session.scalar(select(PaperReturn).where(
        PaperReturn.unit_code == unit_code, PaperReturn.year == year,
        PaperReturn.state == "open").order_by(PaperReturn.id.desc()).limit(1))


def _cells(session: Session, paper: PaperReturn) -> list[PaperCell]:
    return list(session.scalars(select(PaperCell).where(PaperCell.return_id == paper.id)
                                .order_by(PaperCell.id)))


def pass_values(session: Session, unit_code: str, year: int, number: int) -> dict[CellKey, str]:
    """What one pass has keyed for the open return, for its own grid — never the other pass's
    values (the second pass is blind), and nothing once the cell is a figure."""
    _check_pass(number)
    paper = open_return(session, unit_code, year)
    if paper is None:
        return {}
    out: dict[CellKey, str] = {}
    for cell in _cells(session, paper):
        value = cell.pass1 if number == 1 else cell.pass2
        if value is not None and cell.committed_at is None:
            out[(cell.indicator_code, cell.disaggregation)] = value
    return out


def pass_refusal(session: Session, unit_code: str, year: int, number: int,
                 user: str) -> str | None:
    """Why ``user`` may not open this pass's grid, or None. Only with accounts on: whoever keyed
    one pass may not key the other, and a pass another person keyed stays theirs (opening it
    would show that person's figures to someone who might still key the other pass)."""
    _check_pass(number)
    if not login_required(session):
        return None
    paper = open_return(session, unit_code, year)
    if paper is None:
        return None
    this_by, other_by = ((paper.pass1_by, paper.pass2_by) if number == 1
                         else (paper.pass2_by, paper.pass1_by))
    if other_by == user:
        return (f"您已录入{PASS_LABELS[3 - number]}。两遍须由不同的人分别录入，"
                f"请由另一位同事登录后录入{PASS_LABELS[number]}。")
    if this_by and this_by != user:
        return (f"{PASS_LABELS[number]}已由“{this_by}”录入。为保证两遍互不可见，"
                "只有录入人本人可以打开修改。")
    return None


def values_for_keyer(session: Session, unit_code: str, year: int, number: int,
                     user: str) -> dict[CellKey, str]:
    """:func:`pass_values` for the grid of ``user``; DoubleEntryError if :func:`pass_refusal`
    says no."""
    refusal = pass_refusal(session, unit_code, year, number, user)
    if refusal is not None:
        raise DoubleEntryError(refusal)
    return pass_values(session, unit_code, year, number)


def _both_in(paper: PaperReturn) -> bool:
    return paper.pass1_at is not None and paper.pass2_at is not None


def _cell_state(paper: PaperReturn, cell: PaperCell) -> str:
    """committed | resolved | agreed | mismatch | waiting."""
    if cell.committed_at is not None:
        return "committed"
    if not _both_in(paper):
        return "waiting"
    if cell.resolved is not None:
        return "resolved"
    return "agreed" if agree(cell.pass1, cell.pass2) else "mismatch"


def summarise(session: Session, paper: PaperReturn) -> ReturnSummary:
    summary = ReturnSummary(paper.unit_code, paper.year, paper.state, paper.pass1_by,
                            paper.pass2_by, paper.same_keyer)
    for cell in _cells(session, paper):
        state = _cell_state(paper, cell)
        if state == "committed":
            summary.committed += 1
        elif state == "waiting":
            summary.waiting += 1
        elif state == "mismatch":
            summary.mismatched += 1
        else:
            summary.agreed += 1
    return summary


def return_summary(session: Session, unit_code: str, year: int) -> ReturnSummary | None:
    """Where the open return of a unit and year stands, else the last one verified; None if
    the unit's paper form for that year was never keyed."""
    paper = open_return(session, unit_code, year) or session.scalar(
        select(PaperReturn).where(PaperReturn.unit_code == unit_code, PaperReturn.year == year)
        .order_by(PaperReturn.id.desc()).limit(1))
    return None if paper is None else summarise(session, paper)


def open_returns(session: Session, unit_code: str | None = None,
                 year: int | None = None) -> list[ReturnSummary]:
    query = select(PaperReturn).where(PaperReturn.state == "open")
    if unit_code:
        query = query.where(PaperReturn.unit_code == unit_code)
    if year is not None:
        query = query.where(PaperReturn.year == year)
    papers = session.scalars(query.order_by(PaperReturn.unit_code, PaperReturn.year))
    return [summarise(session, paper) for paper in papers]


def mismatches(session: Session, unit_code: str | None = None, year: int | None = None,
               include_resolved: bool = False) -> list[Mismatch]:
    """The cells the two passes keyed differently, in open returns, cell by cell. A cell is
    listed only once both passes are in, so a keyer never learns the other pass from here."""
    query = select(PaperCell, PaperReturn).join(
        PaperReturn, PaperCell.return_id == PaperReturn.id).where(
        PaperReturn.state == "open", PaperReturn.pass1_at.is_not(None),
        PaperReturn.pass2_at.is_not(None), PaperCell.committed_at.is_(None))
    if unit_code:
        query = query.where(PaperReturn.unit_code == unit_code)
    if year is not None:
        query = query.where(PaperReturn.year == year)
    names = {code: name for code, name in session.execute(select(Indicator.code,
                                                                 Indicator.name))}
    units = {code: name for code, name in session.execute(select(OrgUnit.code, OrgUnit.name))}
    out = []
    for cell, paper in session.execute(query.order_by(PaperReturn.unit_code, PaperReturn.year,
                                                      PaperCell.id)):
        if agree(cell.pass1, cell.pass2):
            continue
        if cell.resolved is not None and not include_resolved:
            continue
        out.append(Mismatch(paper.unit_code, units.get(paper.unit_code, paper.unit_code),
                            paper.year, cell.indicator_code, cell.disaggregation,
                            names.get(cell.indicator_code, cell.indicator_code), cell.pass1,
                            cell.pass2, cell.pass1_by, cell.pass2_by, cell.resolved))
    return out


def read_pass_csv(session: Session, data: bytes, unit_code: str, year: int, source: str = ""
                  ) -> tuple[dict[CellKey, str], ImportReport]:
    """One pass from a values CSV (the format of ``tianbao values import``, read by its parser,
    db/importing/csv_values.py): ``({cell: value}, report)``. Every row must be of ``unit_code``
    and ``year`` — a row of another unit or year is an error, since keying it into this return
    would put a figure on the wrong form. Writes nothing."""
    from db.importing.csv_values import read_values_csv

    rows, report = read_values_csv(session, data, source)
    values: dict[CellKey, str] = {}
    for row in rows:
        if row.unit != unit_code or row.year != year:
            report.add(row.row, Finding(
                "error", "other_return",
                f"本行是 {row.unit} {row.year}年的数据，"
                f"而录入的是 {unit_code} {year}年的纸质报表。",
                row.code))
            report.accepted -= 1
            report.rejected += 1
            continue
        # 不适用 / 待核实 are compared as the words the CSV wrote them with (db/value_kinds.py).
        values[(row.code, row.disaggregation)] = figure_text(row.kind, row.value)
    return values, report


# ---------------------------------------------------------------------------- writing


def _check_pass(number: int) -> None:
    if number not in PASSES:
        raise DoubleEntryError(f"只有第一遍和第二遍（1 或 2），没有第 {number} 遍。")


def _check_unit_year(session: Session, unit_code: str, year: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise DoubleEntryError(f"没有代码为 {unit_code} 的单位。")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DoubleEntryError(f"年份必须在{FIRST_YEAR}—{LAST_YEAR}年之间。")
    return unit


def key_pass(session: Session, unit_code: str, year: int, number: int,
             values: Mapping[CellKey, str | float | int | None], user: str) -> KeyResult:
    """Store one whole pass of a paper return: ``values`` is everything that pass keyed (a cell
    left out or blank was blank on the paper as that keyer read it). Keying a pass again
    replaces it. Cells already saved as figures are kept as they are.

    With accounts on, refused if the other pass was keyed by ``user``; on a single-user PC the
    return records that one person keyed both.
    """
    _check_pass(number)
    _check_unit_year(session, unit_code, year)
    known = set(session.scalars(select(Indicator.code)))
    cleaned: dict[CellKey, str] = {}
    for (code, dis), raw in values.items():
        if code not in known:
            raise DoubleEntryError(f"没有代码为“{code}”的指标。")
        text = clean(raw)
        if text is not None:
            cleaned[(code, dis)] = text

    paper = open_return(session, unit_code, year)
    if paper is None:
        paper = PaperReturn(unit_code=unit_code, year=year, state="open", pass1_by="",
                            pass2_by="", same_keyer=False, created_at=utcnow())
        session.add(paper)
        session.flush()
    other_by = paper.pass2_by if number == 1 else paper.pass1_by
    same = bool(other_by) and other_by == user
    if same and login_required(session):
        raise DoubleEntryError(
            f"{PASS_LABELS[3 - number]}已由“{other_by}”录入。两遍须由不同的人分别录入，"
            f"请换一位同事登录后录入{PASS_LABELS[number]}。")

    now = utcnow()
    result = KeyResult(summary=ReturnSummary(unit_code, year, "open"), cells=len(cleaned))
    cells = {(c.indicator_code, c.disaggregation): c for c in _cells(session, paper)}
    for key in sorted(set(cells) | set(cleaned)):
        cell = cells.get(key)
        new = cleaned.get(key)
        if cell is None:
            cell = PaperCell(return_id=paper.id, indicator_code=key[0], disaggregation=key[1],
                             pass1_by="", pass2_by="", resolved_by="")
            session.add(cell)
        if cell.committed_at is not None:
            if not agree(new, _committed_value(cell)):
                result.kept_committed.append(key)
            continue
        old = cell.pass1 if number == 1 else cell.pass2
        if number == 1:
            cell.pass1, cell.pass1_by, cell.pass1_at = new, user, now
        else:
            cell.pass2, cell.pass2_by, cell.pass2_at = new, user, now
        if old != new and cell.resolved is not None:
            # The resolution was a choice between two values; one of them has just changed.
            cell.resolved, cell.resolved_by, cell.resolved_at = None, "", None
        if cell.pass1 is None and cell.pass2 is None:
            session.delete(cell)  # a stored cell both passes now leave blank
    if number == 1:
        paper.pass1_by, paper.pass1_at = user, now
    else:
        paper.pass2_by, paper.pass2_at = user, now
    paper.same_keyer = bool(paper.pass1_by) and paper.pass1_by == paper.pass2_by
    session.flush()
    # The audit says who keyed which pass and how much, not the figures: they are not figures
    # yet, and the log is not where a second keyer should find the first pass.
    _audit(session, user, "key_pass", "paper_return", f"{unit_code}/{year}", None,
           {"pass": number, "cells": len(cleaned), "same_keyer": paper.same_keyer})
    result.summary = summarise(session, paper)
    return result


def _committed_value(cell: PaperCell) -> str | None:
    return cell.resolved if cell.resolved is not None else cell.pass1


def resolve(session: Session, unit_code: str, year: int, code: str, disaggregation: str,
            user: str, choose: int | None = None, value: str | None = None) -> Mismatch:
    """Settle one mismatched cell: ``choose`` 1 or 2 takes that pass's value; ``value`` is the
    figure typed from the paper (blank: the paper has none). Audited with both passes."""
    if (choose is None) == (value is None):
        raise DoubleEntryError("请选择采用第一遍、第二遍，或按纸质报表填写数值（三者取一）。")
    paper = open_return(session, unit_code, year)
    cell = None if paper is None else session.scalar(select(PaperCell).where(
        PaperCell.return_id == paper.id, PaperCell.indicator_code == code,
        PaperCell.disaggregation == disaggregation))
    indicator = session.get(Indicator, code)
    name = indicator.name if indicator is not None else code
    if paper is None or cell is None or cell.committed_at is not None or not _both_in(paper) \
            or agree(cell.pass1, cell.pass2):
        raise DoubleEntryError(f"“{name}”{year}年没有待处理的不一致（两遍一致、尚未录完两遍，"
                               "或已入库）。")
    if choose is not None:
        _check_pass(choose)
        chosen = cell.pass1 if choose == 1 else cell.pass2
        how = f"pass{choose}"
    else:
        chosen, how = clean(value), "paper"
    before = {"第一遍": cell.pass1, "第二遍": cell.pass2, "pass1_by": cell.pass1_by,
              "pass2_by": cell.pass2_by, "resolved": cell.resolved}
    # "" stands for "the paper has no figure here": resolved, but nothing to save.
    cell.resolved = "" if chosen is None else chosen
    cell.resolved_by, cell.resolved_at = user, utcnow()
    _audit(session, user, "resolve", "paper_cell",
           f"{unit_code}/{code}/{year}/{disaggregation}", before,
           {"value": chosen, "chosen": how})
    session.flush()
    return Mismatch(unit_code, "", year, code, disaggregation, name, cell.pass1, cell.pass2,
                    cell.pass1_by, cell.pass2_by, cell.resolved)


def commit_agreed(session: Session, unit_code: str, year: int, user: str) -> CommitResult:
    """Save every verified cell (agreed, or resolved) of the open return as a figure through
    :func:`db.figures.save_value`; mismatched cells wait, the rest are not held back by them.
    Once every cell is a figure the return is 已核对. A refused figure keeps its cell open."""
    paper = open_return(session, unit_code, year)
    if paper is None:
        raise DoubleEntryError(f"{unit_code} {year}年没有正在核对的纸质报表。")
    result = CommitResult(summary=summarise(session, paper))
    if not _both_in(paper):
        missing = PASS_LABELS[1] if paper.pass1_at is None else PASS_LABELS[2]
        raise DoubleEntryError(f"{missing}尚未录入，两遍都录完后才能核对入库。")
    now = utcnow()
    for cell in _cells(session, paper):
        state = _cell_state(paper, cell)
        if state not in ("agreed", "resolved"):
            continue
        text = _committed_value(cell)
        key = (cell.indicator_code, cell.disaggregation)
        if not text:  # both blank cannot be a cell; a resolution to "no figure" saves nothing
            cell.committed_at = now
            continue
        saved = save_value(session, unit_code, cell.indicator_code, year, text,
                           cell.disaggregation, user=user)
        if has_errors(saved.findings):
            result.refused[key] = [f for f in saved.findings if f.severity == "error"]
            continue
        result.warnings += saved.findings
        cell.committed_at = now
        result.saved += 1
    session.flush()
    summary = summarise(session, paper)
    if summary.mismatched == 0 and summary.agreed == 0 and summary.waiting == 0:
        paper.state, paper.verified_at = "verified", now
        summary.state = "verified"
    _audit(session, user, "commit", "paper_return", f"{unit_code}/{year}", None,
           {"saved": result.saved, "refused": len(result.refused), "state": paper.state,
            "same_keyer": paper.same_keyer})
    session.flush()
    result.summary = summary
    return result


def _audit(session: Session, user: str, action: str, entity: str, key: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    session.add(AuditEntry(user=user, action=action, entity=entity, key=key, before=before,
                           after=after))
