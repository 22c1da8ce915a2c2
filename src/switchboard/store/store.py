"""The `Store`: what the runtime and the API keep in the database, behind plain methods.

The store is synchronous SQLAlchemy; the runtime calls it from a worker thread so
the event loop never waits on the disk or the network. Each method is one
transaction, opened and closed inside the call: nothing is cached between calls, so
two processes (runtime and API) may share a database, and a method either did
everything or nothing.

Writes of the core's records are *upserts by id*: the core emits the same
interaction several times as it progresses (a participation's post-interaction
ends, then the call ends), and the latest version replaces the stored one,
children included.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine, and_, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from switchboard.core.records import (
    CallbackRecord,
    InteractionRecord,
    MissedCallRecord,
    VoicemailRecord,
)
from switchboard.store import mapping
from switchboard.store.engine import create_store_engine, describe
from switchboard.store.migrate import upgrade_to_head
from switchboard.store.tables import (
    InteractionRow,
    MissedCallRow,
    NotificationPreferenceRow,
    ParticipationRow,
    PendingCallbackRow,
    RecordingRow,
    UserRow,
    VoicemailRow,
)
from switchboard.store.types import (
    NOTIFICATION_MODES,
    NOTIFICATION_TYPES,
    RecordingFile,
    StoredUser,
    StoreError,
    UserSpec,
    UserSyncResult,
)


class Store:
    """Persistence of interactions, missed calls, voicemails, users and preferences."""

    def __init__(self, engine: Engine, *, applied_migrations: tuple[str, ...] = ()) -> None:
        """Wrap an engine whose schema is already at head; use `Store.open` instead."""
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._applied_migrations = applied_migrations

    @classmethod
    def open(cls, url: str, *, schema: str | None = None) -> Store:
        """Connect to `url` and migrate its schema to this code's version.

        `url` is `sqlite:///path/to/file.db` (the folder is created) or
        `postgresql+psycopg://user@host:5432/dbname`; `schema` (PostgreSQL only)
        keeps everything in that schema. Raises `StoreError` with a readable message
        for a malformed URL, an unreachable server or a schema from a newer version.
        """
        engine = create_store_engine(url, schema=schema)
        try:
            applied = upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, applied_migrations=applied)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for health checks and tests."""
        return self._engine

    @property
    def applied_migrations(self) -> tuple[str, ...]:
        """The revisions `open` applied, oldest first; empty if the schema was current."""
        return self._applied_migrations

    def close(self) -> None:
        """Close every pooled connection; the store must not be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- interactions -------------------------------------------------------------

    def save_interaction(self, record: InteractionRecord) -> None:
        """Insert the interaction, or replace the stored version and all its children.

        A recording keeps its file columns (`set_recording_file`) across saves.
        """
        with self._transaction(f"save interaction {record.id!r}") as session:
            row = session.get(InteractionRow, record.id)
            if row is None:
                row = InteractionRow()
                session.add(row)
            else:
                # Delete the old children first: the new ones reuse their keys.
                row.participations.clear()
                row.transfers.clear()
                row.timeline.clear()
                session.flush()
            mapping.fill_interaction(row, record)
            row.participations.extend(mapping.participation_rows(record))
            row.transfers.extend(mapping.transfer_rows(record))
            row.timeline.extend(mapping.timeline_rows(record))
            row.recordings = mapping.recording_rows(record, row.recordings)

    def get_interaction(self, interaction_id: str) -> InteractionRecord | None:
        with self._transaction(f"read interaction {interaction_id!r}") as session:
            row = session.get(InteractionRow, interaction_id)
            return None if row is None else mapping.interaction_from_row(row)

    def history(
        self,
        *,
        agent_id: str | None = None,
        queue_ids: Collection[str] | None = None,
        limit: int = 50,
        before: float | None = None,
        before_id: str | None = None,
    ) -> list[InteractionRecord]:
        """Interactions newest first, at most `limit`.

        `agent_id` keeps those the agent took part in; `queue_ids` those of these
        queues (an empty collection gives nothing); both together must hold. Paging:
        pass the last item's `created_at` as `before` and, so that interactions
        created at the same instant are neither skipped nor repeated, its `id` as
        `before_id`.
        """
        _check_limit(limit)
        if before_id is not None and before is None:
            raise ValueError("before_id is a tie-breaker for before: pass both")
        query = select(InteractionRow)
        if agent_id is not None:
            took_part = exists().where(
                ParticipationRow.interaction_id == InteractionRow.id,
                ParticipationRow.agent_id == agent_id,
            )
            query = query.where(took_part)
        if queue_ids is not None:
            query = query.where(InteractionRow.queue_id.in_(list(queue_ids)))
        if before is not None:
            if before_id is None:
                query = query.where(InteractionRow.created_at < before)
            else:
                query = query.where(
                    or_(
                        InteractionRow.created_at < before,
                        and_(InteractionRow.created_at == before, InteractionRow.id < before_id),
                    )
                )
        query = query.order_by(InteractionRow.created_at.desc(), InteractionRow.id.desc())
        with self._transaction("read the interaction history") as session:
            rows = session.scalars(query.limit(limit)).all()
            return [mapping.interaction_from_row(row) for row in rows]

    def set_recording_file(
        self,
        recording_id: str,
        *,
        path: str,
        size_bytes: int | None,
        duration_seconds: float | None,
    ) -> None:
        """Record where a recording's audio is, once the media engine closed the file.

        The interaction that carries the recording must have been saved first.
        """
        with self._transaction(f"save the file of recording {recording_id!r}") as session:
            row = session.get(RecordingRow, recording_id)
            if row is None:
                raise StoreError(
                    f"unknown recording {recording_id!r}: save the interaction that "
                    "carries it before its file"
                )
            row.path = path
            row.size_bytes = size_bytes
            row.duration_seconds = duration_seconds

    def get_recording_file(self, recording_id: str) -> RecordingFile | None:
        with self._transaction(f"read recording {recording_id!r}") as session:
            row = session.get(RecordingRow, recording_id)
            return None if row is None else mapping.recording_file_from_row(row)

    # --- queued callbacks ------------------------------------------------------------

    def save_callback(self, record: CallbackRecord) -> None:
        """Keep a promised callback (saving the same call again replaces it)."""
        with self._transaction(f"save the callback of {record.call_id!r}") as session:
            session.merge(mapping.callback_row(record))

    def delete_callback(self, call_id: str) -> None:
        """Forget the callback of this call; nothing happens if there is none."""
        with self._transaction(f"delete the callback of {call_id!r}") as session:
            row = session.get(PendingCallbackRow, call_id)
            if row is not None:
                session.delete(row)

    def pending_callbacks(self) -> list[CallbackRecord]:
        """Every callback still promised, in the order they joined their queues."""
        query = select(PendingCallbackRow).order_by(
            PendingCallbackRow.wait_since, PendingCallbackRow.call_id
        )
        with self._transaction("read the pending callbacks") as session:
            return [mapping.callback_from_row(row) for row in session.scalars(query)]

    # --- missed calls and voicemails ------------------------------------------------

    def save_missed_call(self, record: MissedCallRecord) -> None:
        """Insert the missed call (saving the same id again replaces it)."""
        with self._transaction(f"save missed call {record.id!r}") as session:
            row = session.get(MissedCallRow, record.id) or MissedCallRow()
            mapping.fill_flat(row, record)
            session.add(row)

    def missed_calls(
        self, agent_id: str, *, since: float | None = None, limit: int = 50
    ) -> list[MissedCallRecord]:
        """The agent's missed calls, newest first; `since` keeps those at or after it."""
        _check_limit(limit)
        query = select(MissedCallRow).where(MissedCallRow.agent_id == agent_id)
        if since is not None:
            query = query.where(MissedCallRow.at >= since)
        query = query.order_by(MissedCallRow.at.desc(), MissedCallRow.id.desc()).limit(limit)
        with self._transaction(f"read the missed calls of {agent_id!r}") as session:
            return [mapping.flat_from_row(MissedCallRecord, row) for row in session.scalars(query)]

    def save_voicemail(self, record: VoicemailRecord) -> None:
        """Insert the voicemail or replace it (the transcription arrives later).

        A voicemail already marked heard stays heard as it was: the runtime saves the
        record it holds (transcription, e-mail) without knowing an agent heard it
        meanwhile, and `mark_voicemail_heard` owns that part.
        """
        with self._transaction(f"save voicemail {record.id!r}") as session:
            row = session.get(VoicemailRow, record.id)
            if row is None:
                row = VoicemailRow()
                session.add(row)
                mapping.fill_flat(row, record)
            else:
                # Left out of the UPDATE altogether: a hearing committed by another
                # process after this row was read must not be written back as None.
                mapping.fill_flat(row, record, skip=("heard_at", "heard_by"))

    def get_voicemail(self, voicemail_id: str) -> VoicemailRecord | None:
        with self._transaction(f"read voicemail {voicemail_id!r}") as session:
            row = session.get(VoicemailRow, voicemail_id)
            return None if row is None else mapping.flat_from_row(VoicemailRecord, row)

    def mark_voicemail_heard(
        self, voicemail_id: str, agent_id: str, at: float
    ) -> VoicemailRecord | None:
        """Record that `agent_id` heard the voicemail at `at`; the voicemail as stored
        afterwards, or None for an unknown id.

        Only the first hearing is kept: marking again, by anyone, changes nothing.
        The check and the write are one conditional UPDATE, so two agents marking the
        same message at once (from two processes) cannot both win.
        """
        first = (
            update(VoicemailRow)
            .where(VoicemailRow.id == voicemail_id, VoicemailRow.heard_at.is_(None))
            .values(heard_at=at, heard_by=agent_id)
        )
        with self._transaction(f"mark voicemail {voicemail_id!r} heard") as session:
            session.execute(first)
            row = session.get(VoicemailRow, voicemail_id)
            return None if row is None else mapping.flat_from_row(VoicemailRecord, row)

    def voicemails(
        self,
        mailboxes: Collection[str],
        *,
        limit: int = 50,
        before: float | None = None,
        unheard_only: bool = False,
    ) -> list[VoicemailRecord]:
        """The voicemails left in these mailboxes, newest first; `before` keeps those
        created before it, `unheard_only` those nobody has marked heard."""
        _check_limit(limit)
        query = select(VoicemailRow).where(VoicemailRow.mailbox.in_(list(mailboxes)))
        if before is not None:
            query = query.where(VoicemailRow.created_at < before)
        if unheard_only:
            query = query.where(VoicemailRow.heard_at.is_(None))
        query = query.order_by(VoicemailRow.created_at.desc(), VoicemailRow.id.desc())
        with self._transaction("read voicemails") as session:
            return [
                mapping.flat_from_row(VoicemailRecord, row)
                for row in session.scalars(query.limit(limit))
            ]

    def unheard_voicemails(self, mailboxes: Collection[str]) -> dict[str, int]:
        """How many voicemails nobody has heard yet, per mailbox; every mailbox asked
        about is in the answer, 0 when it has none."""
        query = (
            select(VoicemailRow.mailbox, func.count())
            .where(VoicemailRow.mailbox.in_(list(mailboxes)), VoicemailRow.heard_at.is_(None))
            .group_by(VoicemailRow.mailbox)
        )
        counts = dict.fromkeys(mailboxes, 0)
        with self._transaction("count unheard voicemails") as session:
            for mailbox, count in session.execute(query):
                counts[mailbox] = count
        return counts

    # --- users ----------------------------------------------------------------------

    def sync_users(self, users: Iterable[UserSpec], *, now: float | None = None) -> UserSyncResult:
        """Make the stored users match the configuration's, at start-up.

        New users are added, changed ones updated (and reactivated if they had been
        removed), and users no longer in the configuration are marked inactive but
        kept, with their preferences, for the history that names them. `now`
        (epoch seconds, default the wall clock) stamps what changed.
        """
        stamp = time.time() if now is None else now
        added: list[str] = []
        updated: list[str] = []
        deactivated: list[str] = []
        with self._transaction("sync users") as session:
            stored = {row.agent_id: row for row in session.scalars(select(UserRow))}
            seen: set[str] = set()
            for spec in users:
                if spec.agent_id in seen:
                    raise ValueError(f"user {spec.agent_id!r} is listed twice")
                seen.add(spec.agent_id)
                row = stored.get(spec.agent_id)
                if row is None:
                    session.add(_new_user(spec, stamp))
                    added.append(spec.agent_id)
                elif _update_user(row, spec, stamp):
                    updated.append(spec.agent_id)
            for agent_id, row in sorted(stored.items()):
                if agent_id not in seen and row.active:
                    row.active = False
                    row.updated_at = stamp
                    deactivated.append(agent_id)
        return UserSyncResult(tuple(added), tuple(updated), tuple(deactivated))

    def get_user(self, agent_id: str) -> StoredUser | None:
        """The user whose login is `agent_id`, active or not."""
        with self._transaction(f"read user {agent_id!r}") as session:
            row = session.get(UserRow, agent_id)
            return None if row is None else mapping.user_from_row(row)

    def users(self, *, active_only: bool = False) -> list[StoredUser]:
        """Every user, by login."""
        query = select(UserRow).order_by(UserRow.agent_id)
        if active_only:
            query = query.where(UserRow.active.is_(True))
        with self._transaction("read users") as session:
            return [mapping.user_from_row(row) for row in session.scalars(query)]

    # --- notification preferences -----------------------------------------------

    def get_notification_preferences(
        self, agent_id: str, defaults: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The agent's notification modes: `defaults` (its profile's) overridden by
        what the agent saved. Without `defaults`, only what the agent saved."""
        preferences = {str(kind): str(mode) for kind, mode in (defaults or {}).items()}
        query = select(NotificationPreferenceRow).where(
            NotificationPreferenceRow.agent_id == agent_id
        )
        with self._transaction(f"read the notification preferences of {agent_id!r}") as session:
            for row in session.scalars(query):
                preferences[row.notification_type] = row.mode
        return preferences

    def set_notification_preference(
        self, agent_id: str, notification_type: str, mode: str, *, now: float | None = None
    ) -> None:
        """Save the agent's choice for one notification, replacing any earlier one."""
        _check_choice("notification type", notification_type, NOTIFICATION_TYPES)
        _check_choice("notification mode", mode, NOTIFICATION_MODES)
        stamp = time.time() if now is None else now
        with self._transaction(f"save a notification preference of {agent_id!r}") as session:
            if session.get(UserRow, agent_id) is None:
                raise StoreError(
                    f"unknown agent {agent_id!r}: users come from the tenant configuration"
                )
            key = (agent_id, str(notification_type))
            row = session.get(NotificationPreferenceRow, key)
            if row is None:
                row = NotificationPreferenceRow(agent_id=key[0], notification_type=key[1])
                session.add(row)
            row.mode = str(mode)
            row.updated_at = stamp

    def clear_notification_preference(self, agent_id: str, notification_type: str) -> None:
        """Forget the agent's choice: the profile's default applies again."""
        with self._transaction(f"clear a notification preference of {agent_id!r}") as session:
            row = session.get(NotificationPreferenceRow, (agent_id, str(notification_type)))
            if row is not None:
                session.delete(row)

    # --- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Session]:
        """One session in one transaction; a database failure becomes a `StoreError`."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"could not {action}: {describe(exc)}") from exc


def _new_user(spec: UserSpec, now: float) -> UserRow:
    return UserRow(
        agent_id=spec.agent_id,
        name=spec.name,
        extension=spec.extension,
        password_hash=spec.password_hash,
        profile_id=spec.profile_id,
        active=True,
        created_at=now,
        updated_at=now,
    )


def _update_user(row: UserRow, spec: UserSpec, now: float) -> bool:
    """Apply `spec` to `row`; True if anything changed (or the user came back)."""
    wanted = (spec.name, spec.extension, spec.password_hash, spec.profile_id, True)
    if (row.name, row.extension, row.password_hash, row.profile_id, row.active) == wanted:
        return False
    row.name = spec.name
    row.extension = spec.extension
    row.password_hash = spec.password_hash
    row.profile_id = spec.profile_id
    row.active = True
    row.updated_at = now
    return True


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


def _check_choice(what: str, value: str, allowed: frozenset[str]) -> None:
    if str(value) not in allowed:
        raise ValueError(f"unknown {what} {value!r}: expected one of {', '.join(sorted(allowed))}")
