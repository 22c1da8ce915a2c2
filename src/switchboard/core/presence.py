"""Agents logging in and out, pausing, becoming ready, joining and leaving queues.

A queue with nobody logged in applies its `no_agent` rule to the calls waiting in
it (and to each call that arrives), so a caller is never left waiting for a queue
that nobody serves.
"""

from __future__ import annotations

from switchboard.config.model import Device
from switchboard.core import commands as cmd
from switchboard.core.agent import AgentState
from switchboard.core.center import ContactCenter, handles
from switchboard.core.errors import CommandRejected, Reason


@handles(cmd.Login)
def login(cc: ContactCenter, c: cmd.Login) -> None:
    agent = cc.agent(c.agent_id)
    if agent.logged_in:
        raise CommandRejected(Reason.ALREADY_LOGGED_IN, f"agent {agent.id!r} is already logged in")
    agent.joined = set(agent.membership_queues())
    agent.consecutive_misses = 0
    for qid in agent.joined:
        cc.queues[qid].logged_in.add(agent.id)
    cc.make_available(agent)
    for qid in sorted(agent.joined):
        new_rounds(cc, qid)


@handles(cmd.Logout)
def logout(cc: ContactCenter, c: cmd.Logout) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    if agent.call_ids or agent.post_interaction is not None:
        raise CommandRejected(
            Reason.AGENT_BUSY, "finish your calls and post-interaction before logging out"
        )
    if agent.offer_id is not None:
        from switchboard.core.offers import withdraw_and_return

        withdraw_and_return(cc, cc.offers[agent.offer_id], "logged_out")
    cc.leave_available_sets(agent)
    queues = list(agent.joined)
    for qid in queues:
        cc.queues[qid].logged_in.discard(agent.id)
    agent.joined = set()
    agent.pending_pause = None
    cc.set_agent_state(agent, AgentState.LOGGED_OUT)
    for qid in queues:
        nobody_left(cc, qid)


@handles(cmd.Pause)
def pause(cc: ContactCenter, c: cmd.Pause) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    reason = c.reason.strip()[:64] or "break"
    if agent.state is AgentState.AVAILABLE:
        cc.leave_available_sets(agent)
        agent.pause_reason = reason
        cc.set_agent_state(agent, AgentState.PAUSED)
    elif agent.state is AgentState.PAUSED:
        agent.pause_reason = reason
        cc.agent_changed(agent)
    else:
        # Busy: "not ready after this call".
        agent.pending_pause = reason
        cc.agent_changed(agent)


@handles(cmd.Ready)
def ready(cc: ContactCenter, c: cmd.Ready) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    agent.pending_pause = None
    if agent.state is AgentState.PAUSED:
        agent.consecutive_misses = 0
        cc.make_available(agent)


@handles(cmd.JoinQueue)
def join_queue(cc: ContactCenter, c: cmd.JoinQueue) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    if c.queue_id not in cc.queues:
        raise CommandRejected(Reason.UNKNOWN_QUEUE, f"there is no queue {c.queue_id!r}")
    if c.queue_id not in agent.membership_queues():
        raise CommandRejected(Reason.NOT_A_MEMBER, f"you are not a member of queue {c.queue_id!r}")
    if c.queue_id in agent.joined:
        return
    agent.joined.add(c.queue_id)
    queue = cc.queues[c.queue_id]
    queue.logged_in.add(agent.id)
    if agent.state is AgentState.AVAILABLE:
        queue.add_available(agent)
        cc.dispatch_agent(agent)
    cc.agent_changed(agent)
    new_rounds(cc, c.queue_id)


@handles(cmd.LeaveQueue)
def leave_queue(cc: ContactCenter, c: cmd.LeaveQueue) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    if c.queue_id not in cc.queues:
        raise CommandRejected(Reason.UNKNOWN_QUEUE, f"there is no queue {c.queue_id!r}")
    if c.queue_id not in agent.joined:
        return
    agent.joined.discard(c.queue_id)
    queue = cc.queues[c.queue_id]
    queue.remove_available(agent.id)
    queue.logged_in.discard(agent.id)
    cc.agent_changed(agent)
    nobody_left(cc, c.queue_id)


@handles(cmd.SetDevice)
def set_device(cc: ContactCenter, c: cmd.SetDevice) -> None:
    """The agent's next calls ring the Banner or its SIP phone. Not while a call is
    offered or held by the agent: its audio would be left on the other device."""
    agent = cc.agent(c.agent_id)
    if agent.offer_id is not None or agent.call_ids:
        raise CommandRejected(
            Reason.AGENT_BUSY, "finish your calls before changing where you take them"
        )
    if c.device is Device.SIP_PHONE and agent.config.sip is None:
        raise CommandRejected(
            Reason.NO_SIP_ACCOUNT, "you have no SIP phone account: ask for one to use a phone"
        )
    if agent.device is not c.device:
        agent.device = c.device
        cc.agent_changed(agent)


@handles(cmd.SetNotificationPreference)
def set_notification_preference(cc: ContactCenter, c: cmd.SetNotificationPreference) -> None:
    agent = cc.agent(c.agent_id)
    agent.notification_prefs[c.kind] = c.mode


def new_rounds(cc: ContactCenter, queue_id: str) -> None:
    """The queue's agents changed: a waiting call that every agent logged in now has
    refused gets a new round (see `routing.maybe_new_round`)."""
    from switchboard.core.routing import maybe_new_round

    for call_id in list(cc.queues[queue_id].waiting_ids()):
        maybe_new_round(cc, cc.calls[call_id])


def nobody_left(cc: ContactCenter, queue_id: str) -> None:
    """An agent left the queue. If it was the last, its waiting calls follow the
    no-agent rule; otherwise a call that every agent still there has refused gets a
    new round."""
    from switchboard.core.routing import apply_rule
    from switchboard.core.waiting import is_pending_callback

    queue = cc.queues[queue_id]
    if queue.logged_in:
        new_rounds(cc, queue_id)
        return
    if queue.config.no_agent is None:
        return
    for call_id in list(queue.waiting_ids()):
        call = cc.calls[call_id]
        if not is_pending_callback(call):  # a promised callback waits for agents
            apply_rule(cc, call, queue.config.no_agent, "no_agent")
