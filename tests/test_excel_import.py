"""``tianbao excel import`` (db/importing/excel_template.py): a template filled in as a clerk
fills it comes back exactly, with a line per row; every way a workbook goes wrong is refused
with a Chinese reason and nothing written."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from demo_county import (
    CHENJIA,
    DESHENG,
    PANSHAN,
    TAIPING,
    add_demo_county,
    audit_count,
    figures_snapshot,
    open_session,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.figures import find_value, save_value, set_year_status
from db.importing import excel_template as template_import
from db.importing.bulk_save import Figure, plan_values, save_values
from db.importing.excel_template import (
    TemplateImportReport,
    format_template_report,
    import_template,
    read_template,
)
from db.models import AuditEntry
from db.progress import TaskCancelled
from db.units import create_unit
from reports.excel.common import ExcelError
from reports.excel.template import (
    COLUMN_NUMBER,
    DATA_SHEET,
    FIRST_DATA_ROW,
    META_SHEET,
    build_template,
    row_tag,
)

YEAR = 2023
COL = COLUMN_NUMBER
Key = tuple[str, str, str]  # unit, indicator code, disaggregation


def export(session: Session, tmp_path: Path, unit: str = PANSHAN, year: int = YEAR,
           **options: Any) -> Path:
    path = tmp_path / f"模板-{unit}-{year}.xlsx"
    build_template(session, unit, year, path, **options)
    return path


def key_rows(ws: Any, year: int = YEAR) -> dict[Key, int]:
    """Row numbers by the hidden keys, read the way a clerk's workbook holds them."""
    rows = {}
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        unit = ws.cell(r, COL["key_unit"]).value
        if unit and int(ws.cell(r, COL["key_year"]).value) == year:
            rows[(unit, ws.cell(r, COL["key_code"]).value,
                  ws.cell(r, COL["key_disaggregation"]).value)] = r
    return rows


def fill(template: Path, values: dict[Key, Any], comments: dict[Key, str] | None = None,
         edit: Any = None, name: str = "已填写.xlsx") -> Path:
    """Type into a template with openpyxl as a clerk types into Excel, then save it."""
    wb = load_workbook(template)
    ws = wb[DATA_SHEET]
    rows = key_rows(ws)
    for key, value in values.items():
        ws.cell(rows[key], COL["value"]).value = value
    for key, text in (comments or {}).items():
        ws.cell(rows[key], COL["comment"]).value = text
    if edit is not None:
        edit(wb, ws, rows)
    out = template.with_name(name)
    wb.save(out)
    return out


def errors(report: TemplateImportReport) -> dict[int, list[str]]:
    return {row: [f.code for f in found if f.severity == "error"]
            for row, found in report.findings.items()
            if any(f.severity == "error" for f in found)}


def refused_without_writing(session: Session, action: Any) -> str:
    """Run an import that must be refused as a whole; return its message."""
    before, entries = figures_snapshot(session), audit_count(session)
    with pytest.raises(ExcelError) as refused:
        action()
    assert figures_snapshot(session) == before and audit_count(session) == entries
    return str(refused.value)


def rows_refused(session: Session, path: Path) -> TemplateImportReport:
    """Run an import that must be refused row by row; nothing may be written."""
    before, entries = figures_snapshot(session), audit_count(session)
    report = import_template(session, path)
    assert report.has_errors and not report.applied
    assert figures_snapshot(session) == before and audit_count(session) == entries
    assert "没有导入任何数据" in format_template_report(report)
    return report


# ------------------------------------------------------------------------ the round trip


CLERK_TYPES: dict[Key, Any] = {
    (TAIPING, "live_births", "total"): 118,
    (TAIPING, "maternal_deaths", "total"): 0,
    (CHENJIA, "live_births", "total"): "1,204",  # typed as text with a thousands separator
    (PANSHAN, "compulsory_education_retention", "female"): 99.2,
    (PANSHAN, "high_school_gross_enrolment", "total"): 101.5,
}


def test_a_filled_template_comes_back_exactly_with_a_line_per_row(
        county: Session, tmp_path: Path) -> None:
    template = export(county, tmp_path, include_below=True)
    filled = fill(template, CLERK_TYPES,
                  comments={(PANSHAN, "high_school_gross_enrolment", "total"): "含外地生源"})
    report = import_template(county, filled, user="王会计")

    assert report.applied and not report.has_errors
    assert (report.accepted, report.rejected, report.changed) == (5, 0, 5)
    assert report.skipped == report.rows_read - 5
    assert figures_snapshot(county) == [
        (PANSHAN, "compulsory_education_retention", YEAR, "female", 99.2, "", "draft", False),
        (PANSHAN, "high_school_gross_enrolment", YEAR, "total", 101.5, "含外地生源", "draft",
         False),
        (TAIPING, "live_births", YEAR, "total", 118.0, "", "draft", False),
        (TAIPING, "maternal_deaths", YEAR, "total", 0.0, "", "draft", False),
        (CHENJIA, "live_births", YEAR, "total", 1204.0, "", "draft", False),
    ]
    stored = find_value(county, TAIPING, "live_births", YEAR)
    assert stored is not None and stored.stored_by == "王会计"

    rows = key_rows(load_workbook(filled)[DATA_SHEET])
    accepted = {(o.unit, o.code, o.disaggregation): o for o in report.figures}
    assert set(accepted) == set(CLERK_TYPES)
    for key, outcome in accepted.items():
        assert outcome.row == rows[key] and outcome.change == "insert"
    text = format_template_report(report)
    assert f"第{rows[(TAIPING, 'live_births', 'total')]}行 太平街道 “活产数” = 118：新增" in text
    over = rows[(PANSHAN, "high_school_gross_enrolment", "total")]
    assert [f.code for f in report.findings[over]] == ["percent_above_100"]
    assert "已导入。更新了 5 个数据" in text


def test_importing_the_same_template_twice_changes_nothing(county: Session,
                                                           tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path, include_below=True), CLERK_TYPES)
    import_template(county, filled)
    snapshot, entries = figures_snapshot(county), audit_count(county)
    again = import_template(county, filled)
    assert again.applied and again.changed == 0
    assert {o.change for o in again.figures} == {"unchanged"}
    assert figures_snapshot(county) == snapshot and audit_count(county) == entries


def test_a_template_returned_untouched_changes_nothing(county: Session, tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR, 120, comment="含流动人口")
    save_value(county, TAIPING, "maternal_deaths", YEAR, 0)
    county.commit()
    snapshot, entries = figures_snapshot(county), audit_count(county)
    report = import_template(county, export(county, tmp_path, unit=TAIPING))
    assert report.applied and report.changed == 0 and report.accepted == 2
    assert figures_snapshot(county) == snapshot and audit_count(county) == entries


