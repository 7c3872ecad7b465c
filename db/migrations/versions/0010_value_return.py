"""Returns with reasons (退回) of a unit's figures, issued by the level above (issue 13).

Revision ID: 0010_value_return
Revises: 0009_double_entry
Create Date: 2026-12-01

Adds value_return (one return of a unit-year, whole or by figure, at the county that issued it
or at the township that received it) and value_return_item (a returned figure, its reason and
the figure as it stood, to see its correction). New tables only: existing data is untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_value_return"
down_revision: str | Sequence[str] | None = "0009_double_entry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "value_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("issuer_unit", sa.String(length=12), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["org_unit.code"],
                                name=op.f("fk_value_return_unit_code_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_return")),
        sa.UniqueConstraint("uid", "side", name=op.f("uq_value_return_uid")),
    )
    op.create_index(op.f("ix_value_return_unit_code"), "value_return", ["unit_code"])
    op.create_table(
        "value_return_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("disaggregation", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("value_before", sa.Float(), nullable=True),
        sa.Column("comment_before", sa.Text(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["return_id"], ["value_return.id"],
                                name=op.f("fk_value_return_item_return_id_value_return")),
        sa.ForeignKeyConstraint(["indicator_code"], ["indicator.code"],
                                name=op.f("fk_value_return_item_indicator_code_indicator")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_return_item")),
        sa.UniqueConstraint("return_id", "indicator_code", "disaggregation",
                            name=op.f("uq_value_return_item_return_id")),
    )
    op.create_index(op.f("ix_value_return_item_return_id"), "value_return_item", ["return_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_value_return_item_return_id"), table_name="value_return_item")
    op.drop_table("value_return_item")
    op.drop_index(op.f("ix_value_return_unit_code"), table_name="value_return")
    op.drop_table("value_return")
