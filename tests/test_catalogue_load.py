"""Loading the catalogue into a real SQLite file: complete, idempotent, versioned, atomic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import catalogue as catalogue_module
from db.catalogue import (
    CatalogueError,
    catalogue_version,
    ensure_catalogue,
    read_catalogue,
    stored_version,
)
from db.catalogue_export import catalogue_as_dict
from db.models import AuditEntry, DataValue, Goal, Indicator, OrgUnit, Plan, Target
from db.storage import prepare_database, resolve_database_url
from resources import CATALOGUE_DIR


@pytest.fixture
def session(db_path: Path) -> Session:
    prepared = prepare_database(resolve_database_url(str(db_path)))
    with Session(prepared.engine) as s:
        yield s
    prepared.engine.dispose()


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, copy)
    return copy


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _edit_plan(directory: Path, code: str, edit) -> None:
    path = directory / f"plan_{code}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_first_load_brings_every_plan_goal_indicator_and_target(session: Session) -> None:
    shipped = read_catalogue()
    assert ensure_catalogue(session) is True
    assert _count(session, Plan) == 5
    assert _count(session, Goal) == sum(len(p.goals) for p in shipped.plans)
    assert _count(session, Target) == sum(1 for _ in shipped.targets())
    assert _count(session, Indicator) == len(shipped.indicators.indicators)
    assert stored_version(session) == catalogue_version()


def test_loading_the_same_catalogue_again_changes_nothing(session: Session) -> None:
    ensure_catalogue(session)
    before = catalogue_as_dict(session)
    assert ensure_catalogue(session) is False
    assert catalogue_as_dict(session) == before
    assert _count(session, AuditEntry) == 1


def test_a_newer_catalogue_updates_targets_and_keeps_every_figure(
    session: Session, catalogue_copy: Path
) -> None:
    ensure_catalogue(session)
    session.add(OrgUnit(code="211122", name="盘山县", level="county", plan_code="211122"))
    session.commit()
    session.add(DataValue(unit_code="211122", indicator_code="maternal_deaths", year=2023,
                          value=2, stored_by="clerk"))
    session.add(DataValue(unit_code="211122", indicator_code="live_births", year=2023,
                          value=4123, stored_by="clerk"))
    session.commit()
    figures_before = [(v.indicator_code, v.year, v.value, v.updated_at)
                      for v in session.scalars(select(DataValue).order_by(DataValue.id))]

    def tighten(data: dict) -> None:
        goal = next(g for g in data["goals"] if g["id"] == "211122-health-2")
        goal["targets"][1]["value"] = 10.0

    _edit_plan(catalogue_copy, "211122", tighten)
    assert ensure_catalogue(session, catalogue_copy) is True
    session.expire_all()
    assert session.get(Target, "211122-health-2-2").value == 10.0
    assert stored_version(session) == catalogue_version(catalogue_copy) != catalogue_version()
    figures_after = [(v.indicator_code, v.year, v.value, v.updated_at)
                     for v in session.scalars(select(DataValue).order_by(DataValue.id))]
    assert figures_after == figures_before


def test_a_malformed_file_names_the_file_the_entry_and_the_problem(catalogue_copy: Path) -> None:
    def break_comparator(data: dict) -> None:
        goal = next(g for g in data["goals"] if g["id"] == "440783-health-2")
        goal["targets"][0]["comparator"] = "≤"

    _edit_plan(catalogue_copy, "440783", break_comparator)
    with pytest.raises(CatalogueError) as raised:
        read_catalogue(catalogue_copy)
    assert raised.value.file == "plan_440783.yaml"
    assert "440783-health-2-1" in raised.value.entry
    assert "comparator" in raised.value.entry


def test_an_unknown_indicator_is_refused_before_anything_is_written(
    session: Session, catalogue_copy: Path
) -> None:
    def misspell(data: dict) -> None:
        data["goals"][1]["targets"][0]["indicator"] = "maternal_mortality_rate_typo"

    _edit_plan(catalogue_copy, "621027", misspell)
    with pytest.raises(CatalogueError, match="未定义的指标 maternal_mortality_rate_typo"):
        ensure_catalogue(session, catalogue_copy)
    assert _count(session, Plan) == 0


def test_a_file_that_is_not_yaml_is_refused(catalogue_copy: Path) -> None:
    (catalogue_copy / "plan_371500.yaml").write_bytes(b"\xff\xfe not yaml: [")
    with pytest.raises(CatalogueError) as raised:
        read_catalogue(catalogue_copy)
    assert raised.value.file == "plan_371500.yaml"


def test_a_load_that_fails_halfway_leaves_nothing_behind(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object) -> None:
        raise OSError("No space left on device")

    # Plans, indicators and goals are already inserted when the targets step fails.
    monkeypatch.setattr(catalogue_module, "_replace_targets", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        ensure_catalogue(session)
    assert _count(session, Plan) == 0
    assert _count(session, Goal) == 0
    assert stored_version(session) is None


def test_export_carries_every_target_field_the_other_commands_use(session: Session) -> None:
    ensure_catalogue(session)
    exported = catalogue_as_dict(session)
    assert set(exported) >= {"plans", "domains", "goals", "indicators", "targets"}
    by_id = {t["id"]: t for t in exported["targets"]}
    mmr = by_id["211122-health-2-2"]
    assert mmr == mmr | {
        "plan": "211122", "domain": "health", "goal": 2, "indicator": "maternal_mortality_ratio",
        "indicator_name": "孕产妇死亡率", "kind": "threshold", "comparator": "<=", "value": 10.5,
        "unit": "1/10万", "year": 2025, "tolerance": None, "baseline_year": None,
        "relative_to": None, "source": "孕产妇死亡率到2025年控制在10.5/10万以下",
    }
    rate = next(i for i in exported["indicators"] if i["code"] == "maternal_mortality_ratio")
    assert (rate["numerator"], rate["denominator"], rate["factor"]) == (
        "maternal_deaths", "live_births", 100000)
    assert set(by_id) == {t.id for _, _, t in read_catalogue().targets()}


def test_figures_follow_their_plan_s_target_when_an_indicator_is_split(
    session: Session, catalogue_copy: Path
) -> None:
    """Version 2 split 农村卫生厕所普及率: 盘山县's clause says 使用率, 开平市's 无害化."""
    from db.catalogue import INDICATOR_FILE_KEY, _set_meta

    ensure_catalogue(session)
    _set_meta(session, INDICATOR_FILE_KEY, "1")  # as a database loaded before the split
    for code, name, plan in (("211122", "盘山县", "211122"), ("440783", "开平市", "440783"),
                             ("621027", "镇原县", "621027")):
        session.add(OrgUnit(code=code, name=name, level="county", plan_code=plan))
    session.add(OrgUnit(code="211122100000", name="某镇", level="township", parent_code="211122"))
    session.commit()
    for unit in ("211122", "211122100000", "440783", "621027"):
        session.add(DataValue(unit_code=unit, indicator_code="rural_sanitary_toilet_rate",
                              year=2022, value=81.5, stored_by="clerk"))
    # 开平市 already entered 2022 under the new indicator: the old figure must not overwrite it.
    session.add(DataValue(unit_code="440783", indicator_code="rural_harmless_toilet_rate",
                          year=2022, value=90.0, stored_by="clerk"))
    session.commit()

    _edit_plan(catalogue_copy, "211122", lambda data: data["plan"].update(title="新版"))
    assert ensure_catalogue(session, catalogue_copy) is True
    session.expire_all()
    where = {(v.unit_code, v.indicator_code): v.value for v in session.scalars(select(DataValue))}
    assert where[("211122", "rural_sanitary_toilet_use_rate")] == 81.5
    assert where[("211122100000", "rural_sanitary_toilet_use_rate")] == 81.5
    assert where[("440783", "rural_harmless_toilet_rate")] == 90.0
    assert where[("440783", "rural_sanitary_toilet_rate")] == 81.5  # kept, not overwritten
    assert where[("621027", "rural_sanitary_toilet_rate")] == 81.5  # 镇原县 tracks 普及率
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "move_figures")).all()
    assert {(a.key, a.after["moved"], a.after["kept"]) for a in audit} == {
        ("rural_sanitary_toilet_rate->rural_sanitary_toilet_use_rate", 2, 0),
        ("rural_sanitary_toilet_rate->rural_harmless_toilet_rate", 0, 1),
    }

    # Once moved, a figure entered later under the old code stays where the clerk put it.
    session.add(DataValue(unit_code="211122", indicator_code="rural_sanitary_toilet_rate",
                          year=2023, value=70.0, stored_by="clerk"))
    session.commit()
    _edit_plan(catalogue_copy, "211122", lambda data: data["plan"].update(title="再版"))
    assert ensure_catalogue(session, catalogue_copy) is True
    assert session.scalar(select(DataValue.indicator_code).where(DataValue.year == 2023)) == \
        "rural_sanitary_toilet_rate"
