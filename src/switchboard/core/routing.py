"""Where a call goes: inbound numbers, queues, their limits and overflow, voicemail.

An inbound call is routed by the number dialled: to a queue (Smart Routing type: a
raspberry popup), to one agent (direct routing), or to a Smart Routing flow, which
later routes it with a `RouteTo*` event. An agent's extension dialled from outside
is a direct call to that agent.

A queue keeps a call until an agent takes it, within its limits: `max_size` refuses
arrivals beyond it and `max_wait` moves a call that waited too long, both with the
queue's `overflow` rule; `no_agent` applies when nobody is logged in. A rule sends
the call to another queue, a flow, a mailbox, or hangs up after a message. Overflow
between queues keeps the caller's original wait for ordering but restarts the
max-wait measure, and a chain of overflows longer than the number of queues ends in
a hang-up, so a loop in the configuration cannot spin forever.

The voicemail decision: a queue rule names a mailbox or uses the queue's own; a
direct call nobody answers goes to the agent's mailbox.
"""

from __future__ import annotations

from switchboard.config.model import Overflow, OverflowAction
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core import waiting
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter, handles, on_timer
from switchboard.core.directory import normalize_number
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.offer import OfferKind
from switchboard.core.records import CallType, Direction, EndCause


@handles(cmd.InboundCall)
def inbound_call(cc: ContactCenter, c: cmd.InboundCall) -> None:
    if c.call_id in cc.calls:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} already exists")
    callee = normalize_number(c.callee)
    caller = normalize_number(c.caller) or "anonymous"
    contact = cc.directory.crm_for(caller)
    target_agent = cc.directory.extensions.get(callee)
    route = cc.directory.inbound.get(callee)
    internal = caller in cc.directory.extensions
    call = Call(
        id=c.call_id,
        direction=Direction.INTERNAL if internal else Direction.INBOUND,
        call_type=CallType.SMART_ROUTING,
        caller=caller,
        callee=callee,
        created_at=cc.now,
        seq=cc.next_seq(),
        caller_name=c.caller_name,
        crm_contact_id=contact.id if contact else None,
        remote_up=True,
    )
    cc.calls[call.id] = call
    call.log(cc.now, "arrived", caller=caller, callee=callee)
    if target_agent is not None or (route is not None and route.agent is not None):
        agent_id = target_agent or (route.agent if route else None)
        assert agent_id is not None
        call.call_type = CallType.DIRECT_INTERNAL if internal else CallType.DIRECT_EXTERNAL
        offer_direct(cc, call, agent_id)
    elif route is not None and route.queue is not None:
        enter_queue(cc, call, route.queue)
    elif route is not None and route.flow is not None:
        run_flow(cc, call, route.flow)
    else:
        call.log(cc.now, "unknown_number")
        cc.end_call(call, EndCause.REJECTED)


def run_flow(cc: ContactCenter, call: Call, flow_id: str) -> None:
    call.state = CallState.ROUTING
    call.log(cc.now, "flow", flow=flow_id)
    cc.emit(fx.RunFlow(call.id, flow_id, dict(call.variables)))
    cc.call_changed(call)


def _routable(cc: ContactCenter, call_id: str) -> Call:
    call = cc.call(call_id)
    if call.state is not CallState.ROUTING:
        raise CommandRejected(Reason.INVALID_STATE, f"call {call_id!r} is not in a flow")
    return call


@handles(cmd.FlowProgress)
def flow_progress(cc: ContactCenter, c: cmd.FlowProgress) -> None:
    """Keep the flow's path and variables on the call: the timeline stores the path
    with the interaction, and the Datas tab shows both once the call is accepted."""
    call = cc.call(c.call_id)
    if call.ended:
        return
    for step in c.steps:
        call.log(
            step.at,
            "flow_step",
            flow=step.flow,
            node=step.node,
            type=step.type,
            label=step.label,
            outcome=step.outcome,
        )
    call.variables.update(c.variables)
    cc.call_changed(call)


@handles(cmd.RouteToQueue)
def route_to_queue(cc: ContactCenter, c: cmd.RouteToQueue) -> None:
    call = _routable(cc, c.call_id)
    if c.queue_id not in cc.queues:
        raise CommandRejected(Reason.UNKNOWN_QUEUE, f"there is no queue {c.queue_id!r}")
    call.variables.update(c.variables)
    call.required_skill = c.required_skill
    enter_queue(cc, call, c.queue_id, priority=c.priority)


