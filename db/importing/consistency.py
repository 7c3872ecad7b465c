"""A numerator above its denominator, a part above its total: said on import, refused at 上报.

:func:`db.figures.save_value` does not refuse such a pair — the clerk may be halfway through
correcting both figures — but submission does (:func:`db.checks.check_unit_year`). So an import
says it at once, as a warning on each figure of the pair that the file brings (the denominator's
row too: a file may change the births under a stored count of managed mothers). The Excel
template and the values CSV both ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import Finding, check_consistency
from db.models import DataValue, Indicator

Key = tuple[str, str, int, str]  # unit, indicator code, year, disaggregation
_IN_CHUNK = 400  # units per query: SQLite's bound-parameter limit, with room


def consistency_reminders(indicators: Mapping[str, Indicator], incoming: Mapping[Key, float],
                          stored: Mapping[Key, float]) -> dict[Key, list[Finding]]:
    """The reminders for ``incoming`` figures (numbers only), judged with the ``stored`` ones of
    the same units and years beneath them, by the incoming figure they concern."""
    rates_of = _rates_of(indicators)
    partners = _partners(indicators)
    by_unit: dict[tuple[str, int], dict[tuple[str, str], float]] = {
        (unit, year): {} for unit, code, year, _ in incoming if code in partners}
    if not by_unit:
        return {}
    for (unit, code, year, dis), value in stored.items():
        if (unit, year) in by_unit:
            by_unit[(unit, year)][(code, dis)] = value
    for (unit, code, year, dis), value in incoming.items():
        if (unit, year) in by_unit:
            by_unit[(unit, year)][(code, dis)] = value
    reminders: dict[Key, list[Finding]] = {}
    for (unit, year), values in by_unit.items():
        if not _may_break(values, partners):  # the usual unit and year: nothing to word
            continue
        relevant = _relevant(indicators, rates_of, {code for code, _ in values})
        for finding in check_consistency(relevant, values):
            said = Finding("warning", finding.code, f"上报前须更正：{finding.message}",
                           finding.field, finding.disaggregation)
            for code, dis in _pair(finding, indicators, rates_of):
                if (unit, code, year, dis) in incoming:
                    reminders.setdefault((unit, code, year, dis), []).append(said)
    return reminders


def stored_beneath(session: Session, keys: Iterable[Key],
                   indicators: Mapping[str, Indicator]) -> dict[Key, float]:
    """The stored numbers :func:`consistency_reminders` needs under ``keys``: the same units and
    years, the indicators paired with theirs (one query per 400 units)."""
    partners = _partners(indicators)
    keys = [key for key in keys if key[1] in partners]
    groups = {(unit, year) for unit, _, year, _ in keys}
    codes = sorted({other for _, code, _, _ in keys for pair in partners[code]
                    for other in pair} | {code for _, code, _, _ in keys})
    if not keys:
        return {}
    units = sorted({unit for unit, _ in groups})
    years = sorted({year for _, year in groups})
    found: dict[Key, float] = {}
    for start in range(0, len(units), _IN_CHUNK):
        for unit, code, year, dis, value in session.execute(
                select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                       DataValue.disaggregation, DataValue.value)
                .where(DataValue.unit_code.in_(units[start:start + _IN_CHUNK]),
                       DataValue.year.in_(years), DataValue.indicator_code.in_(codes),
                       DataValue.value.is_not(None))):
            if value is not None and (unit, year) in groups:
                found[(unit, code, year, dis)] = value
    return found


# A pair of figures one must not exceed the other of, as (larger-or-equal code, its part): a
# rate's denominator and numerator, or a count and itself (its total and a breakdown by sex).
_Pair = tuple[str, str]


def _partners(indicators: Mapping[str, Indicator]) -> dict[str, list[_Pair]]:
    """For each code, the pairs it is in (see check_consistency)."""
    partners: dict[str, list[_Pair]] = {}
    for code, indicator in indicators.items():
        if indicator.kind == "rate" and indicator.numerator and indicator.denominator:
            pair = (indicator.denominator, indicator.numerator)
            partners.setdefault(indicator.numerator, []).append(pair)
            partners.setdefault(indicator.denominator, []).append(pair)
        elif indicator.kind == "count":
            partners.setdefault(code, []).append((code, code))
    return partners


def _may_break(values: Mapping[tuple[str, str], float],
               partners: Mapping[str, list[_Pair]]) -> bool:
    """Whether check_consistency could find anything in one unit's year: a part above its
    whole anywhere (a quick look; check_consistency words what it finds)."""
    for (code, dis), value in values.items():
        for whole, part in partners.get(code, ()):
            if whole == part:  # a count: a breakdown by sex above its total
                total = values.get((code, "total"))
                if dis in ("female", "male") and total is not None and value > total:
                    return True
                continue
            top, bottom = values.get((part, dis)), values.get((whole, dis))
            if top is not None and bottom is not None and top > bottom:
                return True
    return False


def _rates_of(indicators: Mapping[str, Indicator]) -> dict[str, set[str]]:
    """Each count's rates, as numerator or denominator."""
    rates_of: dict[str, set[str]] = {}
    for code, indicator in indicators.items():
        if indicator.kind == "rate" and indicator.numerator and indicator.denominator:
            rates_of.setdefault(indicator.numerator, set()).add(code)
            rates_of.setdefault(indicator.denominator, set()).add(code)
    return rates_of


def _relevant(indicators: Mapping[str, Indicator], rates_of: Mapping[str, set[str]],
              codes: set[str]) -> dict[str, Indicator]:
    """Only the indicators these figures can involve: check_consistency walks every indicator
    it is given, for every unit of a county's file."""
    rates = {rate for code in codes for rate in rates_of.get(code, ())}
    wanted = codes | rates | {part for rate in rates for part in
                              (indicators[rate].numerator, indicators[rate].denominator) if part}
    return {code: indicators[code] for code in wanted if code in indicators}


def _pair(finding: Finding, indicators: Mapping[str, Indicator],
          rates_of: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """The two figures a finding of check_consistency is about, as (code, disaggregation)."""
    code, dis = finding.field or "", finding.disaggregation or "total"
    if finding.code in ("numerator_above_denominator", "female_above_total"):
        below = {indicators[rate].denominator for rate in rates_of.get(code, ())
                 if indicators[rate].numerator == code}
        return {(code, dis)} | {(other, dis) for other in below if other}
    return {(code, dis), (code, "total")}  # a part above its total