def test_a_changed_figure_is_updated_and_audited_with_before_and_after(
        county: Session, tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR, 120, comment="含流动人口")
    county.commit()
    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): 125})
    report = import_template(county, filled, user="乡镇统计员")
    assert report.changed == 1
    stored = find_value(county, TAIPING, "live_births", YEAR)
    # The comment cell was pre-filled with the stored comment and left alone.
    assert stored is not None and (stored.value, stored.comment) == (125, "含流动人口")
    entry = county.scalars(select(AuditEntry).where(AuditEntry.entity == "data_value")
                           .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "update"
    assert (entry.before, entry.after) == (
        {"value": 120.0, "comment": "含流动人口", "status": "draft"},
        {"value": 125.0, "comment": "含流动人口", "status": "draft"})
    source = county.scalars(select(AuditEntry).where(AuditEntry.entity == "excel_template"))
    assert [e.key for e in source] == ["已填写.xlsx"]


def test_an_emptied_cell_keeps_the_stored_figure_and_says_so(county: Session,
                                                              tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR, 120)
    county.commit()
    filled = fill(export(county, tmp_path, unit=TAIPING), {(TAIPING, "live_births", "total"): None})
    report = import_template(county, filled)
    assert report.applied and report.changed == 0
    assert find_value(county, TAIPING, "live_births", YEAR) is not None
    assert any(f.code == "emptied" and "120" in f.message
               for found in report.findings.values() for f in found)


def test_a_percentage_typed_with_its_sign_is_read_as_the_clerk_saw_it(
        county: Session, tmp_path: Path) -> None:
    def percent_format(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        cell = ws.cell(rows[(PANSHAN, "cancer_prevention_awareness", "total")], COL["value"])
        cell.value, cell.number_format = 0.453, "0.0%"  # what Excel stores for "45.3%"

    report = import_template(county, fill(export(county, tmp_path), {}, edit=percent_format))
    assert report.applied
    stored = find_value(county, PANSHAN, "cancer_prevention_awareness", YEAR)
    assert stored is not None and stored.value == pytest.approx(45.3)


def test_dry_run_writes_nothing_and_says_what_would_change(county: Session,
                                                           tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path, include_below=True), CLERK_TYPES)
    before, entries = figures_snapshot(county), audit_count(county)
    report = import_template(county, filled, dry_run=True)
    assert not report.applied and report.dry_run and report.changed == 5
    assert figures_snapshot(county) == before and audit_count(county) == entries
    assert "试导入，未写入数据库" in format_template_report(report)


def test_numerator_above_denominator_is_imported_with_a_warning_for_submission(
        county: Session, tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): 10,
                   (TAIPING, "mothers_system_managed", "total"): 12})
    report = import_template(county, filled)
    assert report.applied
    rows = key_rows(load_workbook(filled)[DATA_SHEET])
    found = report.findings[rows[(TAIPING, "mothers_system_managed", "total")]]
    assert [f.code for f in found] == ["numerator_above_denominator"]
    assert found[0].severity == "warning" and found[0].message.startswith("上报前须更正")


# ------------------------------------------------------------------------ whole-file refusals


def test_a_template_for_another_unit_is_refused(county: Session, tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path, unit=TAIPING), {(TAIPING, "live_births", "total"): 1})
    message = refused_without_writing(
        county, lambda: import_template(county, filled, expected_unit=DESHENG))
    assert "太平街道" in message and "得胜街道" in message
    # The county itself may take its township's template.
    assert import_template(county, filled, expected_unit=PANSHAN).applied


def test_a_template_from_another_database_is_refused(county: Session, tmp_path: Path) -> None:
    other_folder = tmp_path / "镇原县"
    other_folder.mkdir()
    for other in open_session(other_folder):
        from db.units import init_unit

        init_unit(other, "621027")
        other.commit()
        template = export(other, other_folder, unit="621027")
    message = refused_without_writing(county, lambda: import_template(county, template))
    assert "镇原县" in message and "不在本数据库中" in message


def test_a_template_for_a_unit_outside_this_installation_is_refused(
        county: Session, tmp_path: Path) -> None:
    create_unit(county, "621027", "镇原县", "county", plan_code="621027")
    county.commit()
    template = export(county, tmp_path, unit="621027")
    message = refused_without_writing(county, lambda: import_template(county, template))
    assert "不属于本机填报单位" in message and "盘山县" in message


def test_a_template_for_another_year_is_refused(county: Session, tmp_path: Path) -> None:
    template = export(county, tmp_path, unit=TAIPING)
    message = refused_without_writing(
        county, lambda: import_template(county, template, expected_year=2024))
    assert "2023年" in message and "2024年" in message


