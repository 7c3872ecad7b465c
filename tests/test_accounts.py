"""Accounts and roles: who may enter, approve, reopen and manage, on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import (
    AccountError,
    CurrentUser,
    authenticate,
    create_user,
    login_required,
    set_active,
    set_login_required,
    set_password,
)
from db.catalogue import ensure_catalogue
from db.figures import reopen_year, save_value, set_year_status, year_status
from db.models import AuditEntry, UserAccount
from db.storage import prepare_database, resolve_database_url
from db.units import init_unit


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = prepare_database(resolve_database_url(str(tmp_path / "a.sqlite3"))).engine
    with Session(engine) as s:
        ensure_catalogue(s)
        yield s
    engine.dispose()


@pytest.fixture
def admin(session: Session) -> CurrentUser:
    create_user(session, "zhang", "county-admin-1", "admin", "张主任")
    user = authenticate(session, "zhang", "county-admin-1")
    assert user is not None
    return user


def test_a_password_is_stored_only_as_an_argon2_hash(session: Session, admin: CurrentUser) -> None:
    stored = session.get(UserAccount, "zhang").password_hash
    assert stored.startswith("$argon2id$") and "county-admin-1" not in stored
    audit = " ".join(str(e.after) for e in session.scalars(select(AuditEntry)))
    assert "county-admin-1" not in audit and "argon2" not in audit


def test_a_wrong_password_and_an_unknown_name_look_the_same(
    session: Session, admin: CurrentUser
) -> None:
    assert authenticate(session, "zhang", "wrong-password") is None
    assert authenticate(session, "nobody", "county-admin-1") is None


def test_roles_decide_what_a_user_may_do(session: Session, admin: CurrentUser) -> None:
    create_user(session, "li", "clerk-pass-1", "clerk", "李填报", by=admin)
    clerk = authenticate(session, "li", "clerk-pass-1")
    assert clerk is not None
    assert clerk.allowed("enter") and not clerk.allowed("approve")
    with pytest.raises(AccountError, match="无权"):
        create_user(session, "wang", "another-pass", "admin", by=clerk)
    assert admin.allowed("manage_users") and admin.allowed("reopen")


def test_only_the_first_account_may_be_created_without_an_administrator(
    session: Session, admin: CurrentUser
) -> None:
    with pytest.raises(AccountError, match="只有管理员"):
        create_user(session, "intruder", "some-password", "admin")


def test_short_passwords_are_refused(session: Session) -> None:
    with pytest.raises(AccountError, match="至少"):
        create_user(session, "zhao", "short", "clerk")


def test_logins_cannot_be_required_with_no_administrator_left(
    session: Session, admin: CurrentUser
) -> None:
    assert not login_required(session)  # a fresh township PC needs no login
    set_login_required(session, True, admin)
    assert login_required(session)
    with pytest.raises(AccountError, match="最后一个管理员"):
        set_active(session, "zhang", False, admin)


def test_a_deactivated_user_cannot_log_in_and_a_new_password_works(
    session: Session, admin: CurrentUser
) -> None:
    create_user(session, "li", "clerk-pass-1", "clerk", by=admin)
    set_password(session, "li", "clerk-pass-2", admin)
    assert authenticate(session, "li", "clerk-pass-1") is None
    assert authenticate(session, "li", "clerk-pass-2") is not None
    set_active(session, "li", False, admin)
    assert authenticate(session, "li", "clerk-pass-2") is None


def test_a_locked_year_is_reopened_only_with_a_reason_and_both_are_audited(
    session: Session,
) -> None:
    init_unit(session, "211122")
    assert save_value(session, "211122", "health_literacy", 2024, "36.5", user="li").ok
    assert set_year_status(session, "211122", 2024, "submitted", "li") == []
    assert set_year_status(session, "211122", 2024, "approved", "zhang") == []
    refused = save_value(session, "211122", "health_literacy", 2024, "37", user="li")
    assert not refused.ok  # locked
    assert reopen_year(session, "211122", 2024, "  ", "zhang")[0].code == "reason_required"
    assert reopen_year(session, "211122", 2024, "统计局更正了口径", "zhang") == []
    assert year_status(session, "211122", 2024) == "draft"
    assert save_value(session, "211122", "health_literacy", 2024, "37", user="li").ok
    actions = [e.action for e in session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "unit_year").order_by(AuditEntry.id))]
    assert actions == ["set_status", "set_status", "reopen"]
