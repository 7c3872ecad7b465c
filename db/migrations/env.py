"""Alembic environment for Tianbao.

Run through :func:`db.storage.prepare_database`, which passes an open connection (already inside
a transaction) in ``config.attributes["connection"]``; there is no ``alembic.ini``.
"""

from alembic import context
from sqlalchemy import Connection

from db.models import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
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
