"""Calls an agent places (spec §6): to a number, to an extension, through a Smart
Routing (smart outbound), and Call back from a CRM contact or a history entry.

An agent may place a call when it is free or paused, or while its only call is on
hold (that second call can then be merged or swapped). The caller ID shown to the
far end is the queue's (when the call is made for a queue), else the profile's,
else the tenant's default. A call the far end never answers ends as `failed` and
the agent goes straight back to where it was, with no post-interaction: there is
nothing to qualify.
"""

from __future__ import annotations

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.agent import Agent, AgentState
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter, handles, on_timer
from switchboard.core.directory import normalize_number, valid_number
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.offer import OfferKind
from switchboard.core.records import CallType, Direction, EndCause
from switchboard.core.waiting import callback_over


def _may_dial(cc: ContactCenter, agent_id: str) -> Agent:
    agent = cc.logged_in_agent(agent_id)
    if agent.state in (AgentState.PRESENTED, AgentState.POST_INTERACTION):
        raise CommandRejected(
            Reason.AGENT_BUSY,
            f"you cannot place a call while {agent.state.value.replace('_', '-')}",
        )
    if len(agent.call_ids) >= 2:
        raise CommandRejected(Reason.TOO_MANY_CALLS, "you already have two calls")
    for call_id in agent.call_ids:
        if cc.calls[call_id].state is not CallState.HELD:
            raise CommandRejected(
                Reason.AGENT_BUSY, "put your current call on hold before placing another"
            )
    return agent


def _new_call(cc: ContactCenter, agent: Agent, direction: Direction, callee: str) -> Call:
    call = Call(
        id=cc.new_id("c"),
        direction=direction,
        call_type=CallType.DIRECT_EXTERNAL
        if direction is Direction.OUTBOUND
        else CallType.DIRECT_INTERNAL,
        caller=agent.config.extension,
        callee=callee,
        created_at=cc.now,
        seq=cc.next_seq(),
        state=CallState.DIALING,
        has_remote=direction is Direction.OUTBOUND,
    )
    cc.calls[call.id] = call
    cc.connect_agent(call, agent, None)
    return call


@handles(cmd.DialNumber)
def dial_number(cc: ContactCenter, c: cmd.DialNumber) -> None:
    agent = _may_dial(cc, c.agent_id)
    if not valid_number(c.number):
        raise CommandRejected(
            Reason.INVALID_NUMBER, f"{c.number!r} is not a phone number (digits, optional +)"
        )
    queue_cfg = None
    if c.queue_id is not None:
        if c.queue_id not in cc.queues:
            raise CommandRejected(Reason.UNKNOWN_QUEUE, f"there is no queue {c.queue_id!r}")
        if c.queue_id not in agent.membership_queues():
            raise CommandRejected(
                Reason.NOT_A_MEMBER, f"you cannot call on behalf of queue {c.queue_id!r}"
            )
        queue_cfg = cc.queues[c.queue_id].config
    if c.crm_contact_id is not None and c.crm_contact_id not in cc.directory.crm:
        raise CommandRejected(
            Reason.UNKNOWN_CONTACT, f"there is no CRM contact {c.crm_contact_id!r}"
        )
    if c.flow_id is not None:
        if not agent.profile.can_smart_outbound:
            raise CommandRejected(
                Reason.NO_SMART_OUTBOUND_RIGHT,
                "your profile cannot place calls through a Smart Routing",
            )
        if c.flow_id not in cc.directory.flows:
            raise CommandRejected(Reason.UNKNOWN_FLOW, f"there is no Smart Routing {c.flow_id!r}")
    number = normalize_number(c.number)
    call = _new_call(cc, agent, Direction.OUTBOUND, number)
    call.queue_id = c.queue_id
    contact = (
        cc.directory.crm.get(c.crm_contact_id) if c.crm_contact_id else cc.directory.crm_for(number)
    )
    call.crm_contact_id = contact.id if contact else None
    caller_id = cc.directory.caller_id(agent, queue_cfg)
    if caller_id:
        call.caller = caller_id
    call.log(cc.now, "dialing", agent.id, number=number, caller_id=caller_id)
    if c.flow_id is not None:
        from switchboard.core.routing import run_flow

        call.variables["destination"] = number
        run_flow(cc, call, c.flow_id)
        return
    cc.emit(fx.DialNumber(call.id, number, caller_id))
    cc.call_changed(call)


