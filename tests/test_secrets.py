"""The figures and the signing key are this user's: owner-only files, and a database or backup
that travels does not carry the private key (issue 11, item 16)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.backup import backup_now, list_backups, restore
from db.catalogue import ensure_catalogue
from db.models import LocalKey
from db.storage import prepare_database, resolve_database_url
from db.sync import key_store
from db.sync.format import SyncError
from db.sync.keys import ensure_local_key, local_key, sign, verify
from db.units import init_unit
from tests.demo_county import PANSHAN

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
PEM_MARK = b"PRIVATE KEY"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settle(path: Path) -> bytes:
    """The file's bytes once the WAL is folded in, as a copy of it would hold them."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return path.read_bytes()


def county_with_key(path: Path) -> str:
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN, user="县妇儿工委办")
        fingerprint = ensure_local_key(session).fingerprint
        session.commit()
    prepared.engine.dispose()
    return fingerprint


def tianbao(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", "--db", str(db), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          stdin=subprocess.DEVNULL)


@posix_only
def test_a_new_database_its_folder_and_its_backups_are_the_users_alone(tmp_path: Path) -> None:
    os.umask(0o022)  # the usual default, which would make them world-readable
    url = resolve_database_url(str(tmp_path / "新文件夹" / "tianbao.sqlite3"))
    path = Path(url.removeprefix("sqlite:///"))
    prepared = prepare_database(url)
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        session.commit()
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        assert mode(path.with_name(path.name + "-wal")) == 0o600
        assert mode(path.with_name(path.name + "-shm")) == 0o600
    prepared.engine.dispose()
    made = backup_now(path, "manual")
    assert mode(made) == 0o600 and mode(made.parent) == 0o700


@posix_only
def test_an_existing_world_readable_database_is_tightened_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "tianbao.sqlite3"
    county_with_key(path)
    path.chmod(0o644)
    older_backup = backup_now(path, "manual")
    older_backup.chmod(0o644)  # as versions before this one left them
    prepare_database(f"sqlite:///{path}").engine.dispose()
    assert mode(path) == 0o600
    backup_now(path, "manual")
    assert mode(older_backup) == 0o600


def test_the_database_and_its_backups_hold_no_private_key(tmp_path: Path) -> None:
    path = tmp_path / "tianbao.sqlite3"
    fingerprint = county_with_key(path)
    assert PEM_MARK not in settle(path)
    assert PEM_MARK not in backup_now(path, "manual").read_bytes()
    kept = key_store.key_file(fingerprint)
    assert PEM_MARK in kept.read_bytes()
    if os.name == "posix":
        assert mode(kept) == 0o600 and mode(kept.parent) == 0o700


def _old_database_with_the_key_inside(path: Path) -> tuple[str, str]:
    """A database as versions before the key store left it: the PEM in local_key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from db.sync.keys import fingerprint_of

    prepared = prepare_database(f"sqlite:///{path}")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    import base64

    public = base64.b64encode(raw).decode("ascii")
    with Session(prepared.engine) as session:
        ensure_catalogue(session)
        init_unit(session, PANSHAN, user="县妇儿工委办")
        session.add(LocalKey(private_key_pem=pem, public_key=public,
                             fingerprint=fingerprint_of(raw)))
        session.commit()
    prepared.engine.dispose()
    return fingerprint_of(raw), public


def test_a_key_kept_inside_an_older_database_is_moved_out_at_the_next_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tianbao.sqlite3"
    fingerprint, public = _old_database_with_the_key_inside(path)
    assert PEM_MARK in settle(path)
    assert not key_store.key_file(fingerprint).exists()

    done = tianbao("info", db=path)
    assert done.returncode == 0, done.stderr
    # Gone from the file itself, not just from the column: secure_delete overwrote the text.
    assert PEM_MARK not in settle(path)
    assert PEM_MARK in key_store.key_file(fingerprint).read_bytes()
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine) as session:
        key = local_key(session)
        assert key is not None and key.private_key_pem == ""
        assert verify(public, b"figures", sign(key, b"figures"))  # signing keeps working
    prepared.engine.dispose()


def test_restoring_a_backup_keeps_signing_working(tmp_path: Path) -> None:
    path = tmp_path / "tianbao.sqlite3"
    _old_database_with_the_key_inside(path)
    old_backup = backup_now(path, "manual")  # made by the older version: the key inside
    assert tianbao("info", db=path).returncode == 0  # moved out
    newer_backup = backup_now(path, "manual")
    assert PEM_MARK not in newer_backup.read_bytes()
    for backup in (newer_backup, old_backup):
        restore(backup, path)
        done = tianbao("keys", "export", "--out", str(tmp_path / "登记.tbkey"), db=path)
        assert done.returncode == 0, done.stderr
        assert PEM_MARK not in settle(path)
    assert len(list_backups(path)) >= 2


def test_on_a_pc_without_the_key_export_says_where_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "tianbao.sqlite3"
    county_with_key(path)
    monkeypatch.setenv(key_store.KEY_DIR_ENV_VAR, str(tmp_path / "另一台电脑"))
    prepared = prepare_database(f"sqlite:///{path}")
    with Session(prepared.engine) as session:
        key = session.scalar(select(LocalKey))
        assert key is not None
        with pytest.raises(SyncError, match="这台电脑上没有本机签名私钥") as refused:
            sign(key, b"x")
        assert str(tmp_path / "另一台电脑") in str(refused.value)
    prepared.engine.dispose()


def test_the_os_keyring_is_used_when_it_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept: dict[tuple[str, str], str] = {}
    backends = types.ModuleType("keyring.backends")
    fail = types.ModuleType("keyring.backends.fail")

    class FailKeyring:  # what keyring returns when no backend works
        pass

    class SecretService:
        pass

    fail.Keyring = FailKeyring  # type: ignore[attr-defined]
    keyring = types.ModuleType("keyring")
    keyring.get_keyring = lambda: SecretService()  # type: ignore[attr-defined]
    keyring.set_password = lambda s, u, p: kept.__setitem__((s, u), p)  # type: ignore[attr-defined]
    keyring.get_password = lambda s, u: kept.get((s, u))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    monkeypatch.setitem(sys.modules, "keyring.backends", backends)
    monkeypatch.setitem(sys.modules, "keyring.backends.fail", fail)
    monkeypatch.setenv(key_store.KEYRING_ENV_VAR, "1")

    fingerprint = county_with_key(tmp_path / "tianbao.sqlite3")
    assert PEM_MARK in kept[(key_store.KEYRING_SERVICE, fingerprint)].encode()
    assert not key_store.key_file(fingerprint).exists()
    assert key_store.load_private_key(fingerprint) == kept[(key_store.KEYRING_SERVICE,
                                                           fingerprint)]

    keyring.get_keyring = lambda: FailKeyring()  # type: ignore[attr-defined]
    other = county_with_key(tmp_path / "second.sqlite3")
    assert key_store.key_file(other).exists()  # no working keyring: the owner-only file