def test_a_file_that_is_not_a_workbook_is_refused(county: Session, tmp_path: Path) -> None:
    csv = b"unit,code,year,sex,value\n211122100000,live_births,2023,,118\n"
    for data in (b"", b"hello", csv, b"PK\x03\x04 not really a zip"):
        message = refused_without_writing(county, lambda d=data: import_template(county, d))
        assert "Excel 工作簿" in message or "已损坏" in message
    bare_zip = io.BytesIO()
    with zipfile.ZipFile(bare_zip, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    message = refused_without_writing(county, lambda: import_template(county, bare_zip.getvalue()))
    assert "已损坏" in message


def test_a_zip_directory_with_a_damaged_version_byte_is_refused(county: Session,
                                                                 tmp_path: Path) -> None:
    data = bytearray(export(county, tmp_path, unit=TAIPING).read_bytes())
    directory = data.index(b"PK\x01\x02")
    data[directory + 6] = 0xFF  # "version needed to extract": zipfile raises NotImplementedError
    message = refused_without_writing(county, lambda: import_template(county, bytes(data)))
    assert "已损坏" in message


def test_a_truncated_workbook_is_refused(county: Session, tmp_path: Path) -> None:
    data = export(county, tmp_path, unit=TAIPING).read_bytes()
    half = data[:len(data) // 2]
    message = refused_without_writing(county, lambda: import_template(county, half))
    assert "已损坏" in message


# A real .xlsx with a password to open (encrypted with msoffcrypto-tool, password "secret"):
# Excel and WPS write the same OLE container with EncryptionInfo and EncryptedPackage streams.
ENCRYPTED_XLSX = (
    "eNrtVwdUU8vWDohIEaSo9BakgySUUKT33qtSTEiAQEhCCk3poNJ7F1GULioCggiICKhIkaJS9IKKgIAoKEjnPyj3Pr2v"
    "Xe97/1rvrfX2WV/mzMyZ+Wbv/Z2ZnCe9zOOXqjhfgX5naqA9oK1tWhD1d20UACh/rTB9q+9ga3t7+9fm7f/Zf5VtAtjJ"
    "3x4gd1S7udzJ+T4ANLt1OqCkB7AfAAMARgAHvkkAxAyAZfe5/9l/n/36/u7ZLf9s/lkBHARwCMBhAGwA2AFwAOAEwAWA"
    "GwAPAF4AfP/TzH+EWYFwwEUC8YN0QVigJIACQT9jh0F7f9vz6f7eQ05Qd9rTLyl+LfeCdsUF2A6r21dWPMCOAiFBFiA4"
    "0OIN/HoA9X9mYOBE+t6fP8JPCzRNs3zrogbpAEwkANbACnaYUSDiT/jPDpyAv3JT/UH/v++yA/gIACMayAIW9PPGBKKk"
    "+Fn/d5pMdrv+2ntToMT/YX5OgH9n79i7e/b/Ef6d/xD4v8tvCMTBHYjGHzNuEMVX//d9zeXPx9/6q+Z3Yu/xOy1+y8hf"
    "r+9Hk/sT8d/RicZulw3ABwd4iF99JoB8ft7/3/RH8//g/1+v7/f+U/zmP+2f4KcG3ncCwOUDsPzs3gP6evb8fPx3tPoQ"
    "9Lf2n28+/0wGeAF+yt3/wT+z/1zaC/qPMBUApoDfbl9VQATgDsThKEj7ayR2lI8Gyp096ujf3Cl//Qag+JP8NLtjPb+b"
    "g/8PnAsy/4Z393t+mT/5Ljjsjt/ZT0+B9IBLCaQJkgVKCPArBZIHwYC59IA7OeAO+rVNC1iZDtCz06sJtEOBaEOBFghI"
    "AVjHznPBILOfyMsfXevfyxXVv6AfKuDa2ctU1AN8MPx+KAIRjcOqgqFHIWB+FNYNh0RjPVTBtjZ6UopgfiIJjkXCMTgs"
    "ShUciCKC1dXoVICHCIF4EjCKH5gBS1QFe5JIeGVpaaKbJ8oHTjzqg3Yj4Ig4d9JRN5yPNM7dHe2GkpaBQGDSfxkK/jZW"
    "Gf8To71RgbrfJsARpPFwItEfR0D+OpHbn53IDUUgoYE+OAkFVqPjB0wF6NeBk+D8RDiGZI0OAnyHwsD8CAzOzfsvVeAh"
    "LTQJ8F5GHqh5wome3/pgcuCvs/xmbmi8J4qgifHAEdAkTx9VsKauNXi3VdsTjsZ+Dfivd6Y4JEpbS/vbjN8NsjbQlIfK"
    "gL+uyQ6OIQNMKE2ktLS5CcLQWseSYGdnhpGRxRM0VVXB/NK7jiABLwyxJJQHMEkg/270UUgDH7ibMSpQFSzrYGigC5XH"
    "Er30/fEoI3sM1MQWawwjY8x1vRXQVnIImIS7NV5J08MX6u5vboA01LP1crB2NIbCyAgrx0Cop5utm72ihJUJ2j/QSFNR"
    "G2KGR2l+XcEPXLvrhdrZ2hjZIrTM7KHaClYS5g52ZAn5AHecv56Xn+VxTwcIzsaBKCFtr6Wgra0I0THTxJh4yNvCcJYE"
    "X7KJu6m2w3EbqL0B3tveO1DekwBD21t5a+r5f+/v94klqv2Whh/a+ckE9L8sOrUfUqyCV/7NXyCu/EQ8GquNI2NJgM+Q"
    "HQP/hJR+FM/v7AeZ/XuV9Q95v1OdNzHQT87BMMA8yMqLIOvvoUPGQA1/zLkdigC8USiCAUBkiMWTgTigoIoII2NFcyyU"
    "oG0PtXDXOR4EN9nJ3T+k/Zsz7q5DR8vCQ1dOzsDfUQcRZBfkGGRE8sQTzBAWfgaadhgPpL+Xtzk50EvRwMrMSBpFxlkS"
    "9Sz1LN0hilCSDZYMU9LVtEGammkrYb21FIhaCGN/o+NIN48f/AByuUuGMdU29oMo+GHsdayVLK21IJ6eWEUJebi3vqKt"
    "O4noK+GANYfbW2kr2uL+Isev0vhBQLsylf6dTlW+2xjV6P7J/j2w+x1U0HUB+/aMiXNoX0wMg7MfTnF8rmx070eH2JdP"
    "t8T0Ulfjg4+o3G+2Wpk1qF4C7SH9EpFhOwh8PEaBFz7YwkzBXZclSKuYxIIFy7rDiZweBzViSsmjoi4H0bXKETVoq5nm"
    "FCRLR+Voy5Ewt6KNgKYFpW7aDbOK9lEGORfpDCfqV0yRJ0Z9VIbc7q1hXpdDRezT/SMuY3OCch3P4084sNzhgHcHg1sX"
    "rKDLLv0hE6Fp4KWFm+FoOzPxoVqWEbfVvem843I3iycPdBxtWw15KW4eKXsWLh55+KXgkKTfrX0Pa/muYDUa5k5z4o/3"
    "dBqmo/zkBuaX7PtGHzoQY2X27GEoucWLuSx0h8kk3/ii+hO5AXJX0vyQSMqGCNcgFyjjmRkPtUTCVVMr8tPmIkRpaJ5P"
    "Kv/INR8xIZSu7DCitNcVJjbyGK8+QsmHgVayXTW9ukrBc9sHViGGWjiK36NT2Cdy9VHQCl17MjzAXWwUJRSyNNr9JhFm"
    "OE/q/Fg3WXZ2yZE6bezpUDZ9FTNvnUP1fsrZ4RdinfOT8fwsGFCTcMbsp+M0HMlFZ2b6Aieb46fui/X0nYlfv39QWZys"
    "/IWhENTydL+UqrOaisrKWLy88zKSdShFvT5WdUmmTYQ7Y7mxh//zLxURKxSjt4kBuo1aUwmvL2+vT4JOJHg/dJPUHr5Y"
    "lWXpsuYubPrqRYpq9vw9qQeeYhvdR2sT6IT1J9Y5ZNpEpwID+LfEVCeMZlwr0itHWi/34Ov60moWRNc02IOCzN/qwxVe"
    "JG9/KG9pSxBRY4kEmz4JjOZnzj3eGbbvrKB4aslTlXDTXKagUfuXEna9V+RjQuGlm6X4RyeYxXDVy+dZ2fZbfECblvAM"
    "lBSbqWk59hkgCjhOWhUgXhaK3vlS5np9pmzlJbYELJWDyRgYiSKvcpUx47uue98l+r0d3Z9UN9ykeHJfvN8c4mN6jkex"
    "68JJDr0K9o5YZ1urCfm8VCZB+LB6QG3YhfQ7a96u718NluAoM+8wt5hPRgp4+bGcwYdbbekNiTGCqgfj4hr2d1yHes7G"
    "uTa0FYfFXlbECTWsthR9ehDk9DlP73C0XfkXIZkWap73Zf2mM4ETix3cOSzMLU0ReNJJpGPmyF4hWDR3wKQKFzu+Vb0y"
    "N9VkUImbvQoRpq6ajH7HPW+34bNnRruxFx631mgvU3+7OMvnYk9iaIu3HFOgTrmmaexEQWFriVG7THDWp+FyjnPoZcYs"
    "KZc9WVjkzBFom7b0l71vqrbTazlkxc5eSC2mOebHW4wVOV1Wwe9mqlZ45ziWOr0Mf/r8dnrkp/UDi2n7oHJsqgNMS1uF"
    "4wb41FlmXJer9ErJtH1FfT/1uTV2ROdM1DyFgNf9KsSpG5CxnOi4vnLXgVzKslpyUACm3aPhkjb6s3JDi9+mhWIRHl4+"
    "GqTYG6uMkVvKk+R/dK+ad6z8uMunLLGs4ovjXDH08jqZvtyB0ReyeCNPy2rJnH8tiU9lmS7vmmtk5+4vXRVPMi+5WExH"
    "U3lTwMY3ycBuC2ah6b1fXNnrWm3GGXD8ledrznuyY6ZLsziMxPQKptk+sJh5hRR7sGYYnWpudqMrU/S7oDIET9e8FiwO"
    "2eJYCs6c+LQku9D4hrrSUCvkwKnEW/MXfYkbGgIPpUTGWbZ9EKVbxRzh269tNVrZ7NP1O/xbTC4Ea98e3t7LfO99W4Hl"
    "Op2FPOKICE/OfvaBBBO8UaAzN/OZM6fJwgeqKaQoGW4cSah0yijJOV7+rqbjDftywlKoM8Msq1nrFypW7owmy86Sd4Ur"
    "1p6ffdibQ6TVBcG6MgkR133jw0+0i0150FwXNGEeE6ZtrwA9ZVK2O4RePueIf22eR7nvZndr0c1zPtmJsnyGphCGW2W9"
    "YdwzbRfDXqP6+SSVijvrUYmCw5diG2Ol6YL2EYbHwlhuPHLJATM7LAaPqFhIUFNncvrD85/uH8+uTF7/0FF0el1vsOYt"
    "qt1X5e7QJZmlhTxdvn1VReP72J7UTEtHzEg+ez0RVWNDq2+Us3r7/LFUH+XUBUFuZ7dhxjuupvaP8219kxqSCA3qiMJK"
    "btv+VOfcjqsXihYv3PswIlJMCE+9kYFxPSIgNOi41MZ7c+g+mwjP1Ue3LiwK8497O7cGReGFmI/stdoc5+i/HlwjM/sp"
    "mXTlba9wCy+djHceS9057JZm9AXF54JFGqAW0jyzVrT15/Ipf2bEjfWYMWNi+oE8DpwuAuL65FGwQEov6xH6KnDPnoIN"
    "gTPyczXXi70D3B8cm97g8GK4rN9uj+kIZt7s3bc1UuRs0MpCMa/yxokezZr2kpKlOw75ausVqzbll8LZbKNLglsoJVCR"
    "1GiOqAx4ellTrswMzSRTzHUUeocj0lA3e9Syf75q0hTr7qBxRKH+OJfC6Xx3xk19mvmS9CguhoS8s0pLMVXtw6vcD+f9"
    "OhNbnvVX3egvP8DQMsCu2XV9MQjEaWKUsR+WYvOQ4K4xREsEr7QuZ1qfm6v5cOe0tEgSJWP50Lu6CZtk3drskvJfMG9V"
    "bi7PlFp/yZfKe6nd7y5tXhfdTgDFknnFZh8Ux67ZulN3fyY1WYeQrtVAjF6Y1lBJvEtDaBo98BWN1zVlGTkfNh4u4VSt"
    "cTvpE8pqkdJj7czySnh65+qpBdrN09YlSMlM+8TK6w8K9HmfXPSSSb2DGfCtkI7lIfNupMpE1kRFXlwRfzLmT2kJvSk4"
    "KrJYUfbgeKmP6Kr4NY/uPg7Nh3Xm2+ay827aDt3nGd6GZXup81KawE7cIEUqes9drX0xRCu8H9Y0laZ7uCuBxjJ+KmX/"
    "E++CSwE3EB9CkAMOWSJR1Z4EX1I9eySvbMXNVRUGYc4nEpPSr08aVUxOlveJiKt97G7zIUb5BzjB9RyjqI4sdD2Mmxsa"
    "kd9vK+kj+HK9c0947Zb1FPsQCZdMNyOb3a7dYsN5R0day9ZsJuOoPO1jq1T3DIpDz8shvflvlk+sXDrwOm7G6yl4uJ2d"
    "g95pjzgXaDoo4Nns7ec0DJWeq0qsowrXbHCl12uuMnk/1d+Uek7F/xruFxotGZMc+/F9FWWK3qFobFg06s30fESMd6c7"
    "cGCM2S80Jb1NSq9kHW7InCsbWdDKNeqENUbDIwaQaN4x+fNH1e4zaC2hZ51u0ffVmLsyWRQhm/ra3zErLyUaCStuHr/S"
    "n0L4vLyX3vjBSBiSSE14oco0R8Uwf155bY/ZQ7tw0RaECtsAfaYizJQtToFubF2wfDSW2oWy/5O3cFnMa0iB672Uja0C"
    "cu17FhOFG8Lvqpr4+Nia7vdF7k3DDadqX3suXmeZrLLhAktuP25h7taYVJtHZkd5H6s4VedwOcJNJwmy7YKL9ohHcoxx"
    "8jzmtT3ho+U5rMrLhTLARkeGSetlUMp2RAv29yQNtqSHvH2oNRxbJh+HWT2x2Oo3KEEXlzl2KIv2vSJ9bCjsucyxXjO6"
    "jvs5+l6Nl7jOxuZ3vlrfKLDUybsXEnj57rJt1+JCw5k7hoZDL9oPl2EKHgQd2YcSnSoYYLvX5RutPGdEQIS6D9e1/pI0"
    "c36ImT7xMzhyyEVM4unpgybHAq+l9TdRPFJs4pR9r4JKmjEtiFCGROzFSHLYhKTaPmaPC3lgFLu9dEJDj345EQIbwxYd"
    "ouGxzunx7h2huOApMykqGozFVzd1czgpWhYbrPG0HFLy9GJCbLc//3h16VMHJirEU/IU36AnB3e1BAOP3rht27lKhWOU"
    "Ewr3l/PhJcfe9t1GerfLzs70WsS1qbS49zOsccQ0JcQ+qTF8qJ3bkCdckijeDb0phZC6Vjc63m65bsZ6PXPOI1242m2L"
    "d02CRHvn8oeBLMQhm+QHN7LsMgihYfadXQvcwu/llR/bU+nFxE42n+9sNSOUBj+wG3qj/uzKCWnZOtbPuVyPOOjWXrEF"
    "j3n3+psm1p/gzUqz+UVMZsJ2GFzQXJO+P8vqgLPjLPtdtHSEr1ASu7ctOjprZlP1nMunMNWhkwjhX9TvJ1/hGX8/4aJy"
    "43bN85mzbxpZa8DeLea2hcYa0gehbvEGFkISIKx03ax9yLZtUcZDDlbyIKTLJEb/lp8QNKl3IcyLKunc0D2ehWiS5MbN"
    "2dFe7vDWOeTQjWdFIacnC+RCjk2I55VmVMQGVMDFGHrp2j6fN0k+/sUddXjFaivBNCxPe0jV9GSRPmT+0744PGeQuu16"
    "Hs7mPItQBdtDM8ebDBuVWvUzHzaEnOY6GM8c83+8Enmw726xbNebRtneqqb6Y7VjA+nYfEsHHvr2J1ma1Kpxaj1BsgV6"
    "uD1Vbtxet4f2MA4vMt6qqHwyvPbmcoha7Vk1PHx7QTR8S6AtixgOP6ByafjzhNcHU6GPivNj48HY1RTOnhgKc0XZqYTn"
    "r1atrTlaFPEdma+eW5bAIix86w8tcV6C9ijdbeqrfeEmThM85HZq/mRbpPRgmBK17MIkTs3og7LJNXMCm0x0ZBbN/dSD"
    "Xa6ZItZaVQJBYSbEAnev26Bu5mvI4qgIBcF6QmMw9kPHiFpWkfRKjZNmMiWeRuH80xzzlE9Tnl0OusWj9osfxufoAw2j"
    "Rxt1+PblOPRlXFRvcLr1IrSBIeSs97nemEEeNmvO51M+MTnkvPcLhw9kB09E8n3ycmlZwnG6hta9PeqhdLGpFf45PhBq"
    "taA4uKC3RB1f3MI+j7pNfkX33krxyTLb7Zcmwbgo+MNT1prm1Q0Wlkc42W8lTyxmSKmXoN7EtMq4TDfRqtt5WJRxX5CK"
    "MDPbeDh8A/K6+Mz7kyJEKw+qJwJFlu00jnQEMfbcoESJhPaI/tjVuzNQdIv2A3Imqk3ftdrvg1FyBU/VYGDYsqSSJn1+"
    "NjuJn6jqBsWbsr4VkBIWYDPkmnmF5pMAl9Qjy1Giymj/jxdeiEopT9Ne849pckoYreUTywl5SBY7dTeTnHJNkUPUWt+w"
    "SqCUTWtq089hSODoQnNhy7F7CtkW2kz0zpTUJ8qIYc/qXBMlU2iq0U9XlcU2jmJaD2lVLVAqve9plm8xPMw+Sszt33zw"
    "ThJS3xky0t95AqIZHHXCj/5gPPR+yfTJhKdGop7jNLF59x513e2+B5Hu3ZtLZfrefiDjsaf54Mx6f90+DoqQ6VyIfH2O"
    "5emJ/e0f6tcJr05lD2/ei4WJxTHIs/SLLBzd2Bjixa1RKez3U1O4dpvRM+FRyGD1UumjTVe2UFqhUYpHEOFbuflyEgYb"
    "XiSdZqObUiJZXGnvoLicuqbw3CunQiEuLl6YeBry51WdK+etHqNyBOgdSyMvy2qE7vUXuHeg+mZosbNSfDqDflRjH9rO"
    "V6y1oPyXU47maSuPKqMXZ7W6GTSiJRsyQg+fzut5fuxLfsJsN023Yf5Yg2+EJpgRUXFgclVZF+n46HFJZ3bk5oUBei9f"
    "maoOLWsJ5i3KFicGOcczA7TLa7FnK2XSLF2jCpKVXgRagkY5ZOQ5j+ER2vlx9cqHlu++KSjJk1audNt6O2pZFbPRX4ln"
    "RzILUGQ/przKZlc9Pt5T2ZWegGi+0fnl2QhZ6COUx5cvaOWscXNIcH+yZjUjFyzMY0tnKYD7gSm/h46kfm+i4ELv+Gq0"
    "Vh6Vk6pqaJsq1wP/57SvNVAb6ltjjKsfF5XvaiMJhc32kgMbknH5H5sm+4Id9ikHjbzFaBS7w5xog1K2/B2KNVREDsY3"
    "ZStnbjFpGjebvb5Qj1FTZa09XnMwTSOF57pkXGnNtOuUzVR2gcAXV8OE5RjY3OurbKLdt+I1N41n6QqtQDEahfPOkYuD"
    "obFKm2bTDoYHY4eQ04/L7Tol+8CPTSBK04ZjiYaf0/JLyIwpHi1fJB3MHcNILx0/GXp9kcYv2ibfRBzYnmRZ7Mf2gnyN"
    "QmacTDgRoZmHYCOz9Kw8KRK/pDKc5HLiNtjsOZPx/o4On3LvqXAbrnn2TYcbSCvr2Zt7yDoNPDfpK+ZlUQ30+jgJH0Q9"
    "8pSsa41GikzlvFumCMey/IhjLknXMWLWEbq1JHM97VyQ1/IT8STslRc2bdHdzxbC6w6G90nPTSYkSCZxb18vVMvxyOrs"
    "ESjNluARvkE1G9tgL5h7RldjfnPg8V07Et/g1dwRqefnbdW1rdVqMws5B4RPv+O6De+9EH0sqkZzvWUiU3BqvtAZ8pJK"
    "qD0gnoN+7NmRfKxzY9u86K3k8NmXy5cPHqxlZLqE+Lz1jox5UR+S5yowWWVwKW3QfduGdSCHmRN/GGZ82n1w0eDVh4a7"
    "lXQ5HIirG6amjx3rD2U/OTB4aXPm2ToDdm+hTd7Yu4Enmnf43gkyrYoPRG/cuf+GMabnTCPiSJTqR+Kmff4lCa2IkVvy"
    "GwiubaRxo6odrJbjfbkkjcWaUtXnEq5Oixj5KeMujTEkMwvv5eb8woOh8r7GiuxfIMVl1MIRZcGSqTQlcdRZq3GQx1Yw"
    "W9ueWO/nAn4TvbpMJ9TI993hTB5RVvtKIhh9UhM6+Cgcm/wfj14f7oEOb66ElFbHJfPoziYd3rj+yOy81IoulVPHFOeM"
    "YTZv71ybp5+3T5/1pfFN4wqS773AVViALiEvpA30P/ub9n+JcnVg"
)


def test_a_password_protected_workbook_is_refused_with_how_to_lift_the_password(
        county: Session) -> None:
    data = zlib.decompress(base64.b64decode("".join(ENCRYPTED_XLSX)))
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    message = refused_without_writing(county, lambda: import_template(county, data))
    assert message.startswith("工作簿有密码保护，请先取消密码再导入")


def test_an_old_xls_workbook_is_refused_with_how_to_convert_it(county: Session) -> None:
    # The start of every Excel 97–2003 file: an OLE compound file holding a Workbook stream.
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
            + "Workbook".encode("utf-16-le") + bytes(2048))
    message = refused_without_writing(county, lambda: import_template(county, data))
    assert ".xls" in message and "另存为" in message


def test_an_opendocument_spreadsheet_is_refused(county: Session) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    message = refused_without_writing(county, lambda: import_template(county, data.getvalue()))
    assert ".ods" in message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(county: Session,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         b"\0" * (template_import.MAX_UNPACKED_BYTES + 1))
    assert len(data.getvalue()) < 1_000_000

    def must_not_load(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl was asked to unpack a zip bomb")

    monkeypatch.setattr(template_import, "load_workbook", must_not_load)
    message = refused_without_writing(county, lambda: import_template(county, data.getvalue()))
    assert "为安全起见拒绝打开" in message


def test_an_enormous_sheet_is_refused(county: Session, tmp_path: Path) -> None:
    def grow(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        ws.cell(FIRST_DATA_ROW + 25_000, 1).value = "x"

    filled = fill(export(county, tmp_path, unit=TAIPING), {}, edit=grow)
    message = refused_without_writing(county, lambda: import_template(county, filled))
    assert "超过模板的上限" in message


def test_a_workbook_without_the_template_metadata_is_refused(county: Session,
                                                             tmp_path: Path) -> None:
    from openpyxl import Workbook

    plain = Workbook()
    plain.active.title = DATA_SHEET
    path = tmp_path / "自己做的表.xlsx"
    plain.save(path)
    message = refused_without_writing(county, lambda: import_template(county, path))
    assert "不是填报软件导出的模板" in message


def test_a_template_from_a_newer_version_is_refused(county: Session, tmp_path: Path) -> None:
    def newer(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        meta = wb[META_SHEET]
        for r in range(1, meta.max_row + 1):
            if meta.cell(r, 1).value == "format_version":
                meta.cell(r, 2).value = "99"

    filled = fill(export(county, tmp_path, unit=TAIPING), {}, edit=newer)
    message = refused_without_writing(county, lambda: import_template(county, filled))
    assert "更新版本" in message


def test_an_unreadable_file_is_refused_in_chinese(county: Session, tmp_path: Path) -> None:
    message = refused_without_writing(
        county, lambda: import_template(county, tmp_path / "没有这个文件.xlsx"))
    assert message.startswith("无法读取文件")


# ------------------------------------------------------------------------ row refusals


def test_an_edited_hidden_key_is_refused_on_its_row(county: Session, tmp_path: Path) -> None:
    def edit_code(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        ws.cell(rows[(TAIPING, "maternal_deaths", "total")], COL["key_code"]).value = \
            "live_births"

    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): 118}, edit=edit_code)
    report = rows_refused(county, filled)
    rows = key_rows(load_workbook(export(county, tmp_path, unit=TAIPING))[DATA_SHEET])
    assert errors(report) == {rows[(TAIPING, "maternal_deaths", "total")]: ["key_changed"]}


def test_a_forged_key_with_an_unknown_code_is_refused(county: Session, tmp_path: Path) -> None:
    def forge(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        meta = {wb[META_SHEET].cell(r, 1).value: wb[META_SHEET].cell(r, 2).value
                for r in range(1, wb[META_SHEET].max_row + 1)}
        r = rows[(TAIPING, "maternal_deaths", "total")]
        ws.cell(r, COL["key_code"]).value = "no_such_count"
        ws.cell(r, COL["key_tag"]).value = row_tag(meta["nonce"],
                                                   (TAIPING, "no_such_count", YEAR, "total"))

    filled = fill(export(county, tmp_path, unit=TAIPING), {}, edit=forge)
    report = rows_refused(county, filled)
    assert ["unknown_indicator"] in errors(report).values()


def test_deleted_rows_are_detected_by_the_checksum(county: Session, tmp_path: Path) -> None:
    def delete(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        ws.delete_rows(rows[(TAIPING, "maternal_deaths", "total")])

    report = rows_refused(county, fill(export(county, tmp_path, unit=TAIPING), {},
                                       edit=delete))
    assert list(errors(report).values()) == [["rows_changed"]]


def test_edited_metadata_is_detected_by_the_checksum(county: Session, tmp_path: Path) -> None:
    def edit(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        meta = wb[META_SHEET]
        for r in range(1, meta.max_row + 1):
            if meta.cell(r, 1).value == "department":
                meta.cell(r, 2).value = "卫健局"

    report = rows_refused(county, fill(export(county, tmp_path, unit=TAIPING), {}, edit=edit))
    assert list(errors(report).values()) == [["rows_changed"]]


def test_sorted_rows_still_import_exactly(county: Session, tmp_path: Path) -> None:
    """Keys travel with their row, so a clerk who sorted the sheet loses nothing."""
    def swap(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        a, b = rows[(TAIPING, "live_births", "total")], rows[(TAIPING, "maternal_deaths", "total")]
        for column in range(1, len(COLUMN_NUMBER) + 1):
            upper, lower = ws.cell(a, column), ws.cell(b, column)
            upper.value, lower.value = lower.value, upper.value

    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): 118,
                   (TAIPING, "maternal_deaths", "total"): 1}, edit=swap)
    assert import_template(county, filled).applied
    assert find_value(county, TAIPING, "live_births", YEAR).value == 118  # type: ignore[union-attr]
    assert find_value(county, TAIPING, "maternal_deaths", YEAR).value == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(("typed", "check", "words"), [
    ("十二", "not_a_number", "不是数字"),
    ("=100+18", "formula", "请粘贴为数值"),
    (datetime(2023, 3, 4), "date", "日期"),
    (12.5, "not_whole", "整数"),
    (-3, "negative", "负数"),
])
def test_a_bad_count_is_refused_on_its_row(county: Session, tmp_path: Path, typed: Any,
                                           check: str, words: str) -> None:
    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): typed,
                   (TAIPING, "maternal_deaths", "total"): 0})
    report = rows_refused(county, filled)
    row = key_rows(load_workbook(filled)[DATA_SHEET])[(TAIPING, "live_births", "total")]
    assert errors(report) == {row: [check]}
    assert words in format_template_report(report)


