"""``tianbao sync | keys | catalogue publish/import`` as a clerk types them
(desktop/cli/sync_commands.py): exit code 0 when done, 1 with the reason on stderr when refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sync_helpers import DESHENG, PANSHAN, TAIPING, new_installation

from desktop.cli.main import main


@pytest.fixture
def offices(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A township's, its county's and the city's database files, set up by the commands."""
    dbs = {}
    for name in ("township", "county", "city"):
        inst = new_installation(name, tmp_path, tmp_path_factory)
        inst.close()
        dbs[name] = str(tmp_path / f"{name}.sqlite3")
    assert main(["--db", dbs["township"], "init", "--unit", TAIPING, "--name", "太平街道"]) == 0
    assert main(["--db", dbs["county"], "init", "--unit", PANSHAN]) == 0
    for code, name in ((TAIPING, "太平街道"), (DESHENG, "得胜街道")):
        assert main(["--db", dbs["county"], "units", "add", "--code", code, "--name", name,
                     "--parent", PANSHAN]) == 0
    assert main(["--db", dbs["city"], "init", "--unit", "211100", "--name", "盘锦市",
                 "--level", "city"]) == 0
    assert main(["--db", dbs["city"], "units", "add", "--code", PANSHAN, "--name", "盘山县",
                 "--parent", "211100", "--level", "county"]) == 0
    return dbs


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_township_registers_exports_and_the_county_imports(
        offices: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    township, county = offices["township"], offices["county"]
    code, out, _ = run(capsys, "--db", township, "keys", "show")
    assert code == 0 and "本机密钥指纹" in out
    fingerprint = out.split("：", 1)[1].strip()
    assert run(capsys, "--db", township, "demo", "--unit", PANSHAN, "--townships", "1",
               "--years", "2021-2022")[0] == 0
    key = tmp_path / "太平街道.tbkey"
    code, out, _ = run(capsys, "--db", township, "keys", "export", "--out", str(key))
    assert code == 0 and fingerprint in out
    code, out, _ = run(capsys, "--db", county, "keys", "register", str(key),
                       "--fingerprint", fingerprint.replace(" ", ""))
    assert code == 0 and "已登记" in out

    file = tmp_path / "太平街道.tbsync"
    code, out, _ = run(capsys, "--db", township, "sync", "export", "--unit", TAIPING,
                       "--years", "2021-2025", "--out", str(file))
    assert code == 0 and "已导出" in out and file.exists()
    code, out, _ = run(capsys, "--db", county, "sync", "import", str(file), "--dry-run")
    assert code == 0 and "试导入" in out and "太平街道（211122100000）" in out
    code, out, _ = run(capsys, "--db", county, "sync", "import", str(file))
    assert code == 0 and "已导入" in out
    code, out, _ = run(capsys, "--db", county, "sync", "import", str(file))
    assert code == 0 and "已于" in out and "没有需要导入的变化" in out


def test_refusals_exit_with_one_and_say_why_on_stderr(
        offices: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    township, county = offices["township"], offices["county"]
    file = tmp_path / "x.tbsync"
    assert run(capsys, "--db", township, "sync", "export", "--unit", TAIPING, "--years",
               "2023", "--out", str(file))[0] == 0
    code, out, err = run(capsys, "--db", county, "sync", "import", str(file))
    assert code == 1 and out == "" and "未在本机登记" in err
    code, _, err = run(capsys, "--db", township, "sync", "export", "--unit", PANSHAN,
                       "--years", "2023", "--out", str(file))
    assert code == 1 and "只能导出本单位" in err
    fake = tmp_path / "fake.tbsync"
    fake.write_bytes(b"%PDF-1.7")
    code, _, err = run(capsys, "--db", county, "sync", "import", str(fake))
    assert code == 1 and "改了扩展名" in err
    code, _, err = run(capsys, "--db", county, "keys", "register", str(fake))
    assert code == 1 and "不是密钥登记文件" in err
    code, _, err = run(capsys, "--db", county, "catalogue", "import", str(file))
    assert code == 1 and "拒绝导入" in err


def test_the_city_publishes_a_catalogue_update_and_the_county_imports_it(
        offices: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city, county = offices["city"], offices["county"]
    key = tmp_path / "city.tbkey"
    assert run(capsys, "--db", city, "keys", "export", "--out", str(key))[0] == 0
    assert run(capsys, "--db", county, "keys", "register", str(key))[0] == 0
    update = tmp_path / "catalogue.tbsync"
    code, out, _ = run(capsys, "--db", city, "catalogue", "publish", "--out", str(update))
    assert code == 0 and "已发布" in out
    code, out, _ = run(capsys, "--db", county, "catalogue", "import", str(update), "--dry-run")
    assert code == 0 and "已是该目录版本" in out  # same shipped catalogue on both


def test_a_dhis2_file_is_imported_with_the_dhis2_option(
        offices: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county = offices["county"]
    source = Path(__file__).parent / "data" / "dhis2_datavalueset.json"
    file = tmp_path / "dhis2.json"
    shutil.copyfile(source, file)
    code, _, err = run(capsys, "--db", county, "sync", "import", str(file))
    assert code == 1 and "--dhis2" in err
    code, out, _ = run(capsys, "--db", county, "sync", "import", str(file), "--dhis2")
    assert code == 0 and "DHIS2" in out and "已导入" in out
