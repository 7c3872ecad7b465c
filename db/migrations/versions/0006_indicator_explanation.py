"""指标解释 for every indicator: meaning, formula, unit, source, reporting department.

Revision ID: 0006_indicator_explanation
Revises: 0005_unit_validity
Create Date: 2026-12-01

Adds indicator.explanation (JSON: meaning, formula, unit, source, department and, where the
figure's year is not the calendar year, period), loaded from resources/catalogue/explanations.yaml.
Existing rows get it at the next catalogue load; until then it is null.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_indicator_explanation"
down_revision: str | Sequence[str] | None = "0005_unit_validity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("explanation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.drop_column("explanation")
