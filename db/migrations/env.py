"""Alembic environment for Tianbao.

Run through :func:`db.storage.prepare_database`, which passes an open connection (already inside
a transaction) in ``config.attributes["connection"]``; there is no ``alembic.ini``.
"""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from db.models import Base, UTCDateTime

target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render model-only types as the plain SQLAlchemy type they store as.

    Revisions must not import db.models: a later change to a model type would silently change
    what an old revision creates. UTCDateTime only converts values in Python; in the database it
    is DateTime(timezone=True).
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        render_item=render_item,
        # Types are compared as the database sees them: a TypeDecorator such as UTCDateTime is
        # compiled to its implementation (DATETIME / TIMESTAMP WITH TIME ZONE) before comparing.
        compare_type=True,
        # db.storage makes pysqlite emit BEGIN itself, so SQLite DDL is transactional here.
        transactional_ddl=True if connection.dialect.name == "sqlite" else None,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_from_url(url: str) -> None:
    # Only for a developer pointing Alembic's own tooling at a database by URL.
    from db.storage import create_db_engine

    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Tianbao's migrations run online only (through db.storage).")

_connection = context.config.attributes.get("connection")
if _connection is not None:
    run_migrations(_connection)
else:
    run_migrations_from_url(context.config.get_main_option("sqlalchemy.url"))
