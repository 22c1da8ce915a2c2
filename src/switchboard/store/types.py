"""The store's own small value types: users, notification settings, recording files.

Interactions, missed calls and voicemails are the core's records
(`switchboard.core.records`); what is defined here exists only because the store
keeps it: a user as the configuration declares it (`UserSpec`) and as the store
remembers it (`StoredUser`, with `active` and its times), and where a recording's
audio file ended up (`RecordingFile`).
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.config.model import NotificationMode, NotificationType


class StoreError(Exception):
    """The store could not do what was asked; the message says what and why.

    Every failure of the database (unreachable server, bad URL, constraint broken,
    schema newer than this code) is raised as a `StoreError` so that the runtime and
    the CLI have one thing to catch and a sentence to show, not a driver traceback.
    """


NOTIFICATION_TYPES: frozenset[str] = frozenset(t.value for t in NotificationType)
"""The voice notifications of spec §9."""

NOTIFICATION_MODES: frozenset[str] = frozenset(m.value for m in NotificationMode)
"""How a notification is shown."""


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user as the tenant configuration declares it, the input of `Store.sync_users`."""

    agent_id: str
    """The login, also the id every record uses for the agent."""
    name: str
    extension: str | None
    password_hash: str | None
    """An argon2 hash, copied from the configuration; the store never sees passwords."""
    profile_id: str


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user as the store keeps it.

    A user removed from the configuration is not deleted, only marked inactive: the
    history, missed calls and notification preferences still name it, and it comes
    back as it was if an administrator adds it again.
    """

    agent_id: str
    name: str
    extension: str | None
    password_hash: str | None
    profile_id: str
    active: bool
    created_at: float
    updated_at: float
    """Last time a sync changed something for this user (epoch seconds)."""


@dataclass(frozen=True, slots=True)
class UserSyncResult:
    """What `Store.sync_users` changed, for one log line at start-up."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    """Changed fields, or reactivated after being absent from the configuration."""
    deactivated: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordingFile:
    """Where the audio of a recording is, for the download endpoint.

    The core's `RecordingRef` knows when a recording started and stopped; the media
    engine learns the file's path, size and duration only when it closes the WAV, so
    these are filled in separately (`Store.set_recording_file`) and survive later
    saves of the interaction.
    """

    recording_id: str
    interaction_id: str
    path: str | None
    size_bytes: int | None
    duration_seconds: float | None
