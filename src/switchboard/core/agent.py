"""An agent's presence and workload, as the ACD sees it.

Theory of operation
-------------------
    logged_out ──login──▶ available ◀──ready── paused(reason)
                              │  ▲                 ▲
                       offer  │  │ decline/expiry  │ N consecutive misses,
                              ▼  │                 │ or a pause asked for while busy
                          presented ──accept──▶ on_call ──last call ends──▶ post_interaction
                                                                              │ end / deadline
                                                                              ▼
                                                            available (or paused if asked)

`available` means "the ACD may offer me a call now": never while an offer is
pending, a call is up or the post-interaction runs (a DESIGN §2 invariant). An agent
on a call has one or two interactions (one active, one held: a consultation or a
second outbound call). A pause asked for while busy waits in `pending_pause` and
applies when the agent would otherwise become available, as "not ready after this
call" does in every ACD. The available sets of the queues (`acd.py`) mirror this
state; the contact center keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from switchboard.config.model import (
    Agent as AgentConfig,
)
from switchboard.config.model import (
    Device,
    NotificationMode,
    NotificationType,
    Profile,
)


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    PAUSED = "paused"
    PRESENTED = "presented"
    ON_CALL = "on_call"
    POST_INTERACTION = "post_interaction"


@dataclass(slots=True)
class PostInteraction:
    """The wrap-up after an agent's calls end (spec §7)."""

    call_ids: list[str]
    started_at: float
    deadline: float
    base_duration: float
    extended_by: float = 0.0
    qualification: dict[str, object] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    crm_links: list[tuple[str, str | None]] = field(default_factory=list)
    form_id: str | None = None

    @property
    def total(self) -> float:
        return self.base_duration + self.extended_by

    def remaining(self, now: float) -> float:
        return max(0.0, self.deadline - now)


@dataclass(slots=True)
class Agent:
    config: AgentConfig
    profile: Profile
    seq: int
    """A stable ordinal used to break ties deterministically in the ACD."""
    state: AgentState = AgentState.LOGGED_OUT
    pause_reason: str | None = None
    pending_pause: str | None = None
    joined: set[str] = field(default_factory=set)
    """Queues the agent has joined this session (a subset of its memberships)."""
    offer_id: str | None = None
    call_ids: list[str] = field(default_factory=list)
    post_interaction: PostInteraction | None = None
    unwrapped: list[str] = field(default_factory=list)
    """Answered calls the agent has left whose post-interaction has not started."""
    idle_since: float = 0.0
    calls_handled: int = 0
    talk_seconds: float = 0.0
    consecutive_misses: int = 0
    state_since: float = 0.0
    notification_prefs: dict[NotificationType, NotificationMode] = field(default_factory=dict)
    device: Device = field(init=False)
    """Where the agent takes its calls now (`SetDevice`); its configured device at start."""

    def __post_init__(self) -> None:
        self.device = self.config.device

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def logged_in(self) -> bool:
        return self.state is not AgentState.LOGGED_OUT

    def membership_queues(self) -> list[str]:
        return [m.queue for m in self.config.queues]

    def notification_mode(self, kind: NotificationType) -> NotificationMode:
        if kind in self.notification_prefs:
            return self.notification_prefs[kind]
        return self.profile.notifications.get(kind, NotificationMode.DISABLED)
