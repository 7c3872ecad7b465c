"""Double entry of paper returns (双录入核对, issue 13).

Revision ID: 0009_double_entry
Revises: 0008_value_kind
Create Date: 2026-12-01

Adds paper_return (one returned paper form of a unit and year, open → verified, who keyed
each pass) and paper_cell (each cell as pass 1 and pass 2 keyed it, its resolution, and when it
became a figure). New tables only: existing databases need no data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_double_entry"
down_revision: str | Sequence[str] | None = "0008_value_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("pass1_by", sa.String(64), nullable=False),
        sa.Column("pass1_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass2_by", sa.String(64), nullable=False),
        sa.Column("pass2_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("same_keyer", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["org_unit.code"],
                                name="fk_paper_return_unit_code_org_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_paper_return"),
    )
    op.create_index("ix_paper_return_unit_code_year", "paper_return", ["unit_code", "year"])
    op.create_table(
        "paper_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("disaggregation", sa.String(32), nullable=False),
        sa.Column("pass1", sa.String(64), nullable=True),
        sa.Column("pass1_by", sa.String(64), nullable=False),
        sa.Column("pass1_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass2", sa.String(64), nullable=True),
        sa.Column("pass2_by", sa.String(64), nullable=False),
        sa.Column("pass2_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved", sa.String(64), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["return_id"], ["paper_return.id"],
                                name="fk_paper_cell_return_id_paper_return"),
        sa.ForeignKeyConstraint(["indicator_code"], ["indicator.code"],
                                name="fk_paper_cell_indicator_code_indicator"),
        sa.PrimaryKeyConstraint("id", name="pk_paper_cell"),
        sa.UniqueConstraint("return_id", "indicator_code", "disaggregation",
                            name="uq_paper_cell_return_id"),
    )


def downgrade() -> None:
    op.drop_table("paper_cell")
    op.drop_index("ix_paper_return_unit_code_year", table_name="paper_return")
    op.drop_table("paper_return")
