"""Offers: presenting a call to an agent, and every way that ends.

Accept connects the agent. Decline and expiry return the call where it came from:
a queue call goes back to the head of its queue and is not offered to that agent
again; a direct call goes to the agent's voicemail; a transferred call fails its
transfer and is recalled; a consultation fails its attended transfer. Expiry also
raises a *missed call* for the agent, and N consecutive misses pause it. In a
ring-all queue the first accept wins and the other offers are withdrawn.

Accepting a queued callback dials the customer back (see `waiting`).

Take this call (Calls in pool) connects a supervisor to a waiting call at once;
the single writer makes it atomic: whoever comes second gets `call_already_taken`.
"""

from __future__ import annotations

from switchboard.config.model import Device, NotificationType
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.agent import Agent, AgentState
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter, handles, on_timer
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.offer import Offer, OfferKind
from switchboard.core.records import MissedCallRecord
from switchboard.core.waiting import is_pending_callback, start_callback

_TRANSFER_KINDS = (OfferKind.TRANSFER, OfferKind.CONSULT)
# A recall rings the agent only when the call has no queue to go back to (transfers.recall).
_BACK_TO_QUEUE = (OfferKind.QUEUE, OfferKind.TAKE)
_TRANSFER_MODES = ("blind", "attended")
_TALKING = (CallState.CONNECTED, CallState.HELD, CallState.CONFERENCE)


def present(cc: ContactCenter, call: Call, agent: Agent, kind: OfferKind) -> Offer:
    """Reserve `call` for `agent` until accepted, declined or expired."""
    assert agent.state is AgentState.AVAILABLE or kind is OfferKind.RECALL
    assert call.state not in _TALKING, f"call {call.id} is {call.state.value}: not offered"
    timeout = cc.offer_timeout(call, kind)
    offer = Offer(
        id=cc.new_id("o"),
        call_id=call.id,
        agent_id=agent.id,
        kind=kind,
        created_at=cc.now,
        deadline=cc.now + timeout,
        auto_answer=agent.profile.auto_answer,
    )
    cc.offers[offer.id] = offer
    call.offer_ids.add(offer.id)
    if call.state is not CallState.DIALING:
        call.state = CallState.OFFERED
    agent.offer_id = offer.id
    cc.leave_available_sets(agent)
    cc.set_agent_state(agent, AgentState.PRESENTED)
    cc.arm("offer", offer.id, offer.deadline)
    call.log(cc.now, "offered", agent.id, kind=kind.value)
    cc.emit(
        fx.PresentOffer(offer.id, call.id, agent.id, kind.value, offer.deadline, offer.auto_answer)
    )
    cc.notify(agent, NotificationType.INCOMING_CALL, call, offer_id=offer.id)
    if call.transfer_info is not None and call.transfer_info.mode in _TRANSFER_MODES:
        # Also when a queue finds the agent for a transfer to that queue.
        cc.notify(
            agent,
            NotificationType.TRANSFER_REQUESTED,
            call,
            from_agent=call.transfer_info.from_agent,
            mode=call.transfer_info.mode,
        )
    cc.call_changed(call)
    from switchboard.core.transfers import destination_ringing

    destination_ringing(cc, call)
    if offer.auto_answer and agent.device is Device.BANNER:
        # The Banner's softphone is ours: the call is connected as the popup shows.
        # A SIP phone is rung with the auto-answer hint instead, and its answer
        # accepts the offer: a phone that is off or refuses leaves the offer to
        # expire or be declined, and the call moves on to another agent.
        accept_offer(cc, offer)
    return offer


def _own_offer(cc: ContactCenter, agent_id: str, offer_id: str) -> Offer:
    cc.agent(agent_id)
    offer = cc.offers.get(offer_id)
    if offer is None:
        raise CommandRejected(
            Reason.OFFER_EXPIRED, "this call is no longer offered to you (expired or taken)"
        )
    if offer.agent_id != agent_id:
        raise CommandRejected(Reason.NOT_YOUR_CALL, "this call is offered to another agent")
    return offer