def test_a_percentage_above_100_is_refused(county: Session, tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path), {(PANSHAN, "cancer_prevention_awareness",
                                              "total"): 130})
    report = rows_refused(county, filled)
    assert list(errors(report).values()) == [["percent_out_of_range"]]


def test_merged_cells_in_the_data_area_are_refused(county: Session, tmp_path: Path) -> None:
    def merge(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        first = rows[(TAIPING, "live_births", "total")]
        ws.merge_cells(start_row=first, end_row=first + 1, start_column=COL["value"],
                       end_column=COL["value"])

    filled = fill(export(county, tmp_path, unit=TAIPING),
                  {(TAIPING, "live_births", "total"): 118}, edit=merge)
    report = rows_refused(county, filled)
    assert ["merged_cells"] in errors(report).values()
    assert "取消合并" in format_template_report(report)


def test_figures_typed_below_the_table_are_refused(county: Session, tmp_path: Path) -> None:
    def below(wb: Any, ws: Any, rows: dict[Key, int]) -> None:
        ws.cell(ws.max_row + 2, COL["value"]).value = 5

    report = rows_refused(county, fill(export(county, tmp_path, unit=TAIPING), {}, edit=below))
    assert list(errors(report).values()) == [["outside_template"]]


def test_a_figure_of_an_approved_year_is_refused(county: Session, tmp_path: Path) -> None:
    save_value(county, TAIPING, "live_births", YEAR, 120)
    assert set_year_status(county, TAIPING, YEAR, "submitted") == []
    assert set_year_status(county, TAIPING, YEAR, "approved") == []
    county.commit()
    filled = fill(export(county, tmp_path, unit=TAIPING), {(TAIPING, "live_births", "total"): 121})
    report = rows_refused(county, filled)
    assert list(errors(report).values()) == [["locked"]]


# ------------------------------------------------------------------------ progress and cancel


def test_progress_is_reported_and_cancel_leaves_nothing(county: Session, tmp_path: Path) -> None:
    filled = fill(export(county, tmp_path, include_below=True), CLERK_TYPES)
    seen: list[tuple[int, int, str]] = []
    with pytest.raises(TaskCancelled):
        import_template(county, filled, progress=lambda d, t, s: seen.append((d, t, s)),
                        cancel=lambda: len(seen) > 2)
    assert figures_snapshot(county) == [] and seen
    report = import_template(county, filled, progress=lambda d, t, s: seen.append((d, t, s)))
    assert report.applied


# ------------------------------------------------------------------------ the bulk path


def _save_one_by_one(session: Session, figures: list[Figure]) -> list[list[tuple[str, str, str]]]:
    found = []
    for f in figures:
        result = save_value(session, f.unit, f.code, f.year, f.value, f.disaggregation,
                            comment=f.comment, user="甲")
        found.append([(x.severity, x.code, x.message) for x in result.findings])
    session.commit()
    return found


def _audit_trail(session: Session) -> list[tuple[Any, ...]]:
    return [(e.user, e.action, e.entity, e.key, e.before, e.after) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "data_value").order_by(AuditEntry.id))]


