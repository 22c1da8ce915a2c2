"""Transfers (spec §4): blind and attended, to the five kinds of destination.

See `transfer.py` for the states. The transferred call is the *customer call*;
an attended transfer, and a blind one to an external number, use a second call (the
*consultation*, `consult_of` set) towards the destination. Hooks called from the
offer and call life cycles (`destination_ringing`, `destination_answered`,
`destination_failed`, `call_ended`) move a transfer along; nothing else changes
a transfer's status.

A failed blind transfer recalls the call: back to the head of its queue when it
came from one (its max wait starting again), else to the transferring agent (even
during its post-interaction, which resumes afterwards), else to that agent's
voicemail. A call is never dropped.
"""

from __future__ import annotations

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import Call, CallState, TransferInfo
from switchboard.core.center import ContactCenter, handles
from switchboard.core.directory import normalize_number, valid_number
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.offer import OfferKind
from switchboard.core.records import CallType, Direction, EndCause
from switchboard.core.transfer import (
    DestinationKind,
    FailureReason,
    Transfer,
    TransferMode,
    TransferStatus,
)

_EXTERNAL = (DestinationKind.DIRECTORY, DestinationKind.NUMBER)
_OFFER_FAILURES = {
    "declined": FailureReason.DECLINED,
    "expired": FailureReason.NO_ANSWER,
    "busy": FailureReason.BUSY,
    "logged_out": FailureReason.AGENT_UNAVAILABLE,
    "unavailable": FailureReason.AGENT_UNAVAILABLE,
}


def _validate_destination(cc: ContactCenter, c: cmd.StartTransfer) -> str | None:
    """Check the destination exists; return the number to dial for external ones."""
    kind, dest = c.kind, c.destination
    if kind is DestinationKind.USER:
        cc.agent(dest)
        if dest == c.agent_id:
            raise CommandRejected(Reason.TRANSFER_TO_SELF, "you cannot transfer a call to yourself")
    elif kind is DestinationKind.QUEUE:
        if dest not in cc.queues:
            raise CommandRejected(Reason.UNKNOWN_QUEUE, f"there is no queue {dest!r}")
    elif kind is DestinationKind.FLOW:
        if dest not in cc.directory.flows:
            raise CommandRejected(Reason.UNKNOWN_FLOW, f"there is no Smart Routing {dest!r}")
        if c.mode is TransferMode.ATTENDED:
            raise CommandRejected(
                Reason.ATTENDED_NOT_POSSIBLE,
                "a transfer to a Smart Routing is blind: there is nobody to talk to first",
            )
    elif kind is DestinationKind.DIRECTORY:
        contact = cc.directory.contacts.get(dest)
        if contact is None:
            raise CommandRejected(Reason.UNKNOWN_CONTACT, f"there is no directory contact {dest!r}")
        return contact.number
    else:
        if not valid_number(dest):
            raise CommandRejected(
                Reason.INVALID_NUMBER, f"{dest!r} is not a phone number (digits, optional +)"
            )
        return normalize_number(dest)
    return None


@handles(cmd.StartTransfer)
def start_transfer(cc: ContactCenter, c: cmd.StartTransfer) -> None:
    agent, call, _ = cc.my_call(c.agent_id, c.call_id)
    if call.state not in (CallState.CONNECTED, CallState.HELD) or call.consult_of is not None:
        raise CommandRejected(
            Reason.INVALID_STATE, f"this call cannot be transferred now ({call.state.value})"
        )
    if call.transfer_id is not None:
        raise CommandRejected(Reason.TRANSFER_IN_PROGRESS, "a transfer of this call is in progress")
    if c.mode is TransferMode.ATTENDED and len(agent.call_ids) > 1:
        raise CommandRejected(
            Reason.TOO_MANY_CALLS, "end your other call before starting an attended transfer"
        )
    number = _validate_destination(cc, c)
    t = Transfer(
        id=cc.new_id("t"),
        call_id=call.id,
        from_agent=agent.id,
        mode=c.mode,
        kind=c.kind,
        destination=c.destination if c.kind is not DestinationKind.NUMBER else number or "",
        number=number,
        started_at=cc.now,
    )
    cc.transfers[t.id] = t
    call.transfer_ids.append(t.id)
    call.transfer_id = t.id
    call.log(
        cc.now,
        "transfer_started",
        agent.id,
        transfer=t.id,
        mode=t.mode.value,
        kind=t.kind.value,
        destination=t.destination,
    )
    _changed(cc, t)
    if t.mode is TransferMode.BLIND:
        _start_blind(cc, call, t)
    else:
        _start_attended(cc, call, t)