@handles(cmd.RouteToAgent)
def route_to_agent(cc: ContactCenter, c: cmd.RouteToAgent) -> None:
    call = _routable(cc, c.call_id)
    cc.agent(c.agent_id)
    call.variables.update(c.variables)
    call.call_type = CallType.DIRECT_EXTERNAL
    offer_direct(cc, call, c.agent_id)


@handles(cmd.RouteToVoicemail)
def route_to_voicemail(cc: ContactCenter, c: cmd.RouteToVoicemail) -> None:
    to_voicemail(cc, _routable(cc, c.call_id), c.mailbox)


@handles(cmd.RouteHangup)
def route_hangup(cc: ContactCenter, c: cmd.RouteHangup) -> None:
    call = _routable(cc, c.call_id)
    hang_up_with_message(cc, call, c.message, EndCause.REJECTED)


@handles(cmd.VoicemailDone)
def voicemail_done(cc: ContactCenter, c: cmd.VoicemailDone) -> None:
    call = cc.call(c.call_id)
    if call.state is not CallState.VOICEMAIL:
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} is not in a mailbox")
    cc.end_call(call, EndCause.VOICEMAIL)


def hang_up_with_message(
    cc: ContactCenter, call: Call, message: str | None, cause: EndCause
) -> None:
    if call.remote_up:
        cc.emit(fx.HangupRemote(call.id, cause.value, message))
        call.remote_up = False
    cc.end_call(call, cause)


def to_voicemail(cc: ContactCenter, call: Call, mailbox: str) -> None:
    if call.answered_at is None and call.wait_since is not None:
        # The wait ends here: leaving a message is not waiting for an agent.
        call.wait_seconds = cc.now - call.wait_since
    call.state = CallState.VOICEMAIL
    call.mailbox = mailbox
    call.log(cc.now, "voicemail", mailbox=mailbox)
    cc.emit(fx.StartVoicemail(call.id, mailbox))
    cc.call_changed(call)


def offer_direct(cc: ContactCenter, call: Call, agent_id: str) -> None:
    """A call for one agent only: offered if the agent is free, else its voicemail."""
    from switchboard.core.offers import present

    agent = cc.agents[agent_id]
    call.return_to_agent = agent_id
    if agent.state.value == "available":
        present(cc, call, agent, OfferKind.DIRECT)
    else:
        direct_unanswered(cc, call, agent_id)


def direct_unanswered(cc: ContactCenter, call: Call, agent_id: str) -> None:
    """Nobody answered a direct call: the agent's voicemail (an internal call just fails)."""
    if call.direction is Direction.INTERNAL:
        call.log(cc.now, "not_answered", agent_id)
        cc.end_call(call, EndCause.FAILED)
    else:
        to_voicemail(cc, call, agent_id)


# -- queues ------------------------------------------------------------------------------


def enter_queue(cc: ContactCenter, call: Call, queue_id: str, priority: int | None = None) -> None:
    queue = cc.queues[queue_id]
    cfg = queue.config
    call.queue_id = queue_id
    call.priority = cfg.priority if priority is None else priority
    call.announcements = 0  # a new queue says its own keys from the start
    call.return_to_agent = None
    if call.wait_since is None:
        call.wait_since = cc.now
    call.log(cc.now, "queued", queue=queue_id)
    if not queue.logged_in and cfg.no_agent is not None:
        apply_rule(cc, call, cfg.no_agent, "no_agent")
        return
    if cfg.max_size is not None and len(queue) >= cfg.max_size:
        if cfg.overflow is not None:
            apply_rule(cc, call, cfg.overflow, "queue_full")
        else:
            hang_up_with_message(cc, call, "All our agents are busy.", EndCause.REJECTED)
        return
    if cfg.max_wait is not None:
        cc.arm("maxwait", call.id, cc.now + cfg.max_wait)
    call.excluded.clear()
    wait_in_queue(cc, call)