def _history(session: Session) -> None:
    for year, births in zip(range(2020, 2023), (100, 104, 102), strict=True):
        save_value(session, TAIPING, "live_births", year, births)
        save_value(session, DESHENG, "live_births", year, births)
    save_value(session, DESHENG, "maternal_deaths", YEAR, 0, comment="旧备注")
    save_value(session, CHENJIA, "live_births", YEAR, 80)
    assert set_year_status(session, CHENJIA, YEAR, "submitted") == []
    assert set_year_status(session, CHENJIA, YEAR, "approved") == []
    session.commit()


BATCHES = {
    "accepted": [
        Figure(TAIPING, "live_births", YEAR, 300),  # an unusual jump: a warning
        Figure(TAIPING, "maternal_deaths", YEAR, "0"),
        Figure(DESHENG, "maternal_deaths", YEAR, 1),  # an update keeping the comment
        Figure(DESHENG, "live_births", YEAR, 103, comment="已核实"),
        Figure(CHENJIA, "live_births", YEAR, 80),  # approved but unchanged: no-op
        Figure(PANSHAN, "high_school_gross_enrolment", YEAR, 101, "female"),
        Figure(PANSHAN, "maternal_mortality_ratio", YEAR, 12.5),  # a rate entered directly
        Figure(TAIPING, "women_20_64", YEAR, None),  # empty: skipped
    ],
    "refused": [
        Figure(TAIPING, "live_births", YEAR, 300),
        Figure(CHENJIA, "live_births", YEAR, 81),  # approved year: locked
        Figure(CHENJIA, "maternal_deaths", YEAR, 0),  # a new figure in an approved year
        Figure(TAIPING, "maternal_deaths", YEAR, "1.5"),
        Figure(TAIPING, "no_such_code", YEAR, 1),
        Figure("999999999999", "live_births", YEAR, 1),
        Figure(TAIPING, "live_births", 2031, 1),
        Figure(PANSHAN, "cancer_prevention_awareness", YEAR, 130),
        Figure(TAIPING, "live_births", 2024, "十二"),
    ],
}


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_the_bulk_path_decides_exactly_as_save_value(tmp_path: Path, batch: str) -> None:
    figures = BATCHES[batch]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for one_by_one in open_session(tmp_path / "a"):
        add_demo_county(one_by_one)
        _history(one_by_one)
        expected = _save_one_by_one(one_by_one, figures)
        expected_rows = figures_snapshot(one_by_one)
        expected_audit = _audit_trail(one_by_one)
    for bulk in open_session(tmp_path / "b"):
        add_demo_county(bulk)
        _history(bulk)
        planned = plan_values(bulk, figures)
        assert [[(x.severity, x.code, x.message) for x in p.findings] for p in planned] \
            == expected
        if batch == "accepted":
            save_values(bulk, figures, user="甲")
            bulk.commit()
            assert figures_snapshot(bulk) == expected_rows
            assert _audit_trail(bulk) == expected_audit
            assert [p.action for p in planned] == ["insert", "insert", "update", "insert",
                                                   "unchanged", "insert", "insert", "skip"]


