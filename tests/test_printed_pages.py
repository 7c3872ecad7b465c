"""Every printed page is right: the workbooks as LibreOffice prints them, and the PDF reports.

Each workbook kind (unit template, department template, template with the units below,
statistical tables) is printed to PDF by LibreOffice headless, as a clerk printing from Calc
(or WPS) would; the reports are read as they are. poppler's word boxes (``pdftotext -bbox``)
then show what a printer would put on paper: no two words on top of each other (a wrapped
text in a row too low for it), no word in the 5 mm a printer leaves blank (the 说明 sheet
lost the first characters of every line), the labels a reader looks for, and no heading left
alone at the foot of a page.

LibreOffice and poppler are required (scripts/test.sh installs them): without them these
tests fail rather than skip.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer
from sqlalchemy import delete
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.demo import fill_demo, township_code
from db.figure_text import excel_number_format, figure_decimals, format_figure
from db.models import DataValue
from db.storage import prepare_database, resolve_database_url
from reports.excel.common import char_units, wrapped_lines
from reports.excel.tables import build_tables
from reports.excel.template import build_template
from reports.pdf.annual import build_annual_report
from reports.pdf.comparison import build_comparison_report
from reports.pdf.evaluation_report import build_evaluation_report
from reports.pdf.form import build_form
from reports.pdf.layout import ReportInfo, Steps, Styles, data_table, para, render
from reports.pdf.sections import figure_text, section_heading, signature_section

PANSHAN = "211122"  # 盘山县
ZHENYUAN = "621027"  # 镇原县: its plan names the departments (卫健局 …)
YEAR = 2023
PRINTED = date(2026, 1, 15)
# A word box may touch its neighbour (a rounding of the font's metrics), not cover it.
TOLERANCE = 1.0
# What an office printer leaves blank at each edge of the paper, in points (5 mm).
UNPRINTABLE = 5 / 25.4 * 72
# The footer of the reports and the workbooks lies below this distance from the bottom.
FOOTER_ZONE = 45.0
HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words)


# ---------------------------------------------------------------------------- reading


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is needed to print and read back the pages "
                    "(apt-get install poppler-utils libreoffice-calc-nogui, as scripts/test.sh)")
    return found


def pages_of(pdf: Path) -> list[Page]:
    """Every page of ``pdf`` with its words and their boxes (points, origin top left)."""
    out = subprocess.run([tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = []
    for number, match in enumerate(re.finditer(
            r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S), start=1):
        words = [Word(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                            r'yMax="([-\d.]+)">(.*?)</word>', match.group(3))]
        pages.append(Page(number, float(match.group(1)), float(match.group(2)), words))
    assert pages, f"{pdf} has no pages"
    return pages


def overlapping(page: Page) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than :data:`TOLERANCE` both ways."""
    found = []
    words = sorted(page.words, key=lambda w: w.y0)
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.y0 >= a.y1 - TOLERANCE:
                break
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE
                    and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE):
                found.append((a.text, b.text))
    return found


def outside(page: Page) -> list[str]:
    """Words outside the printable area: a printer cannot print the outer few millimetres."""
    edge = UNPRINTABLE
    return [w.text for w in page.words if w.x0 < edge or w.y0 < edge
            or w.x1 > page.width - edge or w.y1 > page.height - edge]


def assert_clean(pages: list[Page]) -> None:
    problems = {p.number: (overlapping(p), outside(p)) for p in pages}
    problems = {n: found for n, found in problems.items() if found[0] or found[1]}
    assert not problems, f"page: (overlapping words, words off the printable area) {problems}"


