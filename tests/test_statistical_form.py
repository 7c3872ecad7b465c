"""统计报表 as a county prints it and a township fills it by hand: the printed form read back
with poppler (pdftotext, pdffonts, pdfinfo)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import single_user
from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.figures import save_value
from db.models import DataValue
from db.plan_settings import FORM_HEADER, put_setting, reset_setting
from db.storage import prepare_database, resolve_database_url
from desktop.cli.main import main
from reports.pdf.form import build_form, gather_form

PANSHAN = "211122"
TOWNSHIP = township_code(PANSHAN, 0)
PRINTED = date(2026, 3, 2)
SPLIT = "compulsory_education_retention"  # 九年义务教育巩固率, reported by sex


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} (poppler-utils) is needed to read the form back")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def line_of(text: str, code: str) -> list[str]:
    """The words on the printed line that carries ``code`` (pdftotext -layout keeps a row on
    one line): the name, the unit, the code, then the figures in column order."""
    for line in text.splitlines():
        if code in line.split():
            return line.split()
    raise AssertionError(f"{code} not on the form")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Session]]:
    path = tmp_path_factory.mktemp("form") / "panshan.sqlite3"
    engine = prepare_database(resolve_database_url(str(path))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 3, range(2022, 2026), seed=11)
        for year, female, male in ((2024, 96.5, 95.1), (2025, 97.26, 96.0)):
            for sex, value in (("female", female), ("male", male)):
                session.add(DataValue(unit_code=PANSHAN, indicator_code=SPLIT, year=year,
                                      disaggregation=sex, value=value))
        session.commit()
        yield str(path), session
    engine.dispose()


def figure(session: Session, unit: str, code: str, year: int) -> float:
    return session.scalar(select(DataValue.value).where(
        DataValue.unit_code == unit, DataValue.indicator_code == code, DataValue.year == year,
        DataValue.disaggregation == "total"))


def test_the_form_prints_header_unit_rows_and_footer(county: tuple[str, Session],
                                                     tmp_path: Path) -> None:
    db, session = county
    out = tmp_path / "form.pdf"
    assert main(["--db", db, "report", "--kind", "form", "--unit", PANSHAN, "--year", "2025",
                 "--out", str(out)]) == 0
    text = poppler("pdftotext", "-layout", str(out), "-")
    flat = compact(text)
    assert "妇女发展规划监测统计表" in flat and "2025年" in flat
    for label in ("表号：妇规监测表", "制表机关：妇女儿童工作委员会办公室", "批准机关：",
                  "批准文号：", "有效期至：2031年6月"):
        assert label in flat
    assert "填报单位（盖章）：盘山县" in flat and f"单位代码：{PANSHAN}" in flat
    for head in ("指标名称", "计量单位", "代码", "本年", "上年", "合计", "女", "男"):
        assert head in flat
    for label in ("单位负责人：", "统计负责人：", "填表人：", "联系电话：", "报出日期：",
                  "（盖章）"):
        assert label in flat
    # A county's count is its townships' sum, this year and last (a count: whole number).
    words = line_of(text, "live_births")
    this_year, last_year = (sum(figure(session, township_code(PANSHAN, i), "live_births", y)
                                for i in range(3)) for y in (2025, 2024))
    assert words[-2:] == [f"{this_year:.0f}", f"{last_year:.0f}"]
    # A figure reported by sex: 本年 合计 女 男, 上年 合计 女 男.
    words = line_of(text, SPLIT)
    total_now = figure(session, PANSHAN, SPLIT, 2025)
    total_then = figure(session, PANSHAN, SPLIT, 2024)
    assert words[-6:] == [f"{total_now:.1f}", "97.3", "96.0", f"{total_then:.1f}", "96.5",
                          "95.1"]
    # Every domain that holds a row is named, in the plan's order.
    assert flat.index("妇女与健康") < flat.index("妇女与教育") < flat.index("妇女与经济")


def test_long_form_runs_over_landscape_pages_with_the_header_row_repeated(
        county: tuple[str, Session], tmp_path: Path) -> None:
    _, session = county
    built = build_form(session, PANSHAN, 2025, tmp_path / "form.pdf", printed=PRINTED)
    assert built.pages > 1
    info = poppler("pdfinfo", str(built.path))
    assert "841.89 x 595.276" in info  # A4 landscape
    for page in range(1, built.pages + 1):
        text = poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page),
                       str(built.path), "-")
        for head in ("指标名称", "计量单位", "代码", "本年", "上年"):
            assert head in text, (page, head)
        assert re.search(r"合计\s+女\s+男\s+合计\s+女\s+男", text), page
        assert re.search(r"甲\s+乙\s+丙\s+1\s+2\s+3\s+4\s+5\s+6", text), page
    # The signatures are never alone on a page: the last lines of figures come with them.
    assert "单位负责人" in text and gather_form(session, PANSHAN, 2025).rows[-1].code in text
    for line in poppler("pdffonts", str(built.path)).splitlines()[2:]:
        assert "WenQuanYi" in line and line.split()[-5:-3] == ["yes", "yes"], line


def test_every_row_of_the_entry_grid_is_on_the_form_once(county: tuple[str, Session]) -> None:
    from db.entry_rows import build_sheet

    _, session = county
    facts = gather_form(session, TOWNSHIP, 2025)
    codes = [row.code for row in facts.rows]
    assert len(codes) == len(set(codes))  # a count shared by two rates is written once
    grid = [row.code for row in build_sheet(session, TOWNSHIP, 2025).rows]
    assert [c for c in codes if c in grid] == grid


def test_a_changed_header_setting_is_printed(county: tuple[str, Session],
                                             tmp_path: Path) -> None:
    _, session = county
    admin = single_user()
    put_setting(session, PANSHAN, FORM_HEADER,
                {"表号": "辽妇儿统1表", "批准机关": "辽宁省统计局",
                 "批准文号": "辽统制〔2026〕3号"}, by=admin)
    session.commit()
    try:
        built = build_form(session, TOWNSHIP, 2025, tmp_path / "form.pdf", printed=PRINTED)
        flat = compact(poppler("pdftotext", str(built.path), "-"))
        assert "表号：辽妇儿统1表" in flat
        assert "批准机关：辽宁省统计局" in flat
        assert "批准文号：辽统制〔2026〕3号" in flat
        assert "有效期至：2031年6月" in flat  # a field left out keeps its default
    finally:
        reset_setting(session, PANSHAN, FORM_HEADER, by=admin)
        session.commit()


def test_blank_form_has_no_figure_this_year_and_last_year_only_when_asked(
        county: tuple[str, Session], tmp_path: Path) -> None:
    db, session = county
    plain, with_last = tmp_path / "blank.pdf", tmp_path / "blank-last.pdf"
    assert main(["--db", db, "report", "--kind", "form", "--blank", "--unit", TOWNSHIP,
                 "--year", "2025", "--out", str(plain)]) == 0
    assert main(["--db", db, "report", "--kind", "form", "--blank", "--with-last-year",
                 "--unit", TOWNSHIP, "--year", "2025", "--out", str(with_last)]) == 0
    empty = poppler("pdftotext", "-layout", str(plain), "-")
    assert "空白表" in compact(empty)
    # Each row's line ends with its code: nothing written after it, this year or last.
    codes = [row.code for row in gather_form(session, TOWNSHIP, 2025).rows]
    for code in codes:
        words = line_of(empty, code)
        assert words[-1] == code or not re.fullmatch(r"[\d.]+", words[-1]), words
    last = poppler("pdftotext", "-layout", str(with_last), "-")
    births_2024 = figure(session, TOWNSHIP, "live_births", 2024)
    # Only one figure on the line: last year's, in 上年 (the 本年 cells stay empty).
    assert line_of(last, "live_births")[-1] == f"{births_2024:.0f}"
    assert [w for w in line_of(last, "live_births") if re.fullmatch(r"[\d.]+", w)] == \
        [f"{births_2024:.0f}"]
    facts = gather_form(session, TOWNSHIP, 2025, blank=True, with_last_year=True)
    assert all(not any(row.this_year.values()) for row in facts.rows)
    assert any(row.last_year["total"] for row in facts.rows)


def test_with_last_year_without_blank_is_refused_in_words(county: tuple[str, Session],
                                                          tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    db, _ = county
    out = tmp_path / "x.pdf"
    assert main(["--db", db, "report", "--kind", "annual", "--blank", "--unit", PANSHAN,
                 "--year", "2025", "--out", str(out)]) != 0
    assert "只用于统计报表" in capsys.readouterr().err
    assert main(["--db", db, "report", "--kind", "form", "--unit", PANSHAN,
                 "--out", str(out)]) != 0
    assert "--year" in capsys.readouterr().err
    assert not out.exists()


def test_a_figure_that_is_not_a_number_is_printed_in_words(tmp_path: Path) -> None:
    # Its own database: the module's county is shared by the other tests.
    engine = prepare_database(resolve_database_url(str(tmp_path / "kinds.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 1, range(2024, 2026), seed=3)
        township = township_code(PANSHAN, 0)
        assert save_value(session, township, "live_births", 2025, "不适用").ok
        assert save_value(session, township, "maternal_deaths", 2025, "2（待核实）").ok
        session.commit()
        out = tmp_path / "form.pdf"
        build_form(session, township, 2025, out, printed=PRINTED)
    engine.dispose()
    text = poppler("pdftotext", "-layout", str(out), "-")
    assert "不适用" in line_of(text, "live_births")
    assert "2？" in line_of(text, "maternal_deaths")
