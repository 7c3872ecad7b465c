"""Which units an import may write: one rule for CSV, Excel, DHIS2 and sync files.

An installation keeps the figures of its own unit (``tianbao init --unit``) and of the units
below it. Whatever the file, an import here writes only those; a signed sync file further only
those of its signer's subtree. Figures travel upward: a figures file signed by a unit *above*
this one (the city's file at the county) is refused — from above come catalogue updates
(``tianbao catalogue import``), not figures. A database without a home unit (a test or a fresh
file before ``tianbao init``) has no such bound for CSV and Excel imports.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import UserError
from db.models import OrgUnit
from db.units import UnitError, home_unit_code, subtree_codes


class ImportScopeError(UserError):
    """A file that speaks for units this installation may not write; ``code`` says why
    (``from_above``, ``outside_home``, ``unknown_unit``)."""

    def __init__(self, message: str, code: str = "outside_home") -> None:
        self.code = code
        super().__init__(message)


def writable_units(session: Session) -> set[str] | None:
    """This installation's unit and every unit below it (deactivated ones too, so that a
    figure for one is named as such); None when no home unit is set."""
    home = home_unit_code(session)
    if home is None or session.get(OrgUnit, home) is None:
        return None
    return set(subtree_codes(session, home, include_inactive=True))


def unit_label(session: Session, code: str) -> str:
    """“名称（代码）”, or the bare code for a unit not in the database."""
    name = session.scalar(select(OrgUnit.name).where(OrgUnit.code == code))
    return f"{name}（{code}）" if name else code


def out_of_scope_message(session: Session, code: str) -> str:
    """Why a figure of ``code`` is not imported here (code outside :func:`writable_units`)."""
    home = home_unit_code(session) or ""
    if home and code in _ancestors(session, home):
        return (f"单位 {unit_label(session, code)} 是本机填报单位 {unit_label(session, home)} 的"
                "上级单位，本机不能导入上级单位的数据。")
    return (f"单位 {unit_label(session, code)} 不属于本机填报单位 {unit_label(session, home)}"
            "及其下级单位，不能导入。")


def figures_sender_units(session: Session, sender: str) -> set[str]:
    """The units a figures file signed by ``sender`` may write here: the sender's subtree.

    Raises :class:`ImportScopeError` when ``sender`` is not this installation's unit or one
    below it — above all when it is a unit above (figures travel upward only).
    """
    home = home_unit_code(session)
    try:
        below_sender = set(subtree_codes(session, sender, include_inactive=True))
    except UnitError as error:
        raise ImportScopeError(str(error), "unknown_unit") from None
    if home is None or session.get(OrgUnit, home) is None:
        return below_sender
    if sender in _ancestors(session, home):
        raise ImportScopeError(
            f"这是上级单位 {unit_label(session, sender)} 签名的数据文件。数据只能由下级向上级"
            f"报送，本机（{unit_label(session, home)}）不导入上级的数据；上级下发的指标目录和"
            "目标请用“tianbao catalogue import”导入。", "from_above")
    if sender not in subtree_codes(session, home, include_inactive=True):
        raise ImportScopeError(
            f"文件由单位 {unit_label(session, sender)} 签名，该单位不是本机填报单位 "
            f"{unit_label(session, home)} 或其下级单位，拒绝导入。")
    return below_sender


def _ancestors(session: Session, code: str) -> list[str]:
    """The units above ``code``, nearest first."""
    parents: dict[str, str | None] = {
        code: parent for code, parent in session.execute(select(OrgUnit.code, OrgUnit.parent_code))}
    result: list[str] = []
    current = parents.get(code)
    while current is not None and current not in result and current != code:
        result.append(current)
        current = parents.get(current)
    return result
