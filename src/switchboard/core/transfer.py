"""A transfer of a call to a user, a queue, a flow, a directory contact or a number.

Theory of operation
-------------------
    starting ──▶ ringing ──▶ answered ──complete──▶ completed
        │           │           │
        └───────────┴───────────┴──▶ failed(reason)   cancelled (before completed)

Blind: the transferring agent leaves at once; the transferred call is
`transferring` until the destination answers (`completed`). If the destination
fails, the call is recalled to its queue, or to the transferring agent, never
dropped. A blind transfer to a queue or a flow completes as soon as the call is
handed over: from then on the queue's own rules (overflow, voicemail) apply.
Cancelling a blind transfer before the destination answers recalls the call.

Attended: the customer is held with music and the agent talks to the destination on a
second call (the consultation); `complete` joins the customer to the destination and
the agent leaves; `cancel` ends the consultation and resumes the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.core.records import TransferRecord


class TransferMode(StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"


class DestinationKind(StrEnum):
    USER = "user"
    QUEUE = "queue"
    FLOW = "flow"
    DIRECTORY = "directory"
    NUMBER = "number"


class TransferStatus(StrEnum):
    STARTING = "starting"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class FailureReason(StrEnum):
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    INVALID_NUMBER = "invalid_number"
    AGENT_UNAVAILABLE = "agent_unavailable"
    CALLER_HUNG_UP = "caller_hung_up"
    DESTINATION_HUNG_UP = "destination_hung_up"


FINAL = frozenset({TransferStatus.COMPLETED, TransferStatus.CANCELLED, TransferStatus.FAILED})


@dataclass(slots=True)
class Transfer:
    id: str
    call_id: str
    from_agent: str
    mode: TransferMode
    kind: DestinationKind
    destination: str
    """Agent, queue or flow id; directory contact id; or the number."""
    number: str | None
    """The number dialled, for directory and number destinations."""
    started_at: float
    status: TransferStatus = TransferStatus.STARTING
    failure_reason: FailureReason | None = None
    consult_call_id: str | None = None
    ended_at: float | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def record(self) -> TransferRecord:
        return TransferRecord(
            id=self.id,
            mode=self.mode.value,
            destination_kind=self.kind.value,
            destination=self.destination,
            from_agent=self.from_agent,
            status=self.status.value,
            failure_reason=self.failure_reason.value if self.failure_reason else None,
            started_at=self.started_at,
            ended_at=self.ended_at,
        )