@handles(cmd.CallBack)
def call_back(cc: ContactCenter, c: cmd.CallBack) -> None:
    contact = cc.directory.crm.get(c.contact_id)
    if contact is None:
        raise CommandRejected(Reason.UNKNOWN_CONTACT, f"there is no CRM contact {c.contact_id!r}")
    number = c.number if c.number is not None else contact.numbers[0]
    if normalize_number(number) not in {normalize_number(n) for n in contact.numbers}:
        raise CommandRejected(
            Reason.INVALID_NUMBER, f"{number!r} is not a number of {contact.name}"
        )
    dial_number(
        cc, cmd.DialNumber(c.agent_id, number, queue_id=c.queue_id, crm_contact_id=contact.id)
    )


@handles(cmd.DialExtension)
def dial_extension(cc: ContactCenter, c: cmd.DialExtension) -> None:
    from switchboard.core.offers import present

    agent = _may_dial(cc, c.agent_id)
    target_id = cc.directory.extensions.get(c.extension)
    if target_id is None:
        raise CommandRejected(Reason.UNKNOWN_EXTENSION, f"no agent has extension {c.extension!r}")
    if target_id == agent.id:
        raise CommandRejected(Reason.TRANSFER_TO_SELF, "you cannot call your own extension")
    call = _new_call(cc, agent, Direction.INTERNAL, c.extension)
    call.log(cc.now, "dialing", agent.id, extension=c.extension)
    cc.call_changed(call)
    target = cc.agents[target_id]
    call.return_to_agent = target_id
    if target.state is AgentState.AVAILABLE:
        present(cc, call, target, OfferKind.DIRECT)
    else:
        internal_call_failed(cc, call, "unavailable")


def internal_call_failed(cc: ContactCenter, call: Call, reason: str) -> None:
    call.log(cc.now, "not_answered", reason=reason)
    cc.end_call(call, EndCause.FAILED)


@handles(cmd.RouteToNumber)
def route_to_number(cc: ContactCenter, c: cmd.RouteToNumber) -> None:
    """Smart outbound: the flow has applied its rules; place the call now. An inbound
    call's flow forwards the customer to the number instead (`forward`)."""
    call = cc.call(c.call_id)
    if call.state is not CallState.ROUTING:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} is not in a flow")
    if not valid_number(c.number):
        raise CommandRejected(Reason.INVALID_NUMBER, f"{c.number!r} is not a phone number")
    call.variables.update(c.variables)
    if call.remote_up:
        # Someone is on the line (an inbound caller, or a customer transferred to
        # the flow): forward them. Else an agent's smart outbound call is placed.
        forward(cc, call, normalize_number(c.number), c.caller_id)
        return
    if call.direction is not Direction.OUTBOUND:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} has nobody to forward")
    call.state = CallState.DIALING
    call.callee = normalize_number(c.number)
    if c.caller_id:
        call.caller = c.caller_id
    cc.emit(fx.DialNumber(call.id, call.callee, call.caller))
    cc.call_changed(call)


# -- forwarding a customer to an external number ----------------------------------------


def forward(cc: ContactCenter, customer: Call, number: str, caller_id: str | None) -> None:
    """Dial `number` for the customer, who hears ringback; when it answers, the two
    are joined and the contact center steps out (like a completed transfer to a
    number). The caller ID is the flow's, else the number the customer dialled (a
    number of ours, which a carrier accepts). If nobody answers within
    `FORWARD_RING_SECONDS`, or the leg fails or ends, the customer is taken to the
    flow's mailbox rather than dropped."""
    leg = Call(
        id=cc.new_id("c"),
        direction=Direction.OUTBOUND,
        call_type=CallType.DIRECT_EXTERNAL,
        caller=caller_id or customer.callee,
        callee=number,
        created_at=cc.now,
        seq=cc.next_seq(),
        state=CallState.DIALING,
        crm_contact_id=customer.crm_contact_id,
        forward_of=customer.id,
    )
    cc.calls[leg.id] = leg
    customer.forward_to = leg.id
    customer.state = CallState.TRANSFERRING
    customer.log(cc.now, "forwarding", number=number, leg=leg.id)
    leg.log(cc.now, "dialing", number=number, caller_id=leg.caller, forward_of=customer.id)
    cc.emit(fx.DialNumber(leg.id, number, leg.caller))
    cc.arm("forward", leg.id, cc.now + FORWARD_RING_SECONDS)
    cc.call_changed(customer)
    cc.call_changed(leg)


