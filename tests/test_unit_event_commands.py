"""``tianbao units list/rename/deactivate/merge/split`` on a real SQLite file, as a clerk types
them (desktop/unit_event_commands.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import OrgUnit, UnitEvent
from db.storage import prepare_database
from desktop.cli.main import main

PANSHAN = "211122"
TAIPING, DESHENG, CHENJIA = "211122100000", "211122101000", "211122102000"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "county.sqlite3")
    assert main(["--db", path, "init", "--unit", PANSHAN]) == 0
    for code, name in ((TAIPING, "太平街道"), (DESHENG, "得胜街道"), (CHENJIA, "陈家乡")):
        assert main(["--db", path, "units", "add", "--code", code, "--name", name,
                     "--parent", PANSHAN]) == 0
    return path


def units(db: str) -> dict[str, tuple[str, int | None, int | None, bool]]:
    engine = prepare_database(f"sqlite:///{db}").engine
    try:
        with Session(engine) as session:
            return {u.code: (u.name, u.valid_from, u.valid_to, u.active)
                    for u in session.scalars(select(OrgUnit).where(OrgUnit.level == "township"))}
    finally:
        engine.dispose()


def test_merge_rename_and_list_by_year(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "units", "merge", "--from", TAIPING, "--from", DESHENG,
                 "--into", "211122103000", "--name", "太平新城", "--year", "2023",
                 "--reason", "撤乡并镇"]) == 0
    out = capsys.readouterr().out
    assert "已记录：2023年起 合并：太平街道（211122100000）、得胜街道（211122101000） → " \
           "太平新城（211122103000）（撤乡并镇）" in out
    assert main(["--db", db, "units", "rename", "--code", CHENJIA, "--name", "陈家镇",
                 "--year", "2024"]) == 0
    capsys.readouterr()

    assert main(["--db", db, "units", "list", "--year", "2022"]) == 0
    out = capsys.readouterr().out
    assert "盘山县（211122）2022年的下级单位：3个" in out
    assert f"{TAIPING}\t太平街道" in out and f"{CHENJIA}\t陈家乡" in out

    assert main(["--db", db, "units", "list", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024年的下级单位：2个" in out
    assert f"{CHENJIA}\t陈家镇" in out and "211122103000\t太平新城" in out
    assert TAIPING not in out.split("区划变更")[0]

    assert main(["--db", db, "units", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{TAIPING}\t太平街道\t2021—2022年" in out
    assert "211122103000\t太平新城\t2023年起" in out
    assert "2024年起 更名：陈家乡（211122102000） → 陈家镇" in out


def test_deactivate_from_a_year_keeps_the_years_before(db: str) -> None:
    assert main(["--db", db, "units", "deactivate", "--code", CHENJIA, "--from-year", "2025",
                 "--reason", "撤销建制"]) == 0
    assert units(db)[CHENJIA] == ("陈家乡", None, 2024, False)


def test_split_into_two_new_streets(db: str) -> None:
    assert main(["--db", db, "units", "split", "--from", CHENJIA,
                 "--into", "211122104000=东陈街道", "--into", "211122105000=西陈街道",
                 "--year", "2024"]) == 0
    found = units(db)
    assert found[CHENJIA][2] == 2023
    assert found["211122104000"] == ("东陈街道", 2024, None, True)
    assert found["211122105000"] == ("西陈街道", 2024, None, True)


def test_a_refused_change_says_why_and_changes_nothing(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = units(db)
    assert main(["--db", db, "units", "merge", "--from", TAIPING, "--into", "211122103000",
                 "--year", "2023"]) == 1
    assert "合并至少需要两个单位" in capsys.readouterr().err
    assert main(["--db", db, "units", "merge", "--from", TAIPING, "--from", DESHENG,
                 "--into", "211122103000", "--year", "2023"]) == 1
    assert "请填写新单位 211122103000 的名称" in capsys.readouterr().err
    assert main(["--db", db, "units", "rename", "--code", "211122999000", "--name", "某镇",
                 "--year", "2024"]) == 1
    assert "没有代码为 211122999000 的单位" in capsys.readouterr().err
    assert units(db) == before
    engine = prepare_database(f"sqlite:///{db}").engine
    with Session(engine) as session:
        assert session.scalars(select(UnitEvent)).all() == []
    engine.dispose()
