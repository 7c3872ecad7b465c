"""Units change over the plan's ten years: validity periods and unit change events.

Revision ID: 0005_unit_validity
Revises: 0004_accounts
Create Date: 2026-12-01

Adds org_unit.valid_from / valid_to (years, both inclusive, NULL = open) and the unit_event
table (rename, new code, merge, split, move; db/unit_events.py). Existing units: an active unit
is valid from the plan's start (valid_from NULL). A deactivated unit is valid up to the year
before the calendar year it was deactivated in (from the audit log): every report printed
before the deactivation still shows it, and none printed after. Without an audit entry it
stays as before: counted in no year (docs/units.md).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_unit_validity"
down_revision: str | Sequence[str] | None = "0004_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("valid_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("valid_to", sa.Integer(), nullable=True))
    op.create_table(
        "unit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_event")),
        sa.UniqueConstraint("origin", "origin_id", name=op.f("uq_unit_event_origin")),
    )
    _close_deactivated_units()


def _close_deactivated_units() -> None:
    connection = op.get_bind()
    inactive = [row[0] for row in connection.execute(
        sa.text("SELECT code FROM org_unit WHERE active = :no"), {"no": False})]
    for code in inactive:
        rows = connection.execute(sa.text(
            "SELECT at, after FROM audit_log WHERE entity = 'org_unit' AND key = :code "
            "AND action = 'update' ORDER BY id DESC"), {"code": code}).all()
        year = next((_year(at) for at, after in rows if _deactivates(after)), None)
        if year is not None:
            connection.execute(sa.text("UPDATE org_unit SET valid_to = :year WHERE code = :code"),
                               {"year": year - 1, "code": code})


def _deactivates(after: object) -> bool:
    import json

    if isinstance(after, str):
        after = json.loads(after)
    return isinstance(after, dict) and after.get("active") is False


def _year(at: object) -> int:
    return int(str(at)[:4])


def downgrade() -> None:
    op.drop_table("unit_event")
    with op.batch_alter_table("org_unit") as batch:
        batch.drop_column("valid_to")
        batch.drop_column("valid_from")
