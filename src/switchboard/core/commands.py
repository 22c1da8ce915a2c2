"""What comes into the core: agents' commands and the world's events.

Agent commands name the agent who acts; the API checks who is logged in, the core
checks what that agent may do. Telephony events come from the runtime (a call
arrives, a far end answers or hangs up), flow events from Smart Routing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard.config.model import Device, NotificationMode, NotificationType
from switchboard.core.records import CallbackRecord
from switchboard.core.transfer import DestinationKind, FailureReason, TransferMode


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command and event."""


@dataclass(frozen=True, slots=True)
class AgentCommand(Command):
    agent_id: str


# -- presence --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login(AgentCommand):
    pass


@dataclass(frozen=True, slots=True)
class Logout(AgentCommand):
    pass


@dataclass(frozen=True, slots=True)
class Pause(AgentCommand):
    reason: str = "break"


@dataclass(frozen=True, slots=True)
class Ready(AgentCommand):
    pass


@dataclass(frozen=True, slots=True)
class JoinQueue(AgentCommand):
    queue_id: str


@dataclass(frozen=True, slots=True)
class LeaveQueue(AgentCommand):
    queue_id: str


@dataclass(frozen=True, slots=True)
class SetDevice(AgentCommand):
    """Take calls on the Banner's softphone or on the agent's SIP phone from now on."""

    device: Device


@dataclass(frozen=True, slots=True)
class SetNotificationPreference(AgentCommand):
    kind: NotificationType
    mode: NotificationMode


# -- offers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accept(AgentCommand):
    offer_id: str


@dataclass(frozen=True, slots=True)
class Decline(AgentCommand):
    offer_id: str
    busy: bool = False
    """The phone answered busy (486) rather than the agent clicking Decline."""


@dataclass(frozen=True, slots=True)
class Take(AgentCommand):
    """Take this call, from Calls in pool."""

    call_id: str


# -- call controls ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hangup(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class Hold(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class Resume(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class Mute(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class Unmute(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class SendDigits(AgentCommand):
    call_id: str
    digits: str


@dataclass(frozen=True, slots=True)
class StartRecording(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class StopRecording(AgentCommand):
    call_id: str


@dataclass(frozen=True, slots=True)
class StartTransfer(AgentCommand):
    call_id: str
    mode: TransferMode
    kind: DestinationKind
    destination: str


@dataclass(frozen=True, slots=True)
class CompleteTransfer(AgentCommand):
    transfer_id: str


@dataclass(frozen=True, slots=True)
class CancelTransfer(AgentCommand):
    transfer_id: str


@dataclass(frozen=True, slots=True)
class Merge(AgentCommand):
    pass


# -- outbound --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DialNumber(AgentCommand):
    number: str
    queue_id: str | None = None
    """The queue the call is made for: its caller ID is used."""
    crm_contact_id: str | None = None
    flow_id: str | None = None
    """Smart outbound: place the call through this Smart Routing flow."""


@dataclass(frozen=True, slots=True)
class DialExtension(AgentCommand):
    extension: str


@dataclass(frozen=True, slots=True)
class CallBack(AgentCommand):
    """Call back a CRM contact (its first number unless `number` picks another)."""

    contact_id: str
    number: str | None = None
    queue_id: str | None = None


# -- post-interaction ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetQualification(AgentCommand):
    values: dict[str, object]


@dataclass(frozen=True, slots=True)
class SetTags(AgentCommand):
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LinkCrm(AgentCommand):
    contact_id: str
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class UnlinkCrm(AgentCommand):
    contact_id: str
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExtendPostInteraction(AgentCommand):
    seconds: float


@dataclass(frozen=True, slots=True)
class EndPostInteraction(AgentCommand):
    pass


# -- telephony events ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundCall(Command):
    """A call arrives on one of the tenant's numbers (or an agent's extension)."""

    call_id: str
    caller: str
    callee: str
    caller_name: str | None = None


@dataclass(frozen=True, slots=True)
class RemoteRinging(Command):
    call_id: str


@dataclass(frozen=True, slots=True)
class RemoteAnswered(Command):
    call_id: str


@dataclass(frozen=True, slots=True)
class RemoteFailed(Command):
    call_id: str
    reason: FailureReason


@dataclass(frozen=True, slots=True)
class RemoteHungUp(Command):
    call_id: str


# -- Smart Routing events --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One node a Smart Routing flow executed (the Datas tab's path)."""

    at: float
    flow: str
    node: str
    type: str
    label: str
    outcome: str


@dataclass(frozen=True, slots=True)
class FlowProgress(Command):
    """The flow went through `steps` and its variables are now `variables`."""

    call_id: str
    steps: tuple[FlowStep, ...]
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeaveForVoicemail(Command):
    """A waiting caller pressed the queue's key to leave a message instead."""

    call_id: str


@dataclass(frozen=True, slots=True)
class RequestCallback(Command):
    """A waiting caller pressed the queue's key to be called back instead of waiting."""

    call_id: str


@dataclass(frozen=True, slots=True)
class RestoreCallback(Command):
    """At start: a queued callback stored before a restart waits again in its place."""

    record: CallbackRecord


@dataclass(frozen=True, slots=True)
class RouteToQueue(Command):
    call_id: str
    queue_id: str
    priority: int | None = None
    required_skill: int | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteToAgent(Command):
    call_id: str
    agent_id: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteToVoicemail(Command):
    call_id: str
    mailbox: str


@dataclass(frozen=True, slots=True)
class RouteToNumber(Command):
    """Smart outbound: the flow decided to place the call to `number`."""

    call_id: str
    number: str
    caller_id: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteHangup(Command):
    call_id: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class VoicemailDone(Command):
    """The caller left (or did not leave) a message; the call is over."""

    call_id: str