FORWARD_RING_SECONDS = 30.0
"""How long a forward rings before the customer goes to the mailbox instead."""


@on_timer("forward")
def forward_not_answered(cc: ContactCenter, leg_id: str) -> None:
    leg = cc.calls.get(leg_id)
    if leg is not None and leg.forward_of is not None and leg.state is CallState.DIALING:
        leg.log(cc.now, "not_answered")
        cc.end_call(leg, EndCause.FAILED)  # CANCEL; `forward_ended` takes the customer on


def _forward_answered(cc: ContactCenter, leg: Call) -> None:
    assert leg.forward_of is not None
    customer = cc.calls[leg.forward_of]
    leg.forward_of = customer.forward_to = None
    cc.disarm("forward", leg.id)
    customer.log(cc.now, "forwarded", number=leg.callee)
    cc.emit(fx.BridgeRemotes(customer.id, leg.id))
    cc.end_call(leg, EndCause.TRANSFERRED, hangup_remote=False)
    cc.end_call(customer, EndCause.TRANSFERRED, hangup_remote=False)


def forward_ended(cc: ContactCenter, call: Call) -> None:
    """A call ended while a forward linked it to another: a customer hanging up stops
    the dialling; a leg that ended unanswered (failed, refused, not answered in
    time, hung up) sends its customer to the flow's mailbox."""
    from switchboard.core.routing import hang_up_with_message, to_voicemail

    leg = cc.calls.get(call.forward_to) if call.forward_to is not None else None
    call.forward_to = None
    if leg is not None and not leg.ended:
        leg.forward_of = None
        cc.end_call(leg, EndCause.ABANDONED)
    customer = cc.calls.get(call.forward_of) if call.forward_of is not None else None
    call.forward_of = None
    cc.disarm("forward", call.id)
    if customer is None or customer.ended:
        return
    customer.forward_to = None
    customer.log(cc.now, "forward_failed", number=call.callee)
    flows = [e.detail.get("flow") for e in customer.timeline if e.kind == "flow"]
    flow_id = flows[-1] if flows else None
    if isinstance(flow_id, str) and flow_id in cc.directory.flows:
        to_voicemail(cc, customer, cc.tenant.flow(flow_id).default_mailbox)
    else:
        hang_up_with_message(
            cc, customer, "Sorry, we could not connect your call.", EndCause.FAILED
        )


# -- the far end of a dialled leg -----------------------------------------------------


@handles(cmd.RemoteRinging)
def remote_ringing(cc: ContactCenter, c: cmd.RemoteRinging) -> None:
    from switchboard.core.transfers import destination_ringing

    call = cc.call(c.call_id)
    call.log(cc.now, "ringing")
    destination_ringing(cc, call)


@handles(cmd.RemoteAnswered)
def remote_answered(cc: ContactCenter, c: cmd.RemoteAnswered) -> None:
    from switchboard.core import controls, transfers

    call = cc.call(c.call_id)
    if call.state is not CallState.DIALING or not call.has_remote:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} is not being dialled")
    call.remote_up = True
    call.answered_at = cc.now
    call.state = CallState.CONNECTED
    call.log(cc.now, "answered")
    cc.call_changed(call)
    callback_over(cc, call)
    if call.forward_of is not None:
        _forward_answered(cc, call)
        return
    if call.consult_of is not None:
        transfers.destination_answered(cc, call, None)
    if not call.ended:
        controls.record_automatically(cc, call)


@handles(cmd.RemoteFailed)
def remote_failed(cc: ContactCenter, c: cmd.RemoteFailed) -> None:
    from switchboard.core import transfers

    call = cc.call(c.call_id)
    if call.state is not CallState.DIALING or not call.has_remote:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} is not being dialled")
    call.log(cc.now, "dial_failed", reason=c.reason.value)
    if call.consult_of is not None:
        transfers.destination_failed(cc, call, c.reason.value)
    if not call.ended:
        cc.end_call(call, EndCause.FAILED, hangup_remote=False)
