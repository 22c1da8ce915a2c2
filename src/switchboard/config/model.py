"""The tenant configuration: what an administrator writes in YAML.

One `Tenant` describes a contact center: its inbound numbers, queues, agents and
their profiles, the directory, the CRM contacts, qualification forms, tags and hold
music. Pydantic checks the shape and ranges of each field (`queues[1].offer_timeout:
must be greater than 0`); `references.py` checks what points where (an agent's
membership names a queue that exists). The core reads these models directly, so a
setting has one definition only.

Durations are seconds. Identifiers (`id`) are short slugs used in YAML references,
the API and the store; `name` is what a person sees.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator, model_validator

from switchboard.flows.model import Flow
from switchboard.schema import (
    ARGON2_HASH_PATTERN,
    COLOR_PATTERN,
    Extension,
    PhoneNumber,
    Seconds,
    Slug,
)
from switchboard.schema import StrictModel as _Model

Key = Annotated[str, StringConstraints(pattern=r"^[0-9*#]$")]
"""One key of the telephone keypad."""
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")]


class RoutingStrategy(StrEnum):
    """How the ACD picks the agent for a waiting call (DESIGN §2)."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    FEWEST_CALLS = "fewest_calls"
    LEAST_TALK_TIME = "least_talk_time"
    RING_ALL = "ring_all"
    SKILLS = "skills"


class RecordingMode(StrEnum):
    """Whether calls of a queue may be recorded: never, on the agent's demand, always."""

    OFF = "off"
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class OverflowAction(StrEnum):
    QUEUE = "queue"
    FLOW = "flow"
    VOICEMAIL = "voicemail"
    HANGUP = "hangup"


class NotificationType(StrEnum):
    """The voice notifications of spec §9."""

    INCOMING_CALL = "incoming_call"
    MISSED_CALL = "missed_call"
    TRANSFER_REQUESTED = "transfer_requested"
    CALL_ENDED = "call_ended"


class NotificationMode(StrEnum):
    DISABLED = "disabled"
    SOUND = "sound"
    DESKTOP = "desktop"
    BOTH = "both"


class Device(StrEnum):
    """Where an agent's audio goes: the Banner's WebRTC softphone or a SIP phone."""

    BANNER = "banner"
    SIP_PHONE = "sip_phone"


class Overflow(_Model):
    """What happens to a call a queue cannot keep.

    `queue` and `flow` need a `target`; `voicemail` may name a mailbox (the queue's
    own mailbox otherwise); `hangup` may say a `message` to the caller first.
    """

    action: OverflowAction
    target: Slug | None = None
    message: str | None = Field(default=None, max_length=500)


class Queue(_Model):
    """A distribution queue. See DESIGN §2 for what each attribute does."""

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    strategy: RoutingStrategy = RoutingStrategy.LONGEST_IDLE
    priority: int = Field(default=0, ge=0, le=100)
    """Default priority of calls entering this queue; higher is served first."""
    offer_timeout: Seconds = 20.0
    """Popup countdown: how long an agent has to accept before the call moves on."""
    max_wait: Seconds | None = None
    max_size: int | None = Field(default=None, gt=0)
    overflow: Overflow | None = None
    """Applied when a call exceeds `max_wait` or arrives when `max_size` is reached."""
    no_agent: Overflow | None = None
    """Applied when a call arrives (or is waiting) and no agent of the queue is logged in."""
    wrap_up: Seconds | None = None
    """Post-interaction duration; the agent profile's duration when absent."""
    recording: RecordingMode = RecordingMode.MANUAL
    hold_music: Slug | None = None
    caller_id: PhoneNumber | None = None
    qualification_form: Slug | None = None
    small_banner: bool = False
    announce_every: Seconds | None = None
    """While a caller waits, say its position and the estimated wait this often."""
    voicemail_key: Key | None = None
    """A key the waiting caller presses to leave a message instead (the queue's mailbox)."""
    callback_key: Key | None = None
    """A key the waiting caller presses to be called back: it hangs up, keeps its
    place, and is called back on its number when an agent takes its turn."""
    mailbox: Slug | None = None
    """The mailbox of this queue's voicemail; the queue id when absent."""

    @model_validator(mode="after")
    def _distinct_keys(self) -> Queue:
        if self.voicemail_key is not None and self.voicemail_key == self.callback_key:
            raise ValueError("voicemail_key and callback_key must be different keys")
        return self


class Membership(_Model):
    """An agent's place in a queue.

    `priority` is a tier (1 first): the ACD offers a call to tier 2 agents only when
    no tier 1 agent is available, as Asterisk's penalties do. `skill_level` (1 to 10)
    ranks agents in queues using the `skills` strategy and must reach a call's
    required level.
    """

    queue: Slug
    priority: int = Field(default=1, ge=1, le=10)
    skill_level: int = Field(default=5, ge=1, le=10)


