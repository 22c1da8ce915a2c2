"""A test harness that reads as a scenario: given a tenant, when agents and callers
act at given times, then the effects, views and records are these.

Time is a `ManualClock`; `after(seconds)` walks through every deadline on the way,
firing it at its exact time, as the runtime would (Trio's autojump clock). After
every step the DESIGN §2 invariants are checked, so is the order of the effects (a
call's record is persisted before the agents it frees are released), and a refused
command is checked to have left the state exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import pytest

from switchboard.config.model import (
    Agent,
    CrmCase,
    CrmContact,
    DirectoryContact,
    FieldKind,
    FormField,
    HoldMusic,
    InboundNumber,
    Membership,
    Overflow,
    Profile,
    QualificationForm,
    Queue,
    Settings,
    Tag,
    Tenant,
)
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.center import ContactCenter
from switchboard.core.clock import ManualClock
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.invariants import check
from switchboard.core.records import InteractionRecord, MissedCallRecord
from switchboard.flows.model import Flow

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
E = TypeVar("E", bound=fx.Effect)


def agent(
    agent_id: str,
    *queues: str | tuple[str, int, int],
    profile: str = "standard",
    supervises: Iterable[str] = (),
    extension: str | None = None,
) -> Agent:
    """An agent entry: `queues` are ids, or (id, priority tier, skill level)."""
    memberships = []
    for q in queues:
        if isinstance(q, tuple):
            memberships.append(Membership(queue=q[0], priority=q[1], skill_level=q[2]))
        else:
            memberships.append(Membership(queue=q))
    return Agent(
        id=agent_id,
        name=agent_id.capitalize(),
        password_hash=HASH,
        extension=extension or str(100 + sum(map(ord, agent_id)) % 800),
        profile=profile,
        queues=memberships,
        supervises=list(supervises),
    )


PROFILES = [
    Profile(id="standard", name="Standard", can_record=True, post_interaction=30),
    Profile(id="norights", name="No rights", can_record=False, post_interaction=30),
    Profile(id="headset", name="Headset", auto_answer=True, can_record=True),
    Profile(
        id="senior",
        name="Senior",
        can_record=True,
        can_smart_outbound=True,
        post_interaction=60,
        outbound_caller_id="+33100000001",
    ),
]

FORM = QualificationForm(
    id="sales-form",
    name="Sales outcome",
    fields=[
        FormField(
            id="outcome",
            label="Outcome",
            kind=FieldKind.CHOICE,
            required=True,
            options=["sale", "no_sale", "callback"],
        ),
        FormField(id="amount", label="Amount", kind=FieldKind.NUMBER),
        FormField(id="comment", label="Comment", kind=FieldKind.TEXT),
        FormField(id="newsletter", label="Newsletter", kind=FieldKind.BOOLEAN),
    ],
)


def tenant(
    *queues: Queue,
    agents: Iterable[Agent] = (),
    numbers: Iterable[InboundNumber] = (),
    flows: Iterable[str] = ("main-ivr",),
) -> Tenant:
    return Tenant(
        settings=Settings(company="Acme", default_caller_id="+33100000000"),
        profiles=PROFILES,
        queues=list(queues),
        agents=list(agents),
        inbound_numbers=list(numbers),
        directory=[
            DirectoryContact(id="legal", name="Legal desk", number="+33140000000"),
        ],
        crm_contacts=[
            CrmContact(
                id="alice-martin",
                name="Alice Martin",
                numbers=["+33612345678", "+33198765432"],
                company="Martin SARL",
                cases=[CrmCase(id="case-1", title="Invoice dispute")],
            )
        ],
        qualification_forms=[FORM],
        tags=[Tag(id="vip", label="VIP"), Tag(id="complaint", label="Complaint")],
        hold_music=[HoldMusic(id="jazz", file="jazz.wav")],
        flows=[hang_up_flow(f) for f in flows],
    )


def hang_up_flow(flow_id: str) -> Flow:
    """A flow whose content the core does not look at: it only hands calls to it."""
    return Flow.model_validate(
        {"id": flow_id, "name": flow_id, "start": "bye", "nodes": {"bye": {"type": "hangup"}}}
    )


def queue(queue_id: str, **kwargs: Any) -> Queue:
    return Queue(id=queue_id, name=queue_id.capitalize(), **kwargs)


def overflow(action: str, target: str | None = None, message: str | None = None) -> Overflow:
    return Overflow.model_validate({"action": action, "target": target, "message": message})


class Scenario:
    """A contact center, a clock and everything it has asked the world to do."""

    START = 1_000.0

    def __init__(self, config: Tenant) -> None:
        self.clock = ManualClock(self.START)
        self.cc = ContactCenter(config)
        self.effects: list[fx.Effect] = []
        self.records: dict[str, InteractionRecord] = {}
        self.missed: list[MissedCallRecord] = []
        self._calls = 0

    # -- acting ------------------------------------------------------------------------

    def do(self, command: cmd.Command) -> list[fx.Effect]:
        out = self.cc.handle(command, self.clock.now())
        self._absorb(out)
        return out

    def rejects(self, command: cmd.Command, reason: Reason) -> CommandRejected:
        """The command is refused for `reason` and the state is exactly as before."""
        before = fingerprint(self.cc)
        with pytest.raises(CommandRejected) as info:
            self.cc.handle(command, self.clock.now())
        assert info.value.reason is reason, info.value
        assert fingerprint(self.cc) == before, "a refused command changed the state"
        return info.value

    def after(self, seconds: float) -> list[fx.Effect]:
        """Let `seconds` pass, firing each deadline at its own time."""
        target = self.clock.now() + seconds
        out: list[fx.Effect] = []
        while (deadline := self.cc.next_deadline()) is not None and deadline <= target:
            self.clock.set(max(deadline, self.clock.now()))
            fired = self.cc.handle_timer(self.clock.now())
            self._absorb(fired)
            out.extend(fired)
        self.clock.set(target)
        return out

    def _absorb(self, out: list[fx.Effect]) -> None:
        self.effects.extend(out)
        for effect in out:
            if isinstance(effect, fx.PersistInteraction):
                self.records[effect.record.id] = effect.record
            elif isinstance(effect, fx.PersistMissedCall):
                self.missed.append(effect.record)
        check(self.cc)
        check_persisted_before_release(out)
        for call in self.cc.calls.values():
            if call.ended:
                assert call.id in self.records, f"ended call {call.id} has no persisted record"

    # -- shortcuts -----------------------------------------------------------------------

    def login(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self.do(cmd.Login(agent_id))

    def call_in(self, number: str, caller: str = "+33699999999") -> str:
        self._calls += 1
        call_id = f"in{self._calls}"
        self.do(cmd.InboundCall(call_id, caller, number))
        return call_id

    def offer_of(self, agent_id: str) -> str:
        offer_id = self.cc.agents[agent_id].offer_id
        assert offer_id is not None, f"{agent_id} has no offer"
        return offer_id

    def accept(self, agent_id: str) -> None:
        self.do(cmd.Accept(agent_id, self.offer_of(agent_id)))

    def state(self, agent_id: str) -> str:
        return self.cc.agents[agent_id].state.value

    def call_state(self, call_id: str) -> str:
        call = self.cc.calls.get(call_id)
        if call is None:
            return "ended"
        return call.state.value

    def offered_to(self, call_id: str) -> list[str]:
        call = self.cc.calls.get(call_id)
        if call is None:
            return []
        return sorted(self.cc.offers[o].agent_id for o in call.offer_ids)

    def of_type(self, kind: type[E], out: Iterable[fx.Effect] | None = None) -> list[E]:
        return [e for e in (self.effects if out is None else out) if isinstance(e, kind)]


def check_persisted_before_release(out: list[fx.Effect]) -> None:
    """An agent taken off a call that ends (or whose offer of it is withdrawn) is made
    available or paused only after the call's record is persisted (`effects.py`)."""
    left: dict[tuple[str, str], int] = {}
    for i, effect in enumerate(out):
        if isinstance(effect, fx.DisconnectAgent | fx.WithdrawOffer):
            left.setdefault((effect.call_id, effect.agent_id), i)
        elif isinstance(effect, fx.PersistInteraction) and effect.record.ended_at is not None:
            for (call_id, agent_id), k in list(left.items()):
                if call_id != effect.record.id:
                    continue
                del left[(call_id, agent_id)]
                for released in out[k:i]:
                    assert not (
                        isinstance(released, fx.AgentChanged)
                        and released.agent_id == agent_id
                        and released.state in ("available", "paused")
                    ), f"{agent_id} was released before call {call_id}'s record was persisted"


def fingerprint(cc: ContactCenter) -> str:
    """Everything that makes up the state, as text: equal text, equal state."""
    parts = [
        repr(sorted(cc.agents.items())),
        repr(sorted(cc.calls.items())),
        repr(sorted(cc.offers.items())),
        repr(sorted(cc.transfers.items())),
        repr(sorted(cc.conferences.items())),
        repr(
            {
                q.id: (list(q.waiting), list(q.available), sorted(q.logged_in))
                for q in cc.queues.values()
            }
        ),
        repr(sorted(cc.timers._live.items())),
        repr(cc._seq),
    ]
    return "\n".join(parts)
