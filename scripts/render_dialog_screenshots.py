"""Regenerate the screenshots of the sync and backup dialogs in docs/screenshots/.

    python scripts/render_dialog_screenshots.py

Sets up a county (盘山县 with two townships) and a township (太平街道) in a temporary folder, has
the township export a sync file, and renders offscreen what the county clerk then sees: the
unknown key with its fingerprint, the preview figure by figure, and 备份与恢复 — plus the
township's 关于填报 with its fingerprint and the wizard reading the county's unit list.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

TAIPING = "211122100000"


def database(path: Path) -> Engine:
    from db.catalogue import ensure_catalogue
    from db.storage import prepare_database

    engine = prepare_database(f"sqlite:///{path}").engine
    with Session(engine) as session:
        ensure_catalogue(session)
        session.commit()
    return engine


def save(app: QApplication, widget: QWidget, name: str, size: tuple[int, int]) -> None:
    widget.resize(*size)
    widget.show()
    for _ in range(10):
        app.processEvents()
    widget.grab().save(str(OUT / name))
    widget.close()
    print(OUT / name)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from desktop.fonts import register_cjk_font

    register_cjk_font(app)
    from db.backup import backup_now
    from db.figures import save_value
    from db.import_preview import sync_value_diff
    from db.sync.export import export_sync_file
    from db.sync.import_ import import_sync_file
    from db.sync.key_offer import register_offer
    from db.unit_list import write_unit_list
    from db.units import create_unit, init_unit
    from desktop.about_dialog import AboutDialog
    from desktop.key_dialogs import KeyOfferDialog, load_offer
    from desktop.restore_dialog import RestoreDialog
    from desktop.sync_dialog import SyncPreviewDialog
    from desktop.wizard import FirstStartWizard

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        county = database(folder / "盘山县.sqlite3")
        township = database(folder / "太平街道.sqlite3")
        with Session(county) as session:
            init_unit(session, "211122")
            create_unit(session, TAIPING, "太平街道", "township", parent_code="211122")
            create_unit(session, "211122101000", "得胜街道", "township", parent_code="211122")
            save_value(session, TAIPING, "cervical_cancer_screening_rate", 2023, "75")
            session.commit()
            write_unit_list(session, "211122", folder / "盘山县_单位名单.tbunits")
        sync_file = folder / "太平街道_2023年交换文件.tbsync"
        with Session(township) as session:
            init_unit(session, TAIPING, name="太平街道")
            for code, value in (("maternal_system_management_rate", "95.5"),
                                ("cervical_cancer_screening_rate", "80")):
                save_value(session, TAIPING, code, 2023, value)
            session.commit()
            export_sync_file(session, TAIPING, range(2023, 2024), sync_file)

        offer = load_offer(county, sync_file)
        assert offer is not None
        save(app, KeyOfferDialog(county, offer), "dialog-key-offer.png", (640, 230))
        with Session(county) as session:
            register_offer(session, offer)
            session.commit()
        with Session(county) as session:
            preview = import_sync_file(session, sync_file, dry_run=True)
            diff = sync_value_diff(session, preview)
        save(app, SyncPreviewDialog(preview, None, diff), "dialog-sync-preview.png", (900, 560))
        save(app, AboutDialog(township), "dialog-about-fingerprint.png", (640, 360))
        county_file = folder / "盘山县.sqlite3"
        backup_now(county_file, "daily")
        with Session(county) as session:
            save_value(session, TAIPING, "cervical_cancer_screening_rate", 2022, "70")
            session.commit()
        backup_now(county_file, "manual")
        save(app, RestoreDialog(county_file), "dialog-backup.png", (1000, 360))
        empty = database(folder / "新乡镇.sqlite3")
        with Session(empty) as session:
            wizard = FirstStartWizard(session)
            wizard.intro.township_radio.setChecked(True)
            wizard.intro.select_plan("211122")
            wizard.next()
            wizard.township.load_unit_list(str(folder / "盘山县_单位名单.tbunits"))
            wizard.township.choose_listed(TAIPING)
            save(app, wizard, "dialog-wizard-unit-list.png", (680, 480))
        for engine in (county, township, empty):
            engine.dispose()


if __name__ == "__main__":
    main()
