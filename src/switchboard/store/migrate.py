"""Bringing a database's schema to the version this code expects, with Alembic.

`Store.open` calls `upgrade_to_head` every time: a new database gets every
migration, an up-to-date one gets nothing (the version table is read, nothing is
written), and one migrated by a *newer* Switchboard is refused with a message rather
than used with columns this code does not know. The whole upgrade runs in one
transaction, so a failed migration leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from switchboard.store.engine import describe
from switchboard.store.types import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations, without an ini file.

    With `connection`, `env.py` migrates through it instead of opening its own.
    """
    config = Config()
    # ConfigParser interpolation: a '%' in the install path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError("no migration found in " + str(MIGRATIONS))
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> tuple[str, ...]:
    """Migrate the database to `head_revision()`; returns the revisions applied, in order."""
    head = head_revision()
    try:
        with engine.begin() as connection:
            current = current_revision(connection)
            if current == head:
                return ()
            if current is not None:
                _check_known(current, head)
            config = alembic_config(connection)
            command.upgrade(config, "head")
            applied: list[str] = config.attributes.get("applied", [])
            return tuple(applied)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the database schema: {describe(exc)}") from exc


def _check_known(revision: str, head: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        scripts.get_revision(revision)
    except CommandError as exc:
        raise StoreError(
            f"the database schema is at revision {revision!r}, which this version of "
            f"Switchboard does not know (its newest is {head!r}): it was migrated by a "
            "newer Switchboard; run that version, or point the store at another database"
        ) from exc
