"""What a person reads when the store cannot start: one sentence, no driver traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from switchboard.store import Store, StoreError

from .targets import StoreTarget


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"invalid database URL 'not a url': expected sqlite:///"),
        ("mysql://root@localhost/sb", r"unsupported database 'mysql'.*SQLite or PostgreSQL"),
        ("postgresql+psycopg2://u@h/db", r"driver for 'postgresql\+psycopg2' is not installed"),
    ],
)
def test_a_malformed_url_is_a_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        Store.open(url)


def test_an_unreachable_server_is_named_without_its_password() -> None:
    # given a server that does not listen (port 1)
    url = "postgresql+psycopg://switchboard:s3cret@127.0.0.1:1/sb"

    # then the error says where it tried, and hides the password
    with pytest.raises(StoreError, match=r"cannot connect to postgresql\+psycopg://") as caught:
        Store.open(url)
    assert "127.0.0.1:1/sb" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_schema_is_refused_on_sqlite(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="only supported on PostgreSQL"):
        Store.open(f"sqlite:///{tmp_path / 'x.db'}", schema="tenant_a")


def test_a_bad_schema_name_is_refused() -> None:
    with pytest.raises(StoreError, match="invalid schema name 'a; DROP TABLE users'"):
        Store.open("postgresql+psycopg://u@127.0.0.1:1/sb", schema="a; DROP TABLE users")


def test_a_sqlite_file_in_an_unwritable_place_is_a_store_error(tmp_path: Path) -> None:
    # given the database path goes through a regular file, so no folder can be made
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the folder of the database"):
        Store.open(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_a_database_migrated_by_a_newer_switchboard_is_refused(target: StoreTarget) -> None:
    # given a database whose schema a newer version moved past our head
    with target.open() as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))

    # then this version refuses it and says why
    with pytest.raises(StoreError, match=r"revision 'ffff9999'.*newer Switchboard"):
        target.open()


def test_an_in_memory_database_works_for_other_layers_tests() -> None:
    with Store.open("sqlite://") as store:
        assert store.applied_migrations == ("0001", "0002", "0003", "0004")
        assert store.users() == []
