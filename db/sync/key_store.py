"""Where this installation's private signing key is kept: outside the database file.

The database and its backups travel (a backup copied to a USB stick, a file e-mailed to IT); the
private key must not travel with them, or whoever holds a copy can sign figures in the unit's
name. The database keeps only the public key and the fingerprint (``local_key``); the private key
(PEM, PKCS#8) is kept, by its fingerprint, in

1. the operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service),
   through the ``keyring`` package — only if it is installed and its backend works; else
2. a file readable by this user only (0600, in a 0700 folder) in the user's configuration folder:
   ``~/.config/Tianbao/keys/<fingerprint>.pem`` on Linux, ``%LOCALAPPDATA%\\Tianbao\\keys\\`` on
   Windows, ``~/Library/Application Support/Tianbao/keys/`` on macOS. ``TIANBAO_KEY_DIR`` names
   another folder (tests; a site that keeps keys on an encrypted volume).

A database on a server (PostgreSQL, used by several PCs of a city office) keeps its key inside:
it has no single PC to keep it on, and is backed up with the server's own tools.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.files import make_private_folder, write_private_file

log = logging.getLogger(__name__)

KEY_DIR_ENV_VAR = "TIANBAO_KEY_DIR"
KEYRING_ENV_VAR = "TIANBAO_KEYRING"  # "0": never use the OS keyring (tests, troubleshooting)
KEYRING_SERVICE = "Tianbao signing key"


class KeyStoreError(Exception):
    """The private key cannot be kept or found; ``str(error)`` is for the user, in Chinese."""


def key_folder() -> Path:
    given = os.environ.get(KEY_DIR_ENV_VAR)
    if given:
        return Path(given).expanduser()
    return platformdirs.user_config_path("Tianbao", appauthor=False) / "keys"


def key_file(fingerprint: str) -> Path:
    return key_folder() / f"{fingerprint}.pem"


def _keyring() -> object | None:
    """The ``keyring`` module if it is installed and has a real backend; else None."""
    if os.environ.get(KEYRING_ENV_VAR, "1") == "0":
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring backend may raise anything; not fatal
        return None
    if isinstance(backend, fail.Keyring) or type(backend).__name__ == "Keyring" and \
            type(backend).__module__.endswith("null"):
        return None
    return keyring


def store_private_key(fingerprint: str, pem: str) -> str:
    """Keep ``pem`` for ``fingerprint`` outside the database; where it went (for the log and
    the clerk). Read back before it counts, so the copy in the database is only dropped when
    this one is certainly there."""
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(KEYRING_SERVICE, fingerprint, pem)  # type: ignore[attr-defined]
            if ring.get_password(KEYRING_SERVICE, fingerprint) == pem:  # type: ignore[attr-defined]
                return "系统密钥环"
        except Exception as error:  # noqa: BLE001 - any backend's failure: fall back to the file
            log.warning("the OS keyring did not keep the signing key (%s); using a file", error)
    path = key_file(fingerprint)
    try:
        make_private_folder(path.parent)
        write_private_file(path, pem.encode("ascii"))
        if path.read_text(encoding="ascii") != pem:
            raise OSError("read back differs")
    except OSError as error:
        raise KeyStoreError(f"无法保存本机签名私钥到 {path}：{error.strerror or error}") from error
    return str(path)


def load_private_key(fingerprint: str) -> str | None:
    """The PEM kept for ``fingerprint``, or None if this PC does not have it."""
    ring = _keyring()
    if ring is not None:
        try:
            found = ring.get_password(KEYRING_SERVICE, fingerprint)  # type: ignore[attr-defined]
        except Exception as error:  # noqa: BLE001 - any backend's failure: try the file
            log.warning("cannot read the OS keyring (%s)", error)
            found = None
        if found:
            return str(found)
    path = key_file(fingerprint)
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise KeyStoreError(f"无法读取本机签名私钥 {path}：{error.strerror or error}") from error


def move_key_out_at_start(session: Session) -> None:
    """The startup step (command line and app) that moves a signing key kept inside the database
    by versions before this module out of it (db/sync/keys.py: move_private_key_out); commits.
    Cryptography is loaded only when there is a key to move."""
    from db.models import LocalKey

    if session.scalar(select(LocalKey.id).where(LocalKey.private_key_pem != "").limit(1)):
        from db.sync.keys import move_private_key_out

        if move_private_key_out(session) is not None:
            session.commit()
