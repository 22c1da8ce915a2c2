"""What the core asks the world to do. The runtime carries each effect out.

Effects come back from `ContactCenter.handle()` in the order they must happen: a
`PersistInteraction` always precedes the `AgentChanged` that releases the agent, so
no interaction is lost if the process dies in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchboard.config.model import NotificationMode, NotificationType
from switchboard.core.records import CallbackRecord, InteractionRecord, MissedCallRecord


@dataclass(frozen=True, slots=True)
class Effect:
    """Base of every effect."""


# -- telephony and media --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PresentOffer(Effect):
    """Show the popup and ring the agent's device (auto-answer: answer at once)."""

    offer_id: str
    call_id: str
    agent_id: str
    kind: str
    deadline: float
    auto_answer: bool


@dataclass(frozen=True, slots=True)
class WithdrawOffer(Effect):
    """Stop ringing the agent: `accepted`, `declined`, `expired`, `answered_elsewhere`,
    `caller_hung_up`, `taken`, `logged_out`, `cancelled`."""

    offer_id: str
    call_id: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectAgent(Effect):
    """Bridge the agent's device into the call's media."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class DisconnectAgent(Effect):
    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class PlayWaitingMusic(Effect):
    """The caller waits in a queue: music, between the queue's announcements."""

    call_id: str
    queue_id: str
    music_id: str | None


@dataclass(frozen=True, slots=True)
class AnnounceWait(Effect):
    """Tell the waiting caller its place in the queue, the estimated wait (None when
    there is nothing to base it on yet) and the keys it may press; music resumes after."""

    call_id: str
    queue_id: str
    position: int
    estimated_wait: float | None
    voicemail_key: str | None
    callback_key: str | None


@dataclass(frozen=True, slots=True)
class TellCaller(Effect):
    """Say a short message to the remote party; what it heard before resumes after."""

    call_id: str
    message: str


@dataclass(frozen=True, slots=True)
class ReleaseRemote(Effect):
    """The remote party leaves after `message` (a queued callback: the caller hangs
    up), while the call itself goes on; a later `DialNumber` gives it a new leg."""

    call_id: str
    message: str


@dataclass(frozen=True, slots=True)
class HoldCall(Effect):
    """Stop forwarding the agent's audio; play the hold music to the remote party."""

    call_id: str
    music_id: str | None


@dataclass(frozen=True, slots=True)
class ResumeCall(Effect):
    call_id: str


@dataclass(frozen=True, slots=True)
class MuteAgent(Effect):
    call_id: str
    agent_id: str
    muted: bool


@dataclass(frozen=True, slots=True)
class SendDtmf(Effect):
    call_id: str
    agent_id: str
    digits: str


@dataclass(frozen=True, slots=True)
class StartRecording(Effect):
    call_id: str
    recording_id: str
    automatic: bool


@dataclass(frozen=True, slots=True)
class StopRecording(Effect):
    call_id: str
    recording_id: str


@dataclass(frozen=True, slots=True)
class DialNumber(Effect):
    """Place the remote leg of `call_id` towards an external number (through the trunk)."""

    call_id: str
    number: str
    caller_id: str | None


@dataclass(frozen=True, slots=True)
class HangupRemote(Effect):
    """End the remote party's leg, after saying `message` when there is one."""

    call_id: str
    reason: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class BridgeRemotes(Effect):
    """Connect the remote parties of two calls to each other (a completed transfer
    to an external number), the contact center leaving both."""

    call_id: str
    other_call_id: str


@dataclass(frozen=True, slots=True)
class JoinConference(Effect):
    """Mix every party of these calls together: each hears the others."""

    conference_id: str
    call_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunFlow(Effect):
    """Hand the call to a Smart Routing flow."""

    call_id: str
    flow_id: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StartVoicemail(Effect):
    call_id: str
    mailbox: str


# -- what agents and supervisors see ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notify(Effect):
    """A notification of spec §9, with the agent's mode for it (never `disabled`)."""

    agent_id: str
    kind: NotificationType
    mode: NotificationMode
    call_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgentChanged(Effect):
    agent_id: str
    state: str
    pause_reason: str | None


@dataclass(frozen=True, slots=True)
class CallChanged(Effect):
    call_id: str
    state: str


@dataclass(frozen=True, slots=True)
class TransferChanged(Effect):
    transfer_id: str
    call_id: str
    from_agent: str
    status: str
    failure_reason: str | None


# -- persistence -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersistInteraction(Effect):
    record: InteractionRecord


@dataclass(frozen=True, slots=True)
class PersistMissedCall(Effect):
    record: MissedCallRecord


@dataclass(frozen=True, slots=True)
class KeepCallback(Effect):
    """Store the queued callback until `DropCallback`: a restart restores it."""

    record: CallbackRecord


@dataclass(frozen=True, slots=True)
class DropCallback(Effect):
    """The callback was answered, or its call is over: forget the stored promise."""

    call_id: str
    reached: bool = True
    """False when the call ended without reaching the customer."""