def wait_in_queue(cc: ContactCenter, call: Call) -> None:
    assert call.queue_id is not None
    queue = cc.queues[call.queue_id]
    call.state = CallState.QUEUED
    queue.enqueue(call)
    if not waiting.is_pending_callback(call):
        cc.emit(fx.PlayWaitingMusic(call.id, queue.id, cc.directory.music_for(queue.config)))
    cc.call_changed(call)
    cc.dispatch_call(call)
    if call.state is CallState.QUEUED:
        maybe_new_round(cc, call)
        waiting.schedule_announcement(cc, call)


def requeue(cc: ContactCenter, call: Call) -> None:
    """Back to the head of its queue after a decline or a miss, keeping its wait time."""
    assert call.queue_id is not None
    call.log(cc.now, "requeued", queue=call.queue_id)
    queue = cc.queues[call.queue_id]
    if waiting.is_pending_callback(call):
        # Promised a callback: it waits for an agent whatever the queue's limits.
        wait_in_queue(cc, call)
        return
    if call.overdue and queue.config.overflow is not None:
        call.overdue = False
        apply_rule(cc, call, queue.config.overflow, "max_wait")
        return
    if not queue.logged_in and queue.config.no_agent is not None:
        apply_rule(cc, call, queue.config.no_agent, "no_agent")
        return
    wait_in_queue(cc, call)


def maybe_new_round(cc: ContactCenter, call: Call) -> None:
    """Everyone logged in who could take this call has declined or missed it: try them
    all again later. Checked when the call returns to its queue and whenever agents
    log in or out of the queue or join or leave it (the one who had not refused it
    may be gone, or one who had may be back alone).

    Without this, a call refused by every agent of a small team would wait until its
    max wait (or forever) although agents are there. Agents below the call's required
    skill level never get it, so they do not count.
    """
    assert call.queue_id is not None
    queue = cc.queues[call.queue_id]
    need = call.required_skill
    able = {a for a in queue.logged_in if need is None or queue.skill_level(a) >= need}
    armed = cc.deadline("round", call.id) is not None
    if call.excluded and able and able <= call.excluded and not armed:
        cc.arm("round", call.id, cc.now + queue.config.offer_timeout)


@on_timer("round")
def new_round(cc: ContactCenter, call_id: str) -> None:
    call = cc.calls.get(call_id)
    if call is None or call.state is not CallState.QUEUED:
        return
    call.excluded.clear()
    call.log(cc.now, "new_round")
    cc.dispatch_call(call)


@on_timer("maxwait")
def max_wait_reached(cc: ContactCenter, call_id: str) -> None:
    call = cc.calls.get(call_id)
    if call is None or call.queue_id is None:
        return
    rule = cc.queues[call.queue_id].config.overflow
    if rule is None or waiting.is_pending_callback(call):
        return
    if call.state is CallState.QUEUED:
        apply_rule(cc, call, rule, "max_wait")
    elif call.state is CallState.OFFERED:
        call.overdue = True


def apply_rule(cc: ContactCenter, call: Call, rule: Overflow, why: str) -> None:
    """Send a call the queue cannot keep where its overflow or no-agent rule says."""
    if call.queue_id is not None:
        queue = cc.queues[call.queue_id]
        if queue.is_waiting(call.id):
            queue.dequeue(call.id)
    for kind in ("maxwait", "round", "announce"):
        cc.disarm(kind, call.id)
    if call.consult_of is not None:
        # An agent consulting the queue in an attended transfer, not a caller: the
        # transfer fails and the customer stays with the agent.
        from switchboard.core.transfers import destination_failed

        destination_failed(cc, call, "unavailable")
        return
    from_queue = call.queue_id
    call.log(cc.now, "overflow", why=why, action=rule.action.value, target=rule.target)
    hops = sum(1 for e in call.timeline if e.kind == "overflow")
    if rule.action is OverflowAction.QUEUE and rule.target is not None:
        if hops > len(cc.queues):
            hang_up_with_message(cc, call, rule.message, EndCause.REJECTED)
            return
        enter_queue(cc, call, rule.target)
    elif rule.action is OverflowAction.FLOW and rule.target is not None:
        run_flow(cc, call, rule.target)
    elif rule.action is OverflowAction.VOICEMAIL:
        own = cc.queues[from_queue].config.mailbox if from_queue is not None else None
        to_voicemail(cc, call, rule.target or own or from_queue or "general")
    else:
        hang_up_with_message(cc, call, rule.message, EndCause.REJECTED)
