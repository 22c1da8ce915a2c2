"""The database tables, as typed SQLAlchemy ORM classes.

Theory of the layout: an interaction is one row in `interactions` with its children
in their own tables (`participations`, `transfers`, `recordings`, `timeline_events`),
each child ordered by a `position` column so a record comes back exactly as it was
saved. The columns that the history screens filter or sort on are real, indexed
columns (queue, caller, creation time, end cause, participating agent); what is only
ever shown as a whole (qualification answers, tags, CRM links, Smart Routing
variables, timeline details) is JSON.

Choices that hold for every table:

- Times are epoch seconds in `Double` columns (8-byte IEEE on both SQLite and
  PostgreSQL), so the float the core hands in is the float that comes back.
- Enumerations (direction, end cause, statuses...) are plain strings, not database
  enums: the core adds values without a migration.
- Strings have no length: PostgreSQL `VARCHAR` without a limit and SQLite behave the
  same way, where a limit would be enforced by one and ignored by the other.
- Constraint and index names follow `NAMING_CONVENTION`, so migrations name them
  the same way on every database and a later migration can drop them by name.

The schema itself is created by the Alembic migrations in `migrations/versions`,
never by `create_all`; a test checks the two agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Double, ForeignKey, Index, MetaData, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        float: Double(),
        str: Text(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class InteractionRow(Base):
    """One customer call from arrival (or dialling) to its end."""

    __tablename__ = "interactions"
    # A queue's history is read newest first: one index serves the filter and the sort.
    __table_args__ = (Index(None, "queue_id", "created_at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    direction: Mapped[str]
    call_type: Mapped[str]
    caller: Mapped[str] = mapped_column(index=True)
    caller_name: Mapped[str | None]
    callee: Mapped[str]
    crm_contact_id: Mapped[str | None] = mapped_column(index=True)
    queue_id: Mapped[str | None]
    created_at: Mapped[float] = mapped_column(index=True)
    answered_at: Mapped[float | None]
    ended_at: Mapped[float | None]
    end_cause: Mapped[str | None] = mapped_column(index=True)
    wait_seconds: Mapped[float]
    talk_seconds: Mapped[float]
    hold_seconds: Mapped[float]
    post_interaction_seconds: Mapped[float]
    variables: Mapped[dict[str, Any]]

    participations: Mapped[list[ParticipationRow]] = relationship(
        order_by="ParticipationRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    transfers: Mapped[list[TransferRow]] = relationship(
        order_by="TransferRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    recordings: Mapped[list[RecordingRow]] = relationship(
        order_by="RecordingRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    timeline: Mapped[list[TimelineEventRow]] = relationship(
        order_by="TimelineEventRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ParticipationRow(Base):
    """One agent's part in an interaction, with its post-interaction outcome."""

    __tablename__ = "participations"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(index=True)
    offered_at: Mapped[float | None]
    connected_at: Mapped[float | None]
    left_at: Mapped[float | None]
    talk_seconds: Mapped[float]
    hold_seconds: Mapped[float]
    post_interaction_started_at: Mapped[float | None]
    post_interaction_ended_at: Mapped[float | None]
    qualification: Mapped[dict[str, Any]]
    tags: Mapped[list[Any]]
    crm_links: Mapped[list[Any]]
    """`[{"contact_id": ..., "case_id": ...}]`, in the agent's order."""


class TransferRow(Base):
    __tablename__ = "transfers"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str]
    mode: Mapped[str]
    destination_kind: Mapped[str]
    destination: Mapped[str]
    from_agent: Mapped[str]
    status: Mapped[str]
    failure_reason: Mapped[str | None]
    started_at: Mapped[float]
    ended_at: Mapped[float | None]


class RecordingRow(Base):
    """A recording of an interaction; keyed by its own id for the download.

    `path`, `size_bytes` and `duration_seconds` are not in the core's record: the
    media engine reports them when it closes the file, and a later save of the
    interaction keeps them.
    """

    __tablename__ = "recordings"

    id: Mapped[str] = mapped_column(primary_key=True)
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    started_at: Mapped[float]
    stopped_at: Mapped[float | None]
    automatic: Mapped[bool]
    started_by: Mapped[str | None]
    path: Mapped[str | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_seconds: Mapped[float | None]


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[float]
    kind: Mapped[str]
    agent_id: Mapped[str | None]
    detail: Mapped[dict[str, Any]]


class MissedCallRow(Base):
    """An offer that expired or was declined, shown to the agent as a missed call."""

    __tablename__ = "missed_calls"
    __table_args__ = (Index(None, "agent_id", "at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    agent_id: Mapped[str]
    call_id: Mapped[str] = mapped_column(index=True)
    caller: Mapped[str]
    crm_contact_id: Mapped[str | None]
    queue_id: Mapped[str | None]
    at: Mapped[float]
    reason: Mapped[str]


class VoicemailRow(Base):
    __tablename__ = "voicemails"
    __table_args__ = (Index(None, "mailbox", "created_at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(index=True)
    mailbox: Mapped[str]
    caller: Mapped[str]
    crm_contact_id: Mapped[str | None]
    created_at: Mapped[float]
    duration_seconds: Mapped[float | None]
    audio_path: Mapped[str | None]
    transcription: Mapped[str | None]
    transcription_status: Mapped[str]
    emailed_at: Mapped[float | None]
    heard_at: Mapped[float | None]
    """Set once, by the first agent who marks the message heard (revision 0002)."""
    heard_by: Mapped[str | None]


class PendingCallbackRow(Base):
    """A queued callback promised and not yet answered (revision 0003)."""

    __tablename__ = "pending_callbacks"

    call_id: Mapped[str] = mapped_column(primary_key=True)
    queue_id: Mapped[str]
    number: Mapped[str]
    callee: Mapped[str]
    caller_name: Mapped[str | None]
    crm_contact_id: Mapped[str | None]
    created_at: Mapped[float]
    wait_since: Mapped[float]
    requested_at: Mapped[float]
    priority: Mapped[int]
    required_skill: Mapped[int | None]
    variables: Mapped[dict[str, Any]]
    timeline: Mapped[list[Any]]


class UserRow(Base):
    """A user synced from the tenant configuration; never deleted, only deactivated."""

    __tablename__ = "users"

    agent_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    extension: Mapped[str | None] = mapped_column(index=True)
    password_hash: Mapped[str | None]
    profile_id: Mapped[str]
    active: Mapped[bool]
    created_at: Mapped[float]
    updated_at: Mapped[float]


class NotificationPreferenceRow(Base):
    """An agent's own choice for one notification, overriding its profile's default."""

    __tablename__ = "notification_preferences"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("users.agent_id", ondelete="CASCADE"), primary_key=True
    )
    notification_type: Mapped[str] = mapped_column(primary_key=True)
    mode: Mapped[str]
    updated_at: Mapped[float]
