"""Values that are not numbers (issue 13): 0, 无数据, 不适用 and 待核实 are four different answers,
from typing and CSV through aggregation, evaluation and completeness."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from demo_county import CHENJIA, DESHENG, PANSHAN, TAIPING
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.entry_rows import build_sheet
from db.evaluation import Evaluator
from db.figures import find_value, save_value
from db.importing.csv_values import import_values_csv
from db.models import AuditEntry
from db.overview import build_overview
from db.value_kinds import NOT_APPLICABLE, NUMBER, PENDING, figure_text, parse_figure

HEADER = "unit,code,year,sex,value,comment\n"


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def kind_of(session: Session, unit: str, code: str, year: int = 2023
            ) -> tuple[str, float | None] | None:
    stored = find_value(session, unit, code, year)
    return None if stored is None else (stored.kind, stored.value)


# ------------------------------------------------------------------------ reading a cell


@pytest.mark.parametrize(("typed", "expected"), [
    ("0", (NUMBER, 0.0)),
    ("", (None, None)),
    ("-", (None, None)),
    ("无数据", (None, None)),
    ("不适用", (NOT_APPLICABLE, None)),
    ("-2", (NOT_APPLICABLE, None)),
    ("－２", (NOT_APPLICABLE, None)),  # full width, as a Chinese input method types it
    (-2, (NOT_APPLICABLE, None)),  # a number cell in a workbook
    ("待核实", (PENDING, None)),
    ("12.5（待核实）", (PENDING, 12.5)),
    ("12.5(待核实)", (PENDING, 12.5)),
    ("12.5?", (PENDING, 12.5)),
    ("1,204？", (PENDING, 1204.0)),
])
def test_each_way_of_writing_a_cell_is_read_as_its_kind(
    typed: str | float, expected: tuple[str | None, float | None]
) -> None:
    kind, value, findings = parse_figure(typed)
    assert (kind, value) == expected and findings == []


def test_text_that_is_none_of_them_is_still_refused() -> None:
    kind, value, findings = parse_figure("不详")
    assert kind is None and value is None
    assert findings and findings[0].code == "not_a_number"
    assert parse_figure("abc（待核实）")[2][0].code == "not_a_number"


figures = st.one_of(
    st.tuples(st.just(NUMBER), st.floats(0, 1e8, allow_nan=False).map(lambda v: round(v, 6))),
    st.tuples(st.just(NOT_APPLICABLE), st.none()),
    st.tuples(st.just(PENDING), st.one_of(st.none(), st.floats(0, 1e8).map(
        lambda v: round(v, 6)))),
)


@given(figures)
def test_every_figure_reads_back_as_it_was_written(figure: tuple[str, float | None]) -> None:
    kind, value = figure
    read_kind, read_value, findings = parse_figure(figure_text(kind, value))
    assert findings == [] and read_kind == kind
    assert read_value == value or (value is not None and read_value is not None
                                   and math.isclose(read_value, value, rel_tol=1e-9))


@given(st.text(max_size=20))
def test_any_text_is_a_figure_a_kind_or_a_clear_refusal_never_a_crash(text: str) -> None:
    kind, value, findings = parse_figure(text)
    if findings:
        assert kind is None and all(f.severity == "error" for f in findings)
    if kind == NOT_APPLICABLE:
        assert value is None
    if kind == NUMBER:
        assert value is not None and math.isfinite(value)


# ------------------------------------------------------------------------ saving


def test_typing_the_four_answers_stores_four_different_things(county: Session) -> None:
    assert save_value(county, TAIPING, "live_births", 2023, "0").ok
    assert save_value(county, DESHENG, "live_births", 2023, "不适用").ok
    assert save_value(county, CHENJIA, "live_births", 2023, "3000（待核实）").ok
    assert kind_of(county, TAIPING, "live_births") == (NUMBER, 0.0)
    assert kind_of(county, DESHENG, "live_births") == (NOT_APPLICABLE, None)
    assert kind_of(county, CHENJIA, "live_births") == (PENDING, 3000.0)
    assert kind_of(county, PANSHAN, "live_births") is None  # 无数据: no row


def test_a_mark_is_audited_and_saving_it_again_changes_nothing(county: Session) -> None:
    assert save_value(county, TAIPING, "live_births", 2023, "118", user="王").changed
    assert save_value(county, TAIPING, "live_births", 2023, "118?", user="李").changed
    again = save_value(county, TAIPING, "live_births", 2023, "118（待核实）", user="李")
    assert again.ok and not again.changed
    entry = county.scalars(select(AuditEntry).where(AuditEntry.entity == "data_value")
                           .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.user == "李"
    assert entry.before["value"] == 118 and "kind" not in entry.before
    assert entry.after["kind"] == PENDING and entry.after["value"] == 118


def test_a_queried_figure_is_still_checked(county: Session) -> None:
    result = save_value(county, TAIPING, "live_births", 2023, "12.5（待核实）")
    assert not result.ok and result.findings[0].code == "not_whole"
    assert find_value(county, TAIPING, "live_births", 2023) is None


def test_not_applicable_by_sex_is_refused_where_the_indicator_has_no_breakdown(
    county: Session
) -> None:
    result = save_value(county, TAIPING, "live_births", 2023, "不适用", "female")
    assert not result.ok and result.findings[0].code == "disaggregation_not_allowed"


# ------------------------------------------------------------------------ CSV


def test_a_csv_carries_all_four_answers(county: Session) -> None:
    report = import_values_csv(county, csv_bytes(
        f"{TAIPING},live_births,2023,,0,",
        f"{DESHENG},live_births,2023,,不适用,本街道无产科",
        f"{CHENJIA},live_births,2023,,-2,",
        f"{TAIPING},maternal_deaths,2023,,待核实,",
        f"{CHENJIA},maternal_deaths,2023,,1（待核实）,",
        f"{DESHENG},maternal_deaths,2023,,-,",
        f"{PANSHAN},health_literacy,2023,,,",
    ))
    assert report.applied and not report.has_errors, report.findings
    assert kind_of(county, TAIPING, "live_births") == (NUMBER, 0.0)
    assert kind_of(county, DESHENG, "live_births") == (NOT_APPLICABLE, None)
    assert find_value(county, DESHENG, "live_births", 2023).comment == "本街道无产科"
    assert kind_of(county, CHENJIA, "live_births") == (NOT_APPLICABLE, None)
    assert kind_of(county, TAIPING, "maternal_deaths") == (PENDING, None)
    assert kind_of(county, CHENJIA, "maternal_deaths") == (PENDING, 1.0)
    assert kind_of(county, DESHENG, "maternal_deaths") is None
    assert kind_of(county, PANSHAN, "health_literacy") is None
    again = import_values_csv(county, csv_bytes(f"{DESHENG},live_births,2023,,-2,本街道无产科"))
    assert again.applied and again.changed == 0  # the same mark twice changes nothing


def test_a_csv_confirming_a_queried_figure_makes_it_a_number(county: Session) -> None:
    import_values_csv(county, csv_bytes(f"{TAIPING},live_births,2023,,118?,"))
    report = import_values_csv(county, csv_bytes(f"{TAIPING},live_births,2023,,118,"))
    assert report.applied and report.changed == 1
    assert kind_of(county, TAIPING, "live_births") == (NUMBER, 118.0)


count_figures = st.one_of(
    st.tuples(st.just(NUMBER), st.integers(0, 100_000).map(float)),
    st.tuples(st.just(NOT_APPLICABLE), st.none()),
    st.tuples(st.just(PENDING), st.one_of(st.none(), st.integers(0, 100_000).map(float))),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25,
          deadline=None)
@given(st.lists(count_figures, min_size=3, max_size=3), st.sampled_from(["text", "marks"]))
def test_any_answers_written_to_a_csv_are_stored_as_written(
        county: Session, answers: list[tuple[str, float | None]], style: str) -> None:
    units = (TAIPING, DESHENG, CHENJIA)

    def written(kind: str, value: float | None) -> str:
        if style == "marks" and kind == NOT_APPLICABLE:
            return "-2"
        if style == "marks" and kind == PENDING and value is not None:
            return f"{value:g}?"
        return figure_text(kind, value)

    rows = [f"{unit},live_births,2023,,{written(kind, value)},"
            for unit, (kind, value) in zip(units, answers, strict=True)]
    report = import_values_csv(county, csv_bytes(*rows))
    assert report.applied and not report.has_errors, report.findings
    for unit, answer in zip(units, answers, strict=True):
        assert kind_of(county, unit, "live_births") == answer


# ------------------------------------------------------------------------ evaluation


def _rate_results(session: Session, unit: str) -> list:
    return [r for r in Evaluator(session, PANSHAN).evaluate(unit, 2023)
            if r.indicator == "maternal_mortality_ratio"]


def test_a_target_whose_figure_is_not_applicable_says_so_not_no_data(county: Session) -> None:
    save_value(county, PANSHAN, "health_literacy", 2023, "不适用")
    results = [r for r in Evaluator(county, PANSHAN).evaluate(PANSHAN, 2023)
               if r.indicator == "health_literacy"]
    assert results and all(r.status == "not_applicable" for r in results)
    assert "填报为不适用" in results[0].reason
    county.rollback()
    results = [r for r in Evaluator(county, PANSHAN).evaluate(PANSHAN, 2023)
               if r.indicator == "health_literacy"]
    assert all(r.status == "no_data" for r in results)


def test_a_township_not_applicable_is_neither_counted_nor_missing(county: Session) -> None:
    for unit, deaths, births in ((TAIPING, "1", "5000"), (DESHENG, "不适用", "不适用"),
                                 (CHENJIA, "0", "3000")):
        assert save_value(county, unit, "maternal_deaths", 2023, deaths).ok
        assert save_value(county, unit, "live_births", 2023, births).ok
    evaluator = Evaluator(county, PANSHAN)
    pooled = evaluator.index.pooled(PANSHAN, "maternal_mortality_ratio", 2023)
    assert pooled is not None and pooled.value == pytest.approx(12.5)
    assert pooled.reported == (TAIPING, CHENJIA) and pooled.missing == ()
    result = _rate_results(county, PANSHAN)[0]
    assert result.value == pytest.approx(12.5) and result.missing_units == ()
    assert DESHENG not in result.contributing_units
    assert all(r.status == "not_applicable" for r in _rate_results(county, DESHENG))


def test_a_township_without_a_figure_is_missing(county: Session) -> None:
    for unit in (TAIPING, CHENJIA):
        save_value(county, unit, "maternal_deaths", 2023, "0")
        save_value(county, unit, "live_births", 2023, "3000")
    result = _rate_results(county, PANSHAN)[0]
    assert result.missing_units == (DESHENG,)


def test_a_queried_figure_is_evaluated_and_marked_pending(county: Session) -> None:
    for unit, births in ((TAIPING, "5000"), (DESHENG, "2000"), (CHENJIA, "3000（待核实）")):
        save_value(county, unit, "maternal_deaths", 2023, "1" if unit == TAIPING else "0")
        save_value(county, unit, "live_births", 2023, births)
    county_result = _rate_results(county, PANSHAN)[0]
    assert county_result.value == pytest.approx(10.0) and county_result.pending
    assert "数据待核实：陈家镇" in county_result.reason
    own = _rate_results(county, CHENJIA)[0]
    assert own.status == "met" and own.pending and own.reason.endswith("（数据待核实）")
    assert not _rate_results(county, TAIPING)[0].pending


def test_a_queried_figure_without_a_value_is_no_data_saying_pending(county: Session) -> None:
    save_value(county, PANSHAN, "health_literacy", 2023, "待核实")
    results = [r for r in Evaluator(county, PANSHAN).evaluate(PANSHAN, 2023)
               if r.indicator == "health_literacy"]
    assert results[0].status == "no_data" and results[0].pending
    assert "待核实" in results[0].reason


def test_completeness_counts_not_applicable_and_pending_as_answered(county: Session) -> None:
    sheet = build_sheet(county, TAIPING, 2023)
    codes = [row.code for row in sheet.rows]
    before = build_overview(county, build_sheet(county, PANSHAN, 2023))
    line = next(c for c in before.children if c.code == TAIPING)
    assert line.filled == 0
    save_value(county, TAIPING, codes[0], 2023, "不适用")
    save_value(county, TAIPING, codes[1], 2023, "待核实")
    save_value(county, TAIPING, codes[2], 2023, "0")
    after = build_overview(county, build_sheet(county, PANSHAN, 2023))
    assert next(c for c in after.children if c.code == TAIPING).filled == 3
    own = build_overview(county, build_sheet(county, TAIPING, 2023), with_children=False)
    assert own.filled == 3


# ------------------------------------------------------------------------ upgrading


def test_a_downgrade_keeps_the_numbers_and_the_upgrade_reads_them_as_numbers(
        tmp_path: Path) -> None:
    from alembic import command

    from db.catalogue import ensure_catalogue
    from db.storage import alembic_config, create_db_engine, prepare_database
    from db.units import init_unit

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    prepared = prepare_database(url)
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN)
        assert save_value(session, PANSHAN, "live_births", 2023, "118").ok
        assert save_value(session, PANSHAN, "maternal_deaths", 2023, "不适用").ok
        session.commit()
    prepared.engine.dispose()
    engine = create_db_engine(url)
    with engine.connect() as connection, connection.begin():
        # What an older version reads: numbers only (a 不适用 has none to give it).
        command.downgrade(alembic_config(connection), "0007_plan_setting")
    engine.dispose()
    prepared = prepare_database(url)
    try:
        with Session(prepared.engine) as session:
            assert kind_of(session, PANSHAN, "live_births") == (NUMBER, 118.0)
            assert kind_of(session, PANSHAN, "maternal_deaths") is None
    finally:
        prepared.engine.dispose()


def test_a_township_queried_without_a_value_is_named_as_pending(county: Session) -> None:
    for unit, deaths, births in ((TAIPING, "0", "5000"), (DESHENG, "0", "2000"),
                                 (CHENJIA, "待核实", "待核实")):
        assert save_value(county, unit, "maternal_deaths", 2023, deaths).ok
        assert save_value(county, unit, "live_births", 2023, births).ok
    result = _rate_results(county, PANSHAN)[0]
    assert result.missing_units == (CHENJIA,) and result.pending
    assert "数据待核实：陈家镇" in result.reason
