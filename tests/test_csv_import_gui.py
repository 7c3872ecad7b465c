"""文件 → 导入数据文件（CSV）: a clerk imports a values CSV without a terminal — checked off the GUI
thread, previewed old → new, written only on 导入, refused whole with the rows named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.figures import find_value
from db.models import OrgUnit
from desktop.import_preview_dialog import ImportPreviewDialog
from desktop.main_window import MainWindow

COUNTY = "211122"
CODE = "live_births"


def _townships(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(OrgUnit.code).where(OrgUnit.parent_code == COUNTY)
                                    .order_by(OrgUnit.code)))


def _choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr("desktop.file_actions.QFileDialog.getOpenFileName",
                        lambda *_a, **_k: (str(path), ""))


def test_a_csv_is_previewed_then_imported_from_the_file_menu(
        qtbot: QtBot, demo_window: MainWindow, demo_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, _ = _townships(demo_engine)
    path = tmp_path / "乡镇数据.csv"
    path.write_text("单位,指标,年份,性别,数值,备注\n"
                    f"{first},{CODE},2024,,321,\n"
                    f"{second},{CODE},2024,,298,电话核实\n"
                    f"{second},{CODE},2023,,,\n", encoding="gbk")  # as Excel on Chinese Windows
    _choose(monkeypatch, path)

    demo_window.import_csv()
    qtbot.waitUntil(lambda: demo_window.findChild(ImportPreviewDialog) is not None,
                    timeout=30000)
    preview = demo_window.findChild(ImportPreviewDialog)
    assert preview.windowTitle() == "导入数据文件（CSV）"
    header = preview.header.text()
    assert "乡镇数据.csv" in header and "GB18030" in header
    assert "共 3 行，将写入 2 项" in header and "1 行数值为空，跳过" in header
    assert preview.table.model().rowCount() == 2
    with Session(demo_engine) as session:  # looking writes nothing
        assert find_value(session, first, CODE, 2024) is None or \
            find_value(session, first, CODE, 2024).value != 321

    preview.accept()
    qtbot.waitUntil(lambda: "已从CSV导入数据" in demo_window.statusBar().currentMessage(),
                    timeout=30000)
    assert "写入 2 项" in demo_window.statusBar().currentMessage()
    with Session(demo_engine) as session:
        assert find_value(session, first, CODE, 2024).value == 321
        saved = find_value(session, second, CODE, 2024)
        assert saved.value == 298 and saved.comment == "电话核实"


def test_a_csv_with_a_wrong_row_is_refused_whole_with_the_row_named(
        qtbot: QtBot, demo_window: MainWindow, demo_engine: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, _, _ = _townships(demo_engine)
    with Session(demo_engine) as session:
        before = find_value(session, first, CODE, 2023)
        assert before is not None
        kept = before.value
    path = tmp_path / "有错.csv"
    path.write_text("unit,code,year,sex,value\n"
                    f"{first},{CODE},2023,,{kept + 7:g}\n"
                    f"{first},{CODE},2024,,十二\n", encoding="utf-8")
    _choose(monkeypatch, path)
    warnings: list[str] = []
    monkeypatch.setattr("desktop.file_actions.QMessageBox.warning",
                        lambda _parent, _title, text: warnings.append(text))

    demo_window.import_csv()
    qtbot.waitUntil(lambda: bool(warnings), timeout=30000)
    assert "第3行" in warnings[0] and "十二" in warnings[0]
    assert demo_window.findChild(ImportPreviewDialog) is None
    assert "未导入任何数据" in demo_window.statusBar().currentMessage()
    with Session(demo_engine) as session:  # the right row was not written either
        assert find_value(session, first, CODE, 2023).value == kept