@handles(cmd.Accept)
def accept(cc: ContactCenter, c: cmd.Accept) -> None:
    accept_offer(cc, _own_offer(cc, c.agent_id, c.offer_id))


def _close(cc: ContactCenter, offer: Offer) -> tuple[Call, Agent]:
    """Forget the offer on both sides; the agent is left `presented` for the caller."""
    del cc.offers[offer.id]
    cc.disarm("offer", offer.id)
    call = cc.calls[offer.call_id]
    call.offer_ids.discard(offer.id)
    agent = cc.agents[offer.agent_id]
    agent.offer_id = None
    return call, agent


def accept_offer(cc: ContactCenter, offer: Offer) -> None:
    call, agent = _close(cc, offer)
    agent.consecutive_misses = 0
    cc.emit(fx.WithdrawOffer(offer.id, call.id, agent.id, "accepted"))
    others = [cc.offers[o] for o in list(call.offer_ids)]
    for other in others:
        _, other_agent = _close(cc, other)
        cc.emit(fx.WithdrawOffer(other.id, call.id, other_agent.id, "answered_elsewhere"))
    if call.queue_id is not None and offer.kind is OfferKind.QUEUE:
        cc.queues[call.queue_id].took_turn(agent.id)
    for kind in ("maxwait", "round", "announce"):
        cc.disarm(kind, call.id)
    agent.calls_handled += 1
    _connect(cc, call, agent, offer)
    for other in others:
        cc.make_available(cc.agents[other.agent_id])


def _connect(cc: ContactCenter, call: Call, agent: Agent, offer: Offer | None) -> None:
    from switchboard.core import controls, transfers

    offered_at = offer.created_at if offer is not None else None
    call.overdue = False  # answered: a max wait passed during the offer no longer applies
    if call.wait_since is not None and call.answered_at is None:
        call.wait_seconds = cc.now - call.wait_since
    dialing_internal = call.state is CallState.DIALING
    cc.connect_agent(call, agent, offered_at)
    if is_pending_callback(call):
        # Nobody is on the line yet: the agent hears ringback while we call back.
        start_callback(cc, call, agent.id)
        return
    if call.answered_at is None:
        call.answered_at = cc.now
    if call.held_since is None:
        call.state = CallState.CONNECTED
    if dialing_internal:
        call.log(cc.now, "answered", agent.id)
    cc.call_changed(call)
    if offer is not None and offer.kind is OfferKind.RECALL:
        cc.emit(fx.ResumeCall(call.id))  # the caller heard the failed transfer's hold music
    transfers.destination_answered(cc, call, agent.id)
    controls.record_automatically(cc, call)


@handles(cmd.Decline)
def decline(cc: ContactCenter, c: cmd.Decline) -> None:
    offer = _own_offer(cc, c.agent_id, c.offer_id)
    _missed(cc, offer, "busy" if c.busy else "declined")


@on_timer("offer")
def offer_expired(cc: ContactCenter, offer_id: str) -> None:
    offer = cc.offers.get(offer_id)
    if offer is not None:
        _missed(cc, offer, "expired")


def _missed(cc: ContactCenter, offer: Offer, reason: str) -> None:
    """A declined or expired offer: a missed call for the agent, the call moves on."""
    call, agent = _close(cc, offer)
    cc.emit(fx.WithdrawOffer(offer.id, call.id, agent.id, reason))
    call.log(cc.now, "missed" if reason == "expired" else "declined", agent.id)
    cc.emit(
        fx.PersistMissedCall(
            MissedCallRecord(
                id=cc.new_id("m"),
                agent_id=agent.id,
                call_id=call.id,
                caller=call.caller,
                crm_contact_id=call.crm_contact_id,
                queue_id=call.queue_id,
                at=cc.now,
                reason=reason,
            )
        )
    )
    cc.notify(agent, NotificationType.MISSED_CALL, call, reason=reason)
    call.excluded.add(agent.id)
    if not call.offer_ids:
        _return_call(cc, call, offer, reason)
    _release_after_miss(cc, agent, expired=reason == "expired")


