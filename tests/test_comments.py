"""Comments are text (issue 11, item 10): no control characters, a length cap on entry
(grid, CSV, Excel, sync, DHIS2), and never a formula in a workbook the app writes."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import PANSHAN, TAIPING
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session
from sync_helpers import Installation, figure_line, forge, payload_of, registered_pair, state

from db.checks import MAX_COMMENT
from db.figures import find_value, save_value
from db.importing.csv_values import import_values_csv
from db.models import DataValue
from db.sync.import_ import import_sync_file
from db.sync.preview_text import format_preview
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, build_template

HOSTILE = ['=HYPERLINK("http://example.com/x","点击")', "+cmd|' /C calc'!A0",
           "-2+3", "@SUM(1,2)"]


def test_a_comment_that_looks_like_a_formula_is_written_as_text(
        county: Session, tmp_path: Path) -> None:
    codes = ("live_births", "maternal_deaths", "women_20_64", "women_35_64")
    for code, comment in zip(codes, HOSTILE, strict=True):
        assert save_value(county, TAIPING, code, 2023, "10", comment=comment).ok
    # And one stored by an older version, with control characters a workbook cannot hold.
    county.execute(update(DataValue).where(DataValue.indicator_code == "live_births",
                                           DataValue.unit_code == TAIPING)
                   .values(comment=HOSTILE[0] + "\x01\x1b"))
    county.commit()
    path = tmp_path / "模板.xlsx"
    build_template(county, TAIPING, 2023, path)  # no IllegalCharacterError

    ws = load_workbook(path)[DATA_SHEET]
    comments = {}
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        cell = ws.cell(r, COLUMN_NUMBER["comment"])
        if cell.value:
            comments[ws.cell(r, COLUMN_NUMBER["key_code"]).value] = cell
    for code, comment in zip(codes, HOSTILE, strict=True):
        cell = comments[code]
        assert cell.value == comment and cell.data_type == "s" and cell.quotePrefix, code
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(name) for name in archive.namelist()
                  if name.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)


def test_control_characters_are_removed_and_a_long_comment_refused_in_the_grid(
        county: Session) -> None:
    result = save_value(county, TAIPING, "live_births", 2023, "118", comment="产后\x07出血\r\n转院")
    assert result.ok and "控制字符" in " ".join(f.message for f in result.findings)
    stored = find_value(county, TAIPING, "live_births", 2023)
    assert stored is not None and stored.comment == "产后出血\n转院"
    long = save_value(county, TAIPING, "live_births", 2023, "119",
                      comment="很" * (MAX_COMMENT + 1))
    assert not long.ok and any(f.code == "comment_too_long" for f in long.findings)
    assert find_value(county, TAIPING, "live_births", 2023).value == 118  # type: ignore[union-attr]


def test_a_csv_with_an_overlong_comment_imports_nothing(county: Session) -> None:
    data = ("unit,code,year,sex,value,comment\n"
            f"{TAIPING},live_births,2023,,118,正常\n"
            f"{PANSHAN},live_births,2023,,900,{'长' * (MAX_COMMENT + 5)}\n").encode()
    report = import_values_csv(county, data)
    assert report.has_errors and not report.applied
    assert any(f.code == "comment_too_long" for f in report.findings[3])
    assert find_value(county, TAIPING, "live_births", 2023) is None


@pytest.fixture
def pair(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Installation, Installation]]:
    with registered_pair(tmp_path, tmp_path_factory) as pair:
        yield pair


def test_a_sync_file_comments_are_cleaned_or_refused(
        pair: tuple[Installation, Installation]) -> None:
    township, county = pair
    path = forge(township.folder / "c.tbsync", township,
                 payload_of(figure_line(comment="转院\x00\x1b[31m")))
    preview = import_sync_file(county.session, path)
    assert preview.applied and preview.comments_cleaned == 1
    assert "控制字符" in format_preview(preview)
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and stored.comment == "转院[31m"

    long = forge(township.folder / "long.tbsync", township, payload_of(
        figure_line(code="maternal_deaths", value="1", comment="长" * (MAX_COMMENT + 1))))
    before = state(county.session)
    refused = import_sync_file(county.session, long)
    assert refused.refused
    assert "超过" in json.dumps([f.message for fs in refused.report.findings.values()
                                for f in fs], ensure_ascii=False)
    assert state(county.session) == before
