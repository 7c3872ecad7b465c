"""Installations that exchange sync files: a township, its county and their city, each with its
own database, set up the way ``tianbao init`` and ``units add`` would.

A database with the catalogue loaded is made once per test session and copied for each
installation (loading the catalogue is most of the set-up time). A test module takes an office
as a fixture (``county = office_fixture("panshan")``) or opens it with :func:`office` or
:func:`registered_pair`. ``TIANBAO_TEST_PG_URL`` names a PostgreSQL server (scripts/test.sh
starts one); :func:`postgres_database` makes a fresh database on it for one test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.catalogue import ensure_catalogue
from db.models import AuditEntry, DataValue, GoalProgress, OrgUnit, SyncLog
from db.storage import prepare_database
from db.sync.keys import read_registration, register_key, write_registration
from db.units import create_unit, init_unit

PANJIN = "211100"  # 盘锦市
PANSHAN = "211122"  # 盘山县
DAWA = "211104"  # 大洼区, another county of the city (no plan of its own in the catalogue)
TAIPING = "211122100000"  # 太平街道
DESHENG = "211122101000"  # 得胜街道
PG_URL_VAR = "TIANBAO_TEST_PG_URL"

_TEMPLATE: dict[str, Path] = {}


def postgres_server_url() -> str:
    """The test server's URL; fails under CI without one (CI must run these), else skips."""
    url = os.environ.get(PG_URL_VAR)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"{PG_URL_VAR} is not set: CI must run the PostgreSQL tests "
                    "(scripts/test.sh starts a server and sets it)")
    pytest.skip(f"no PostgreSQL server: set {PG_URL_VAR} (scripts/test.sh does) to run this")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the test server for one test; dropped afterwards."""
    import psycopg

    server = make_url(postgres_server_url())
    name = f"tianbao_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Installation:
    """One office's database: ``session`` is open for the test to use."""

    name: str
    engine: Engine
    session: Session
    folder: Path

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()


def _template(tmp_factory: pytest.TempPathFactory) -> Path:
    if "path" not in _TEMPLATE:
        path = tmp_factory.mktemp("template") / "template.sqlite3"
        prepared = prepare_database(f"sqlite:///{path}")
        with Session(prepared.engine) as session:
            ensure_catalogue(session)
        prepared.engine.dispose()
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


def new_installation(name: str, folder: Path, tmp_factory: pytest.TempPathFactory,
                     url: str | None = None) -> Installation:
    """A database with the catalogue loaded: a copy of the template, or ``url`` (PostgreSQL)."""
    folder.mkdir(parents=True, exist_ok=True)
    if url is None:
        path = folder / f"{name}.sqlite3"
        shutil.copyfile(_template(tmp_factory), path)
        url = f"sqlite:///{path}"
    prepared = prepare_database(url)
    session = Session(prepared.engine)
    ensure_catalogue(session)
    return Installation(name, prepared.engine, session, folder)


def setup_township(inst: Installation) -> None:
    init_unit(inst.session, TAIPING, name="太平街道", user="乡镇填报员")
    inst.session.commit()


def setup_county(inst: Installation) -> None:
    init_unit(inst.session, PANSHAN, user="县妇儿工委办")
    create_unit(inst.session, TAIPING, "太平街道", "township", parent_code=PANSHAN)
    create_unit(inst.session, DESHENG, "得胜街道", "township", parent_code=PANSHAN)
    inst.session.commit()


def setup_city(inst: Installation) -> None:
    init_unit(inst.session, PANJIN, name="盘锦市", level="city", user="市妇儿工委办")
    create_unit(inst.session, PANSHAN, "盘山县", "county", parent_code=PANJIN,
                plan_code=PANSHAN)
    create_unit(inst.session, DAWA, "大洼区", "county", parent_code=PANJIN)
    inst.session.commit()


_SET_UP = {"taiping": setup_township, "panshan": setup_county, "panjin": setup_city}


@contextmanager
def office(name: str, folder: Path, tmp_factory: pytest.TempPathFactory,
           url: str | None = None) -> Iterator[Installation]:
    """The installation of 太平街道 (``"taiping"``), 盘山县 (``"panshan"``) or 盘锦市
    (``"panjin"``) in ``folder / name``, set up by :func:`setup_township`, :func:`setup_county`
    or :func:`setup_city`; closed afterwards."""
    inst = new_installation(name, folder / name, tmp_factory, url=url)
    try:
        _SET_UP[name](inst)
        yield inst
    finally:
        inst.close()