def _release_after_miss(cc: ContactCenter, agent: Agent, *, expired: bool) -> None:
    if expired:
        agent.consecutive_misses += 1
        limit = agent.profile.auto_pause_after_misses
        if limit is not None and agent.consecutive_misses >= limit:
            # Paused now, or after the post-interaction a missed recall interrupted.
            agent.pending_pause = "missed_calls"
    cc.make_available(agent)


def _return_call(cc: ContactCenter, call: Call, offer: Offer, reason: str) -> None:
    from switchboard.core import outbound, routing, transfers

    if offer.kind in _TRANSFER_KINDS:
        transfers.destination_failed(cc, call, reason)
        if call.state is CallState.DIALING:
            # A consultation whose transfer ended meanwhile (the caller hung up) is a
            # plain internal call now, and nobody answered it.
            outbound.internal_call_failed(cc, call, reason)
    elif offer.kind is OfferKind.DIRECT and call.state is CallState.DIALING:
        outbound.internal_call_failed(cc, call, reason)
    elif call.queue_id is not None and offer.kind in _BACK_TO_QUEUE:
        routing.requeue(cc, call)
    else:
        routing.direct_unanswered(cc, call, offer.agent_id)


def withdraw(cc: ContactCenter, offer: Offer, reason: str, *, release: bool = True) -> Agent:
    """Stop the offer with no missed call (the caller hung up, a supervisor took it);
    the agent is free again (`release=False`: the caller makes it free later)."""
    call, agent = _close(cc, offer)
    cc.emit(fx.WithdrawOffer(offer.id, call.id, agent.id, reason))
    call.log(cc.now, "offer_withdrawn", agent.id, reason=reason)
    if release:
        cc.make_available(agent)
    return agent


def withdraw_and_return(cc: ContactCenter, offer: Offer, reason: str) -> None:
    """Withdraw the offer and, if it was the last one, put the call back."""
    call = cc.calls[offer.call_id]
    _close(cc, offer)
    agent = cc.agents[offer.agent_id]
    cc.emit(fx.WithdrawOffer(offer.id, call.id, agent.id, reason))
    call.excluded.add(agent.id)
    if not call.offer_ids:
        _return_call(cc, call, offer, reason)


@handles(cmd.Take)
def take(cc: ContactCenter, c: cmd.Take) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    call = cc.call(c.call_id)
    if call.queue_id is None or agent.id not in cc.supervisors.get(call.queue_id, set()):
        if agent.offer_id is not None and cc.offers[agent.offer_id].call_id == call.id:
            accept_offer(cc, cc.offers[agent.offer_id])
            return
        raise CommandRejected(
            Reason.NOT_VISIBLE, "you can only take calls waiting in queues you supervise"
        )
    if agent.state not in (AgentState.AVAILABLE, AgentState.PAUSED):
        if agent.offer_id is not None and cc.offers[agent.offer_id].call_id == call.id:
            accept_offer(cc, cc.offers[agent.offer_id])
            return
        raise CommandRejected(Reason.AGENT_BUSY, "finish your current call or offer first")
    if call.state not in (CallState.QUEUED, CallState.OFFERED):
        if call.agents:
            raise CommandRejected(
                Reason.CALL_ALREADY_TAKEN, "another agent has already taken this call"
            )
        raise CommandRejected(Reason.CALL_NOT_WAITING, "this call is not waiting for an agent")
    if call.state is CallState.QUEUED:
        assert call.queue_id is not None
        cc.queues[call.queue_id].dequeue(call.id)
    for offer_id in list(call.offer_ids):
        withdraw(cc, cc.offers[offer_id], "taken")
    for kind in ("maxwait", "round", "announce"):
        cc.disarm(kind, call.id)
    call.log(cc.now, "taken", agent.id)
    agent.calls_handled += 1
    _connect(cc, call, agent, None)
