"""不适用 and 待核实 travel in signed sync files between two real SQLite databases, and a file
written before kinds existed still reads as numbers (db/sync, docs/sync-format.md)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session
from sync_helpers import DESHENG, PANSHAN, TAIPING, Installation, figures, office_fixture, register

from db.evaluation import Evaluator
from db.figures import find_value, save_value
from db.import_preview import sync_value_diff
from db.sync.export import export_sync_file
from db.sync.format import schema_errors
from db.sync.import_ import import_sync_file, preview_sync_file

township = office_fixture("taiping")
county = office_fixture("panshan")


def send(sender: Installation, name: str = "file.tbsync") -> Path:
    path = sender.folder / name
    export_sync_file(sender.session, TAIPING, range(2020, 2026), path)
    return path


def payload_records(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("payload.json"))["dataValues"]


def enter(session: Session, values: dict[str, str]) -> None:
    for code, text in values.items():
        assert save_value(session, TAIPING, code, 2023, text, user="王会计").ok, code
    session.commit()


def test_all_four_answers_survive_a_round_trip_and_evaluate_the_same(
        township: Installation, county: Installation) -> None:
    enter(township.session, {"live_births": "不适用", "maternal_deaths": "1（待核实）",
                             "women_20_64": "待核实", "mothers_system_managed": "0"})
    register(township, county)
    path = send(township)
    records = {r["dataElement"]: r for r in payload_records(path)}
    assert records["live_births"]["kind"] == "not_applicable"
    assert records["live_births"]["value"] == ""
    assert (records["maternal_deaths"]["kind"], records["maternal_deaths"]["value"]) == (
        "pending", "1")
    assert records["women_20_64"]["kind"] == "pending"
    assert "kind" not in records["mothers_system_managed"]  # a number is written as before
    for record in records.values():  # the format's documented schema holds them all
        assert schema_errors(record, "syncDataValue") == []
    assert schema_errors({**records["live_births"], "kind": "unknown"}, "syncDataValue")

    preview = preview_sync_file(county.session, path)
    assert not preview.refused and preview.figures[TAIPING].new == 4
    shown = {row.code: row.new for row in sync_value_diff(county.session, preview).rows}
    assert shown["live_births"] == "不适用" and shown["maternal_deaths"] == "1（待核实）"
    assert shown["women_20_64"] == "待核实" and shown["mothers_system_managed"] == 0
    assert import_sync_file(county.session, path, user="县统计员").applied
    assert figures(county.session) == figures(township.session)
    received = find_value(county.session, TAIPING, "live_births", 2023)
    assert received is not None and (received.kind, received.value) == ("not_applicable", None)

    def verdicts(session: Session) -> list[tuple[str, str, bool]]:
        return [(r.target, r.status, r.pending)
                for r in Evaluator(session, TAIPING).evaluate(TAIPING, 2023)]

    assert verdicts(county.session) == verdicts(township.session)
    again = import_sync_file(county.session, path)
    assert again.totals.new == again.totals.changed == 0


def test_a_confirmed_figure_replaces_the_queried_one_at_the_county(
        township: Installation, county: Installation) -> None:
    enter(township.session, {"live_births": "118?"})
    register(township, county)
    import_sync_file(county.session, send(township, "first.tbsync"))
    enter(township.session, {"live_births": "118"})
    result = import_sync_file(county.session, send(township, "second.tbsync"))
    assert result.applied and result.totals.changed == 1
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and (stored.kind, stored.value) == ("number", 118.0)


def test_a_file_without_kinds_reads_as_numbers(township: Installation,
                                               county: Installation) -> None:
    enter(township.session, {"live_births": "118"})
    register(township, county)
    path = send(township)
    assert all("kind" not in r for r in payload_records(path))
    assert import_sync_file(county.session, path).applied
    stored = find_value(county.session, TAIPING, "live_births", 2023)
    assert stored is not None and (stored.kind, stored.value) == ("number", 118.0)


def test_a_township_not_applicable_is_not_missing_at_the_county(
        township: Installation, county: Installation) -> None:
    enter(township.session, {"maternal_deaths": "不适用", "live_births": "不适用"})
    register(township, county)
    import_sync_file(county.session, send(township))
    for code, text in (("maternal_deaths", "0"), ("live_births", "2000")):
        assert save_value(county.session, DESHENG, code, 2023, text).ok
    county.session.commit()
    pooled = Evaluator(county.session, PANSHAN).index.pooled(PANSHAN, "maternal_deaths", 2023)
    assert pooled is not None and TAIPING not in pooled.missing + pooled.reported


def test_a_dhis2_file_writes_not_applicable_as_minus_two(county: Installation,
                                                         tmp_path: Path) -> None:
    from db.sync.dhis2 import import_dhis2_file

    path = tmp_path / "dhis2.json"
    path.write_text(json.dumps({"period": "2023", "orgUnit": TAIPING, "dataValues": [
        {"dataElement": "live_births", "categoryOptionCombo": "default", "value": "-2"},
        {"dataElement": "maternal_deaths", "categoryOptionCombo": "default", "value": "0"},
    ]}), encoding="utf-8")
    assert import_dhis2_file(county.session, path).applied
    births = find_value(county.session, TAIPING, "live_births", 2023)
    deaths = find_value(county.session, TAIPING, "maternal_deaths", 2023)
    assert births is not None and (births.kind, births.value) == ("not_applicable", None)
    assert deaths is not None and (deaths.kind, deaths.value) == ("number", 0.0)


def test_an_unknown_kind_is_refused_naming_it(county: Installation, tmp_path: Path) -> None:
    from db.sync.dhis2 import import_dhis2_file

    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"period": "2023", "orgUnit": TAIPING, "dataValues": [
        {"dataElement": "live_births", "categoryOptionCombo": "default", "value": "5",
         "kind": "estimated"}]}), encoding="utf-8")
    preview = import_dhis2_file(county.session, path)
    messages = [f.message for found in preview.report.findings.values() for f in found]
    assert preview.refused and "estimated" in messages[0] and "数据类别" in messages[0]
    assert find_value(county.session, TAIPING, "live_births", 2023) is None