def _changed(cc: ContactCenter, t: Transfer) -> None:
    reason = t.failure_reason.value if t.failure_reason else None
    cc.emit(fx.TransferChanged(t.id, t.call_id, t.from_agent, t.status.value, reason))


def _set_status(cc: ContactCenter, t: Transfer, status: TransferStatus) -> None:
    if t.status is status or t.final:
        return
    t.status = status
    if t.final:
        t.ended_at = cc.now
        customer = cc.calls.get(t.call_id)
        if customer is not None and customer.transfer_id == t.id:
            customer.transfer_id = None
    customer = cc.calls.get(t.call_id)
    if customer is not None:
        customer.log(cc.now, f"transfer_{status.value}", t.from_agent, transfer=t.id)
    _changed(cc, t)


def _fail(cc: ContactCenter, t: Transfer, reason: FailureReason) -> None:
    if t.final:
        return
    t.failure_reason = reason
    _set_status(cc, t, TransferStatus.FAILED)


def _consult_call(cc: ContactCenter, customer: Call, t: Transfer) -> Call:
    external = t.kind in _EXTERNAL
    agent = cc.agents[t.from_agent]
    consult = Call(
        id=cc.new_id("c"),
        direction=Direction.OUTBOUND if external else Direction.INTERNAL,
        call_type=CallType.DIRECT_EXTERNAL if external else CallType.DIRECT_INTERNAL,
        caller=agent.config.extension,
        callee=t.number or t.destination,
        created_at=cc.now,
        seq=cc.next_seq(),
        state=CallState.DIALING,
        has_remote=external,
        consult_of=t.id,
        consultation=True,
        crm_contact_id=customer.crm_contact_id,
        transfer_info=TransferInfo(t.from_agent, t.mode.value),
    )
    cc.calls[consult.id] = consult
    t.consult_call_id = consult.id
    consult.log(cc.now, "consultation", t.from_agent, transfer=t.id)
    return consult


def _start_blind(cc: ContactCenter, call: Call, t: Transfer) -> None:
    from switchboard.core import routing

    call.transfer_info = TransferInfo(t.from_agent, t.mode.value)
    call.state = CallState.TRANSFERRING
    cc.remove_agent(call, t.from_agent)
    call.held_since = None
    call.held_by = None
    if t.kind is DestinationKind.QUEUE:
        _set_status(cc, t, TransferStatus.COMPLETED)
        call.wait_since = None
        routing.enter_queue(cc, call, t.destination)
        return
    if t.kind is DestinationKind.FLOW:
        _set_status(cc, t, TransferStatus.COMPLETED)
        routing.run_flow(cc, call, t.destination)
        return
    cc.emit(
        fx.HoldCall(
            call.id,
            cc.directory.music_for(cc.queues[call.queue_id].config if call.queue_id else None),
        )
    )
    cc.call_changed(call)
    if t.kind is DestinationKind.USER:
        _offer_to_user(cc, call, t, OfferKind.TRANSFER)
    else:
        consult = _consult_call(cc, call, t)
        cc.emit(fx.DialNumber(consult.id, t.number or "", call.caller))


def _offer_to_user(cc: ContactCenter, call: Call, t: Transfer, kind: OfferKind) -> None:
    from switchboard.core.offers import present

    target = cc.agents[t.destination]
    if target.state is AgentState.AVAILABLE:
        present(cc, call, target, kind)
    elif target.state in (AgentState.PRESENTED, AgentState.ON_CALL):
        destination_failed(cc, call, "busy")
    else:
        destination_failed(cc, call, "unavailable")


def _start_attended(cc: ContactCenter, call: Call, t: Transfer) -> None:
    from switchboard.core import controls, routing

    if call.state is CallState.CONNECTED:
        controls.put_on_hold(cc, call, t.from_agent)
    consult = _consult_call(cc, call, t)
    cc.connect_agent(consult, cc.agents[t.from_agent], None)
    cc.call_changed(consult)
    if t.kind is DestinationKind.USER:
        _offer_to_user(cc, consult, t, OfferKind.CONSULT)
    elif t.kind is DestinationKind.QUEUE:
        queue = cc.queues[t.destination]
        if not queue.logged_in:
            destination_failed(cc, consult, "unavailable")
            return
        consult.queue_id = queue.id
        consult.priority = queue.config.priority
        consult.wait_since = cc.now
        routing.wait_in_queue(cc, consult)
    else:
        queue_cfg = cc.queues[call.queue_id].config if call.queue_id else None
        caller_id = cc.directory.caller_id(cc.agents[t.from_agent], queue_cfg)
        cc.emit(fx.DialNumber(consult.id, t.number or "", caller_id))


