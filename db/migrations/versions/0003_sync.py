"""Exchange between levels: keys, the sync log, export marks, and where an audit entry came from.

Revision ID: 0003_sync
Revises: 0002_goal_progress
Create Date: 2026-11-24

Adds local_key (this installation's Ed25519 key pair), registered_key (other units' public
keys), sync_log and export_mark, and to audit_log the origin and origin_id of entries received
in a sync file (see db/sync/). Names follow db.models.Base.metadata's naming convention.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_sync"
down_revision: str | Sequence[str] | None = "0002_goal_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "local_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_key")),
    )
    op.create_table(
        "registered_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_unit.code"], name=op.f("fk_registered_key_unit_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_key")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_registered_key_fingerprint")),
    )
    op.create_index(op.f("ix_registered_key_unit_code"), "registered_key", ["unit_code"])
    op.create_table(
        "sync_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("counterpart", sa.String(length=12), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_log")),
    )
    op.create_index(op.f("ix_sync_log_at"), "sync_log", ["at"])
    op.create_table(
        "export_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("receiver_code", sa.String(length=12), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_mark")),
        sa.UniqueConstraint("unit_code", "receiver_code", name=op.f("uq_export_mark_unit_code")),
    )
    # SQLite cannot add a constraint to an existing table; batch mode rebuilds audit_log.
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_audit_log_origin"), ["origin", "origin_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(batch.f("uq_audit_log_origin"), type_="unique")
        batch.drop_column("origin_id")
        batch.drop_column("origin")
    op.drop_table("export_mark")
    op.drop_index(op.f("ix_sync_log_at"), table_name="sync_log")
    op.drop_table("sync_log")
    op.drop_index(op.f("ix_registered_key_unit_code"), table_name="registered_key")
    op.drop_table("registered_key")
    op.drop_table("local_key")
