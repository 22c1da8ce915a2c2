"""Turning a database URL into a ready SQLAlchemy engine, or a sentence saying why not.

Two databases are supported, with what each needs to behave the same way:

- SQLite, a file (`sqlite:///var/switchboard.db`, relative to the working directory,
  or `sqlite:////abs/path.db`); its folder is created. Foreign keys are switched on
  (SQLite ignores them otherwise), the journal is WAL so that the API can read while
  the runtime writes, and transactions are begun explicitly so that a migration is
  all-or-nothing, as it is on PostgreSQL. `sqlite://` is an in-memory database,
  for tests of other layers.
- PostgreSQL through psycopg 3 (`postgresql+psycopg://user@host:5432/db`; a bare
  `postgresql://` means the same). An optional `schema` keeps every table, and
  Alembic's version table, in that schema by setting the connection's
  `search_path`; the schema is created if missing. Tests use it to share a database.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from switchboard.store.types import StoreError

URL_EXAMPLES = "sqlite:///var/switchboard.db or postgresql+psycopg://user@host:5432/dbname"
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PASSWORD_IN_URL = re.compile(r"(//[^/:@]*:)[^/@]*@")


def redact(url: str) -> str:
    """The URL as it may appear in an error message or a log: without its password."""
    return _PASSWORD_IN_URL.sub(r"\1***@", url)


def create_store_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for `url` that has connected once, so a bad URL fails here, clearly."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise StoreError(f"a schema ({schema!r}) is only supported on PostgreSQL, not SQLite")
        engine = _sqlite_engine(parsed)
    elif backend == "postgresql":
        engine = _postgresql_engine(parsed, schema)
    else:
        raise StoreError(
            f"unsupported database {backend!r} in URL {redact(url)!r}: "
            f"Switchboard stores its data in SQLite or PostgreSQL ({URL_EXAMPLES})"
        )
    try:
        with engine.connect() as connection:
            if schema is not None:
                _ensure_schema(connection, schema)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot connect to {redact(url)}: {describe(exc)}") from exc
    return engine


def describe(exc: SQLAlchemyError) -> str:
    """The driver's own message, first line only, without SQLAlchemy's wrapping."""
    original = getattr(exc, "orig", None)
    message = str(original if original is not None else exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {redact(url)!r}: expected {URL_EXAMPLES}") from exc


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database in (None, "", ":memory:"):
        # One shared connection, or every checkout would see a new empty database.
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        _sqlite_transactions(engine, wal=False)
        return engine
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder of the database {path}: {exc}") from exc
    engine = _create(url.set(database=str(path)))
    _sqlite_transactions(engine, wal=True)
    return engine


def _sqlite_transactions(engine: Engine, *, wal: bool) -> None:
    """Make SQLite transactional like PostgreSQL (SQLAlchemy's documented recipe).

    Python's sqlite3 only begins a transaction before INSERT/UPDATE/DELETE, so DDL
    and reads run outside any transaction; taking over BEGIN fixes both.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def _postgresql_engine(url: URL, schema: str | None) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise StoreError(
                f"invalid schema name {schema!r}: use letters, digits and _ "
                "(at most 63, not starting with a digit)"
            )
        connect_args["options"] = f"-csearch_path={schema}"
    # pre_ping: a restarted PostgreSQL server must not fail the next save.
    return _create(url, connect_args=connect_args, pool_pre_ping=True)


def _ensure_schema(connection: Connection, schema: str) -> None:
    """Create the schema unless it exists: a database administrator may have made it
    for a user who is not allowed to create schemas (which `IF NOT EXISTS` checks)."""
    found = connection.execute(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
    ).first()
    if found is None:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    connection.commit()


def _create(url: URL, **kwargs: Any) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except ImportError as exc:
        raise StoreError(
            f"the database driver for {url.drivername!r} is not installed ({exc.name}); "
            f"Switchboard ships psycopg 3: use {URL_EXAMPLES}"
        ) from exc
    except ArgumentError as exc:
        raise StoreError(
            f"invalid database URL {redact(url.render_as_string())!r}: {exc}; "
            f"expected {URL_EXAMPLES}"
        ) from exc
