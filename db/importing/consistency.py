"""A numerator above its denominator, a part above its total: said on import, refused at 上报.

:func:`db.figures.save_value` does not refuse such a pair — the clerk may be halfway through
correcting both figures — but submission does (:func:`db.checks.check_unit_year`). So an import
says it at once, as a warning on each figure of the pair that the file brings (the denominator's
row too: a file may change the births under a stored count of managed mothers). The Excel
template and the values CSV both ask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.checks import Finding, check_consistency
from db.models import DataValue, Indicator

Key = tuple[str, str, int, str]  # unit, indicator code, year, disaggregation
_IN_CHUNK = 400  # units per query: SQLite's bound-parameter limit, with room
_SEXES = ("female", "male")


def consistency_reminders(indicators: Mapping[str, Indicator], incoming: Mapping[Key, float],
                          stored: Callable[[Key], float | None]) -> dict[Key, list[Finding]]:
    """The reminders for ``incoming`` figures (numbers only), judged with the stored ones
    (``stored(key)``: a number, or None for none) beneath them, by the incoming figure they
    concern.

    Each incoming figure is compared with the other figure of each pair it is in — a few look-ups,
    as a file carries a million figures and almost all hold; only a unit's year where a pair
    breaks is handed to check_consistency, which words the finding."""
    partners = _partners(indicators)
    rates_of = _rates_of(indicators)

    def value(key: Key) -> float | None:
        found = incoming.get(key)
        return stored(key) if found is None else found

    broken: dict[tuple[str, int], set[str]] = {}  # unit's year → the codes of its broken pairs
    for (unit, code, year, dis), number in incoming.items():
        for whole, part in partners.get(code, ()):
            sides: list[tuple[float | None, float | None]]  # (part, whole)
            if whole == part:  # a count: by sex against its total
                if dis == "total":
                    sides = [(value((unit, code, year, d)), number) for d in _SEXES]
                elif dis in _SEXES:
                    sides = [(number, value((unit, code, year, "total")))]
                else:
                    continue
            else:
                sides = [(value((unit, part, year, dis)), value((unit, whole, year, dis)))]
            if any(top is not None and bottom is not None and top > bottom
                   for top, bottom in sides):
                broken.setdefault((unit, year), set()).update((whole, part))
    reminders: dict[Key, list[Finding]] = {}
    if not broken:
        return reminders
    breakdowns = {dis for *_, dis in incoming} | {"total", *_SEXES}
    for (unit, year), codes in broken.items():
        relevant = {code: indicators[code] for code in codes if code in indicators}
        relevant.update({rate: indicators[rate] for code in codes
                         for rate in rates_of.get(code, ())})
        values = {(code, dis): found for code in codes for dis in breakdowns
                  if (found := value((unit, code, year, dis))) is not None}
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


def _rates_of(indicators: Mapping[str, Indicator]) -> dict[str, set[str]]:
    """Each count's rates, as numerator or denominator."""
    rates_of: dict[str, set[str]] = {}
    for code, indicator in indicators.items():
        if indicator.kind == "rate" and indicator.numerator and indicator.denominator:
            rates_of.setdefault(indicator.numerator, set()).add(code)
            rates_of.setdefault(indicator.denominator, set()).add(code)
    return rates_of


def _pair(finding: Finding, indicators: Mapping[str, Indicator],
          rates_of: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """The two figures a finding of check_consistency is about, as (code, disaggregation)."""
    code, dis = finding.field or "", finding.disaggregation or "total"
    if finding.code in ("numerator_above_denominator", "female_above_total"):
        below = {indicators[rate].denominator for rate in rates_of.get(code, ())
                 if indicators[rate].numerator == code}
        return {(code, dis)} | {(other, dis) for other in below if other}
    return {(code, dis), (code, "total")}  # a part above its total
