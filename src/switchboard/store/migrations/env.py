"""Alembic's entry point: runs the migration scripts on one connection.

`switchboard.store.migrate` hands over an open connection (inside a transaction)
in `config.attributes["connection"]` and collects the revisions applied in
`config.attributes["applied"]`. Run from the `alembic` command line instead
(`alembic.ini` beside this file), it builds its own engine from `sqlalchemy.url`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection

from switchboard.store.engine import create_store_engine
from switchboard.store.tables import Base

config = context.config


def _record_applied(
    ctx: MigrationContext,
    step: MigrationInfo,
    heads: Collection[Any],
    run_args: Mapping[str, Any],
) -> None:
    if step.is_upgrade:
        config.attributes.setdefault("applied", []).append(step.up_revision_id)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: later migrations copy the table instead.
        render_as_batch=True,
        on_version_apply=_record_applied,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    """`alembic upgrade --sql`: print the SQL for a database administrator."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    if context.is_offline_mode():
        _run_offline()
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("set sqlalchemy.url in alembic.ini")
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


_main()