def body_lines(pdf: Path) -> dict[int, list[str]]:
    """Per page, the text lines above the footer, from top to bottom (``-bbox-layout``)."""
    out = subprocess.run([tool("pdftotext"), "-bbox-layout", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    result = {}
    for number, match in enumerate(re.finditer(
            r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S), start=1):
        height = float(match.group(1))
        lines = []
        for line in re.finditer(r'<line xMin="[-\d.]+" yMin="([-\d.]+)" xMax="[-\d.]+" '
                                r'yMax="([-\d.]+)">(.*?)</line>', match.group(2), re.S):
            if float(line.group(1)) < height - FOOTER_ZONE:
                text = "".join(unescape(w) for w in re.findall(r">([^<]*)</word>",
                                                               line.group(3)))
                lines.append((float(line.group(2)), text))
        result[number] = [text for _, text in sorted(lines)]
    return result


def headings_at_the_foot(pdf: Path) -> list[tuple[int, str]]:
    """Pages whose last line of text is a heading (一、… or （一）…)."""
    return [(page, lines[-1]) for page, lines in body_lines(pdf).items()
            if lines and HEADING.match(lines[-1])]


# ---------------------------------------------------------------------------- workbooks


WORKBOOKS = ("unit", "department", "below", "tables")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four workbook kinds of 盘山县 (and 镇原县's 卫健局), printed by LibreOffice."""
    folder = tmp_path_factory.mktemp("workbooks")
    engine = prepare_database(resolve_database_url(str(folder / "db.sqlite3"))).engine
    books = {kind: folder / f"{kind}.xlsx" for kind in WORKBOOKS}
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 3, range(2020, YEAR + 1), seed=11)
        fill_demo(session, ZHENYUAN, 2, range(2020, YEAR + 1), seed=5)
        build_template(session, PANSHAN, YEAR, books["unit"])
        build_template(session, ZHENYUAN, YEAR, books["department"], department="卫健局")
        build_template(session, PANSHAN, YEAR, books["below"], include_below=True)
        build_tables(session, PANSHAN, range(2020, YEAR + 1), books["tables"])
    engine.dispose()
    printed = folder / "pdf"
    # A profile of its own, so that parallel runs and a user's LibreOffice never clash.
    profile = (folder / "lo-profile").as_uri()
    done = subprocess.run([tool("soffice"), f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(printed),
                           *map(str, books.values())], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return {kind: printed / f"{kind}.pdf" for kind in WORKBOOKS}


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_no_word_of_a_printed_workbook_covers_another_or_leaves_the_paper(
        workbooks: dict[str, Path], kind: str) -> None:
    assert_clean(pages_of(workbooks[kind]))


@pytest.mark.parametrize(("kind", "title"), [
    ("unit", "盘山县2023年妇女发展规划监测数据填报表"),
    ("department", "镇原县2023年妇女发展规划监测数据填报表"),
    ("below", "盘山县2023年妇女发展规划监测数据填报表"),
    ("tables", "盘山县妇女发展规划监测统计资料（2020—2023年）"),
])
def test_the_instructions_print_whole_from_their_first_character(
        workbooks: dict[str, Path], kind: str, title: str) -> None:
    first = pages_of(workbooks[kind])[0]
    assert first.width < first.height, "说明 prints portrait"
    top = min(first.words, key=lambda w: (w.y0, w.x0))
    assert top.text.startswith(title[:6]), top.text  # the title, its first characters kept
    assert title in first.text
    margin = min(w.x0 for w in first.words)
    assert margin >= 0.3 * 72, f"text starts {margin:.0f} pt from the paper's left edge"
    for label in ("填报单位：" if kind != "tables" else "统计单位：", "1."):
        assert label in first.text


@pytest.mark.parametrize(("kind", "labels"), [
    ("unit", ("序号", "指标", "填报项", "计量单位", "目标", "2022年数值", "2023年数值", "备注",
              "适龄妇女宫颈癌人群筛查率；适龄妇女乳腺癌人群筛查率", "分子：孕产妇死亡数")),
    ("department", ("序号", "填报项", "2023年数值", "孕产妇死亡率", "分子：孕产妇死亡数")),
    ("below", ("序号", "单位", "2023年数值", "太平街道", "沙岭镇", "适龄妇女宫颈癌人群筛查率")),
    ("tables", ("序号", "地区", "2020年", "2023年", "数据来源", "太平街道",
                "新建城区、居住区养老服务设施配建达标率")),
])
def test_the_data_pages_are_landscape_with_their_labels_and_a_footer(
        workbooks: dict[str, Path], kind: str, labels: tuple[str, ...]) -> None:
    every = pages_of(workbooks[kind])
    # 说明 comes first (with the 指标解释 it may take several portrait pages), then the data.
    first_data = next(i for i, p in enumerate(every)
                      if p.width > p.height and ("序号" in p.text or "单位代码" in p.text))
    assert first_data >= 1
    pages = every[first_data:]
    text = "".join(p.text for p in pages)
    for label in labels:
        assert label in text, label
    unit = "镇原县" if kind == "department" else "盘山县"
    for page in pages:
        assert page.width > page.height, f"page {page.number} is not landscape"
        # The header row is repeated on every page, the footer names the unit and the year.
        assert "序号" in page.text or "单位代码" in page.text, page.number
        footer = "".join(w.text for w in page.words if w.y0 > page.height - FOOTER_ZONE)
        assert f"第{page.number}页，共{len(every)}页" in footer, footer
        assert unit in footer and ("2023" in footer), footer


# ---------------------------------------------------------------------------- reports


REPORTS = ("annual", "midterm", "final", "comparison", "form", "blank_form")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """盘山县 with 20 townships, 2020–2025 (红旗镇 silent in 2025), and each report kind."""
    folder = tmp_path_factory.mktemp("reports")
    engine = prepare_database(resolve_database_url(str(folder / "db.sqlite3"))).engine
    out = {kind: folder / f"{kind}.pdf" for kind in REPORTS}
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, 20, range(2020, 2026), seed=7)
        session.execute(delete(DataValue).where(
            DataValue.unit_code == township_code(PANSHAN, 19), DataValue.year == 2025))
        session.commit()
        build_annual_report(session, PANSHAN, 2025, out["annual"], printed=PRINTED)
        build_evaluation_report(session, PANSHAN, out["midterm"], kind="midterm",
                                printed=PRINTED)
        build_evaluation_report(session, PANSHAN, out["final"], kind="final", printed=PRINTED)
        build_comparison_report(session, PANSHAN, 2025, out["comparison"], printed=PRINTED)
        build_form(session, PANSHAN, 2025, out["form"], printed=PRINTED)
        build_form(session, township_code(PANSHAN, 0), 2025, out["blank_form"], blank=True,
                   with_last_year=True, printed=PRINTED)
    engine.dispose()
    return out


@pytest.mark.parametrize("kind", REPORTS)
def test_no_word_of_a_report_covers_another_or_leaves_the_paper(
        reports: dict[str, Path], kind: str) -> None:
    assert_clean(pages_of(reports[kind]))


@pytest.mark.parametrize("kind", REPORTS)
def test_no_page_of_a_report_ends_with_a_heading(reports: dict[str, Path], kind: str) -> None:
    assert headings_at_the_foot(reports[kind]) == []


def _info() -> ReportInfo:
    return ReportInfo("年度监测报告", "盘山县", 2025, "x", "0", PRINTED)


def _swept(tmp_path: Path, part: list[Flowable], name: str) -> Path:
    """``part`` laid out after every amount of space used on a page, 5 mm apart, one page
    each: wherever a report's content before it ends, ``part`` starts after it."""
    story: list[Flowable] = []
    for used in range(0, 250, 5):
        story += [Spacer(1, used * mm), *part, PageBreak()]
    data, _ = render(story, _info())
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    return pdf


def test_the_signature_heading_never_ends_a_page_without_its_signatures(
        tmp_path: Path) -> None:
    styles = Styles()
    part = signature_section(styles, 5, 178 * mm, Steps(10_000, None, None))
    pdf = _swept(tmp_path, part, "signature")
    assert headings_at_the_foot(pdf) == []
    for page, lines in body_lines(pdf).items():
        text = "".join(lines)
        assert ("六、审核签字" in text) == ("填报人：" in text), page


def test_a_section_heading_stays_with_the_table_that_follows(tmp_path: Path) -> None:
    styles = Styles()
    rows = [[para("指标", styles.head), para("数值", styles.head)]]
    rows += [[para(f"指标{i}" * 8, styles.cell), para("83.0%", styles.cell)]
             for i in range(40)]
    part = [*section_heading(styles, 1, "分领域监测情况"),
            data_table(rows, [120 * mm, 58 * mm])]
    pdf = _swept(tmp_path, part, "section")
    assert headings_at_the_foot(pdf) == []
    for page, lines in body_lines(pdf).items():
        if lines and lines[-1] == "二、分领域监测情况":
            pytest.fail(f"page {page} ends with the heading")


# ---------------------------------------------------------------------------- numbers


def test_a_figure_has_its_units_decimals_whatever_its_value() -> None:
    assert figure_text(83.0, "%") == "83.0%"
    assert figure_text(83.6, "%") == "83.6%"
    assert figure_text(10.0, "1/10万") == "10.0/10万"
    assert figure_text(1204.0, "人") == "1204人"
    assert figure_text(None, "%") == "—"
    # Judged against a bound, enough decimals that the figure does not read as the bound.
    assert format_figure(10.52, "1/10万", against=10.5) == "10.52/10万"
    assert format_figure(10.5, "1/10万", against=10.5) == "10.5/10万"
    # The workbooks show the same decimals.
    assert excel_number_format("%", "rate") == "0.0"
    assert excel_number_format("人", "count") == "#,##0"
    assert figure_decimals("1/10万活产", "rate") == 1


@pytest.mark.parametrize("kind", ["annual", "midterm", "final"])
def test_every_percentage_figure_in_a_reports_tables_has_one_decimal(
        reports: dict[str, Path], kind: str) -> None:
    """The figure columns (under 2020年, 2024年, 2025年, 最新数据): every percentage there has
    one decimal, 83.0% and never 83% beside 83.6%. (The targets quote the plan: 不低于95%.)"""
    columns = {"2020年", "2024年", "2025年", "2030年", "最新数据"}
    figures = []
    for page in pages_of(reports[kind]):
        centres = [(w.x0 + w.x1) / 2 for w in page.words if w.text in columns]
        figures += [w.text for w in page.words
                    if re.fullmatch(r"\d+(\.\d+)?%", w.text)
                    and any(abs((w.x0 + w.x1) / 2 - c) < 12 for c in centres)]
    assert len(figures) > 30
    assert [f for f in figures if not re.fullmatch(r"\d+\.\d%", f)] == []


# ---------------------------------------------------------------------------- row heights


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="妇女发展规划abcXYZ_0123456789 ；（）%/", max_size=120),
       st.floats(min_value=4, max_value=120), st.floats(min_value=4, max_value=60))
def test_a_wider_column_never_needs_more_lines(text: str, width: float, more: float) -> None:
    assert wrapped_lines(text, width + more, 10) <= wrapped_lines(text, width, 10)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.floats(min_value=4, max_value=120),
       st.sampled_from([9.0, 10.0, 14.0]))
def test_chinese_text_fills_every_line_but_the_last(count: int, width: float,
                                                    size: float) -> None:
    room = width - 0.8  # the cell's inner margins
    per_line = max(1, math.floor(room / char_units("女", size) + 1e-9))
    assert wrapped_lines("女" * count, width, size) == max(1, math.ceil(count / per_line))
