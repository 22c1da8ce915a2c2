"""Every store test runs twice: on a fresh SQLite file and on a fresh PostgreSQL schema.

PostgreSQL is the real peer (CI has it at 127.0.0.1:5432, trust auth, database
`test`). Other runs may share that database, so a test session works in its own
schema, `sb_test_<random hex>`, emptied before each test and dropped at the end.
Without a reachable server the PostgreSQL half is skipped with the reason, except
under CI (`CI` set), where it fails: CI must not pass by testing half the store.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from switchboard.store import Store

from .targets import StoreTarget

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_DATABASE = "test"
PG_USERS = ("postgres", "root")


class PostgresSession:
    """The test session's private schema on the shared PostgreSQL database."""

    def __init__(self, user: str) -> None:
        self.url = f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
        self.schema = f"sb_test_{secrets.token_hex(6)}"
        self._admin = psycopg.connect(_conninfo(user), autocommit=True)

    def reset(self) -> None:
        """Start the next test on an empty schema: no tables, no migration applied."""
        self._drop()
        self._admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))

    def close(self) -> None:
        try:
            self._drop()
        finally:
            self._admin.close()

    def _drop(self) -> None:
        self._admin.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
        )


def _conninfo(user: str) -> str:
    return f"host={PG_HOST} port={PG_PORT} dbname={PG_DATABASE} user={user} connect_timeout=5"


def _connectable_user() -> str:
    errors: list[str] = []
    for user in PG_USERS:
        try:
            psycopg.connect(_conninfo(user)).close()
        except psycopg.Error as exc:
            errors.append(f"user {user}: {str(exc).strip().splitlines()[0]}")
        else:
            return user
    reason = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}/{PG_DATABASE}: " + "; ".join(errors)
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the PostgreSQL tests are mandatory)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSession]:
    session = PostgresSession(_connectable_user())
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """An empty database; the SQLite file is in a folder that does not exist yet."""
    if request.param == "sqlite":
        return StoreTarget(f"sqlite:///{tmp_path / 'var' / 'switchboard.db'}")
    postgres: PostgresSession = request.getfixturevalue("postgres")
    postgres.reset()
    return StoreTarget(postgres.url, postgres.schema)


@pytest.fixture
def store(target: StoreTarget) -> Iterator[Store]:
    with target.open() as opened:
        yield opened
