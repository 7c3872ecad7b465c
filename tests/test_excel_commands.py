"""``tianbao excel template | import | tables`` as a county office runs them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.cli import excel_commands
from desktop.cli import main as cli
from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW

TAIPING = "211122100000"  # the first demo township of 盘山县


@pytest.fixture(autouse=True)
def excel_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the commands if desktop/cli/main.py does not (yet) do it itself."""
    build = cli.build_parser

    def with_excel() -> argparse.ArgumentParser:
        parser = build()
        commands = next(a for a in parser._actions
                        if isinstance(a, argparse._SubParsersAction))
        if "excel" not in commands.choices:
            excel_commands.register(commands)
        return parser

    monkeypatch.setattr(cli, "build_parser", with_excel)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "county.sqlite3")
    assert cli.main(["--db", path, "demo", "--unit", "211122", "--townships", "2",
                     "--years", "2020-2022"]) == 0
    return path


def test_export_fill_and_import_a_template(db: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "太平街道2023.xlsx"
    capsys.readouterr()
    assert cli.main(["--db", db, "excel", "template", "--unit", TAIPING, "--year", "2023",
                     "--out", str(out)]) == 0
    assert "已导出填报模板" in capsys.readouterr().out and out.exists()

    wb = load_workbook(out)
    ws = wb[DATA_SHEET]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, COLUMN_NUMBER["key_code"]).value == "live_births":
            ws.cell(r, COLUMN_NUMBER["value"]).value = 118
    wb.save(out)

    assert cli.main(["--db", db, "excel", "import", str(out), "--dry-run"]) == 0
    assert "试导入" in capsys.readouterr().out
    assert cli.main(["--db", db, "excel", "import", str(out), "--unit", "211122",
                     "--year", "2023"]) == 0
    printed = capsys.readouterr().out
    assert "“活产数” = 118：新增" in printed and "已导入。更新了 1 个数据" in printed


def test_a_template_with_errors_prints_the_report_and_exits_1(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.xlsx"
    cli.main(["--db", db, "excel", "template", "--unit", TAIPING, "--year", "2023",
              "--out", str(out)])
    wb = load_workbook(out)
    wb[DATA_SHEET].cell(FIRST_DATA_ROW, COLUMN_NUMBER["value"]).value = "十二"
    wb.save(out)
    capsys.readouterr()
    assert cli.main(["--db", db, "excel", "import", str(out)]) == 1
    assert "不是数字" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["excel", "template", "--unit", "999999", "--year", "2023", "--out", "{tmp}/x.xlsx"],
    ["excel", "template", "--unit", "211122", "--year", "2023", "--department", "无此部门",
     "--out", "{tmp}/x.xlsx"],
    ["excel", "import", "{tmp}/没有.xlsx"],
    ["excel", "import", "{tmp}/county.sqlite3"],
    ["excel", "tables", "--unit", "999999", "--years", "2020-2022", "--out", "{tmp}/x.xlsx"],
    ["excel", "tables", "--unit", "211122", "--years", "2020-2022",
     "--out", "{tmp}/county.sqlite3/x.xlsx"],
])
def test_refusals_go_to_stderr_in_chinese_with_exit_1(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    capsys.readouterr()
    assert cli.main(["--db", db, *[a.replace("{tmp}", str(tmp_path)) for a in args]]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() and not captured.out
    assert any("\u4e00" <= ch <= "\u9fff" for ch in captured.err)
    assert not (tmp_path / "x.xlsx").exists()


def test_tables_are_exported(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "统计资料.xlsx"
    capsys.readouterr()
    assert cli.main(["--db", db, "excel", "tables", "--unit", "211122", "--years", "2020-2022",
                     "--out", str(out)]) == 0
    assert "已导出统计表" in capsys.readouterr().out
    assert "妇女与健康" in load_workbook(out).sheetnames