# ------------------------------------------------------------------------ properties


def db_file_of(session: Session) -> Path:
    from db.storage import sqlite_file_path

    path = sqlite_file_path(session.get_bind().url.render_as_string(hide_password=False))
    assert path is not None
    return path


def refused_and_unchanged(session: Session, data: bytes) -> None:
    """A real (not dry-run) import of ``data`` is refused with the importer's own error, and
    the database — figures, audit trail, backups — is as it was."""
    from db.backup import list_backups

    before = figures_snapshot(session), audit_count(session), list_backups(db_file_of(session))
    with pytest.raises(ExcelError):
        import_template(session, data)
    after = figures_snapshot(session), audit_count(session), list_backups(db_file_of(session))
    assert after == before


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000))
def test_arbitrary_bytes_are_refused_with_the_importers_own_error(county: Session,
                                                                  data: bytes) -> None:
    refused_and_unchanged(county, data)


@pytest.fixture
def template_bytes(county: Session, tmp_path: Path) -> bytes:
    return fill(export(county, tmp_path, unit=TAIPING),
                {(TAIPING, "live_births", "total"): 118}).read_bytes()


def _read(session: Session, data: bytes) -> list[tuple[Any, ...]]:
    figures, report = read_template(session, data)
    return [(f.unit, f.code, f.year, f.disaggregation, f.value, f.comment) for _, f in figures
            ] + [("errors", report.has_errors)]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)),
                      min_size=1, max_size=8))