def office_fixture(name: str) -> Any:
    """A fixture giving each test its own :func:`office` ``name``, in the test's ``tmp_path``.
    A test module names it: ``county = office_fixture("panshan")``."""

    @pytest.fixture
    def installation(tmp_path: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
        with office(name, tmp_path, tmp_path_factory) as inst:
            yield inst

    return installation


@contextmanager
def registered_pair(folder: Path, tmp_factory: pytest.TempPathFactory, sender: str = "taiping",
                    receiver: str = "panshan") -> Iterator[tuple[Installation, Installation]]:
    """Two offices (:func:`office`), the sender's key registered at the receiver: by default
    太平街道 and its county 盘山县."""
    with (office(sender, folder, tmp_factory) as first,
          office(receiver, folder, tmp_factory) as second):
        register(first, second)
        yield first, second


def register(sender: Installation, receiver: Installation) -> None:
    """The sender's registration file, registered at the receiver (fingerprint checked)."""
    path = sender.folder / f"{sender.name}.tbkey"
    registration = write_registration(sender.session, path)
    sender.session.commit()
    register_key(receiver.session, read_registration(path), "接收方",
                 expected_fingerprint=registration.fingerprint)
    receiver.session.commit()


def figures(session: Session) -> list[tuple[Any, ...]]:
    """Every figure with everything an exchange carries, in a stable order."""
    return [tuple(row) for row in session.execute(
        select(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
               DataValue.disaggregation, DataValue.value, DataValue.comment, DataValue.status,
               DataValue.entered_directly, DataValue.stored_by, DataValue.updated_at,
               DataValue.kind)
        .order_by(DataValue.unit_code, DataValue.indicator_code, DataValue.year,
                  DataValue.disaggregation))]


def as_received(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """:func:`figures` rows as the receiving level keeps them: what the sender approved
    arrives as submitted, since approval is the receiving level's decision."""
    return [row[:6] + ("submitted" if row[6] == "approved" else row[6],) + row[7:]
            for row in rows]


def progress_rows(session: Session) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(
        select(GoalProgress.unit_code, GoalProgress.goal_id, GoalProgress.year,
               GoalProgress.status, GoalProgress.evidence, GoalProgress.updated_at)
        .order_by(GoalProgress.unit_code, GoalProgress.goal_id, GoalProgress.year))]


def state(session: Session) -> tuple[Any, ...]:
    """Everything an import could change; equal before and after means nothing was written."""
    session.rollback()
    counts = tuple(session.scalar(select(func.count()).select_from(table)) for table in
                   (AuditEntry, SyncLog, OrgUnit))
    return (figures(session), progress_rows(session), counts)


def forge(path: Path, sender: Installation, payload: str | bytes, *,
          unit: str = TAIPING, years: list[int] | None = None, signed: bool = True,
          counts: dict[str, int] | None = None, extra_entries: dict[str, bytes] | None = None,
          compress_level: int | None = None, **manifest: Any) -> Path:
    """A sync file with any payload, signed with the sender's real key (a registered sender
    that misbehaves, or a file changed on the way when the arguments disagree)."""
    import hashlib
    import json
    import zipfile

    from db.sync.format import dump_manifest, format_time
    from db.sync.keys import ensure_local_key, sign

    key = ensure_local_key(sender.session)
    sender.session.commit()
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if counts is None:
        parsed = json.loads(data)
        counts = {name: len(parsed.get(name, [])) for name in
                  ("orgUnits", "dataValues", "goalProgress", "auditEntries")}
    document: dict[str, Any] = {
        "format": "tianbao-sync", "formatVersion": "1.0", "kind": "figures",
        "app": {"name": "tianbao", "version": "test"}, "catalogueVersion": None,
        "sender": {"unit": unit, "name": "", "fingerprint": key.fingerprint},
        "receiver": None, "scope": {"unit": unit, "years": years or list(range(2020, 2026))},
        "createdAt": format_time(datetime.now(UTC)), "counts": counts,
        "payload": {"entry": "payload.json", "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest()},
    }
    document.update(manifest)
    raw = dump_manifest(document)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=compress_level) as archive:
        archive.writestr("payload.json", data)
        archive.writestr("manifest.json", raw)
        if signed:
            archive.writestr("manifest.sig", sign(key, raw))
        for name, content in (extra_entries or {}).items():
            archive.writestr(name, content)
    return path


def figure_line(unit: str = TAIPING, code: str = "live_births", year: str = "2023",
                value: object = "118", dis: str = "total", **extra: Any) -> dict[str, Any]:
    """One dataValue as a sync file carries it."""
    record: dict[str, Any] = {
        "dataElement": code, "period": year, "orgUnit": unit, "categoryOptionCombo": dis,
        "value": value, "storedBy": "王会计", "lastUpdated": "2025-03-01T08:00:00.000000Z",
        "comment": "", "status": "submitted", "enteredDirectly": False}
    record.update(extra)
    return record


def payload_of(*values: dict[str, Any], units: list[dict[str, Any]] | None = None) -> str:
    import json

    return json.dumps({"orgUnits": units or [], "dataValues": list(values),
                       "goalProgress": [], "auditEntries": []}, ensure_ascii=False)
