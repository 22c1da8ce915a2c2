"""A customer call (or internal call) as the contact center tracks it.

Theory of operation
-------------------
    routing ──▶ queued ──▶ offered ──accept──▶ connected ◀──▶ held
       ▲          ▲           │                    │   ╲
       │          └─decline/expiry (head of queue)  │    ╲ merge
       │                                          transfer ─▶ conference
       │                                            │
       └──────────── transfer to a flow ◀───────────┘
    dialing (outbound, before the far end answers) ──answer──▶ connected
    any state ──▶ voicemail ──▶ ended;   any state ──▶ ended (with an end cause)

A call has at most one *remote* party (the customer's leg: a trunk or SIP caller,
or the number an agent dialled) and any number of agents; an internal call has
agents only. `transferring` is the state of a call whose agent has left in a blind
transfer while the destination rings; `external` parties bridged by a completed
transfer keep the call in `connected` with no agent. A call is in exactly one place
at a time (a queue's waiting list, one offer or a ring-all round, agents, a flow, a
mailbox, or ended), which the invariant checker verifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from switchboard.core.records import (
    CallType,
    CrmLink,
    Direction,
    EndCause,
    Participation,
    RecordingRef,
    TimelineEntry,
)


class CallState(StrEnum):
    ROUTING = "routing"
    QUEUED = "queued"
    OFFERED = "offered"
    DIALING = "dialing"
    CONNECTED = "connected"
    HELD = "held"
    TRANSFERRING = "transferring"
    CONFERENCE = "conference"
    VOICEMAIL = "voicemail"
    ENDED = "ended"


ACTIVE_STATES = frozenset(
    {CallState.CONNECTED, CallState.HELD, CallState.CONFERENCE, CallState.DIALING}
)


@dataclass(slots=True)
class TransferInfo:
    """Shown on the recipient's popup: who transfers, and how."""

    from_agent: str
    mode: str


@dataclass(slots=True)
class AgentLeg:
    """An agent's presence on a call, and what is kept for its participation."""

    agent_id: str
    offered_at: float | None
    connected_at: float | None
    muted: bool = False
    left_at: float | None = None
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    post_started_at: float | None = None
    post_ended_at: float | None = None
    qualification: dict[str, object] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    crm_links: tuple[CrmLink, ...] = ()

    def participation(self) -> Participation:
        return Participation(
            agent_id=self.agent_id,
            offered_at=self.offered_at,
            connected_at=self.connected_at,
            left_at=self.left_at,
            talk_seconds=self.talk_seconds,
            hold_seconds=self.hold_seconds,
            post_interaction_started_at=self.post_started_at,
            post_interaction_ended_at=self.post_ended_at,
            qualification=dict(self.qualification),
            tags=self.tags,
            crm_links=self.crm_links,
        )


@dataclass(slots=True)
class Recording:
    id: str
    started_at: float
    automatic: bool
    started_by: str | None
    stopped_at: float | None = None

    def ref(self) -> RecordingRef:
        return RecordingRef(
            id=self.id,
            started_at=self.started_at,
            stopped_at=self.stopped_at,
            automatic=self.automatic,
            started_by=self.started_by,
        )


@dataclass(slots=True)
class Call:
    id: str
    direction: Direction
    call_type: CallType
    caller: str
    callee: str
    created_at: float
    seq: int
    caller_name: str | None = None
    crm_contact_id: str | None = None
    state: CallState = CallState.ROUTING
    queue_id: str | None = None
    priority: int = 0
    required_skill: int | None = None
    wait_since: float | None = None
    """When the caller started waiting for an agent; kept across a decline."""
    wait_seconds: float = 0.0
    answered_at: float | None = None
    ended_at: float | None = None
    end_cause: EndCause | None = None
    remote_up: bool = False
    """The remote party (customer leg or dialled number) is answered and present."""
    has_remote: bool = True
    agents: dict[str, AgentLeg] = field(default_factory=dict)
    """Agents currently on the call, by id."""
    past_agents: list[AgentLeg] = field(default_factory=list)
    excluded: set[str] = field(default_factory=set)
    """Agents who declined or missed this call in its queue; not offered again."""
    offer_ids: set[str] = field(default_factory=set)
    held_by: str | None = None
    held_since: float | None = None
    transfer_info: TransferInfo | None = None
    transfer_id: str | None = None
    """The transfer in which this call is the one being transferred."""
    consult_of: str | None = None
    """For a consultation call: the transfer it serves."""
    consultation: bool = False
    """Made to consult for a transfer, for life (`consult_of` goes when the transfer
    ends): its wrap-up is not the customer's outcome."""
    conference_id: str | None = None
    recordings: list[Recording] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    transfer_ids: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    overdue: bool = False
    """Max wait passed while the call was being offered: overflow when it returns."""
    return_to_agent: str | None = None
    """Direct call or recall: the one agent it is meant for."""
    mailbox: str | None = None
    callback_number: str | None = None
    """A queued callback: the caller hung up and waits, in its place, to be called
    back on this number once an agent takes the call."""
    announcements: int = 0
    forward_to: str | None = None
    """A customer call its flow forwards to an external number: the dialled leg."""
    forward_of: str | None = None
    """For that dialled leg: the customer call it is for."""
    """How many times the caller was told its place in the queue."""

    @property
    def ended(self) -> bool:
        return self.state is CallState.ENDED

    @property
    def active_recording(self) -> Recording | None:
        for rec in self.recordings:
            if rec.stopped_at is None:
                return rec
        return None

    def log(self, at: float, kind: str, agent_id: str | None = None, /, **detail: object) -> None:
        self.timeline.append(TimelineEntry(at=at, kind=kind, agent_id=agent_id, detail=detail))
