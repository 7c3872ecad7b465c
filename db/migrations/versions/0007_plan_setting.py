"""Settings an administrator keeps per plan (issue 13).

Revision ID: 0007_plan_setting
Revises: 0006_indicator_explanation
Create Date: 2026-12-01

Adds plan_setting (plan_code, key) → JSON value: the statistical form's header, the
year-on-year threshold, department mapping, the reporting calendar and cross-checks. A missing
row means the default in db/plan_settings.py, so existing databases need no data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_plan_setting"
down_revision: str | Sequence[str] | None = "0006_indicator_explanation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_setting",
        sa.Column("plan_code", sa.String(12), sa.ForeignKey(
            "plan.code", name="fk_plan_setting_plan_code_plan"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_code", "key", name="pk_plan_setting"),
    )


def downgrade() -> None:
    op.drop_table("plan_setting")
