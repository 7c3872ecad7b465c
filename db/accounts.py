"""Accounts and roles: 填报员 enters, 审核员 reviews, approves, locks and reopens a year,
管理员 manages units, keys and users.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).
An administrator may switch a township PC to single-user mode, where nobody logs in and the
one user acts with every role: a clerk alone in a township office reviews her own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.errors import UserError
from db.models import AuditEntry, Meta, UserAccount

ROLES = {"clerk": "填报员", "reviewer": "审核员", "admin": "管理员"}
LOGIN_KEY = "login_required"
SINGLE_USER = "本机用户"
MIN_PASSWORD_LENGTH = 8

# What each role may do; the desktop and the commands ask `allowed()` rather than the role.
PERMISSIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset({"enter", "submit", "report", "export"}),
    "reviewer": frozenset({"enter", "submit", "report", "export", "approve", "reopen",
                           "import"}),
    "admin": frozenset({"enter", "submit", "report", "export", "approve", "reopen", "import",
                        "manage_units", "manage_keys", "manage_users", "manage_settings",
                        "restore"}),
}

_hasher = PasswordHasher()


class AccountError(UserError, ValueError):
    """A refused account change; ``str()`` is a plain Chinese sentence."""


@dataclass(frozen=True)
class CurrentUser:
    """Who is working, as the desktop and the commands pass it around."""

    username: str
    display_name: str
    role: str

    def allowed(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


def single_user() -> CurrentUser:
    """The user of a PC where nobody logs in: every role, as the office decided."""
    return CurrentUser(SINGLE_USER, SINGLE_USER, "admin")


def login_required(session: Session) -> bool:
    """True once an administrator has turned logins on (a fresh installation needs none)."""
    return session.scalar(select(Meta.value).where(Meta.key == LOGIN_KEY)) == "1"


def set_login_required(session: Session, required: bool, by: CurrentUser) -> None:
    _require(by, "manage_users")
    if required and not _active_admins(session):
        raise AccountError("开启登录前，请先创建至少一个管理员账户，否则将无人能够登录。")
    row = session.get(Meta, LOGIN_KEY)
    value = "1" if required else "0"
    if row is None:
        session.add(Meta(key=LOGIN_KEY, value=value))
    else:
        row.value = value
    _audit(session, by, "login_required", LOGIN_KEY, {"required": required})


def create_user(session: Session, username: str, password: str, role: str,
                display_name: str = "", by: CurrentUser | None = None) -> UserAccount:
    """Add an account. The first account may be created by anyone (there is nobody to ask)."""
    if by is not None:
        _require(by, "manage_users")
    elif session.scalar(select(func.count()).select_from(UserAccount)):
        raise AccountError("只有管理员可以添加账户。")
    username = username.strip()
    if not username:
        raise AccountError("请填写用户名。")
    if role not in ROLES:
        raise AccountError(f"角色应为填报员、审核员或管理员，而不是“{role}”。")
    if session.get(UserAccount, username) is not None:
        raise AccountError(f"用户名“{username}”已被使用。")
    _check_password(password)
    user = UserAccount(username=username, display_name=display_name.strip() or username,
                       role=role, password_hash=_hasher.hash(password), active=True)
    session.add(user)
    _audit(session, by, "insert", username, {"role": role})
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> CurrentUser | None:
    """The user if the password is right and the account active; None otherwise.

    The same answer for an unknown name and a wrong password, so the screen does not tell a
    passer-by which names exist.
    """
    user = session.get(UserAccount, username.strip())
    if user is None or not user.active:
        _hasher.hash(password)  # the same work either way: timing tells nothing either
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return CurrentUser(user.username, user.display_name, user.role)


def set_password(session: Session, username: str, new_password: str, by: CurrentUser) -> None:
    if by.username != username:
        _require(by, "manage_users")
    user = _existing(session, username)
    _check_password(new_password)
    user.password_hash = _hasher.hash(new_password)
    _audit(session, by, "password", username, None)


def set_active(session: Session, username: str, active: bool, by: CurrentUser) -> None:
    _require(by, "manage_users")
    user = _existing(session, username)
    if not active and user.role == "admin" and _active_admins(session) == {username} \
            and login_required(session):
        raise AccountError("不能停用最后一个管理员账户，否则将无人能够管理本机。")
    user.active = active
    _audit(session, by, "activate" if active else "deactivate", username, None)


def users(session: Session) -> list[UserAccount]:
    return list(session.scalars(select(UserAccount).order_by(UserAccount.username)))


def _existing(session: Session, username: str) -> UserAccount:
    user = session.get(UserAccount, username)
    if user is None:
        raise AccountError(f"没有用户名为“{username}”的账户。")
    return user


def _active_admins(session: Session) -> set[str]:
    return set(session.scalars(select(UserAccount.username).where(
        UserAccount.role == "admin", UserAccount.active.is_(True))))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符。")


def _require(user: CurrentUser, action: str) -> None:
    if not user.allowed(action):
        raise AccountError(f"“{ROLES.get(user.role, user.role)}”无权进行此操作。")


def _audit(session: Session, by: CurrentUser | None, action: str, key: str,
           after: dict | None) -> None:
    # Never the password or its hash: the audit log travels in sync files.
    session.add(AuditEntry(user=by.username if by else "", action=action, entity="user_account",
                           key=key, before=None, after=after))
