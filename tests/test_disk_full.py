"""A full disk loses nothing and shows no traceback: restore, imports, exports (issue 11).

The database lives on a real 4 MB file system (tests/small_disk.py) that is then filled up.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from small_disk import fill, free_space, small_disk  # noqa: F401  (a fixture)
from sqlalchemy.orm import Session

from db.backup import BackupError, backup_now, list_backups, restore
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import prepare_database
from tests.demo_county import PANSHAN, TAIPING, add_demo_county


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures(path: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT unit_code, indicator_code, year, value FROM data_value ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        connection.close()


def tianbao(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          stdin=subprocess.DEVNULL)


def settle(path: Path) -> None:
    """Fold the WAL into the main file, so the file alone is the database (as after a close)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


@pytest.fixture
def county(small_disk: Path) -> Iterator[Path]:  # noqa: F811
    """The demo county with one figure on the small disk, and a backup taken with two more."""
    path = small_disk / "tianbao.sqlite3"
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        assert save_value(session, TAIPING, "live_births", 2024, "1200").ok
        session.commit()
        backup_now(path, "manual")
        assert save_value(session, PANSHAN, "maternal_deaths", 2024, "1").ok
        session.commit()
    prepared.engine.dispose()
    settle(path)
    return path


@pytest.mark.parametrize("estimate_wrong", [False, True],
                         ids=["refused-before-copying", "runs-out-midway"])
def test_restore_on_a_nearly_full_disk_refuses_and_leaves_the_database_as_it_was(
    county: Path, monkeypatch: pytest.MonkeyPatch, estimate_wrong: bool,
) -> None:
    if estimate_wrong:
        # The free-space estimate is only a first guard: if it is wrong, the copies themselves
        # fail, and the database is still left as it was.
        monkeypatch.setattr("db.backup.free_bytes", lambda _folder: 10**12)
    (backup,) = list_backups(county)
    before = digest(county)
    fill(county.parent, leave=64 * 1024)
    with pytest.raises(BackupError) as refused:
        restore(backup.path, county)
    assert "磁盘空间不足" in str(refused.value)
    assert "未作任何改动" in str(refused.value)
    assert digest(county) == before
    assert len(figures(county)) == 3
    assert [b.reason for b in list_backups(county)] == ["manual"]  # no half copy left


def test_a_damaged_database_on_a_full_disk_stays_where_it_is(county: Path) -> None:
    (backup,) = list_backups(county)
    damaged = b"\x00garbage" * 20000
    county.write_bytes(damaged)
    fill(county.parent, leave=32 * 1024)
    with pytest.raises(BackupError, match="磁盘空间不足"):
        restore(backup.path, county)
    assert county.read_bytes() == damaged


def test_the_restore_command_on_a_full_disk_says_so_plainly(county: Path) -> None:
    (backup,) = list_backups(county)
    before = digest(county)
    fill(county.parent, leave=64 * 1024)
    done = tianbao("restore", str(backup.path), "--yes", db=county)
    assert done.returncode == 1
    assert "磁盘空间不足" in done.stderr and "Traceback" not in done.stderr
    assert digest(county) == before


def test_restore_with_room_enough_still_works(county: Path) -> None:
    (backup,) = list_backups(county)
    result = restore(backup.path, county)
    assert len(figures(county)) == 2
    assert result.saved_current is not None and len(figures(result.saved_current)) == 3


