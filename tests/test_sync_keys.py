"""Keys (db/sync/keys.py): one per installation, a registration file read back by phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sync_helpers import (
    DESHENG,
    TAIPING,
    Installation,
    new_installation,
    office_fixture,
)

from db.models import RegisteredKey
from db.sync.format import SyncError
from db.sync.keys import (
    ensure_local_key,
    fingerprint_of,
    format_fingerprint,
    read_registration,
    register_key,
    write_registration,
)

township = office_fixture("taiping")
county = office_fixture("panshan")


def test_an_installation_keeps_one_key_whose_fingerprint_is_thirty_digits(
        township: Installation) -> None:
    key = ensure_local_key(township.session)
    assert ensure_local_key(township.session).id == key.id
    assert len(key.fingerprint) == 30 and key.fingerprint.isdigit()
    assert format_fingerprint(key.fingerprint).count(" ") == 5
    assert fingerprint_of(b"\x00" * 32) == fingerprint_of(b"\x00" * 32)
    assert fingerprint_of(b"\x00" * 32) != fingerprint_of(b"\x00" * 31 + b"\x01")


def test_a_registration_read_back_by_phone_is_registered_once(
        township: Installation, county: Installation, tmp_path: Path) -> None:
    path = tmp_path / "taiping.tbkey"
    registration = write_registration(township.session, path)
    assert (registration.unit_code, registration.unit_name) == (TAIPING, "太平街道")
    spoken = format_fingerprint(registration.fingerprint).replace(" ", "-")
    result = register_key(county.session, read_registration(path), "县", spoken)
    assert result.added and result.key.unit_code == TAIPING
    assert not register_key(county.session, read_registration(path), "县").added
    count = county.session.scalar(select(func.count()).select_from(RegisteredKey))
    assert count == 1


def test_a_fingerprint_that_differs_from_the_phone_call_is_not_registered(
        township: Installation, county: Installation, tmp_path: Path) -> None:
    path = tmp_path / "taiping.tbkey"
    write_registration(township.session, path)
    with pytest.raises(SyncError, match="电话核对"):
        register_key(county.session, read_registration(path), "县", "1" * 30)


def test_a_changed_registration_file_is_refused(township: Installation, tmp_path: Path) -> None:
    path = tmp_path / "taiping.tbkey"
    write_registration(township.session, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["unit"]["code"] = DESHENG
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SyncError, match="签名无效"):
        read_registration(path)
    document["fingerprint"] = "0" * 30
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SyncError, match="指纹与公钥不符"):
        read_registration(path)
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(SyncError, match="不是密钥登记文件"):
        read_registration(path)


def test_a_key_is_registered_only_for_a_known_unit_and_not_twice(
        township: Installation, county: Installation, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path / "taiping.tbkey"
    write_registration(township.session, path)
    stranger = new_installation("city", tmp_path / "city", tmp_path_factory)
    from db.units import init_unit

    init_unit(stranger.session, "371500")  # 聊城市 knows no 盘山 township
    stranger.session.commit()
    with pytest.raises(SyncError, match="不在本数据库中"):
        register_key(stranger.session, read_registration(path))
    stranger.close()
    with pytest.raises(SyncError, match="本机自己的密钥"):
        register_key(township.session, read_registration(path))


def test_a_registration_naming_another_parent_is_refused(
        township: Installation, county: Installation, tmp_path: Path) -> None:
    """The docstring's rule: a unit whose parent differs here is not registered (a township
    that says it belongs to another county is not the one this county knows)."""
    from db.models import OrgUnit

    path = tmp_path / "taiping.tbkey"
    registration = write_registration(township.session, path)
    assert registration.parent_code == "211122"
    from db.units import create_unit

    # This database files 太平街道 under 大洼区; the file says 盘山县.
    create_unit(county.session, "211104", "大洼区", "county",
                parent_code=county.session.get(OrgUnit, "211122").parent_code)
    county.session.get(OrgUnit, TAIPING).parent_code = "211104"
    county.session.flush()
    with pytest.raises(SyncError, match="上级为"):
        register_key(county.session, read_registration(path), "县", registration.fingerprint)


def test_a_second_key_for_a_known_unit_needs_its_fingerprint_read_out(
        township: Installation, county: Installation, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    first = tmp_path / "first.tbkey"
    registration = write_registration(township.session, first)
    register_key(county.session, read_registration(first), "县", registration.fingerprint)
    # The township's PC was reinstalled: a new key for the same unit.
    again = new_installation("again", tmp_path / "again", tmp_path_factory)
    from db.units import init_unit

    init_unit(again.session, TAIPING, name="太平街道")
    again.session.commit()
    second = tmp_path / "second.tbkey"
    new = write_registration(again.session, second)
    with pytest.raises(SyncError, match="电话核对"):
        register_key(county.session, read_registration(second), "县")
    result = register_key(county.session, read_registration(second), "县", new.fingerprint)
    assert result.added and result.other_keys == [registration.fingerprint]
    again.close()


def test_the_app_registers_only_keys_of_units_below_it(
        township: Installation, county: Installation, tmp_path: Path) -> None:
    path = tmp_path / "taiping.tbkey"
    registration = write_registration(township.session, path)
    with pytest.raises(SyncError, match="不是本单位的下级单位"):
        register_key(county.session, read_registration(path), "县", registration.fingerprint,
                     within=DESHENG)
    assert register_key(county.session, read_registration(path), "县",
                        registration.fingerprint, within="211122").added


city = office_fixture("panjin")


def test_a_county_registers_its_citys_key_from_a_catalogue_update_but_not_from_figures(
        county: Installation, city: Installation, tmp_path: Path) -> None:
    """Catalogue updates come from above, figures from below: the one-click offer follows."""
    from db.sync.catalogue_update import publish_catalogue
    from db.sync.export import export_sync_file
    from db.sync.key_offer import key_offer, register_offer

    update = tmp_path / "catalogue.tbsync"
    publish_catalogue(city.session, update)
    figures = tmp_path / "figures.tbsync"
    export_sync_file(city.session, "211100", range(2023, 2024), figures)
    city.session.commit()

    from_figures = key_offer(county.session, figures)
    assert from_figures is not None and "不是本单位的下级单位" in (from_figures.problem or "")
    offer = key_offer(county.session, update)
    assert offer is not None and offer.problem is None and offer.kind == "catalogue"
    assert register_offer(county.session, offer, "县").added
    assert key_offer(county.session, update) is None
