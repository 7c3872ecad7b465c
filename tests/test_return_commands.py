"""``tianbao returns issue | export | import | list`` as a county and a township type them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import TAIPING, office, register

from db.figures import save_value
from desktop.cli.main import main


@pytest.fixture
def dbs(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The two database files, keys registered both ways, 太平街道's 2023 figures at both."""
    with (office("taiping", tmp_path, tmp_path_factory) as township,
          office("panshan", tmp_path, tmp_path_factory) as county):
        register(township, county)
        register(county, township)
        for inst in (township, county):
            save_value(inst.session, TAIPING, "live_births", 2023, "118", user="王会计")
            inst.session.commit()
        return {"township": str(township.folder / "taiping.sqlite3"),
                "county": str(county.folder / "panshan.sqlite3")}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_figure_is_returned_written_imported_and_listed_at_both_ends(
        dbs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county, township = dbs["county"], dbs["township"]
    code, out, _ = run(capsys, "--db", county, "returns", "issue", "--unit", TAIPING,
                       "--year", "2023", "--indicator", "live_births", "--reason", "请核实活产数")
    assert code == 0 and "已退回" in out and "活产数：请核实活产数" in out
    file = tmp_path / "退回.tbsync"
    code, out, _ = run(capsys, "--db", county, "returns", "export", "--unit", TAIPING,
                       "--out", str(file))
    assert code == 0 and "退回记录 1 条" in out and file.exists()

    code, out, _ = run(capsys, "--db", township, "returns", "import", str(file), "--dry-run")
    assert code == 0 and "新的退回 1 条" in out and "仅检查" in out
    code, out, _ = run(capsys, "--db", township, "returns", "import", str(file))
    assert code == 0 and "已导入" in out
    code, out, _ = run(capsys, "--db", township, "returns", "list", "--open")
    assert code == 0 and "上级退回本单位的（1 条）" in out and "请核实活产数" in out
    code, out, _ = run(capsys, "--db", county, "returns", "list")
    assert code == 0 and "本单位发出的退回（1 条）" in out and "已更正 0/1" in out


def test_refusals_exit_with_one_and_say_why(
        dbs: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county, township = dbs["county"], dbs["township"]
    code, out, err = run(capsys, "--db", county, "returns", "issue", "--unit", TAIPING,
                         "--year", "2023", "--indicator", "no_such_code", "--reason", "x")
    assert code == 1 and out == "" and "no_such_code" in err
    code, _, err = run(capsys, "--db", county, "returns", "export", "--unit", TAIPING,
                       "--out", str(tmp_path / "x.tbsync"))
    assert code == 1 and "没有退回给单位" in err
    # A figures file is not a returns file: the message names the right command.
    figures = tmp_path / "figures.tbsync"
    assert run(capsys, "--db", township, "sync", "export", "--unit", TAIPING, "--years",
               "2023", "--out", str(figures))[0] == 0
    code, _, err = run(capsys, "--db", county, "returns", "import", str(figures))
    assert code == 1 and "tianbao sync import" in err
