"""The CSV import's fast lane (``_Checker.plain``) reads a row exactly as the full reading does.

The fast lane takes only rows whose every cell is plainly right and leaves the rest to
``_check_row``; whatever a file holds, the rows accepted, the findings and the counts must be
the same with the lane as without it, or a clerk would see a figure saved that the full checks
refuse, or a warning go missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from demo_county import CHENJIA, PANSHAN, TAIPING, add_demo_county, figures_snapshot, open_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.importing.csv_values import _Checker, import_values_csv, read_values_csv
from db.models import AuditEntry, Indicator, OrgUnit

COUNT = "live_births"  # a count, total only
PERCENT = "preschool_gross_enrolment"  # a percentage by sex, which may exceed 100
RATE = "postpartum_visit_rate"  # a rate, computed from counts: entered directly is warned of
UNITS = [PANSHAN, TAIPING, CHENJIA, f" {TAIPING}", "999999", "", "2.11122E+11"]
CODES = [COUNT, PERCENT, RATE, f"{COUNT} ", "活产数", "no_such_code", ""]
YEARS = ["2020", "2024", "2030", "2031", "2019", "2024年", "2024.0", " 2025", "２０２４", "x", ""]
SEXES = ["", "女", "男", "female", "male", "total", "合计", "Female", " 女", "x"]
VALUES = ["12", "12.5", "0", "3", "100", "101", "250", "1e3", "-2", "-5", "1,234", "12%",
          "12?", "12（待核实）", "不适用", "", "-", "５", " 5", "99999999999999999999",
          "0.5", "007", ".5", "nan", "inf"]
COMMENTS = ["", "备注", "  有空格  ", "a\x07b"]


def _no_fast_lane(self: _Checker, *args: object) -> None:
    return None


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    for session in open_session(tmp_path_factory.mktemp("fast_lane")):
        add_demo_county(session)
        _merge_chenjia(session)
        yield session


def _merge_chenjia(session: Session) -> None:
    """陈家镇 takes figures up to 2023 only (merged away), so it is no plain unit."""
    chenjia = session.get(OrgUnit, CHENJIA)
    assert chenjia is not None
    chenjia.valid_to = 2023
    session.commit()


def _indicator_codes(session: Session) -> None:
    codes = set(session.scalars(select(Indicator.code)))
    assert {COUNT, PERCENT, RATE} <= codes, "the test's indicators are in the shipped catalogue"


def _read(session: Session, data: bytes, fast: bool) -> tuple[object, object]:
    if fast:
        rows, report = read_values_csv(session, data)
    else:
        with patch.object(_Checker, "plain", _no_fast_lane):
            rows, report = read_values_csv(session, data)
    session.rollback()
    counts = (report.rows_read, report.accepted, report.rejected, report.skipped)
    return rows, (counts, {n: list(f) for n, f in report.findings.items()})


rows_strategy = st.lists(
    st.tuples(st.sampled_from(UNITS), st.sampled_from(CODES), st.sampled_from(YEARS),
              st.sampled_from(SEXES), st.sampled_from(VALUES), st.sampled_from(COMMENTS)),
    min_size=1, max_size=6)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, with_comment=st.booleans())
def test_any_file_reads_the_same_with_and_without_the_fast_lane(
        county: Session, rows: list[tuple[str, ...]], with_comment: bool) -> None:
    _indicator_codes(county)
    header = "unit,code,year,sex,value" + (",comment" if with_comment else "")
    lines = [header]
    for unit, code, year, sex, value, comment in rows:
        cells = [unit, code, year, sex, value] + ([comment] if with_comment else [])
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    data = ("\n".join(lines) + "\n").encode()
    assert _read(county, data, fast=True) == _read(county, data, fast=False)


def test_a_whole_import_saves_and_audits_the_same_with_and_without_the_fast_lane(
        tmp_path: Path) -> None:
    lines = ["unit,code,year,sex,value,comment"]
    for year in range(2020, 2031):
        for unit in (PANSHAN, TAIPING, CHENJIA):
            if unit == CHENJIA and year > 2023:
                continue
            lines.append(f"{unit},{COUNT},{year},,{100 + year % 7},")
            lines.append(f"{unit},{PERCENT},{year},女,{90 + year % 5}.5,有备注")
            lines.append(f"{unit},{PERCENT},{year},男,{88 + year % 9},")
            rate = 5 if (unit, year) == (TAIPING, 2030) else 60 + year % 3  # a jump to warn of
            lines.append(f"{unit},{RATE},{year},,{rate},")
    data = ("\n".join(lines) + "\n").encode()
    results = []
    for fast, folder in ((True, tmp_path / "fast"), (False, tmp_path / "full")):
        folder.mkdir()
        for session in open_session(folder):
            add_demo_county(session)
            _merge_chenjia(session)
            if fast:
                report = import_values_csv(session, data, user="clerk")
            else:
                with patch.object(_Checker, "plain", _no_fast_lane):
                    report = import_values_csv(session, data, user="clerk")
            assert report.applied
            audit = [(e.action, e.entity, e.key, e.before, e.after) for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "data_value")
                .order_by(AuditEntry.key))]
            findings = {n: [(f.code, f.message) for f in found]
                        for n, found in report.findings.items()}
            results.append((figures_snapshot(session), audit, report.changed, findings))
    fast_result, full_result = results
    assert fast_result == full_result
    assert fast_result[2] == len(lines) - 1
    assert any(code == "unusual_jump" for found in fast_result[3].values()
               for code, _ in found), "the jump is warned of on both lanes"