# -- hooks from the life cycle of offers and calls ------------------------------------


def _transfer_of(cc: ContactCenter, call: Call) -> Transfer | None:
    tid = call.consult_of or call.transfer_id
    t = cc.transfers.get(tid) if tid else None
    return t if t is not None and not t.final else None


def destination_ringing(cc: ContactCenter, call: Call) -> None:
    t = _transfer_of(cc, call)
    if t is not None:
        _set_status(cc, t, TransferStatus.RINGING)


def destination_answered(cc: ContactCenter, call: Call, agent_id: str | None) -> None:
    """The destination picked up: an agent accepted, or the far end answered."""
    t = _transfer_of(cc, call)
    if t is None or agent_id == t.from_agent:
        return
    _set_status(cc, t, TransferStatus.ANSWERED)
    if t.mode is TransferMode.ATTENDED:
        return
    if t.kind is DestinationKind.USER:
        _set_status(cc, t, TransferStatus.COMPLETED)
        cc.emit(fx.ResumeCall(call.id))
    else:
        _bridge_external(cc, t)


def _failure_reason(reason: str) -> FailureReason:
    if reason in _OFFER_FAILURES:
        return _OFFER_FAILURES[reason]
    try:
        return FailureReason(reason)
    except ValueError:
        return FailureReason.UNREACHABLE


def destination_failed(cc: ContactCenter, call: Call, reason: str) -> None:
    """The destination did not take the call (declined, no answer, busy, unreachable)."""
    t = _transfer_of(cc, call)
    if t is None:
        return
    _fail(cc, t, _failure_reason(reason))
    consult = cc.calls.get(t.consult_call_id) if t.consult_call_id else None
    if consult is not None and not consult.ended:
        # Its far end (if any) already failed: there is nothing to hang up.
        cc.end_call(consult, EndCause.FAILED, hangup_remote=False)
    if t.mode is TransferMode.BLIND:
        recall(cc, cc.calls[t.call_id], t)


def call_ended(cc: ContactCenter, call: Call) -> None:
    """A call ended: fail the transfer it belonged to, if still open."""
    t = _transfer_of(cc, call)
    if t is None:
        return
    if call.consult_of == t.id:
        call.consult_of = None
        _fail(cc, t, FailureReason.DESTINATION_HUNG_UP)
        if t.mode is TransferMode.BLIND:
            recall(cc, cc.calls[t.call_id], t)
        return
    _fail(cc, t, FailureReason.CALLER_HUNG_UP)
    consult = cc.calls.get(t.consult_call_id) if t.consult_call_id else None
    if consult is None or consult.ended:
        return
    consult.consult_of = None
    if t.mode is TransferMode.BLIND or not consult.agents:
        cc.end_call(consult, EndCause.ABANDONED)


def recall(cc: ContactCenter, call: Call, t: Transfer) -> None:
    """Bring back the call of a failed blind transfer; never drop it."""
    from switchboard.core import routing
    from switchboard.core.offers import present

    if call.ended:
        return
    call.transfer_id = None
    call.transfer_info = TransferInfo(t.from_agent, "recall")
    call.log(cc.now, "recalled", t.from_agent, transfer=t.id)
    if call.queue_id is not None and call.wait_since is not None:
        # It waited in that queue (an outbound call made for a queue never did). Its
        # max wait was disarmed when it was answered: it starts again, as on overflow.
        call.state = CallState.QUEUED
        max_wait = cc.queues[call.queue_id].config.max_wait
        if max_wait is not None:
            cc.arm("maxwait", call.id, cc.now + max_wait)
        routing.requeue(cc, call)
        return
    agent = cc.agents[t.from_agent]
    if agent.state in (AgentState.AVAILABLE, AgentState.POST_INTERACTION) and not agent.call_ids:
        present(cc, call, agent, OfferKind.RECALL)
    else:
        routing.to_voicemail(cc, call, agent.id)


# -- complete, cancel ------------------------------------------------------------------


