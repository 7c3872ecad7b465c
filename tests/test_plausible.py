"""Plausible ranges (issue 11, item 9): counts bounded by a population's order of magnitude,
rates by their factor, nothing infinite anywhere, and every JSON the app writes strict."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.aggregation import pooled_rate
from db.catalogue import ensure_catalogue
from db.checks import MAX_COUNT, check_value, parse_number, upper_bound
from db.models import DataValue, Indicator
from db.storage import prepare_database, resolve_database_url
from db.strict_json import dumps
from desktop.cli.main import main

# The largest number of units whose figures one installation pools (a city's townships).
MAX_UNITS = 10_000


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN and Infinity, as every other JSON reader does."""
    return json.loads(text, parse_constant=_refuse_constant)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Indicator]]:
    path = tmp_path_factory.mktemp("plausible") / "catalogue.sqlite3"
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine, expire_on_commit=False) as session:
        ensure_catalogue(session)
        session.commit()
        yield list(session.scalars(select(Indicator).order_by(Indicator.code)))
    prepared.engine.dispose()


@settings(max_examples=400, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), position=st.integers(0))
def test_a_figure_without_errors_is_finite_and_within_its_bound(
        catalogue: list[Indicator], value: float, position: int) -> None:
    indicator = catalogue[position % len(catalogue)]
    errors = [f for f in check_value(indicator, value) if f.severity == "error"]
    if not errors:
        assert math.isfinite(value) and 0 <= value <= upper_bound(indicator)
    if not math.isfinite(value) or value > upper_bound(indicator) or value < 0:
        assert errors, (indicator.code, value)


def test_every_rate_of_the_catalogue_is_bounded_by_its_factor(catalogue: list[Indicator]) -> None:
    for indicator in catalogue:
        bound = upper_bound(indicator)
        if indicator.unit == "%":
            assert bound == 100 or (bound <= 300 and "gross" in indicator.code
                                    or "retention" in indicator.code), indicator.code
        elif indicator.kind == "count":
            assert bound == MAX_COUNT
        else:
            assert bound <= 100_000, indicator.code


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, int(MAX_COUNT)), st.integers(0, int(MAX_COUNT))),
                max_size=50),
       st.integers(1, MAX_UNITS), st.sampled_from([100.0, 1000.0, 100_000.0]))
def test_a_pooled_rate_of_accepted_counts_is_finite(parts: list[tuple[int, int]], copies: int,
                                                   factor: float) -> None:
    # ``copies`` times the same parts: as many units as a city pools, each at the bound.
    pairs = [(float(min(n, d)), float(d)) for n, d in parts] * (copies // max(len(parts), 1) + 1)
    rate = pooled_rate(pairs[:MAX_UNITS], factor)
    assert rate is None or (math.isfinite(rate) and 0 <= rate <= factor)


def test_counts_that_would_overflow_give_no_rate_rather_than_infinity() -> None:
    assert pooled_rate([(1e308, 1.0), (1e308, 1.0)], 100_000.0) is None


@given(st.text(max_size=60))
def test_the_parser_never_returns_a_value_that_is_not_finite(text: str) -> None:
    value, findings = parse_number(text)
    assert value is None or math.isfinite(value)
    assert value is not None or findings or text.strip() == "" or not any(
        c.isdigit() for c in text)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20)


@given(json_values)
def test_strict_json_never_writes_infinity_or_nan(data: Any) -> None:
    strict_loads(dumps(data))


def test_a_count_of_1e308_in_a_csv_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "zhenyuan.sqlite3")
    assert main(["--db", db, "init", "--unit", "621027"]) == 0
    csv = tmp_path / "figures.csv"
    csv.write_text("unit,code,year,sex,value,comment\n621027,live_births,2023,,1e308,\n",
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "values", "import", str(csv)]) != 0
    out = capsys.readouterr().out
    assert "超出合理范围" in out and "没有导入" in out


def test_evaluate_json_is_strict_even_over_figures_stored_before_the_bounds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "zhenyuan.sqlite3")
    assert main(["--db", db, "init", "--unit", "621027"]) == 0
    for code in ("621027100000", "621027101000"):
        assert main(["--db", db, "units", "add", "--code", code, "--name", f"镇{code[-4:]}",
                     "--parent", "621027"]) == 0
    engine = prepare_database(resolve_database_url(db)).engine
    with Session(engine) as session:  # as an older version let them in
        session.execute(insert(DataValue), [
            {"unit_code": unit, "indicator_code": code, "year": 2023, "disaggregation": "total",
             "value": value, "entered_directly": True, "comment": "", "status": "draft",
             "stored_by": ""}
            for unit in ("621027100000", "621027101000")
            for code, value in (("maternal_deaths", 1e308), ("live_births", 10.0))])
        session.commit()
    engine.dispose()
    capsys.readouterr()
    assert main(["--db", db, "evaluate", "--unit", "621027", "--year", "2023",
                 "--format", "json"]) == 0
    out = capsys.readouterr().out
    results = strict_loads(out)
    assert "Infinity" not in out and "inf%" not in out
    mmr = next(r for r in results if r["indicator"] == "maternal_mortality_ratio")
    assert mmr["status"] != "met"