def _default_notifications() -> dict[NotificationType, NotificationMode]:
    return {
        NotificationType.INCOMING_CALL: NotificationMode.BOTH,
        NotificationType.MISSED_CALL: NotificationMode.DESKTOP,
        NotificationType.TRANSFER_REQUESTED: NotificationMode.BOTH,
        NotificationType.CALL_ENDED: NotificationMode.DISABLED,
    }


class Profile(_Model):
    """Rights and defaults shared by a group of agents."""

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    auto_answer: bool = False
    can_record: bool = False
    can_smart_outbound: bool = False
    post_interaction: Seconds = 30.0
    max_post_interaction_extension: Seconds = 300.0
    """How much an agent may add to the post-interaction in total with Extend."""
    outbound_caller_id: PhoneNumber | None = None
    auto_pause_after_misses: int | None = Field(default=3, ge=1, le=100)
    """Consecutive missed offers after which the agent is paused; null never pauses."""
    notifications: dict[NotificationType, NotificationMode] = Field(
        default_factory=_default_notifications
    )
    """Every notification type is present: the ones a profile leaves out keep the default."""

    @field_validator("notifications", mode="after")
    @classmethod
    def _complete_notifications(
        cls, value: dict[NotificationType, NotificationMode]
    ) -> dict[NotificationType, NotificationMode]:
        # An administrator who writes only `missed_call: sound` means to change that
        # one, not to silence the other three.
        return _default_notifications() | value


class SipCredentials(_Model):
    """How an agent's SIP phone authenticates: digest HA1 values, never the password.

    HA1 = H(extension ":" realm ":" password) for MD5 and SHA-256 (RFC 7616), the form
    SIP servers keep secrets in (Asterisk's md5secret, Kamailio's ha1). The argon2
    hash of the Banner password cannot serve: digest needs HA1 itself.
    `switchboard hash-password --sip-extension 1001` prints both for a password.
    """

    ha1_md5: str = Field(pattern=r"^[0-9a-f]{32}$")
    ha1_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Agent(_Model):
    id: Slug
    """The login."""
    name: str = Field(min_length=1, max_length=100)
    password_hash: str = Field(pattern=ARGON2_HASH_PATTERN)
    """An argon2 hash; `switchboard hash-password` makes one."""
    extension: Extension
    profile: Slug
    queues: list[Membership] = Field(default_factory=list)
    supervises: list[Slug] = Field(default_factory=list)
    device: Device = Device.BANNER
    sip: SipCredentials | None = None
    """Lets the agent's SIP phone register its extension (needed for `sip_phone`)."""


class DirectoryContact(_Model):
    """A contact of the platform's directory, a transfer and call destination."""

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    number: PhoneNumber
    department: str | None = None


class CrmCase(_Model):
    id: Slug
    title: str = Field(min_length=1, max_length=200)
    status: str = "open"


class CrmContact(_Model):
    id: Slug
    name: str = Field(min_length=1, max_length=100)
    numbers: list[PhoneNumber] = Field(min_length=1)
    company: str | None = None
    email: str | None = None
    cases: list[CrmCase] = Field(default_factory=list)


class FieldKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"


class FormField(_Model):
    id: Slug
    label: str = Field(min_length=1, max_length=100)
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    options: list[str] = Field(default_factory=list)
    """The choices of a `choice` field."""


class QualificationForm(_Model):
    id: Slug
    name: str = Field(min_length=1, max_length=100)
    fields: list[FormField] = Field(min_length=1)


class Tag(_Model):
    id: Slug
    label: str = Field(min_length=1, max_length=50)
    color: str = Field(default="#6b7280", pattern=COLOR_PATTERN)


class HoldMusic(_Model):
    id: Slug
    file: str = Field(min_length=1)
    """A WAV file, relative to the configuration file."""


class InboundNumber(_Model):
    """A number customers dial; routed to exactly one queue, agent or flow."""

    number: PhoneNumber
    queue: Slug | None = None
    agent: Slug | None = None
    flow: Slug | None = None


class DigestAlgorithm(StrEnum):
    SHA256 = "SHA-256"
    MD5 = "MD5"


class TrunkTransport(StrEnum):
    UDP = "udp"
    TCP = "tcp"


