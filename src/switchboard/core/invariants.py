"""The invariants of DESIGN §2, checked after every step by the tests.

`check(cc)` raises `InvariantBroken` naming the first broken rule. It walks the
whole state, so it is for tests and debugging, never for the call path.
"""

from __future__ import annotations

from switchboard.config.model import RoutingStrategy
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from switchboard.core.center import ContactCenter


class InvariantBroken(AssertionError):
    pass


def _fail(why: str) -> None:
    raise InvariantBroken(why)


def check(cc: ContactCenter) -> None:
    _offers(cc)
    _agents(cc)
    _calls(cc)
    _acd_complete(cc)


def _offers(cc: ContactCenter) -> None:
    per_call: dict[str, list[str]] = {}
    for offer in cc.offers.values():
        agent = cc.agents[offer.agent_id]
        if agent.offer_id != offer.id:
            _fail(f"offer {offer.id} is not the pending offer of {agent.id}")
        if agent.state is not AgentState.PRESENTED:
            _fail(f"{agent.id} holds offer {offer.id} but is {agent.state.value}")
        call = cc.calls.get(offer.call_id)
        if call is None or call.ended or offer.id not in call.offer_ids:
            _fail(f"offer {offer.id} points at a call that does not know it")
        per_call.setdefault(offer.call_id, []).append(offer.agent_id)
        if cc.timers.deadline(("offer", offer.id)) is None:
            _fail(f"offer {offer.id} has no countdown")
    for call_id, agents in per_call.items():
        call = cc.calls[call_id]
        ring_all = (
            call.queue_id is not None
            and cc.queues[call.queue_id].strategy is RoutingStrategy.RING_ALL
        )
        if len(agents) > 1 and not ring_all:
            _fail(f"call {call_id} is offered to {len(agents)} agents at once: {agents}")


def _agents(cc: ContactCenter) -> None:
    for agent in cc.agents.values():
        free = agent.state is AgentState.AVAILABLE
        busy = bool(agent.call_ids) or agent.post_interaction is not None or agent.offer_id
        if free and busy:
            _fail(f"{agent.id} is available while busy")
        if agent.state is AgentState.PRESENTED and agent.offer_id is None:
            _fail(f"{agent.id} is presented without an offer")
        if agent.state is AgentState.ON_CALL and not agent.call_ids:
            _fail(f"{agent.id} is on a call without calls")
        if len(agent.call_ids) > 2:
            _fail(f"{agent.id} has {len(agent.call_ids)} calls")
        if agent.offer_id is not None and agent.offer_id not in cc.offers:
            _fail(f"{agent.id} points at a finished offer")
        if agent.state is AgentState.POST_INTERACTION and agent.post_interaction is None:
            _fail(f"{agent.id} is in post-interaction without one")
        if agent.post_interaction is not None and agent.state in (
            AgentState.PAUSED,
            AgentState.LOGGED_OUT,
        ):
            _fail(f"{agent.id} is {agent.state.value} with its post-interaction open")
        if agent.post_interaction is not None and cc.timers.deadline(("post", agent.id)) is None:
            _fail(f"{agent.id}'s post-interaction has no deadline")
        for call_id in agent.call_ids:
            call = cc.calls.get(call_id)
            if call is None or call.ended or agent.id not in call.agents:
                _fail(f"{agent.id} lists call {call_id} it is not on")
        for queue in cc.queues.values():
            listed = queue.is_available(agent.id)
            should = free and queue.id in agent.joined
            if listed != should:
                _fail(f"{agent.id} listed={listed} in {queue.id}'s free agents, should be {should}")
            if (agent.logged_in and queue.id in agent.joined) != (agent.id in queue.logged_in):
                _fail(f"{agent.id}'s login in {queue.id} is out of step")


def _calls(cc: ContactCenter) -> None:
    for call in cc.calls.values():
        places = 0
        waiting_in = [q.id for q in cc.queues.values() if q.is_waiting(call.id)]
        if len(waiting_in) > 1:
            _fail(f"call {call.id} waits in several queues: {waiting_in}")
        if waiting_in:
            places += 1
            if call.state is not CallState.QUEUED or waiting_in[0] != call.queue_id:
                _fail(f"call {call.id} waits in {waiting_in[0]} but is {call.state.value}")
        if call.state is CallState.QUEUED and not waiting_in:
            _fail(f"call {call.id} is queued but in no queue")
        if call.offer_ids:
            places += 1
        if call.state is CallState.OFFERED and not call.offer_ids:
            _fail(f"call {call.id} is offered without an offer")
        if places > 1:
            _fail(f"call {call.id} is both waiting and offered")
        for agent_id in call.agents:
            if call.id not in cc.agents[agent_id].call_ids:
                _fail(f"call {call.id} has {agent_id} who does not list it")
        if call.ended:
            if call.end_cause is None:
                _fail(f"call {call.id} ended without an end cause")
            if call.agents or call.offer_ids or waiting_in:
                _fail(f"ended call {call.id} still has agents, offers or a queue place")
        elif (
            call.state in (CallState.CONNECTED, CallState.HELD)
            and not call.agents
            and not (call.has_remote and call.remote_up)
        ):
            _fail(f"call {call.id} is {call.state.value} with nobody on it")


def _acd_complete(cc: ContactCenter) -> None:
    """No call waits while a free agent of its queue could take it."""
    for queue in cc.queues.values():
        for call_id in queue.waiting_ids():
            call = cc.calls[call_id]
            for agent_id in queue.eligible_agents(call):
                _fail(f"call {call_id} waits in {queue.id} while {agent_id} is free for it")
