"""What the core hands to the store: the persisted shape of an interaction.

An *interaction* is one customer call from its arrival (or dialling, when outbound)
to its end, with every agent who took part in it. Each agent's part is a
*participation* with its own talk/hold time and its own post-interaction
(qualification, tags, CRM links): when agent A transfers to agent B, both qualify
their part of the same call.

The core emits `PersistInteraction(record)` whenever a part of the call closes (a
participation's post-interaction ends, the call ends) so the record is stored before
the agent is released; the store upserts by `id`. Times are seconds on the clock the
runtime passes in (the wall clock, UNIX epoch, in production).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallType(StrEnum):
    """Decides the popup colour (spec §2.2)."""

    SMART_ROUTING = "smart_routing"  # raspberry red (also campaign calls)
    DIRECT_EXTERNAL = "direct_external"  # ocean blue
    DIRECT_INTERNAL = "direct_internal"  # sky blue
    PREVIEW = "preview"  # lilac


class EndCause(StrEnum):
    COMPLETED = "completed"
    """Connected to an agent, then one side hung up."""
    ABANDONED = "abandoned"
    """The caller hung up before an agent answered."""
    TRANSFERRED = "transferred"
    """Handed to a party outside the contact center (external number, directory)."""
    VOICEMAIL = "voicemail"
    REJECTED = "rejected"
    """Refused by a queue rule: full, no agent logged in, hang-up overflow."""
    FAILED = "failed"
    """An outbound call that did not connect (busy, no answer, unreachable...)."""
    SHUTDOWN = "shutdown"
    """The server stopped while the call was up."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: float
    kind: str
    """`queued`, `offered`, `declined`, `missed`, `connected`, `held`, `resumed`,
    `muted`, `unmuted`, `recording_started`, `recording_stopped`, `dtmf`,
    `transfer_started`, `transfer_ringing`, `transfer_answered`, `transfer_completed`,
    `transfer_cancelled`, `transfer_failed`, `merged`, `overflow`, `voicemail`,
    `ended`, ..."""
    agent_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TransferRecord:
    id: str
    mode: str
    """`blind` or `attended`."""
    destination_kind: str
    """`user`, `queue`, `flow`, `directory` or `number`."""
    destination: str
    """The agent, queue or flow id, the directory contact id, or the number."""
    from_agent: str
    status: str
    """`starting`, `ringing`, `answered`, `completed`, `cancelled` or `failed`."""
    failure_reason: str | None
    started_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class RecordingRef:
    id: str
    started_at: float
    stopped_at: float | None
    automatic: bool
    started_by: str | None
    """The agent who started it; None for an automatic recording."""


@dataclass(frozen=True, slots=True)
class CrmLink:
    contact_id: str
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class Participation:
    """One agent's part in an interaction, with its post-interaction outcome."""

    agent_id: str
    offered_at: float | None
    connected_at: float | None
    left_at: float | None
    talk_seconds: float
    hold_seconds: float
    post_interaction_started_at: float | None
    post_interaction_ended_at: float | None
    qualification: dict[str, Any]
    tags: tuple[str, ...]
    crm_links: tuple[CrmLink, ...]


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    id: str
    direction: Direction
    call_type: CallType
    caller: str
    """The customer's number (the agent's extension for an internal call)."""
    callee: str
    """The number or extension that was dialled."""
    crm_contact_id: str | None
    queue_id: str | None
    created_at: float
    answered_at: float | None
    ended_at: float | None
    end_cause: EndCause | None
    wait_seconds: float
    talk_seconds: float
    hold_seconds: float
    post_interaction_seconds: float
    participations: tuple[Participation, ...]
    transfers: tuple[TransferRecord, ...]
    recordings: tuple[RecordingRef, ...]
    timeline: tuple[TimelineEntry, ...]
    variables: dict[str, str]
    """Variables collected by Smart Routing (the Datas tab)."""
    caller_name: str | None = None
    """The display name the caller's phone sent, if any (the caller's to choose)."""


@dataclass(frozen=True, slots=True)
class MissedCallRecord:
    id: str
    agent_id: str
    call_id: str
    caller: str
    crm_contact_id: str | None
    queue_id: str | None
    at: float
    reason: str
    """`expired` (the countdown ran out) or `declined`."""


@dataclass(frozen=True, slots=True)
class VoicemailRecord:
    id: str
    call_id: str
    mailbox: str
    """A queue, agent or flow id."""
    caller: str
    crm_contact_id: str | None
    created_at: float
    duration_seconds: float | None
    audio_path: str | None
    transcription: str | None
    transcription_status: str
    """`pending`, `done`, `failed` or `none`."""
    emailed_at: float | None
    heard_at: float | None = None
    """When an agent first marked it heard (the API); None while nobody has."""
    heard_by: str | None = None
    """The agent who first marked it heard."""


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """A queued callback promised to a customer: kept in the store from the request
    until the customer answers the callback or the call is over, so that a restart
    restores it in its place (`RestoreCallback`)."""

    call_id: str
    queue_id: str
    number: str
    """Where to call the customer back."""
    callee: str
    """The number the customer had dialled."""
    caller_name: str | None
    crm_contact_id: str | None
    created_at: float
    wait_since: float
    requested_at: float
    priority: int
    required_skill: int | None
    variables: dict[str, str] = field(default_factory=dict)
    timeline: tuple[TimelineEntry, ...] = ()
