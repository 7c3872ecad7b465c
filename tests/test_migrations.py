"""The Alembic revisions build exactly the schema of db/models.py."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db.models import Base
from db.storage import alembic_config, create_db_engine, prepare_database


def test_the_migrated_schema_matches_the_models(db_path: Path) -> None:
    prepared = prepare_database(f"sqlite:///{db_path}")
    try:
        with prepared.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        prepared.engine.dispose()


def test_every_revision_downgrades_to_nothing_and_upgrades_again(db_path: Path) -> None:
    prepare_database(f"sqlite:///{db_path}").engine.dispose()
    engine = create_db_engine(f"sqlite:///{db_path}")
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
