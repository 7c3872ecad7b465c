"""Values that are not numbers: 不适用 and 待核实 beside 0 and 无数据 (issue 13).

Revision ID: 0008_value_kind
Revises: 0007_plan_setting
Create Date: 2026-12-01

Adds data_value.kind (number | not_applicable | pending; db/value_kinds.py) and lets
data_value.value be NULL (不适用 has no value; 待核实 may have none). Every existing row is a
number, which the server default writes, so existing databases need no data change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_value_kind"
down_revision: str | Sequence[str] | None = "0007_plan_setting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_value") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                   server_default="number"))
        batch.alter_column("value", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    # An older version reads only numbers: figures without one cannot go back.
    op.execute("DELETE FROM data_value WHERE value IS NULL")
    with op.batch_alter_table("data_value") as batch:
        batch.alter_column("value", existing_type=sa.Float(), nullable=False)
        batch.drop_column("kind")
