"""A county's rate is its townships' pooled counts, whatever order they arrive in."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.aggregation import FigureIndex, IndicatorInfo, pooled_rate
from db.catalogue import ensure_catalogue
from db.evaluation import Evaluator
from db.importing.csv_values import import_values_csv
from db.models import OrgUnit
from db.storage import prepare_database, resolve_database_url

MMR = IndicatorInfo("maternal_mortality_ratio", "孕产妇死亡率", "rate", "1/10万", "lower",
                    "maternal_deaths", "live_births", 100000.0)
COUNTS = {
    "maternal_deaths": IndicatorInfo("maternal_deaths", "孕产妇死亡数", "count", "人", "lower",
                                     None, None, None),
    "live_births": IndicatorInfo("live_births", "活产数", "count", "人", "higher",
                                 None, None, None),
}

townships = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 50000)).filter(lambda t: t[0] <= t[1]),
    min_size=1, max_size=25)


@given(townships, st.randoms(use_true_random=False))
def test_the_county_rate_is_the_pooled_ratio_in_any_order(
    counts: list[tuple[int, int]], rng: random.Random
) -> None:
    codes = [f"t{i:02d}" for i in range(len(counts))]
    index = FigureIndex({**COUNTS, MMR.code: MMR}, {"county": codes})
    entries = [(code, "maternal_deaths", d) for code, (d, _) in zip(codes, counts, strict=True)]
    entries += [(code, "live_births", b) for code, (_, b) in zip(codes, counts, strict=True)]
    rng.shuffle(entries)
    for unit, code, value in entries:
        index.add(unit, code, 2023, "total", float(value))
    resolved = index.resolve("county", MMR.code, 2023)
    assert resolved.value == pytest.approx(pooled_rate(counts, 100000.0))
    assert sorted(resolved.contributing) == codes


@given(townships)
def test_the_pooled_rate_is_not_the_mean_of_the_rates_unless_sizes_are_equal(
    counts: list[tuple[int, int]],
) -> None:
    pooled = pooled_rate(counts, 100000.0)
    lowest = min(d / b for d, b in counts) * 100000
    highest = max(d / b for d, b in counts) * 100000
    assert pooled is not None
    assert lowest - 1e-6 <= pooled <= highest + 1e-6


def test_a_township_missing_its_denominator_is_missing_not_half_counted() -> None:
    index = FigureIndex({**COUNTS, MMR.code: MMR}, {"county": ["a", "b"]})
    index.add("a", "maternal_deaths", 2023, "total", 1)
    index.add("a", "live_births", 2023, "total", 10000)
    index.add("b", "maternal_deaths", 2023, "total", 5)  # no live births reported
    resolved = index.resolve("county", MMR.code, 2023)
    assert resolved.value == pytest.approx(10.0)
    assert resolved.missing == ("b",)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(townships.filter(lambda c: len(c) <= 6), st.randoms(use_true_random=False))
def test_imports_in_any_order_give_the_same_county_verdict(
    tmp_path_factory: pytest.TempPathFactory, counts: list[tuple[int, int]], rng: random.Random
) -> None:
    path = tmp_path_factory.mktemp("order") / "county.sqlite3"
    engine = prepare_database(resolve_database_url(str(path))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        session.add(OrgUnit(code="211122", name="盘山县", level="county", plan_code="211122"))
        session.flush()
        codes = [f"211122{100 + i:03d}000" for i in range(len(counts))]
        for code in codes:
            session.add(OrgUnit(code=code, name=code, level="township", parent_code="211122"))
        session.commit()
        lines = [f"{code},maternal_deaths,2025,,{d}," for code, (d, _) in zip(codes, counts,
                                                                              strict=True)]
        lines += [f"{code},live_births,2025,,{b}," for code, (_, b) in zip(codes, counts,
                                                                          strict=True)]
        rng.shuffle(lines)
        half = len(lines) // 2
        for chunk in (lines[:half], lines[half:]):  # two files, in shuffled order
            if chunk:
                text = "unit,code,year,sex,value,comment\n" + "\n".join(chunk) + "\n"
                assert import_values_csv(session, text.encode()).applied
        result = next(r for r in Evaluator(session, "211122").evaluate("211122", 2025)
                      if r.target == "211122-health-2-2")
    engine.dispose()
    assert result.value == pytest.approx(pooled_rate(counts, 100000.0))



def test_a_county_own_numerator_is_never_put_over_its_townships_denominator() -> None:
    index = FigureIndex({**COUNTS, MMR.code: MMR}, {"county": ["t1", "t2", "t3"]})
    index.add("county", "maternal_deaths", 2023, "total", 1.0)  # its own count, no births
    index.add("t1", "maternal_deaths", 2023, "total", 0.0)
    index.add("t1", "live_births", 2023, "total", 3200.0)
    own = index.own("county", MMR.code, 2023)
    pooled = index.pooled("county", MMR.code, 2023)
    assert own.value is None  # 1 / (nothing): no own rate, and certainly not 1 / 3200
    assert pooled is not None and pooled.value == 0.0
    assert (pooled.numerator, pooled.denominator) == (0.0, 3200.0)
    assert pooled.reported == ("t1",) and pooled.missing == ("t2", "t3")


@given(townships)
def test_the_pooled_figure_of_the_units_below_is_the_county_rate_without_own_counts(
    counts: list[tuple[int, int]],
) -> None:
    codes = [f"t{i:02d}" for i in range(len(counts))]
    index = FigureIndex({**COUNTS, MMR.code: MMR}, {"county": codes})
    for code, (deaths, births) in zip(codes, counts, strict=True):
        index.add(code, "maternal_deaths", 2023, "total", float(deaths))
        index.add(code, "live_births", 2023, "total", float(births))
    pooled = index.pooled("county", MMR.code, 2023)
    assert pooled is not None and pooled.expected == len(codes)
    assert pooled.value == pytest.approx(index.resolve("county", MMR.code, 2023).value)
    assert pooled.value == pytest.approx(pooled.numerator / pooled.denominator * 100000)