# ---------------------------------------------------------------------------- imports and exports


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A county database (太平街道's key registered) and one file of each kind to import into it,
    made on an ordinary disk."""
    from openpyxl import load_workbook

    from reports.excel.template import COLUMN_NUMBER, DATA_SHEET, FIRST_DATA_ROW, build_template
    from tests.sync_helpers import TAIPING as TOWNSHIP
    from tests.sync_helpers import registered_pair

    folder = tmp_path_factory.mktemp("inputs")
    made: dict[str, Path] = {}
    with registered_pair(folder, tmp_path_factory) as (township, county):
        for year in (2022, 2023, 2024):
            assert save_value(township.session, TOWNSHIP, "live_births", year, "1200").ok
            assert save_value(township.session, TOWNSHIP, "maternal_deaths", year, "1").ok
        township.session.commit()
        made["sync"] = folder / "太平街道.tbsync"
        township_db = township.engine.url.database
        county_db = Path(str(county.engine.url.database))
        build_template(county.session, TOWNSHIP, 2024, folder / "模板.xlsx")
        county.session.commit()
    from desktop.cli.main import main

    assert main(["--db", str(township_db), "sync", "export", "--unit", TOWNSHIP, "--years",
                 "2021-2025", "--out", str(made["sync"])]) == 0
    made["excel"] = folder / "已填写.xlsx"
    workbook = load_workbook(folder / "模板.xlsx")
    sheet = workbook[DATA_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        code = sheet.cell(row, COLUMN_NUMBER["key_code"]).value
        if code in ("live_births", "maternal_deaths"):
            sheet.cell(row, COLUMN_NUMBER["value"]).value = 1300 if code == "live_births" else 2
    workbook.save(made["excel"])
    made["csv"] = folder / "figures.csv"
    made["csv"].write_text("unit,code,year,value\n" + "".join(
        f"{TOWNSHIP},live_births,{year},{1000 + year}\n" for year in range(2021, 2026)),
        encoding="utf-8")
    made["county"] = county_db
    return made


@pytest.fixture
def full_county(inputs: dict[str, Path], small_disk: Path) -> Path:  # noqa: F811
    """The county's database alone on a small disk that is then filled to the last byte."""
    path = small_disk / "tianbao.sqlite3"
    path.write_bytes(inputs["county"].read_bytes())
    settle(path)
    fill(small_disk)
    return path


def plain(done: subprocess.CompletedProcess[str]) -> None:
    """A refusal a clerk can read: exit 1 or 2, the disk named, no traceback anywhere."""
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert "磁盘空间不足" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "database or disk is full" not in done.stderr


@pytest.mark.parametrize("command", [
    ["values", "import", "{csv}"],
    ["excel", "import", "{excel}"],
    ["sync", "import", "{sync}"],
])
def test_an_import_onto_a_full_disk_says_so_and_changes_nothing(
    inputs: dict[str, Path], full_county: Path, command: list[str],
) -> None:
    before = digest(full_county)
    args = [part.format(**{k: str(v) for k, v in inputs.items()}) for part in command]
    plain(tianbao(*args, db=full_county))
    assert digest(full_county) == before


@pytest.mark.parametrize(("command", "name"), [
    (["excel", "template", "--unit", PANSHAN, "--year", "2024"], "模板.xlsx"),
    (["excel", "tables", "--unit", PANSHAN, "--years", "2022-2024"], "统计表.xlsx"),
    (["report", "--unit", PANSHAN, "--year", "2024"], "报告.pdf"),
    (["sync", "export", "--unit", PANSHAN, "--years", "2022-2024", "--to", "211100"],
     "盘山县.tbsync"),
    (["keys", "export"], "盘山县.tbkey"),
])
def test_an_export_onto_a_full_disk_says_so_without_a_stray_traceback(
    inputs: dict[str, Path], small_disk: Path, command: list[str], name: str,  # noqa: F811
) -> None:
    before = digest(inputs["county"])
    fill(small_disk)
    out = small_disk / name
    plain(tianbao(*command, "--out", str(out), db=inputs["county"]))
    assert not out.exists()
    assert digest(inputs["county"]) == before


def test_the_restore_dialog_on_a_full_disk_says_so_and_changes_nothing(
    county: Path, qtbot: object, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.restore_dialog import RestoreDialog

    shown: list[str] = []
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _parent, _title, text, *_a, **_k: shown.append(text))
    before = digest(county)
    dialog = RestoreDialog(county)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.table.selectRow(0)
    monkeypatch.setattr(dialog, "confirm", lambda _info: True)
    fill(county.parent, leave=64 * 1024)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)  # type: ignore[attr-defined]
    assert "磁盘空间不足" in shown[0] and "未作任何改动" in shown[0]
    assert dialog.result_of_restore is None
    assert digest(county) == before
