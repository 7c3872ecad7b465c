"""Logging in where logins are required, and `tianbao users` for IT staff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from db.accounts import authenticate, create_user, login_required
from db.catalogue import ensure_catalogue
from db.storage import prepare_database, resolve_database_url
from desktop.cli.main import main
from desktop.login_dialog import MAX_ATTEMPTS, LoginDialog


def test_the_login_dialog_lets_the_right_password_in(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(resolve_database_url(str(tmp_path / "a.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        create_user(session, "li", "clerk-pass-1", "clerk", "李填报")
        session.commit()
        dialog = LoginDialog(session)
        qtbot.addWidget(dialog)
        dialog.username.setText("li")
        dialog.password.setText("wrong-one")
        dialog.try_login()
        assert dialog.user is None and "不正确" in dialog.message.text()
        assert dialog.password.text() == ""  # a wrong password is not left on screen
        dialog.password.setText("clerk-pass-1")
        dialog.try_login()
        assert dialog.user is not None and dialog.user.role == "clerk"
    engine.dispose()


def test_too_many_wrong_passwords_close_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    engine = prepare_database(resolve_database_url(str(tmp_path / "a.sqlite3"))).engine
    with Session(engine) as session:
        ensure_catalogue(session)
        dialog = LoginDialog(session)
        qtbot.addWidget(dialog)
        for _ in range(MAX_ATTEMPTS):
            dialog.password.setText("guess")
            dialog.try_login()
        assert dialog.result() == LoginDialog.DialogCode.Rejected and dialog.user is None
    engine.dispose()


def test_users_commands_add_an_administrator_and_require_logins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-pass-1\n"))
    assert main(["--db", db, "users", "add", "--username", "zhang", "--role", "admin"]) == 0
    assert main(["--db", db, "users", "require-login", "on"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--db", db, "users", "add", "--username", "li", "--role", "clerk"]) == 1
    assert "至少" in capsys.readouterr().err
    engine = prepare_database(resolve_database_url(db)).engine
    with Session(engine) as session:
        assert login_required(session)
    engine.dispose()


def test_users_deactivate_keeps_a_leaver_out_but_never_the_last_administrator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    for name, role in (("zhang", "admin"), ("li", "clerk")):
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{name}-pass-1\n"))
        assert main(["--db", db, "users", "add", "--username", name, "--role", role]) == 0
    assert main(["--db", db, "users", "require-login", "on"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "users", "deactivate", "li"]) == 0
    assert main(["--db", db, "users", "list"]) == 0
    assert "li\tli\t填报员（已停用）" in capsys.readouterr().out
    engine = prepare_database(resolve_database_url(db)).engine
    with Session(engine) as session:
        assert authenticate(session, "li", "li-pass-1") is None
    engine.dispose()
    assert main(["--db", db, "users", "deactivate", "zhang"]) == 1
    assert "最后一个管理员" in capsys.readouterr().err
    assert main(["--db", db, "users", "activate", "li"]) == 0
    assert main(["--db", db, "users", "deactivate", "nobody"]) == 1
    assert "没有用户名为“nobody”的账户" in capsys.readouterr().err