def test_a_template_with_damaged_bytes_is_refused_or_reads_as_the_original(
        county: Session, template_bytes: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(template_bytes)
    for position, mask in flips:
        data[position % len(data)] ^= mask
    try:
        damaged = _read(county, bytes(data))
    except ExcelError:
        refused_and_unchanged(county, bytes(data))
        return
    # A flip the zip's checksums do not cover (a timestamp, an unused field) changes nothing.
    assert damaged == _read(county, template_bytes)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(["xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
                             "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                             "[Content_Types].xml", "xl/_rels/workbook.xml.rels"]),
       start=st.integers(min_value=0), length=st.integers(0, 40),
       insert=st.text(alphabet="<>/=\"' abcrvtsf0123456789:-", max_size=20))
def test_a_template_with_mangled_xml_never_raises_anything_else(
        county: Session, template_bytes: bytes, part: str, start: int, length: int,
        insert: str) -> None:
    source = zipfile.ZipFile(io.BytesIO(template_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part and content:
                at = start % len(content)
                content = content[:at] + insert.encode() + content[at + length:]
            target.writestr(info.filename, content)
    try:
        figures, report = read_template(county, out.getvalue())
    except ExcelError:
        refused_and_unchanged(county, out.getvalue())
        return
    assert isinstance(report, TemplateImportReport)
    assert all(f.unit == TAIPING and f.year == YEAR for _, f in figures)


CELL_VALUES = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.sampled_from(["=A1+1", "#DIV/0!", TAIPING, "live_births", "female", "2023", "１２"]),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from([DATA_SHEET, META_SHEET]),
                                st.integers(1, 40), st.integers(1, 18), CELL_VALUES),
                      min_size=1, max_size=6))
def test_a_template_edited_anywhere_is_imported_or_refused_never_crashes(
        county: Session, tmp_path: Path, edits: list[tuple[str, int, int, Any]]) -> None:
    wb = load_workbook(io.BytesIO(export_bytes(county, tmp_path)))
    for sheet, row, column, value in edits:
        wb[sheet].cell(row, column).value = value
    data = io.BytesIO()
    wb.save(data)
    before = figures_snapshot(county)
    try:
        report = import_template(county, data.getvalue(), dry_run=True)
    except ExcelError:
        return
    assert isinstance(report, TemplateImportReport) and not report.applied
    assert figures_snapshot(county) == before


_EXPORTED: dict[str, bytes] = {}


def export_bytes(session: Session, tmp_path: Path) -> bytes:
    """One township template per test database (hypothesis calls the test many times)."""
    key = str(session.get_bind().url)
    if key not in _EXPORTED:
        _EXPORTED[key] = export(session, tmp_path, unit=TAIPING).read_bytes()
    return _EXPORTED[key]


def test_an_import_that_changes_figures_backs_up_the_database_first(
        county: Session, tmp_path: Path) -> None:
    from db.backup import list_backups
    from db.storage import sqlite_file_path

    db_file = sqlite_file_path(county.get_bind().url.render_as_string(hide_password=False))
    assert db_file is not None
    before = len(list_backups(db_file))
    template = export(county, tmp_path, unit=TAIPING)
    filled = fill(template, {(TAIPING, "live_births", "total"): 1300})
    assert import_template(county, filled, dry_run=True).changed
    assert len(list_backups(db_file)) == before  # a dry run changes nothing, copies nothing
    report = import_template(county, filled)
    assert report.applied and report.changed
    assert [b.reason for b in list_backups(db_file)][: 1] == ["import"]
    assert len(list_backups(db_file)) == before + 1


def test_a_comment_over_the_cap_is_refused_on_its_row(county: Session, tmp_path: Path) -> None:
    from db.checks import MAX_COMMENT

    template = export(county, tmp_path, unit=TAIPING)
    key = (TAIPING, "live_births", "total")
    too_long = fill(template, {key: 118}, {key: "长" * (MAX_COMMENT + 1)}, name="长.xlsx")
    report = rows_refused(county, too_long)
    assert "comment_too_long" in sum(errors(report).values(), [])


def test_a_bug_in_the_reader_is_not_passed_off_as_a_damaged_workbook(
        county: Session, template_bytes: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(template_import, "_read_meta", broken)
    with pytest.raises(KeyError, match="a bug of ours"):
        read_template(county, template_bytes)
