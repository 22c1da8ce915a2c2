"""The schema: made by the Alembic migrations, equal to the ORM tables, kept on restart."""

from __future__ import annotations

from dataclasses import replace

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from switchboard.store import Store, UserSpec
from switchboard.store.engine import create_store_engine
from switchboard.store.migrate import alembic_config, current_revision, head_revision
from switchboard.store.tables import Base

from .builders import T0, missed_call, rich_interaction, voicemail
from .conftest import PostgresSession
from .targets import StoreTarget


def test_a_new_database_is_migrated_to_head(target: StoreTarget) -> None:
    # when the store opens an empty database (for SQLite, in a folder not yet made)
    with target.open() as store:
        # then every migration was applied, and the database is at head
        assert store.applied_migrations == ("0001", "0002", "0003", "0004")
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            tables = set(inspect(connection).get_table_names())
    assert tables == {*Base.metadata.tables, "alembic_version"}


def test_the_migrated_schema_matches_the_orm_tables(store: Store) -> None:
    # given a database made by the migrations alone (never create_all)
    with store.engine.connect() as connection:
        # then Alembic's autogenerate finds nothing to change
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@pytest.mark.postgres
def test_on_postgresql_everything_lives_in_the_given_schema(postgres: PostgresSession) -> None:
    postgres.reset()
    target = StoreTarget(postgres.url, postgres.schema)
    with target.open() as store, store.engine.connect() as connection:
        tables = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": target.schema},
        ).scalars()
        assert set(tables) == {*Base.metadata.tables, "alembic_version"}


def test_a_restart_finds_the_data_and_migrates_nothing(target: StoreTarget) -> None:
    # given a store that saved one of everything, then was closed
    record = rich_interaction()
    with target.open() as store:
        store.save_interaction(record)
        store.save_missed_call(missed_call("m1", agent_id="alice", at=T0))
        store.save_voicemail(voicemail("vm1"))
        store.sync_users([UserSpec("alice", "Alice", "1001", None, "agents")], now=1.0)
        store.set_notification_preference("alice", "missed_call", "sound")

    # when the runtime starts again on the same database
    with target.open() as store:
        # then no migration ran and everything is there
        assert store.applied_migrations == ()
        assert store.get_interaction(record.id) == record
        assert store.missed_calls("alice") == [missed_call("m1", agent_id="alice", at=T0)]
        assert store.get_voicemail("vm1") == voicemail("vm1")
        assert [u.agent_id for u in store.users()] == ["alice"]
        assert store.get_notification_preferences("alice") == {"missed_call": "sound"}

    # and a third start is just as quiet
    with target.open() as store:
        assert store.applied_migrations == ()
        with store.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == [head_revision()]


def test_the_migrations_downgrade_to_nothing_and_upgrade_again(target: StoreTarget) -> None:
    # given a migrated database
    with target.open() as store, store.engine.begin() as connection:
        # when every migration is undone
        command.downgrade(alembic_config(connection), "base")
        # then only Alembic's (empty) version table is left
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        assert current_revision(connection) is None

    # and the next start migrates it again
    with target.open() as store:
        assert store.applied_migrations == ("0001", "0002", "0003", "0004")


def test_a_database_of_the_first_revision_gets_the_voicemail_hearing(
    target: StoreTarget,
) -> None:
    # given a database left at revision 0001 by the previous Switchboard, with a message
    engine = create_store_engine(target.url, schema=target.schema)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            connection.execute(
                text(
                    "INSERT INTO voicemails (id, call_id, mailbox, caller, crm_contact_id,"
                    " created_at, duration_seconds, audio_path, transcription,"
                    " transcription_status, emailed_at) VALUES (:id, :call_id, :mailbox,"
                    " :caller, :crm_contact_id, :created_at, :duration_seconds, :audio_path,"
                    " :transcription, :transcription_status, :emailed_at)"
                ),
                {
                    "id": "vm1",
                    "call_id": "call-of-vm1",
                    "mailbox": "sales",
                    "caller": "+33612345678",
                    "crm_contact_id": "contact-42",
                    "created_at": T0,
                    "duration_seconds": 17.4,
                    "audio_path": "var/voicemail/vm1.wav",
                    "transcription": None,
                    "transcription_status": "pending",
                    "emailed_at": None,
                },
            )
    finally:
        engine.dispose()

    # when this version opens it
    with target.open() as store:
        # then only the new revision runs, and the old message is there, unheard
        assert store.applied_migrations == ("0002", "0003", "0004")
        assert store.get_voicemail("vm1") == voicemail("vm1")
        assert store.unheard_voicemails(["sales"]) == {"sales": 1}
        # and it can be marked heard like a new one
        store.mark_voicemail_heard("vm1", "alice", T0 + 5)
        assert store.get_voicemail("vm1") == replace(
            voicemail("vm1"), heard_at=T0 + 5, heard_by="alice"
        )
