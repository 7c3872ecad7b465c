"""Backups made before imports: only an import that writes makes one, and rotation keeps the
newest of every kind (issue 11, item 2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from db.backup import KEEP, backup_now, list_backups, rotate
from db.catalogue import ensure_catalogue
from db.figures import save_value
from db.storage import prepare_database
from desktop.cli.main import main
from tests.demo_county import TAIPING, add_demo_county


@pytest.fixture
def county(db_path: Path) -> Path:
    prepared = prepare_database(f"sqlite:///{db_path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        add_demo_county(session)
        assert save_value(session, TAIPING, "maternal_deaths", 2024, "3").ok
        session.commit()
    prepared.engine.dispose()
    return db_path


def test_refused_csv_imports_leave_the_backup_of_the_last_real_import_alone(
    county: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    good = county.with_name("good.csv")
    good.write_text(f"unit,code,year,value\n{TAIPING},maternal_deaths,2025,1\n", encoding="utf-8")
    bad = county.with_name("bad.csv")
    bad.write_text(f"unit,code,year,value\n{TAIPING},no_such_indicator,2025,1\n",
                   encoding="utf-8")
    assert main(["--db", str(county), "values", "import", str(good)]) == 0
    (before_real_import,) = list_backups(county)
    for _ in range(KEEP["import"] + 1):
        assert main(["--db", str(county), "values", "import", str(bad)]) == 1
    capsys.readouterr()
    assert [b.path for b in list_backups(county)] == [before_real_import.path]


def test_an_import_that_changes_nothing_makes_no_backup(county: Path) -> None:
    same = county.with_name("same.csv")
    same.write_text(f"unit,code,year,value\n{TAIPING},maternal_deaths,2024,3\n",
                    encoding="utf-8")
    assert main(["--db", str(county), "values", "import", str(same)]) == 0
    assert list_backups(county) == []


def test_rotation_never_drops_the_newest_backup_of_a_kind(
    county: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    moment = datetime(2025, 3, 14, 8, 30, 12)
    for hours in range(3):
        backup_now(county, "import", now=moment + timedelta(hours=hours))
    backup_now(county, "daily", now=moment)
    monkeypatch.setitem(KEEP, "import", 0)  # even a mistaken setting keeps one
    rotate(county, "import")
    left = {(b.reason, b.taken_at) for b in list_backups(county)}
    assert left == {("import", moment + timedelta(hours=2)), ("daily", moment)}
