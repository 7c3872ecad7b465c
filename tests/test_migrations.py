"""The Alembic revisions build exactly the schema of db/models.py, on SQLite and on PostgreSQL
(a server from ``TIANBAO_TEST_PG_URL``, tests/sync_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sync_helpers import postgres_database

from db.models import Base
from db.storage import (
    SCHEMA_HEAD,
    alembic_config,
    create_db_engine,
    current_revision,
    prepare_database,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """A new database: a SQLite file, or one on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{db_path}"
    else:
        with postgres_database() as pg_url:
            yield pg_url


def test_the_migrated_schema_matches_the_models(url: str) -> None:
    prepared = prepare_database(url)
    try:
        assert current_revision(prepared.engine) == SCHEMA_HEAD
        with prepared.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        prepared.engine.dispose()


def test_every_revision_downgrades_to_nothing_and_upgrades_again(url: str) -> None:
    prepare_database(url).engine.dispose()
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        with engine.connect() as connection, connection.begin():
            command.upgrade(alembic_config(connection), "head")
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
    finally:
        engine.dispose()


def test_constraints_and_indexes_carry_the_conventional_names(db_path: Path) -> None:
    # SQLite batch migrations can only drop or alter a constraint that has a name.
    prepared = prepare_database(f"sqlite:///{db_path}")
    try:
        inspector = inspect(prepared.engine)
        assert [uq["name"] for uq in inspector.get_unique_constraints("data_value")] == [
            "uq_data_value_unit_code"
        ]
        assert sorted(fk["name"] for fk in inspector.get_foreign_keys("data_value")) == [
            "fk_data_value_indicator_code_indicator",
            "fk_data_value_unit_code_org_unit",
        ]
        assert inspector.get_pk_constraint("goal")["name"] == "pk_goal"
        indexes = {
            table: sorted(index["name"] for index in inspector.get_indexes(table))
            for table in ("data_value", "goal_progress", "target", "org_unit", "audit_log")
        }
        assert indexes == {
            "data_value": ["ix_data_value_indicator_code_year"],
            "goal_progress": ["ix_goal_progress_goal_id"],
            "target": ["ix_target_goal_id"],
            "org_unit": ["ix_org_unit_parent_code"],
            "audit_log": ["ix_audit_log_at"],
        }
    finally:
        prepared.engine.dispose()


def test_the_fast_start_revision_is_the_newest_migration() -> None:
    # prepare_database skips loading Alembic for a database already at SCHEMA_HEAD; a new
    # migration that forgot to move it would leave databases un-upgraded.
    from db.storage import head_revision

    assert head_revision() == SCHEMA_HEAD
