"""`tianbao evaluate` and `tianbao demo` as a county office runs them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import DataValue
from db.storage import prepare_database, resolve_database_url
from desktop.cli.main import main


def _figures_digest(path: Path) -> str:
    engine = prepare_database(resolve_database_url(str(path))).engine
    with Session(engine) as session:
        rows = session.execute(select(DataValue.unit_code, DataValue.indicator_code,
                                      DataValue.year, DataValue.disaggregation, DataValue.value)
                               .order_by(DataValue.unit_code, DataValue.indicator_code,
                                         DataValue.year, DataValue.disaggregation)).all()
    engine.dispose()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_same_seed_gives_the_same_demo_database(tmp_path: Path) -> None:
    args = ["demo", "--unit", "211122", "--townships", "3", "--years", "2020-2023", "--seed", "5"]
    assert main(["--db", str(tmp_path / "a.sqlite3"), *args]) == 0
    assert main(["--db", str(tmp_path / "b.sqlite3"), *args]) == 0
    assert main(["--db", str(tmp_path / "b.sqlite3"), *args]) == 0  # run twice: same figures
    assert _figures_digest(tmp_path / "a.sqlite3") == _figures_digest(tmp_path / "b.sqlite3")


def test_evaluate_prints_one_object_per_target_of_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "county.sqlite3")
    main(["--db", db, "demo", "--unit", "211122", "--townships", "4", "--years", "2020-2025"])
    capsys.readouterr()
    assert main(["--db", db, "evaluate", "--unit", "211122", "--year", "2025",
                 "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    main(["--db", db, "catalogue", "export", "--format", "json"])
    catalogue = json.loads(capsys.readouterr().out)
    plan_targets = {t["id"] for t in catalogue["targets"] if t["plan"] == "211122"}
    assert {r["target"] for r in results} == plan_targets
    for r in results:
        assert r["status"] in {"met", "not_met", "at_risk", "no_data", "not_applicable"}
        assert r["reason"]
        assert set(r) >= {"target", "indicator", "goal", "domain", "value", "projected",
                          "warnings", "contributing_units", "missing_units"}
    mmr = next(r for r in results if r["target"] == "211122-health-2-2")
    assert len(mmr["contributing_units"]) == 4  # pooled from the four townships' counts


def test_evaluating_a_unit_that_is_not_there_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", str(tmp_path / "x.sqlite3"), "evaluate", "--unit", "999999",
                 "--year", "2024"])
    assert code != 0
    assert "999999" in capsys.readouterr().err


def test_a_year_range_outside_the_plan_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--db", str(tmp_path / "x.sqlite3"), "demo", "--unit", "211122",
              "--years", "2019-2025"])


def test_init_add_a_township_and_import_its_figures_from_gbk_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "zhenyuan.sqlite3")
    assert main(["--db", db, "init", "--unit", "621027"]) == 0
    assert main(["--db", db, "units", "add", "--code", "621027100000", "--name", "城关镇",
                 "--parent", "621027"]) == 0
    csv = tmp_path / "figures.csv"
    csv.write_bytes("unit,code,year,sex,value,comment\n"
                    "621027100000,live_births,2023,,812,来自妇幼年报\n"
                    "621027100000,maternal_deaths,2023,,0,\n".encode("gbk"))
    assert main(["--db", db, "values", "import", str(csv)]) == 0
    capsys.readouterr()
    main(["--db", db, "evaluate", "--unit", "621027", "--year", "2023", "--format", "json"])
    mmr = next(r for r in json.loads(capsys.readouterr().out)
               if r["indicator"] == "maternal_mortality_ratio")
    assert (mmr["value"], mmr["status"]) == (0, "met")
    assert mmr["contributing_units"] == ["621027100000"]


def test_a_csv_with_one_bad_row_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "zhenyuan.sqlite3")
    main(["--db", db, "init", "--unit", "621027"])
    csv = tmp_path / "figures.csv"
    csv.write_text("unit,code,year,sex,value,comment\n621027,health_literacy,2023,,31.5,\n"
                   "621027,health_literacy,2024,,abc,\n", encoding="utf-8")
    assert main(["--db", db, "values", "import", str(csv)]) == 1
    assert "第3行" in capsys.readouterr().out
    assert _figures_digest(tmp_path / "zhenyuan.sqlite3") == hashlib.sha256(b"[]").hexdigest()


def test_init_makes_the_signing_key_and_shows_its_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "k.sqlite3")
    assert main(["--db", db, "init", "--unit", "621027"]) == 0
    printed = capsys.readouterr().out
    assert main(["--db", db, "keys", "show"]) == 0
    shown = capsys.readouterr().out
    fingerprint = printed.split("本机密钥指纹：")[1].strip()
    assert len(fingerprint.replace(" ", "")) == 30 and fingerprint in shown
