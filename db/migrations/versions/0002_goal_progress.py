"""Add goal_progress: status of qualitative goals per unit and year.

Revision ID: 0002_goal_progress
Revises: 0001_initial
Create Date: 2025-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_goal_progress"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goal_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("goal_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("stored_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_goal_progress_goal_id_goal")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_unit.code"], name=op.f("fk_goal_progress_unit_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_progress")),
        # Its first column, unit_code, makes a separate index on unit_code unnecessary.
        sa.UniqueConstraint(
            "unit_code", "goal_id", "year", name=op.f("uq_goal_progress_unit_code")
        ),
    )
    op.create_index(op.f("ix_goal_progress_goal_id"), "goal_progress", ["goal_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_goal_progress_goal_id"), table_name="goal_progress")
    op.drop_table("goal_progress")
