"""The PDF reports as a county office prints them, read back with poppler (pdffonts,
pdftotext, pdfinfo) the way a reader's computer would see them.

poppler is required, never optional: a test that cannot read the PDF fails (CI installs
poppler-utils, see scripts/test.sh).
"""

from __future__ import annotations

import errno
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from db import files
from db.catalogue import ensure_catalogue, stored_version
from db.demo import fill_demo, township_code
from db.evaluation import Evaluator
from db.figure_text import format_figure
from db.models import DataValue
from db.storage import prepare_database, resolve_database_url
from desktop.cli.main import main
from reports.pdf.annual import build_annual_report
from reports.pdf.comparison import build_comparison_report, column_groups
from reports.pdf.evaluation_report import build_evaluation_report
from reports.pdf.fonts import has_glyph, missing_glyphs, status_symbols
from reports.pdf.layout import (
    ReportCancelled,
    ReportError,
    ReportInfo,
    Styles,
    app_version,
    data_table,
    para,
    render,
)

PANSHAN = "211122"  # 盘山县
TOWNSHIPS = 20
SILENT = township_code(PANSHAN, 19)  # 红旗镇: sent nothing for 2025
PRINTED = date(2026, 1, 15)


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} (poppler-utils) is needed to read the reports back: "
                    "apt-get install poppler-utils poppler-data")
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=True)
    return done.stdout


