"""Screenshots of the 30% rule and a 审核公式 in the entry grid, and of 设置 → 审核公式….

    QT_QPA_PLATFORM=offscreen python scripts/render_checks_screenshots.py docs/screenshots

The cell's tooltip (a window of its own) is painted onto the window's picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QToolTip
from sqlalchemy.orm import Session

from db.accounts import single_user
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import prepare_database, resolve_database_url
from db.units import init_unit
from desktop.cross_checks_dialog import CrossChecksDialog
from desktop.entry_model import DENOMINATOR
from desktop.main_window import MainWindow

COUNTY = "211122"


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication([])
    db = out / "checks-screenshots.sqlite3"
    db.unlink(missing_ok=True)
    prepared = prepare_database(resolve_database_url(str(db)))
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, COUNTY, user="县妇儿工委办")
        for code, year, value in [("live_births", 2023, 100), ("maternal_deaths", 2023, 0),
                                  ("village_committee_members", 2024, 7),
                                  ("village_committee_members_female", 2024, 2)]:
            save_value(session, COUNTY, code, year, value)
        session.commit()
    window = MainWindow(prepared.engine, COUNTY, 2024)
    window.resize(1366, 768)
    window.show()

    def type_into(code: str, column: int, text: str) -> None:
        row = window.model.row_of(code)
        assert row is not None
        window.model.setData(window.model.index(row, column), text)
        app.processEvents()

    def shot(code: str, column: int, name: str) -> None:
        window.select_indicator(code)
        row = window.model.row_of(code)
        assert row is not None
        app.processEvents()
        index = window.proxy.mapFromSource(window.model.index(row, column))
        at = window.table.viewport().mapToGlobal(window.table.visualRect(index).bottomLeft())
        QToolTip.showText(at, window.model.index(row, column).data(Qt.ItemDataRole.ToolTipRole),
                          window.table.viewport())
        app.processEvents()
        image = window.grab().toImage()
        tips = [t for t in app.topLevelWidgets()
                if t.metaObject().className() == "QTipLabel" and t.isVisible()]
        if tips:
            painter = QPainter(image)
            painter.drawPixmap(window.mapFromGlobal(tips[0].pos()), tips[0].grab())
            painter.end()
        image.save(str(out / name))
        QToolTip.hideText()

    type_into("maternal_mortality_ratio", DENOMINATOR, "145")  # 活产数 100 → 145
    type_into("female_share_village_chairs", DENOMINATOR, "9")  # 9 chairs of 7 members
    shot("female_share_village_chairs", DENOMINATOR, "app-checks-cross-check.png")
    shot("maternal_mortality_ratio", DENOMINATOR, "app-checks-30-percent.png")
    dialog = CrossChecksDialog(prepared.engine, COUNTY, single_user())
    dialog.left.setCurrentIndex(dialog.left.findData("mothers_visited_postpartum"))
    dialog.right.setText("mothers_system_managed")
    dialog.add()
    dialog.show()
    app.processEvents()
    dialog.grab().save(str(out / "dialog-cross-checks.png"))
    window.close()
    prepared.engine.dispose()
    db.unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
