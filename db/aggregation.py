"""Figures of a unit and of everything below it, resolved the way a statistics bureau would.

A county's rate is Σ numerators / Σ denominators × factor over its townships, never the mean
of their rates (DOMAIN.md, "Figures"). Directly entered figures (surveys, or a rate a unit
only had as a rate) are the unit's own and never aggregate. A unit's own figure for a raw
count is its whole total and wins over the sum of its children, so nothing is counted twice.

Only numbers are summed (db/value_kinds.py): a unit whose figure is 不适用 is neither a
contributor nor missing, and a parent all of whose units are 不适用 is 不适用 itself. A 待核实
figure with its reported value is summed like any other (the results built on it say so);
one without a value is missing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DataValue, Indicator, OrgUnit
from db.unit_events import Lineage, is_valid, load_lineage

Key = tuple[str, str, int, str]  # unit, indicator code, year, disaggregation


@dataclass(frozen=True)
class IndicatorInfo:
    """What aggregation needs of an indicator (a plain copy, cheap to pass around)."""

    code: str
    name: str
    kind: str  # rate | direct | count
    unit: str
    direction: str
    numerator: str | None
    denominator: str | None
    factor: float | None
    collected_at: str = "township"


@dataclass(frozen=True, init=False)
class Resolved:
    """A unit's figure for one indicator and year, and where it came from."""

    value: float | None
    source: str  # entered | computed | aggregated | none | not_applicable | pending
    contributing: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    # Written out rather than generated: a frozen dataclass's own __init__ sets each field
    # through object.__setattr__, and evaluating a city resolves ten thousand figures
    # (bench_evaluation.py). Frozen all the same: only __init__ writes the instance's dict.
    def __init__(self, value: float | None, source: str, contributing: tuple[str, ...] = (),
                 missing: tuple[str, ...] = ()) -> None:
        own = self.__dict__
        own["value"] = value
        own["source"] = source
        own["contributing"] = contributing
        own["missing"] = missing

    @property
    def answered(self) -> bool:
        """Whether the unit answered (completeness): a figure, 不适用 or 待核实."""
        return self.value is not None or self.source in ("not_applicable", "pending")


NOTHING = Resolved(None, "none")  # frozen, so one serves every figure not there
_NO_YEARS: Mapping[int, float] = {}  # only ever read


@dataclass(frozen=True)
class Pooled:
    """A figure pooled from the units directly below, and which of them reported."""

    value: float | None
    numerator: float | None  # for a rate: the pooled pair the value comes from
    denominator: float | None
    reported: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def expected(self) -> int:
        return len(self.reported) + len(self.missing)