def text_of(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return poppler("pdftotext", *pages, str(pdf), "-")


def compact(text: str) -> str:
    """Text without whitespace: a figure wrapped in a narrow cell reads as one word again."""
    return re.sub(r"\s+", "", text)


def page_count(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M)
    assert match
    return int(match.group(1))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start): text.index(end, text.index(start))]


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def county_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """盘山县 with 20 townships and demo figures 2020–2025; 红旗镇 reported nothing for 2025."""
    path = tmp_path_factory.mktemp("county") / "panshan.sqlite3"
    engine = prepare_database(resolve_database_url(str(path))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        fill_demo(session, PANSHAN, TOWNSHIPS, range(2020, 2026), seed=7)
        session.execute(delete(DataValue).where(DataValue.unit_code == SILENT,
                                                DataValue.year == 2025))
        session.commit()
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def reports(county_db: Session, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    out = {kind: folder / f"{kind}.pdf" for kind in ("annual", "midterm", "final", "comparison")}
    build_annual_report(county_db, PANSHAN, 2025, out["annual"], printed=PRINTED)
    build_evaluation_report(county_db, PANSHAN, out["midterm"], kind="midterm", printed=PRINTED)
    build_evaluation_report(county_db, PANSHAN, out["final"], kind="final", printed=PRINTED)
    build_comparison_report(county_db, PANSHAN, 2025, out["comparison"], printed=PRINTED)
    return out


# ---------------------------------------------------------------------------- fonts


@pytest.mark.parametrize("kind", ["annual", "midterm", "final", "comparison"])
def test_every_font_is_the_bundled_one_embedded_as_a_subset(
    reports: dict[str, Path], kind: str
) -> None:
    lines = poppler("pdffonts", str(reports[kind])).splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        assert (emb, sub) == ("yes", "yes"), line
        assert "WenQuanYi" in name, line  # never Helvetica or another reader-side font


def test_every_character_printed_has_a_glyph_in_the_font(reports: dict[str, Path]) -> None:
    for pdf in reports.values():
        assert missing_glyphs(text_of(pdf)) == set()


def test_status_symbols_are_in_the_font_and_in_the_print(reports: dict[str, Path]) -> None:
    text = text_of(reports["annual"])
    for status, symbol in status_symbols().items():
        assert has_glyph(symbol), status
        assert symbol in text, status
    assert status_symbols()["met"] == "✓"


# ---------------------------------------------------------------------------- annual


def test_annual_report_names_the_report_and_the_unit_and_prints_the_databases_figures(
    county_db: Session, reports: dict[str, Path]
) -> None:
    text = compact(text_of(reports["annual"]))
    assert "年度监测报告" in text
    assert "盘山县" in text
    evaluator = Evaluator(county_db, PANSHAN)
    specs = {s.id: s for s in evaluator.targets_for(PANSHAN)}
    results = {r.target: r for r in evaluator.evaluate(PANSHAN, 2025)}
    # A rate pooled from 19 townships' counts, a share, a count, a survey figure, a trend.
    chosen = ["211122-health-2-2", "211122-health-3-1", "211122-decision-5-2",
              "211122-health-8-1", "211122-decision-3-1"]
    for target in chosen:
        result, unit = results[target], specs[target].indicator.unit
        assert result.value is not None, target
        assert format_figure(result.value, unit) in text, target
        baseline = evaluator.index.series(PANSHAN, result.indicator, [2020]).get(2020)
        assert baseline is not None and format_figure(baseline, unit) in text, target


def test_annual_report_warns_with_reasons_and_draws_the_indicators_at_risk(
    county_db: Session, reports: dict[str, Path]
) -> None:
    text = compact(text_of(reports["annual"]))
    warnings = section(text, "三、预警清单", "四、预警指标趋势图")
    charts = section(text, "四、预警指标趋势图", "五、数据完整性")
    evaluator = Evaluator(county_db, PANSHAN)
    names = {s.id: s.indicator.name for s in evaluator.targets_for(PANSHAN)}
    at_risk = [r for r in evaluator.evaluate(PANSHAN, 2025) if r.status == "at_risk"]
    assert at_risk, "the demo county should have early warnings"
    for result in at_risk:
        assert compact(names[result.target]) in warnings
        assert compact(names[result.target]) in charts
        assert compact(result.reason) in warnings or compact(result.warnings[0].reason
                                                            .split("：", 1)[1]) in warnings
    assert "趋势推算" in charts


def test_annual_report_names_the_township_that_did_not_report(reports: dict[str, Path]) -> None:
    text = compact(text_of(reports["annual"]))
    completeness = section(text, "五、数据完整性", "六、审核签字")
    assert "红旗镇" in completeness
    assert "下辖20个单位中，19个已填报" in completeness
    assert "汇总数据缺少部分下级单位" in completeness
    assert "未填报" in completeness


def test_annual_report_ends_with_the_signature_block(reports: dict[str, Path]) -> None:
    # The annex 附件：指标解释 follows on its own pages (tests/test_explanations_in_reports.py).
    pages = range(1, page_count(reports["annual"]) + 1)
    annex = next(p for p in pages if "附件：指标解释" in text_of(reports["annual"], p))
    last = compact(text_of(reports["annual"], annex - 1))
    for label in ("填报人", "审核人", "单位负责人", "日期", "盖章处"):
        assert label in last


def test_qualitative_goals_show_their_progress(reports: dict[str, Path]) -> None:
    text = text_of(reports["annual"])
    assert "定性目标" in text
    assert {"已完成", "推进中"} <= {w for w in ("未开展", "推进中", "已完成") if w in text}


# ---------------------------------------------------------------------------- pages


@pytest.mark.parametrize("kind", ["annual", "midterm", "final", "comparison"])
def test_every_footer_says_page_x_of_the_real_page_count(
    reports: dict[str, Path], kind: str
) -> None:
    pdf = reports[kind]
    total = page_count(pdf)
    assert total > 1
    for page in range(1, total + 1):
        assert f"第{page}页 共{total}页" in text_of(pdf, page)


def test_footer_or_cover_shows_the_app_and_catalogue_versions(
    county_db: Session, reports: dict[str, Path]
) -> None:
    version = stored_version(county_db)
    assert version
    first = text_of(reports["annual"], 1)
    assert app_version() in first and version in first
    last = text_of(reports["annual"], page_count(reports["annual"]))
    assert f"填报 {app_version()}" in last and version[:8] in last


def test_a_long_table_repeats_its_header_on_the_next_page(tmp_path: Path) -> None:
    styles = Styles()
    rows = [[para("表头甲", styles.head), para("表头乙", styles.head)]]
    rows += [[para(f"第{i}行", styles.cell), para("内容", styles.cell)] for i in range(150)]
    info = ReportInfo("测试", "盘山县", 2025, "abc", "dev", PRINTED)
    data, pages = render([data_table(rows, [60, 200])], info)
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(data)
    assert pages == page_count(pdf) >= 3
    for page in range(1, pages + 1):
        assert "表头甲" in text_of(pdf, page)


def test_target_tables_that_run_onto_a_new_page_carry_their_header(
    reports: dict[str, Path]
) -> None:
    pdf = reports["annual"]
    number = re.compile(r"^\d{1,2}-\d{1,2}$", re.M)  # a target's 编号 cell, e.g. 2-1
    pages_with_rows = [p for p in range(2, page_count(pdf) + 1) if number.search(text_of(pdf, p))]
    assert len(pages_with_rows) >= 3
    for page in pages_with_rows:
        assert "目标及期限" in text_of(pdf, page), page


# ---------------------------------------------------------------------------- evaluations


def test_midterm_report_lists_every_target_not_reached(
    county_db: Session, reports: dict[str, Path]
) -> None:
    text = compact(text_of(reports["midterm"]))
    assert "中期评估报告" in text
    listed = section(text, "三、未达标目标清单", "四、数据完整性")
    evaluator = Evaluator(county_db, PANSHAN)
    specs = {s.id: s for s in evaluator.targets_for(PANSHAN)}
    missed = [r for r in evaluator.evaluate(PANSHAN, 2025) if r.status in ("not_met", "at_risk")]
    assert missed
    for result in missed:
        spec = specs[result.target]
        number = f"{spec.goal}-{spec.id.rsplit('-', 1)[1]}"
        assert number in listed and compact(spec.indicator.name) in listed, result.target
    assert f"共有{len(missed)}项目标未达到" in listed


def test_final_report_judges_a_2025_milestone_in_its_deadline_year(
    reports: dict[str, Path]
) -> None:
    text = compact(text_of(reports["final"]))
    assert "终期评估报告" in text
    assert "2030年" in text
    assert "按2025年期限评估" in text


# ---------------------------------------------------------------------------- comparison


def test_comparison_report_names_every_township(
    county_db: Session, reports: dict[str, Path]
) -> None:
    text = compact(text_of(reports["comparison"]))
    names = Evaluator(county_db, PANSHAN).names
    for i in range(TOWNSHIPS):
        assert names[township_code(PANSHAN, i)] in text


def test_comparison_splits_twenty_townships_into_balanced_landscape_pages(
    reports: dict[str, Path]
) -> None:
    groups = column_groups(20, 265 * 2.8346 - 87 * 2.8346)
    assert [len(g) for g in groups] == [7, 7, 6]
    pdf = reports["comparison"]
    info = poppler("pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert float(sizes[0][0]) < float(sizes[0][1])  # the cover is portrait
    assert float(sizes[-1][0]) > float(sizes[-1][1])  # the wide tables are landscape
    # Every landscape page (after the summary and the ranking) repeats the indicator columns.
    wide = [n for n, (w, h) in enumerate(sizes, start=1) if float(w) > float(h)]
    assert len(wide) >= 3 and wide == list(range(wide[0], page_count(pdf) + 1))
    for page in wide:
        assert "目标及期限" in text_of(pdf, page)


def test_a_township_has_nothing_to_compare(county_db: Session, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="没有下级单位"):
        build_comparison_report(county_db, township_code(PANSHAN, 0), 2025, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------------------- builder API


def test_progress_rises_to_the_total_and_cancel_writes_nothing(
    county_db: Session, tmp_path: Path
) -> None:
    seen: list[tuple[int, int, str]] = []
    out = tmp_path / "a.pdf"
    built = build_annual_report(county_db, PANSHAN, 2025, out,
                                progress=lambda d, t, m: seen.append((d, t, m)))
    assert built.pages == page_count(out)
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][1]
    assert any("排版" in m for _, _, m in seen)

    asked = 0

    def cancel() -> bool:
        nonlocal asked
        asked += 1
        return asked > 60  # well into laying out the pages

    cancelled = tmp_path / "c.pdf"
    with pytest.raises(ReportCancelled):
        build_annual_report(county_db, PANSHAN, 2025, cancelled, cancel=cancel)
    assert list(tmp_path.iterdir()) == [out]


def test_a_full_disk_leaves_the_old_report_and_no_partial_file(
    county_db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "annual.pdf"
    out.write_bytes(b"%PDF-1.4 last year's report")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(ReportError, match="磁盘空间不足"):
        build_annual_report(county_db, PANSHAN, 2025, out)
    assert out.read_bytes() == b"%PDF-1.4 last year's report"
    assert list(tmp_path.iterdir()) == [out]


# ---------------------------------------------------------------------------- command line


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    db = str(tmp_path / "cli.sqlite3")
    assert main(["--db", db, "demo", "--unit", PANSHAN, "--townships", "3",
                 "--years", "2020-2025"]) == 0
    return db


def test_report_command_writes_the_midterm_evaluation_for_2025_by_default(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "中期评估.pdf"
    capsys.readouterr()
    assert main(["--db", cli_db, "report", "--unit", PANSHAN, "--kind", "midterm",
                 "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    text = compact(text_of(out))
    assert "中期评估报告" in text and "第1页共" in text
    assert "2025年" in text_of(out, 1)


@pytest.mark.parametrize("kind", ["annual", "comparison", "final"])
def test_report_command_writes_each_kind(cli_db: str, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.pdf"
    assert main(["--db", cli_db, "report", "--unit", PANSHAN, "--year", "2025", "--kind", kind,
                 "--out", str(out)]) == 0
    assert page_count(out) > 1


def test_an_unknown_unit_is_refused_in_chinese(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    assert main(["--db", cli_db, "report", "--unit", "999999", "--year", "2025",
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "999999" in err and "不在数据库中" in err
    assert not out.exists()


def test_an_annual_report_needs_a_year(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", cli_db, "report", "--unit", PANSHAN, "--out",
                 str(tmp_path / "x.pdf")]) == 1
    assert "--year" in capsys.readouterr().err


def test_a_folder_that_is_not_there_is_a_clear_message_and_no_file(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "没有这个文件夹" / "x.pdf"
    assert main(["--db", cli_db, "report", "--unit", PANSHAN, "--year", "2025",
                 "--out", str(out)]) == 1
    assert "无法保存报告" in capsys.readouterr().err
    assert not out.parent.exists()


def test_a_write_error_in_the_cli_leaves_no_partial_file(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()

    def refuse(_src: str, _dst: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    assert main(["--db", cli_db, "report", "--unit", PANSHAN, "--year", "2025",
                 "--out", str(folder / "x.pdf")]) == 1
    assert "没有写入权限" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_chinese_punctuation_never_begins_a_line() -> None:
    styles = Styles()
    text = ("盘山县执行的规划共有量化目标53项，其中已达标36项、未达标11项、预警5项。"
            "另有定性目标45项：未开展5项；推进中9项！已完成31项？（演示数据）") * 2
    for width in range(60, 400, 3):
        paragraph = para(text, styles.body)
        paragraph.wrap(width, 10_000)
        for _, words in paragraph.blPara.lines[1:]:
            line = "".join(words) if isinstance(words, list) else str(words)
            assert line[:1] not in set("，。、；：！？）"), (width, line)
