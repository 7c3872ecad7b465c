"""Organisational units (db/units.py) on real SQLite files with the shipped catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_county import (
    CHENJIA,
    DESHENG,
    PANJIN,
    PANSHAN,
    TAIPING,
    add_demo_county,
    audit_count,
    open_session,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.figures import history, save_value
from db.models import AuditEntry, OrgUnit
from db.units import (
    UnitError,
    children,
    create_unit,
    deactivate_unit,
    home_unit_code,
    init_unit,
    plan_for_unit,
    reactivate_unit,
    rename_unit,
    subtree_codes,
)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    yield from open_session(tmp_path)


@pytest.fixture
def county(session: Session) -> Session:
    add_demo_county(session)
    return session


# ------------------------------------------------------------------------ init --unit


def test_init_with_a_plan_code_takes_name_level_and_parent_from_the_plan(
    session: Session,
) -> None:
    unit = init_unit(session, PANSHAN, user="县妇儿工委办")
    assert (unit.name, unit.level, unit.plan_code, unit.parent_code) == (
        "盘山县", "county", PANSHAN, PANJIN)
    parent = session.get(OrgUnit, PANJIN)
    assert parent is not None
    assert (parent.name, parent.level, parent.plan_code) == ("盘锦市", "city", None)
    assert home_unit_code(session) == PANSHAN


def test_init_for_a_city_plan_adds_its_province_as_the_parent(session: Session) -> None:
    unit = init_unit(session, "371500")
    assert (unit.name, unit.level) == ("聊城市", "city")
    province = session.get(OrgUnit, "370000")
    assert province is not None and (province.name, province.level) == ("山东省", "province")


@pytest.mark.parametrize(("code", "name"), [("210203", "西岗区"), ("440783", "开平市")])
def test_districts_and_county_level_cities_are_county_level_units(
    session: Session, code: str, name: str
) -> None:
    unit = init_unit(session, code)
    assert (unit.name, unit.level, unit.plan_code) == (name, "county", code)


def test_running_init_again_changes_nothing(session: Session) -> None:
    init_unit(session, PANSHAN)
    entries = audit_count(session)
    init_unit(session, PANSHAN)
    assert audit_count(session) == entries
    assert len(session.scalars(select(OrgUnit)).all()) == 2


def test_init_refuses_a_parent_other_than_the_plans(session: Session) -> None:
    create_unit(session, "210200", "大连市", "city")
    with pytest.raises(UnitError, match="盘锦市"):
        init_unit(session, PANSHAN, parent_code="210200")


def test_a_township_installation_gets_its_county_from_the_plan_and_follows_its_plan(
    session: Session,
) -> None:
    unit = init_unit(session, TAIPING, name="太平街道")
    assert (unit.level, unit.parent_code, unit.plan_code) == ("township", PANSHAN, None)
    assert plan_for_unit(session, TAIPING) == PANSHAN
    assert home_unit_code(session) == TAIPING
    assert subtree_codes(session, PANJIN) == [PANJIN, PANSHAN, TAIPING]


def test_a_township_without_a_known_county_asks_for_one(session: Session) -> None:
    with pytest.raises(UnitError, match="所属的县"):
        init_unit(session, "110101001000", name="东华门街道")
    create_unit(session, "110101", "东城区", "county")
    unit = init_unit(session, "110101001000", name="东华门街道")
    assert unit.parent_code == "110101"
    assert plan_for_unit(session, unit.code) is None  # no plan in the catalogue covers it


def test_a_code_without_a_plan_needs_a_name(session: Session) -> None:
    with pytest.raises(UnitError, match="名称"):
        init_unit(session, "110101")
    assert init_unit(session, "110101", name="东城区").level == "county"


def test_init_can_switch_the_home_unit_and_logs_it(county: Session) -> None:
    init_unit(county, TAIPING)
    assert home_unit_code(county) == TAIPING
    entry = county.scalars(select(AuditEntry).where(AuditEntry.entity == "meta")
                           .order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.before, entry.after) == ({"value": PANSHAN}, {"value": TAIPING})


# ------------------------------------------------------------------------ create_unit


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("21112", "county"),
        ("2111220", "county"),
        ("21112a", "county"),
        ("211122100000", "county"),  # a township's code for a county
        ("211122", "township"),  # a county's code for a township
        ("21112210000", "township"),
        ("２１１１２２１０００", "township"),
        ("٢١١١٢٢", "county"),  # digits of another script are not a division code
    ],
)
def test_codes_must_be_six_or_twelve_digits_by_level(
    county: Session, code: str, level: str
) -> None:
    with pytest.raises(UnitError, match="位"):
        create_unit(county, code, "某单位", level, parent_code=PANSHAN)


def test_a_township_must_have_a_county(session: Session) -> None:
    with pytest.raises(UnitError, match="必须有所属"):
        create_unit(session, TAIPING, "太平街道", "township")


def test_the_parent_must_exist(session: Session) -> None:
    with pytest.raises(UnitError, match="不存在"):
        create_unit(session, TAIPING, "太平街道", "township", parent_code=PANSHAN)


def test_a_parent_must_rank_above_its_child(county: Session) -> None:
    with pytest.raises(UnitError, match="不能作为"):
        create_unit(county, "211123", "某县", "county", parent_code=PANSHAN)


def test_a_code_already_in_use_is_refused_and_names_the_unit(county: Session) -> None:
    with pytest.raises(UnitError, match="太平街道"):
        create_unit(county, TAIPING, "太平镇", "township", parent_code=PANSHAN)


def test_unknown_level_and_empty_name_are_refused(county: Session) -> None:
    with pytest.raises(UnitError, match="级别"):
        create_unit(county, "211123", "某县", "district", parent_code=PANJIN)
    with pytest.raises(UnitError, match="名称"):
        create_unit(county, "211123", "  ", "county", parent_code=PANJIN)


def test_unit_error_is_a_value_error_with_a_chinese_message() -> None:
    error = UnitError("单位代码无效")
    assert isinstance(error, ValueError) and str(error) == "单位代码无效"


def test_creating_a_unit_is_audited(county: Session) -> None:
    create_unit(county, "211122103000", "坝墙子镇", "township", parent_code=PANSHAN, user="李")
    entry = county.scalars(select(AuditEntry).where(AuditEntry.key == "211122103000")).one()
    assert (entry.action, entry.entity, entry.user) == ("insert", "org_unit", "李")
    assert entry.after is not None and entry.after["name"] == "坝墙子镇"


# ------------------------------------------------------------------------ rename, deactivate


def test_renaming_keeps_code_and_figures_and_is_audited(county: Session) -> None:
    save_value(county, CHENJIA, "live_births", 2022, 118)
    rename_unit(county, CHENJIA, "陈家街道", user="李")
    unit = county.get(OrgUnit, CHENJIA)
    assert unit is not None and unit.name == "陈家街道"
    assert history(county, CHENJIA, "live_births") == {2022: 118}
    entry = county.scalars(select(AuditEntry).where(AuditEntry.key == CHENJIA,
                                                    AuditEntry.action == "update")).one()
    assert entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("陈家镇", "陈家街道")


def test_renaming_to_the_same_name_writes_nothing(county: Session) -> None:
    entries = audit_count(county)
    rename_unit(county, CHENJIA, "陈家镇")
    assert audit_count(county) == entries


def test_a_merged_township_is_deactivated_and_keeps_its_figures(county: Session) -> None:
    save_value(county, DESHENG, "live_births", 2021, 96)
    deactivate_unit(county, DESHENG, user="李")
    assert history(county, DESHENG, "live_births") == {2021: 96}
    assert DESHENG not in subtree_codes(county, PANSHAN)
    assert DESHENG in subtree_codes(county, PANSHAN, include_inactive=True)
    assert [u.code for u in children(county, PANSHAN)] == [TAIPING, CHENJIA]
    assert len(children(county, PANSHAN, include_inactive=True)) == 3
    assert subtree_codes(county, DESHENG) == []
    # Deactivating twice is harmless, and a mistake can be undone.
    deactivate_unit(county, DESHENG)
    reactivate_unit(county, DESHENG)
    assert DESHENG in subtree_codes(county, PANSHAN)


def test_a_deactivated_township_takes_no_new_figures(county: Session) -> None:
    deactivate_unit(county, DESHENG)
    result = save_value(county, DESHENG, "live_births", 2023, 90)
    assert [f.code for f in result.findings] == ["unit_inactive"]


def test_full_width_digits_from_a_chinese_input_method_are_read_as_a_code(
    county: Session,
) -> None:
    unit = create_unit(county, "２１１１２２１０３０００", "坝墙子镇", "township",
                       parent_code="２１１１２２")
    assert (unit.code, unit.parent_code) == ("211122103000", PANSHAN)


def test_a_county_with_townships_in_use_cannot_be_deactivated(county: Session) -> None:
    init_unit(county, TAIPING)  # an installation in the township
    with pytest.raises(UnitError, match="太平街道"):
        deactivate_unit(county, PANSHAN)


def test_the_home_unit_cannot_be_deactivated(session: Session) -> None:
    init_unit(session, TAIPING, name="太平街道")
    with pytest.raises(UnitError, match="本机"):
        deactivate_unit(session, TAIPING)


def test_renaming_an_unknown_unit_is_refused(county: Session) -> None:
    with pytest.raises(UnitError, match="没有代码为 999999"):
        rename_unit(county, "999999", "某县")


# ------------------------------------------------------------------------ the tree


def test_subtree_lists_the_unit_then_everything_below_it(county: Session) -> None:
    assert subtree_codes(county, PANJIN) == [PANJIN, PANSHAN, TAIPING, DESHENG, CHENJIA]
    assert subtree_codes(county, TAIPING) == [TAIPING]


def test_every_township_follows_the_county_plan(county: Session) -> None:
    assert {plan_for_unit(county, c) for c in (TAIPING, DESHENG, CHENJIA)} == {PANSHAN}
    assert plan_for_unit(county, PANJIN) is None  # 盘锦市 has no plan in the catalogue
    assert plan_for_unit(county, "999999") is None


@pytest.mark.parametrize(("code", "name", "reason"), [
    ("211123100000", "邻县的镇", "应以所属县（市、区）的代码 211122 开头"),
    ("211122100001", "某村", "不是乡镇（街道）的"),
    ("211122109000", "名" * 65, "名称过长"),
])
def test_create_unit_refuses_what_the_units_dialog_refuses(
    county: Session, code: str, name: str, reason: str
) -> None:
    """One rule for every path: the command line and an exchange file add units through
    create_unit, which says what the dialog says."""
    with pytest.raises(UnitError, match=reason):
        create_unit(county, code, name, "township", parent_code=PANSHAN)
    assert county.get(OrgUnit, code) is None