@dataclass
class FigureIndex:
    """Every figure of a unit tree in memory, read with one query."""

    indicators: Mapping[str, IndicatorInfo]
    children: Mapping[str, Sequence[str]]  # the units in use now (active), as before validity
    values: dict[Key, float] = field(default_factory=dict)
    # Every unit of the tree, valid or not, and the years each existed in: a year's aggregate
    # counts the children valid in that year (db/unit_events.py).
    all_children: Mapping[str, Sequence[str]] = field(default_factory=dict)
    validity: Mapping[str, tuple[bool, int | None, int | None]] = field(default_factory=dict)
    lineage: Lineage = field(default_factory=dict)
    _same_every_year: bool | None = field(default=None, repr=False)
    _children_by_year: dict[tuple[str, int], list[str]] = field(default_factory=dict,
                                                                 repr=False)
    direct: set[Key] = field(default_factory=set)
    _counts: dict[Key, Resolved] = field(default_factory=dict, repr=False)
    _pairs: dict[Key, tuple[float, float, list[str], list[str]]] = field(
        default_factory=dict, repr=False)
    # Stored figures that are not plain numbers: not_applicable | pending (db/value_kinds.py).
    # A pending figure with a value is in ``values`` too.
    marks: dict[Key, str] = field(default_factory=dict)
    _sums: dict[Key, tuple[float, float, bool]] = field(default_factory=dict, repr=False)
    _totals: dict[Key, float | None] = field(default_factory=dict, repr=False)
    _years: dict[tuple[str, str, str], dict[int, float]] | None = field(default=None, repr=False)
    _pair_memo: dict[tuple[str, str, str], dict[int, tuple[float, float, bool]]] = field(
        default_factory=dict, repr=False)
    _count_memo: dict[tuple[str, str, str], dict[int, float | None]] = field(
        default_factory=dict, repr=False)

    # ------------------------------------------------------------------ building

    @classmethod
    def load(cls, session: Session, root: str, years: Iterable[int] | None = None) -> FigureIndex:
        units = session.execute(
            select(OrgUnit.code, OrgUnit.parent_code, OrgUnit.active, OrgUnit.valid_from,
                   OrgUnit.valid_to)
        ).all()
        children: dict[str, list[str]] = defaultdict(list)
        every: dict[str, list[str]] = defaultdict(list)
        for code, parent, active, _, _ in units:
            if parent is not None:
                every[parent].append(code)
                if active:
                    children[parent].append(code)
        for kids in (*children.values(), *every.values()):
            kids.sort()
        lineage = load_lineage(session)
        subtree = _subtree(root, every)
        # A successor's history is its predecessors' figures: read theirs too.
        queue = [code for code in subtree if code in lineage]
        while queue:
            for _, _, sources in lineage.get(queue.pop(), ()):
                for source in sources:
                    if source not in subtree:
                        added = _subtree(source, every)
                        subtree |= added
                        queue.extend(code for code in added if code in lineage)
        index = cls(indicators=load_indicator_info(session), children=children,
                    all_children=every,
                    validity={code: (active, first, last)
                              for code, _, active, first, last in units},
                    lineage=lineage)
        query = select(
            DataValue.unit_code, DataValue.indicator_code, DataValue.year,
            DataValue.disaggregation, DataValue.value, DataValue.entered_directly,
            DataValue.kind,
        )
        if years is not None:
            query = query.where(DataValue.year.in_(list(years)))
        # One pass over the figures, filtered in Python: an IN list of hundreds of unit codes
        # is slower on SQLite than reading the few extra rows of a database holding one tree.
        values, direct, marks = index.values, index.direct, index.marks
        for unit, code, year, dis, value, entered_directly, kind in session.execute(query):
            if unit in subtree:
                key = (unit, code, year, dis)
                if kind != "number":
                    marks[key] = kind
                if value is not None and kind != "not_applicable":
                    values[key] = value
                if entered_directly:
                    direct.add(key)
        return index

    def add(self, unit: str, code: str, year: int, disaggregation: str, value: float | None,
            entered_directly: bool = False, kind: str = "number") -> None:
        """Store a unit's figure, in place of whatever was stored for it (as its one row in
        ``data_value``): a figure now 不适用 keeps no earlier number, a number no earlier mark."""
        key = (unit, code, year, disaggregation)
        self.values.pop(key, None)
        self.marks.pop(key, None)
        self.direct.discard(key)
        if kind != "number":
            self.marks[key] = kind
        if value is not None and kind != "not_applicable":
            self.values[key] = value
        if entered_directly:
            self.direct.add(key)
        self._forget_resolved()

    def mark(self, unit: str, code: str, year: int, disaggregation: str = "total") -> str | None:
        """not_applicable or pending where the stored figure is one; None for a number."""
        return self.marks.get((unit, code, year, disaggregation)) if self.marks else None

    def _not_applicable(self, unit: str, info: IndicatorInfo, year: int, dis: str) -> bool:
        # A rate is 不适用 when the unit marked the rate itself or either of its counts.
        if not self.marks:
            return False
        codes = (info.code, info.numerator, info.denominator) if info.kind == "rate" \
            else (info.code,)
        return any(self.marks.get((unit, c, year, dis)) == "not_applicable"
                   for c in codes if c)

    def queried(self, units: Iterable[str], code: str, year: int,
                disaggregation: str = "total") -> list[str]:
        """Those of ``units`` whose figure (or a count of its rate) is 待核实 in ``year``."""
        if not self.marks:
            return []
        info = self.indicators[code]
        codes = [c for c in (code, info.numerator, info.denominator) if c]
        return [u for u in units
                if any(self.marks.get((u, c, year, disaggregation)) == "pending" for c in codes)]

    def _forget_resolved(self) -> None:
        self._counts.clear()
        self._pairs.clear()
        self._sums.clear()
        self._totals.clear()
        self._years = None
        self._pair_memo.clear()
        self._count_memo.clear()

    def forget(self, unit: str, code: str, year: int) -> None:
        """Drop a unit's figures for one indicator and year (before re-reading them)."""
        for key in [k for k in self.values if k[:3] == (unit, code, year)]:
            del self.values[key]
            self.direct.discard(key)
        for key in [k for k in self.marks if k[:3] == (unit, code, year)]:
            del self.marks[key]
            self.direct.discard(key)
        self._forget_resolved()

    # ------------------------------------------------------------------ validity

    def valid(self, unit: str, year: int) -> bool:
        span = self.validity.get(unit)
        return span is None or is_valid(span[0], span[1], span[2], year)

    def children_in(self, unit: str, year: int) -> Sequence[str]:
        """The unit's children that existed in ``year``, by code."""
        if self._same_every_year is None:
            # Without a unit bounded to some years (the usual tree), a year's children are
            # the active ones: no filtering on the hot path of resolving.
            self._same_every_year = all(first is None and last is None
                                        for _, first, last in self.validity.values())
        if self._same_every_year:
            return self.children.get(unit, ())
        key = (unit, year)
        kids = self._children_by_year.get(key)
        if kids is None:
            kids = [kid for kid in self.all_children.get(unit, ()) if self.valid(kid, year)]
            self._children_by_year[key] = kids
        return kids

    # ------------------------------------------------------------------ resolving

    def resolve(self, unit: str, code: str, year: int, disaggregation: str = "total") -> Resolved:
        info = self.indicators[code]
        if info.kind == "count":
            return self._count(unit, code, year, disaggregation)
        key = (unit, code, year, disaggregation)
        if self.marks:
            if self._not_applicable(unit, info, year, disaggregation):
                return Resolved(None, "not_applicable")
            if key not in self.values and self.marks.get(key) == "pending":
                return Resolved(None, "pending", missing=(unit,))
        found = self.values.get(key)  # never None when stored
        if found is not None and (info.kind != "rate" or key in self.direct):
            return Resolved(found, "entered")
        if info.kind == "rate" and info.numerator and info.denominator and info.factor:
            return self._rate(unit, info, year, disaggregation)
        if found is not None:
            return Resolved(found, "entered")
        return NOTHING  # most of a city's survey figures are a county's, not a township's

    def _rate(self, unit: str, info: IndicatorInfo, year: int, dis: str) -> Resolved:
        numerator, denominator, contributing, missing = self._pair(unit, info, year, dis)
        if not contributing or denominator == 0:
            # Fall back to a rate this unit entered directly, if it had only the rate.
            key = (unit, info.code, year, dis)
            if key in self.values:
                return Resolved(self.values[key], "entered")
            if not contributing and not missing:  # every unit below is 不适用
                return Resolved(None, "not_applicable")
            return Resolved(None, "none", missing=tuple(missing))
        value = numerator / denominator * (info.factor or 1)
        if not math.isfinite(value):
            # Only figures stored before the plausible ranges (db/checks.py) can overflow a
            # sum; no rate is better than "inf% 已达标".
            return Resolved(None, "none", missing=tuple(missing))
        source = "computed" if contributing == [unit] else "aggregated"
        return Resolved(value, source, tuple(contributing), tuple(missing))

    def _pair(self, unit: str, info: IndicatorInfo, year: int, dis: str
              ) -> tuple[float, float, list[str], list[str]]:
        """Σ numerator and Σ denominator over the units that reported both.

        A unit that reported only one of the two is missing, not half counted: pooling a
        numerator without its denominator would bias the rate.
        """
        cached = self._pairs.get((unit, info.code, year, dis))
        if cached is not None:
            return cached
        result = self._pair_uncached(unit, info, year, dis)
        self._pairs[(unit, info.code, year, dis)] = result
        return result

    def _pair_uncached(self, unit: str, info: IndicatorInfo, year: int, dis: str
                       ) -> tuple[float, float, list[str], list[str]]:
        if self.marks and self._not_applicable(unit, info, year, dis):
            return 0.0, 0.0, [], []  # neither counted nor missing
        num = self.values.get((unit, info.numerator or "", year, dis))
        den = self.values.get((unit, info.denominator or "", year, dis))
        if num is not None and den is not None:
            return num, den, [unit], []
        kids = self.children_in(unit, year)
        if not kids:
            return 0.0, 0.0, [], [unit]
        numerator = denominator = 0.0
        contributing: list[str] = []
        missing: list[str] = []
        for kid in kids:
            n, d, c, m = self._pair(kid, info, year, dis)
            numerator += n
            denominator += d
            contributing += c
            missing += m
        return numerator, denominator, contributing, missing

    def _sum_pair(self, unit: str, info: IndicatorInfo, year: int, dis: str
                  ) -> tuple[float, float, bool]:
        """:meth:`_pair` without the lists of units: the sums and whether any unit reported
        both, added in the same order. A series asks this for every year of every unit, where
        building the lists of a city's 200 townships would cost more than the sums."""
        if self.marks and self._not_applicable(unit, info, year, dis):
            return 0.0, 0.0, False  # as _pair: neither counted nor missing
        get = self.values.get
        numerator_code, denominator_code = info.numerator or "", info.denominator or ""
        num = get((unit, numerator_code, year, dis))
        if num is not None:
            den = get((unit, denominator_code, year, dis))
            if den is not None:
                return num, den, True
        kids = self.children_in(unit, year)
        if not kids:
            return 0.0, 0.0, False
        key = (unit, info.code, year, dis)
        cached = self._sums.get(key)
        if cached is not None:
            return cached
        numerator = denominator = 0.0
        reported = False
        marks = self.marks
        for kid in kids:
            # A township's own pair, read here rather than in a call of its own: a county's
            # series sums twenty of them for every year.
            if not marks:
                num = get((kid, numerator_code, year, dis))
                if num is not None:
                    den = get((kid, denominator_code, year, dis))
                    if den is not None:
                        numerator += num
                        denominator += den
                        reported = True
                        continue
            n, d, r = self._sum_pair(kid, info, year, dis)
            numerator += n
            denominator += d
            reported = reported or r
        result = (numerator, denominator, reported)
        self._sums[key] = result
        return result

    def _count_value(self, unit: str, code: str, year: int, dis: str) -> float | None:
        """``_count(…).value`` without the lists of units, summed in the same order."""
        key = (unit, code, year, dis)
        found = self.values.get(key)
        if found is not None:
            return found
        if self.marks and key in self.marks:
            return None  # as _count: 不适用, or 待核实 without a value, is not summed from below
        kids = self.children_in(unit, year)
        if not kids:
            return None
        if key in self._totals:
            return self._totals[key]
        total = 0.0
        reported = False
        for kid in kids:
            part = self._count_value(kid, code, year, dis)
            if part is not None:
                total += part
                reported = True
        result = total if reported else None
        self._totals[key] = result
        return result

    def _count(self, unit: str, code: str, year: int, dis: str) -> Resolved:
        key = (unit, code, year, dis)
        cached = self._counts.get(key)
        if cached is not None:
            return cached
        mark = self.marks.get(key) if self.marks else None
        if key in self.values:
            result = Resolved(self.values[key], "entered", (unit,))
        elif mark is not None:
            result = (Resolved(None, "not_applicable") if mark == "not_applicable"
                      else Resolved(None, "pending", missing=(unit,)))
        else:
            kids = self.children_in(unit, year)
            if not kids:
                result = Resolved(None, "none", missing=(unit,))
            else:
                total = 0.0
                contributing: list[str] = []
                missing: list[str] = []
                for kid in kids:
                    part = self._count(kid, code, year, dis)
                    if part.value is None:
                        missing.extend(part.missing)
                        continue
                    total += part.value
                    contributing.extend(part.contributing)
                    missing.extend(part.missing)
                if contributing:
                    result = Resolved(total, "aggregated", tuple(contributing), tuple(missing))
                elif not missing:  # every unit below is 不适用
                    result = Resolved(None, "not_applicable")
                else:
                    result = Resolved(None, "none", missing=tuple(missing))
        self._counts[key] = result
        return result

    def own(self, unit: str, code: str, year: int, disaggregation: str = "total") -> Resolved:
        """The unit's own figure, never pooled: entered, or a rate from its own complete pair."""
        info = self.indicators[code]
        key = (unit, code, year, disaggregation)
        if self.marks and self._not_applicable(unit, info, year, disaggregation):
            return Resolved(None, "not_applicable")
        if info.kind == "rate" and key not in self.direct and info.numerator \
                and info.denominator and info.factor:
            numerator = self.values.get((unit, info.numerator, year, disaggregation))
            denominator = self.values.get((unit, info.denominator, year, disaggregation))
            if numerator is not None and denominator:
                return Resolved(numerator / denominator * info.factor, "computed", (unit,))
        if key in self.values:
            return Resolved(self.values[key], "entered", (unit,))
        if self.marks.get(key) == "pending":
            return Resolved(None, "pending", missing=(unit,))
        return Resolved(None, "none", missing=(unit,))

    def pooled(self, unit: str, code: str, year: int,
               disaggregation: str = "total") -> Pooled | None:
        """The figure of the units directly below, pooled; None where nothing can be pooled.

        A rate is Σ numerators / Σ denominators of the units below that reported both (their
        own pair, or theirs pooled in turn); a count is the sum of theirs. A directly entered
        figure (a survey) has no pooled counterpart.
        """
        kids = self.children_in(unit, year)  # those of that year, not those in use now
        info = self.indicators[code]
        if not kids or info.kind not in ("rate", "count"):
            return None
        if info.kind == "rate" and not (info.numerator and info.denominator and info.factor):
            return None
        total_num = total_den = 0.0
        reported: list[str] = []
        missing: list[str] = []
        for kid in kids:
            if info.kind == "count":
                part = self._count(kid, code, year, disaggregation)
                if part.source == "not_applicable":
                    continue  # 不适用: neither reported nor missing
                if part.value is None:
                    missing.append(kid)
                    continue
                total_num += part.value
            else:
                n, d, contributing, not_there = self._pair(kid, info, year, disaggregation)
                if not contributing and not not_there:
                    continue
                if not contributing:
                    missing.append(kid)
                    continue
                total_num += n
                total_den += d
            reported.append(kid)
        if not reported:
            value = None
        elif info.kind == "count":
            value = total_num
        else:
            value = total_num / total_den * (info.factor or 1) if total_den else None
        numerator = total_num if reported and info.kind == "rate" else None
        denominator = total_den if reported and info.kind == "rate" else None
        return Pooled(value, numerator, denominator, tuple(reported), tuple(missing))

    def series(self, unit: str, code: str, years: Iterable[int],
               disaggregation: str = "total") -> dict[int, float]:
        """The unit's resolved figures by year, only the years that have one.

        Exactly ``resolve(…).value`` year by year (tests/test_figure_index_series.py), without
        the lists of units behind each value: evaluating every unit of a city asks for
        thousands of series (bench_evaluation.py)."""
        info = self.indicators[code]
        out: dict[int, float] = {}
        if info.kind not in ("count", "rate"):
            # A figure entered as it is (a survey): nothing to resolve.
            stored = self._by_year().get((unit, code, disaggregation))
            if stored:
                for year in years if isinstance(years, range) else sorted(set(years)):
                    if year in stored:
                        out[year] = stored[year]
            return out
        if not isinstance(years, range | list | tuple):
            years = list(years)  # read more than once below
        pooled = info.kind == "rate" and info.numerator and info.denominator and info.factor
        if unit not in self.all_children and unit not in self.children:
            return self._own_series(unit, info, years, disaggregation) if pooled else \
                self._entered_series(unit, code, years, disaggregation)
        if years and self._whole_years(unit, years[0]):
            if info.kind == "count":
                found_years = self._count_years(unit, code, years, disaggregation)
                return {year: found for year in years
                        if (found := found_years[year]) is not None}
            if pooled:
                return self._pooled_series(unit, info, years, disaggregation)
        for year in years:
            if info.kind == "count":
                found = self._count_value(unit, code, year, disaggregation)
            elif pooled:
                found = self._rate_value(unit, info, year, disaggregation)
            else:
                found = self.resolve(unit, code, year, disaggregation).value
            if found is not None:
                out[year] = found
        return out

    def _by_year(self) -> dict[tuple[str, str, str], dict[int, float]]:
        """The stored figures by (unit, indicator, disaggregation), then year: built on the first
        series asked for, forgotten when a figure changes. A series then costs a look-up or
        three here and the rest in dicts of a dozen years, where a look-up per year in the
        whole tree's figures misses the processor's cache (bench_evaluation.py)."""
        grouped = self._years
        if grouped is None:
            grouped = {}
            for (unit, code, year, dis), value in self.values.items():
                years = grouped.get((unit, code, dis))
                if years is None:
                    years = grouped[(unit, code, dis)] = {}
                years[year] = value
            self._years = grouped
        return grouped

    def _entered_series(self, unit: str, code: str, years: Iterable[int],
                        dis: str) -> dict[int, float]:
        """A count (or a rate without counts) of a unit with no units below: as stored. (A
        figure 不适用, or 待核实 without a number, holds no number: see :meth:`add`.)"""
        stored = self._by_year().get((unit, code, dis))
        if not stored:
            return {}
        return {year: stored[year] for year in years if year in stored}

    def _own_series(self, unit: str, info: IndicatorInfo, years: Iterable[int],
                    dis: str) -> dict[int, float]:
        """A rate of counts of a unit with no units below, year by year as :meth:`resolve`
        decides it: from its own pair, else the rate it entered; none where the unit marked
        the rate or a count 不适用, or the rate 待核实 without a number.

        Half of a city's verdicts are on townships' rates, eleven years each: the common
        year (both counts, nothing marked, nothing entered directly) costs two look-ups."""
        code = info.code
        grouped = self._by_year()
        own = grouped.get((unit, code, dis), _NO_YEARS)
        numerators = grouped.get((unit, info.numerator or "", dis), _NO_YEARS)
        denominators = grouped.get((unit, info.denominator or "", dis), _NO_YEARS)
        factor = info.factor or 1
        marks, direct = self.marks, self.direct
        out: dict[int, float] = {}
        for year in years:
            if marks and (self._not_applicable(unit, info, year, dis)
                          or marks.get((unit, code, year, dis)) == "pending"
                          and year not in own):
                continue
            if direct and (unit, code, year, dis) in direct and year in own:
                out[year] = own[year]
                continue
            num = numerators.get(year)
            den = denominators.get(year) if num is not None else None
            if num is not None and den:  # both counts, a denominator not zero
                rate = num / den * factor
                if math.isfinite(rate):
                    out[year] = rate
                continue  # an overflowing rate is no rate, not the one entered (as _rate)
            found = own.get(year)
            if found is not None:
                out[year] = found
        return out

    def _whole_years(self, unit: str, year: int) -> bool:
        """Whether a series of ``unit`` may be summed for all its years at once: the units
        below are the same every year and nothing is marked 不适用 or 待核实 (the usual tree);
        else it is resolved year by year."""
        self.children_in(unit, year)  # decides _same_every_year
        return not self.marks and bool(self._same_every_year)

    def _pair_years(self, unit: str, info: IndicatorInfo, years: Sequence[int],
                    dis: str) -> dict[int, tuple[float, float, bool]]:
        """:meth:`_sum_pair` for each of ``years``, bottom-up (see :meth:`_whole_years`): each
        township's counts are looked up once for all years, each county's sums are made once
        and kept for the city above. The sums are added in the same order as _sum_pair's."""
        key = (unit, info.code, dis)
        known = self._pair_memo.get(key)
        if known is None:
            known = self._pair_memo[key] = {}
        todo = [year for year in years if year not in known]
        if not todo:
            return known
        grouped = self._by_year()
        numerator, denominator = info.numerator or "", info.denominator or ""
        own_num = grouped.get((unit, numerator, dis), _NO_YEARS)
        own_den = grouped.get((unit, denominator, dis), _NO_YEARS)
        kids = self.children.get(unit, ())
        every, active = self.all_children, self.children
        parts: list[tuple[bool, Mapping[int, Any], Mapping[int, Any]]] = []
        for kid in kids:
            if kid in every or kid in active:  # a county below a city: its own sums
                sums = self._pair_years(kid, info, todo, dis)
                parts.append((False, sums, _NO_YEARS))
            else:  # a township: its own counts
                parts.append((True, grouped.get((kid, numerator, dis), _NO_YEARS),
                              grouped.get((kid, denominator, dis), _NO_YEARS)))
        for year in todo:
            num = own_num.get(year)
            den = own_den.get(year) if num is not None else None
            if num is not None and den is not None:
                known[year] = (num, den, True)
                continue
            num_sum = den_sum = 0.0
            reported = False
            for leaf, numerators, denominators in parts:
                if leaf:
                    num = numerators.get(year)
                    den = denominators.get(year) if num is not None else None
                    if num is not None and den is not None:
                        num_sum += num
                        den_sum += den
                        reported = True
                else:
                    part_num, part_den, part_reported = numerators[year]
                    num_sum += part_num
                    den_sum += part_den
                    reported = reported or part_reported
            known[year] = (num_sum, den_sum, reported)
        return known

    def _pooled_series(self, unit: str, info: IndicatorInfo, years: Sequence[int],
                       dis: str) -> dict[int, float]:
        """:meth:`_rate_value` year by year, from :meth:`_pair_years`."""
        code = info.code
        own = self._by_year().get((unit, code, dis), _NO_YEARS)
        sums = self._pair_years(unit, info, years, dis)
        factor = info.factor or 1
        direct = self.direct
        out: dict[int, float] = {}
        for year in years:
            if direct and (unit, code, year, dis) in direct and year in own:
                out[year] = own[year]
                continue
            num_sum, den_sum, reported = sums[year]
            if not reported or den_sum == 0:
                found = own.get(year)
            else:
                found = num_sum / den_sum * factor
                found = found if math.isfinite(found) else None
            if found is not None:
                out[year] = found
        return out

    def _count_years(self, unit: str, code: str, years: Sequence[int],
                     dis: str) -> dict[int, float | None]:
        """:meth:`_count_value` for each of ``years``, bottom-up as :meth:`_pair_years`."""
        key = (unit, code, dis)
        known = self._count_memo.get(key)
        if known is None:
            known = self._count_memo[key] = {}
        todo = [year for year in years if year not in known]
        if not todo:
            return known
        grouped = self._by_year()
        own = grouped.get((unit, code, dis), _NO_YEARS)
        every, active = self.all_children, self.children
        parts = [self._count_years(kid, code, todo, dis) if kid in every or kid in active
                 else grouped.get((kid, code, dis), _NO_YEARS)
                 for kid in self.children.get(unit, ())]
        for year in todo:
            found = own.get(year)
            if found is None and parts:
                total = 0.0
                reported = False
                for part in parts:
                    figure = part.get(year)
                    if figure is not None:
                        total += figure
                        reported = True
                found = total if reported else None
            known[year] = found
        return known

    def _rate_value(self, unit: str, info: IndicatorInfo, year: int, dis: str) -> float | None:
        """``resolve(…).value`` of a rate of counts, decided the same way."""
        key = (unit, info.code, year, dis)
        values = self.values
        if self.marks and (self._not_applicable(unit, info, year, dis)
                           or key not in values and self.marks.get(key) == "pending"):
            return None  # as resolve: nothing pooled past the unit's own mark
        if key in self.direct and key in values:
            return values[key]
        numerator, denominator, reported = self._sum_pair(unit, info, year, dis)
        if not reported or denominator == 0:
            return values.get(key)
        value = numerator / denominator * (info.factor or 1)
        return value if math.isfinite(value) else None

    def history(self, unit: str, code: str, years: Iterable[int],
                disaggregation: str = "total") -> dict[int, float]:
        """Like :meth:`series`, but a year before a merge, new code or move that made ``unit``
        is its predecessors' pooled figure (Σ counts, Σ numerators / Σ denominators): the
        history its trend and early warning use. Figures entered directly (surveys) are not
        pooled. See :func:`db.unit_events.pooled_note` for the words that say so."""
        if unit not in self.lineage:  # the usual unit: no predecessors
            return self.series(unit, code, years, disaggregation)
        out: dict[int, float] = {}
        for year in years:
            value = self._pooled(unit, code, year, disaggregation, 0)
            if value is not None:
                out[year] = value
        return out

    def pooled_years(self, unit: str, years: Iterable[int]) -> list[int]:
        """The ``years`` in which :meth:`history` pools predecessors for ``unit``."""
        return [y for y in years if any(y < first for first, _, _ in self.lineage.get(unit, ()))]

    def _pooled(self, unit: str, code: str, year: int, dis: str, depth: int) -> float | None:
        changes = [(first, sources) for first, _, sources in self.lineage.get(unit, ())
                   if year < first]
        if not changes or depth > 10:  # a hand-edited database could hold a cycle
            return self.resolve(unit, code, year, dis).value
        _, sources = min(changes)  # the earliest change after the year comes first

        def part(source: str, what: str) -> float | None:
            # A unit that absorbed the others is among its own sources: its own figure then.
            if source == unit:
                return self.resolve(unit, what, year, dis).value
            return self._pooled(source, what, year, dis, depth + 1)

        info = self.indicators[code]
        if info.kind == "count":
            counts = [part(source, code) for source in sources]
            return None if any(c is None for c in counts) else sum(c or 0.0 for c in counts)
        if info.kind == "rate" and info.numerator and info.denominator and info.factor:
            pairs = []
            for source in sources:
                n, d = part(source, info.numerator), part(source, info.denominator)
                if n is None or d is None:
                    return None
                pairs.append((n, d))
            return pooled_rate(pairs, info.factor)
        return None

    def subtree(self, unit: str, year: int | None = None) -> set[str]:
        """The unit and every unit below it: in use now, or that existed in ``year``."""
        if year is None or not self.validity:
            return _subtree(unit, self.children)
        seen = {unit}
        stack = [unit]
        while stack:
            for kid in self.children_in(stack.pop(), year):
                if kid not in seen:
                    seen.add(kid)
                    stack.append(kid)
        return seen


def _subtree(root: str, children: Mapping[str, Sequence[str]]) -> set[str]:
    seen = {root}
    stack = [root]
    while stack:
        for kid in children.get(stack.pop(), ()):
            if kid not in seen:
                seen.add(kid)
                stack.append(kid)
    return seen


def load_indicator_info(session: Session) -> dict[str, IndicatorInfo]:
    return {
        i.code: IndicatorInfo(i.code, i.name, i.kind, i.unit, i.direction, i.numerator,
                              i.denominator, i.factor, i.collected_at)
        for i in session.scalars(select(Indicator))
    }


def pooled_rate(parts: Iterable[tuple[float, float]], factor: float) -> float | None:
    """Σ numerators / Σ denominators × factor: the only honest rate of a group of units."""
    numerators = denominators = 0.0
    for numerator, denominator in parts:
        numerators += numerator
        denominators += denominator
    if denominators == 0:
        return None
    rate = numerators / denominators * factor
    return rate if math.isfinite(rate) else None