def _own_transfer(cc: ContactCenter, agent_id: str, transfer_id: str) -> Transfer:
    cc.logged_in_agent(agent_id)
    t = cc.transfers.get(transfer_id)
    if t is None or t.final:
        raise CommandRejected(Reason.NO_TRANSFER, "there is no transfer in progress with this id")
    if t.from_agent != agent_id:
        raise CommandRejected(Reason.NOT_YOUR_CALL, "this transfer was started by another agent")
    return t


@handles(cmd.CompleteTransfer)
def complete_transfer(cc: ContactCenter, c: cmd.CompleteTransfer) -> None:
    t = _own_transfer(cc, c.agent_id, c.transfer_id)
    if t.mode is not TransferMode.ATTENDED or t.status is not TransferStatus.ANSWERED:
        raise CommandRejected(
            Reason.TRANSFER_NOT_ANSWERED, "the destination has not answered the consultation yet"
        )
    _complete_attended(cc, t)


def _complete_attended(cc: ContactCenter, t: Transfer) -> None:
    from switchboard.core import controls

    customer = cc.calls[t.call_id]
    consult = cc.calls[t.consult_call_id or ""]
    if t.kind in _EXTERNAL:
        _bridge_external(cc, t)
        return
    target_id = next(a for a in consult.agents if a != t.from_agent)
    target = cc.agents[target_id]
    consult.consult_of = None
    _set_status(cc, t, TransferStatus.COMPLETED)
    customer.transfer_info = TransferInfo(t.from_agent, t.mode.value)
    cc.connect_agent(customer, target, None)
    cc.end_call(consult, EndCause.COMPLETED)
    if t.from_agent in customer.agents:
        cc.remove_agent(customer, t.from_agent)
    if customer.state is CallState.HELD:
        controls.take_off_hold(cc, customer, target_id)
    cc.call_changed(customer)


def _bridge_external(cc: ContactCenter, t: Transfer) -> None:
    """The external destination answered: join it to the customer; we step out."""
    customer = cc.calls[t.call_id]
    consult = cc.calls[t.consult_call_id or ""]
    consult.consult_of = None
    _set_status(cc, t, TransferStatus.COMPLETED)
    cc.emit(fx.BridgeRemotes(customer.id, consult.id))
    cc.end_call(consult, EndCause.TRANSFERRED, hangup_remote=False)
    cc.end_call(customer, EndCause.TRANSFERRED, hangup_remote=False)


@handles(cmd.CancelTransfer)
def cancel_transfer(cc: ContactCenter, c: cmd.CancelTransfer) -> None:
    t = _own_transfer(cc, c.agent_id, c.transfer_id)
    cancel(cc, t)


def cancel(cc: ContactCenter, t: Transfer) -> None:
    from switchboard.core import controls
    from switchboard.core.offers import withdraw

    customer = cc.calls[t.call_id]
    _set_status(cc, t, TransferStatus.CANCELLED)
    consult = cc.calls.get(t.consult_call_id) if t.consult_call_id else None
    if t.mode is TransferMode.BLIND:
        for offer_id in list(customer.offer_ids):
            withdraw(cc, cc.offers[offer_id], "cancelled")
        if consult is not None and not consult.ended:
            consult.consult_of = None
            cc.end_call(consult, EndCause.ABANDONED)
        recall(cc, customer, t)
        return
    if consult is not None and not consult.ended:
        consult.consult_of = None
        ringing = [
            withdraw(cc, cc.offers[o], "cancelled", release=False) for o in list(consult.offer_ids)
        ]
        cause = EndCause.COMPLETED if consult.answered_at is not None else EndCause.ABANDONED
        cc.end_call(consult, cause)
        for agent in ringing:  # once the consultation's record is persisted
            cc.make_available(agent)
    if not customer.ended and customer.state is CallState.HELD and t.from_agent in customer.agents:
        controls.take_off_hold(cc, customer, t.from_agent)


def hangup_completes(cc: ContactCenter, call: Call, agent_id: str) -> bool:
    """Hang-up semantics during an attended transfer, as on a desk phone.

    Hanging up the customer call once the destination answered completes the
    transfer; hanging up the consultation cancels it (the customer is resumed).
    Returns True when the hang-up was consumed that way.
    """
    if call.consult_of is not None:
        consulted = cc.transfers[call.consult_of]
        if not consulted.final and consulted.from_agent == agent_id:
            cancel(cc, consulted)
            return True
        return False
    t = _transfer_of(cc, call)
    if t is None or t.from_agent != agent_id or t.mode is not TransferMode.ATTENDED:
        return False
    if t.status is TransferStatus.ANSWERED:
        _complete_attended(cc, t)
        return True
    cancel(cc, t)
    return False