class Trunk(_Model):
    """The SIP trunk that carries calls to and from the public network.

    Outbound calls (agents calling numbers, transfers to external numbers) go to
    `host:port`; when the carrier challenges, `username`/`password` answer it, and
    with `register` Switchboard keeps `username@domain` registered there.
    The password is the carrier's secret in clear (a client must send it): keep this
    file private, or give `password_env`, the name of an environment variable.
    """

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=5060, ge=1, le=65535)
    transport: TrunkTransport = TrunkTransport.UDP
    domain: str | None = Field(default=None, min_length=1, max_length=253)
    """The carrier's SIP domain (Request-URI host, registration); `host` when unset."""
    username: str | None = Field(default=None, min_length=1, max_length=100)
    password: str | None = Field(default=None, min_length=1, max_length=200)
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    registration: bool = False
    registration_expires: int = Field(default=3600, ge=60, le=86_400)


class Settings(_Model):
    company: str = Field(default="Switchboard", min_length=1, max_length=100)
    default_caller_id: PhoneNumber | None = None
    direct_offer_timeout: Seconds = 20.0
    """Popup countdown of calls to one agent (direct, internal, transfer to a user)."""
    timezone: str = "UTC"
    """An IANA time zone (`Europe/Paris`), for opening hours and the Banner's times."""
    sip_realm: str = Field(default="switchboard", min_length=1, max_length=100)
    """The digest realm agents' phones authenticate in (part of every HA1)."""
    sip_digest: list[DigestAlgorithm] = Field(
        default_factory=lambda: [DigestAlgorithm.SHA256, DigestAlgorithm.MD5], min_length=1
    )
    """The digest algorithms phones are challenged with. Some phones (baresip 1.0)
    give up when offered SHA-256 at all, even beside MD5: list only MD5 for those."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Paris"
            ) from None
        return value


class Mailbox(_Model):
    """A voicemail box. Its id is a queue's (the queue's mailbox), an agent's (direct
    calls nobody answered), or one a flow names. A mailbox without an entry here
    works with the defaults."""

    id: Slug
    name: str | None = Field(default=None, max_length=100)
    greeting: str = Field(
        default="Please leave your message after the tone. Press hash when you are done.",
        min_length=1,
        max_length=1000,
    )
    """Spoken before the tone."""
    greeting_file: str | None = None
    """A WAV file said instead of `greeting` (relative to the configuration file)."""
    max_seconds: Annotated[float, Field(ge=5, le=600)] = 120.0
    email: list[EmailAddress] = Field(default_factory=list)
    """Who gets each message by email, with its transcription and the WAV attached."""
    readers: list[Slug] = Field(default_factory=list)
    """Agents who may list and play the messages, besides the members and supervisors
    of a queue's mailbox and the agent of an agent's mailbox."""


class Smtp(_Model):
    """The mail server voicemail emails leave through."""

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=25, ge=1, le=65535)
    sender: EmailAddress
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The name of the environment variable that holds the password."""
    starttls: bool = False
    timeout: Annotated[float, Field(gt=0, le=120)] = 30.0


class Tenant(_Model):
    """A whole contact center's configuration."""

    settings: Settings = Field(default_factory=Settings)
    profiles: list[Profile] = Field(min_length=1)
    queues: list[Queue] = Field(default_factory=list)
    agents: list[Agent] = Field(default_factory=list)
    inbound_numbers: list[InboundNumber] = Field(default_factory=list)
    directory: list[DirectoryContact] = Field(default_factory=list)
    crm_contacts: list[CrmContact] = Field(default_factory=list)
    qualification_forms: list[QualificationForm] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    hold_music: list[HoldMusic] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    """Smart Routing flows (`flows/model.py`)."""
    mailboxes: list[Mailbox] = Field(default_factory=list)
    trunk: Trunk | None = None
    smtp: Smtp | None = None

    # The lookups raise KeyError for an unknown id: a bare `next()` raised
    # StopIteration, which silently ends any `map()` or iterator that calls them.

    def queue(self, queue_id: str) -> Queue:
        return _find(self.queues, queue_id, "queue")

    def profile(self, profile_id: str) -> Profile:
        return _find(self.profiles, profile_id, "profile")

    def agent(self, agent_id: str) -> Agent:
        return _find(self.agents, agent_id, "agent")

    def flow(self, flow_id: str) -> Flow:
        return _find(self.flows, flow_id, "flow")

    def mailbox(self, mailbox_id: str) -> Mailbox:
        """The mailbox's settings; the defaults for one the file does not list."""
        for box in self.mailboxes:
            if box.id == mailbox_id:
                return box
        return Mailbox(id=mailbox_id)

    @property
    def flow_ids(self) -> list[str]:
        return [f.id for f in self.flows]


_Identified = TypeVar("_Identified", Queue, Profile, Agent, Flow)


def _find(items: list[_Identified], item_id: str, kind: str) -> _Identified:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {kind} {item_id!r}")
