"""达标率 and 数据完整率 (db/attainment.py): the definition, the sentence that opens the annual
report, and the comparison report's ranking of townships, read back from the PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.attainment import attainment, change_in_points, percent, points, ranked
from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.entry_rows import targets_answered_for
from db.evaluation import STATUS_LABELS, Evaluator, TargetResult
from db.models import DataValue, OrgUnit
from db.storage import prepare_database, resolve_database_url
from reports.pdf.annual import build_annual_report
from reports.pdf.comparison import build_comparison_report

PANSHAN = "211122"
TOWNSHIPS = 4
QUIET = township_code(PANSHAN, 3)  # sent only half of its 2025 figures
PRINTED = date(2026, 2, 1)


def result(status: str, value: float | None = 1.0) -> TargetResult:
    return TargetResult("t", "i", 1, "health", 2025, value, status, "")


def poppler_text(pdf: Path, page: int, layout: bool = False) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the reports back")
    args = ["pdftotext", *(["-layout"] if layout else []), "-f", str(page), "-l", str(page),
            str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


# ---------------------------------------------------------------------------- the definition


def test_not_applicable_is_left_out_and_no_data_counts_as_not_met() -> None:
    counted = attainment([result("met"), result("met"), result("not_met"),
                          result("at_risk"), result("no_data", None),
                          result("not_applicable", None), result("not_applicable", 5.0)])
    assert (counted.evaluable, counted.met, counted.no_data) == (5, 2, 1)
    assert counted.rate == pytest.approx(0.4)
    assert counted.completeness == pytest.approx(0.8)  # 4 of the 5 have a figure
    assert percent(counted.rate) == "40.0%"


def test_a_unit_without_an_applicable_target_has_no_rate() -> None:
    counted = attainment([result("not_applicable")])
    assert counted.rate is None and percent(counted.rate) == "—"
    assert change_in_points(counted, attainment([result("met")])) is None


@given(st.lists(st.sampled_from(sorted(STATUS_LABELS)), max_size=40),
       st.lists(st.sampled_from(sorted(STATUS_LABELS)), max_size=40))
def test_leaving_a_figure_out_never_raises_the_rate(statuses: list[str],
                                                    more: list[str]) -> None:
    counted = attainment([result(s, None if s == "no_data" else 1.0) for s in statuses])
    if counted.rate is not None:
        assert 0 <= counted.rate <= 1
        worse = attainment([result(s, None if s == "no_data" else 1.0) for s in statuses]
                           + [result("no_data", None)])
        assert worse.rate is not None and worse.rate <= counted.rate
    both = attainment([result(s) for s in statuses + more])
    assert both.evaluable == sum(1 for s in statuses + more if s != "not_applicable")


def test_change_in_percentage_points_in_words() -> None:
    now = attainment([result("met")] * 3 + [result("not_met")])  # 75%
    before = attainment([result("met")] * 2 + [result("not_met")] * 2)  # 50%
    assert change_in_points(now, before) == pytest.approx(25.0)
    assert points(25.0) == "提高25.0个百分点"
    assert points(-3.25) == "下降3.2个百分点"
    assert points(0.01) == "与上年持平"


def test_ranking_shares_places_and_puts_units_without_a_rate_last() -> None:
    assert ranked({"a": 0.5, "b": 0.8, "c": 0.5, "d": None, "e": 0.2}) == [
        (1, "b"), (2, "a"), (2, "c"), (4, "e"), (None, "d")]


# ---------------------------------------------------------------------------- the reports


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    path = tmp_path_factory.mktemp("attain") / "panshan.sqlite3"
    engine = prepare_database(resolve_database_url(str(path))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, TOWNSHIPS, range(2021, 2026), seed=23)
        # Half of one township's 2025 figures never arrived: its completeness must drop.
        codes = sorted(set(session.scalars(select(DataValue.indicator_code).where(
            DataValue.unit_code == QUIET, DataValue.year == 2025))))
        session.execute(delete(DataValue).where(DataValue.unit_code == QUIET,
                                                DataValue.year == 2025,
                                                DataValue.indicator_code.in_(codes[::2])))
        session.commit()
        yield session
    engine.dispose()


def evaluated(session: Session, unit: str, year: int, against: str | None = None
              ) -> list[TargetResult]:
    """The unit's verdicts straight from the evaluation (``against``: the parent's targets, as
    the comparison judges a township)."""
    evaluator = Evaluator(session, against or unit)
    owner = against or unit
    level = "township" if unit != PANSHAN else "county"
    specs = (evaluator.targets_for(owner) if against
             else targets_answered_for(evaluator, unit, level))
    return [evaluator.evaluate_one(spec, unit, year) for spec in specs]


@pytest.mark.parametrize("unit", [PANSHAN, township_code(PANSHAN, 0)])
def test_annual_report_opens_with_the_rate_the_evaluation_gives(county: Session,
                                                                tmp_path: Path,
                                                                unit: str) -> None:
    now = attainment(evaluated(county, unit, 2025))
    before = attainment(evaluated(county, unit, 2024))
    built = build_annual_report(county, unit, 2025, tmp_path / "annual.pdf", printed=PRINTED)
    first = re.sub(r"\s+", "", poppler_text(built.path, 1))
    expected = (f"2025年量化目标{now.evaluable}项，已达标{now.met}项，"
                f"达标率{percent(now.rate)}")
    assert expected in first
    change = points(change_in_points(now, before))
    assert change and change in first
    assert now.evaluable > now.met > 0  # the demo county shows a rate worth reading
    # Per domain, with the total line that repeats the sentence's numbers.
    assert "妇女与健康" in first and f"合计{now.evaluable}{now.met}{now.no_data}" in first


def test_comparison_ranks_townships_by_rate_and_by_completeness(county: Session,
                                                                tmp_path: Path) -> None:
    children = [township_code(PANSHAN, i) for i in range(TOWNSHIPS)]
    counted = {code: attainment(evaluated(county, code, 2025, against=PANSHAN))
               for code in children}
    built = build_comparison_report(county, PANSHAN, 2025, tmp_path / "cmp.pdf",
                                    printed=PRINTED)
    names: dict[str, str] = {code: name for code, name in
                             county.execute(select(OrgUnit.code, OrgUnit.name))}
    page = poppler_text(built.path, 2, layout=True)
    assert "按达标率排名" in page and "按数据完整率排名" in page
    # Side by side: each line holds one place of each ranking.
    lines = [line.split() for line in page.splitlines()
             if len(line.split()) == 10 and line.split()[1] in names.values()]
    assert len(lines) == TOWNSHIPS
    by_rate = ranked({c: a.rate for c, a in counted.items()})
    by_data = ranked({c: a.completeness for c, a in counted.items()})
    for line, (place, code), (place2, code2) in zip(lines, by_rate, by_data, strict=True):
        assert line[:5] == [str(place), names[code], str(counted[code].evaluable),
                            str(counted[code].met), percent(counted[code].rate)]
        assert line[5:] == [str(place2), names[code2], str(counted[code2].evaluable),
                            str(counted[code2].with_figure),
                            percent(counted[code2].completeness)]
    # The township that sent half its figures is last by completeness.
    assert by_data[-1][1] == QUIET
    assert counted[QUIET].completeness < min(counted[c].completeness for c in children[:3])


def test_the_overview_shows_the_same_rate(county: Session, qtbot: QtBot) -> None:
    from db.entry_rows import build_sheet
    from db.overview import build_overview
    from desktop.overview_page import OverviewPage

    unit = township_code(PANSHAN, 1)
    expected = attainment(evaluated(county, unit, 2025))
    overview = build_overview(county, build_sheet(county, unit, 2025), with_children=False)
    assert overview.attainment == expected
    page = OverviewPage()
    qtbot.addWidget(page)
    page.show_overview(overview, "沙岭镇", 2025)
    assert (f"达标率{percent(expected.rate)}（{expected.met}/{expected.evaluable}）"
            in page.summary.text())
