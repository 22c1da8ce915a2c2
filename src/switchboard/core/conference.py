"""Merge (spec §5): an agent's two calls become one 3-way conversation.

Only with exactly two calls (one active, one held), neither in a transfer. Every
party of both calls then hears every other. When the agent hangs up, the other two
stay connected; the conference ends when fewer than two parties remain, hanging up
the last one.
"""

from __future__ import annotations

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter, handles
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.records import EndCause


@handles(cmd.Merge)
def merge(cc: ContactCenter, c: cmd.Merge) -> None:
    agent = cc.logged_in_agent(c.agent_id)
    if len(agent.call_ids) != 2:
        raise CommandRejected(
            Reason.MERGE_NEEDS_TWO_CALLS, "merge needs two calls: one active and one on hold"
        )
    calls = [cc.calls[cid] for cid in agent.call_ids]
    for call in calls:
        if call.conference_id is not None:
            raise CommandRejected(Reason.ALREADY_IN_CONFERENCE, "these calls are already merged")
        if call.transfer_id is not None or call.consult_of is not None:
            raise CommandRejected(
                Reason.TRANSFER_IN_PROGRESS, "complete or cancel the transfer before merging"
            )
        if call.state not in (CallState.CONNECTED, CallState.HELD):
            raise CommandRejected(
                Reason.CALL_NOT_CONNECTED, "both calls must be answered before merging"
            )
    from switchboard.core.controls import take_off_hold

    conf_id = cc.new_id("k")
    cc.conferences[conf_id] = {call.id for call in calls}
    for call in calls:
        if call.state is CallState.HELD:
            take_off_hold(cc, call, agent.id)
        call.conference_id = conf_id
        call.state = CallState.CONFERENCE
        call.log(cc.now, "merged", agent.id, conference=conf_id)
        cc.call_changed(call)
    cc.emit(fx.JoinConference(conf_id, tuple(call.id for call in calls)))


def parties(cc: ContactCenter, conf_id: str) -> int:
    calls = [cc.calls[cid] for cid in cc.conferences[conf_id]]
    agents = {a for call in calls for a in call.agents}
    remotes = sum(1 for call in calls if call.has_remote and call.remote_up)
    return len(agents) + remotes


def agent_leaves(cc: ContactCenter, conf_id: str, agent_id: str) -> None:
    calls = [cc.calls[cid] for cid in sorted(cc.conferences[conf_id])]
    for call in calls:
        call.log(cc.now, "left_conference", agent_id)
        if agent_id in call.agents:
            cc.remove_agent(call, agent_id)
    _settle(cc, conf_id)


def call_left(cc: ContactCenter, call: Call, conf_id: str) -> None:
    """A call of the conference ended (its remote hung up)."""
    members = cc.conferences.get(conf_id)
    if members is None:
        return
    members.discard(call.id)
    _settle(cc, conf_id)


def _settle(cc: ContactCenter, conf_id: str) -> None:
    """End the conference when fewer than two parties remain; dissolve it to a plain
    call when only one call is left."""
    members = cc.conferences.get(conf_id)
    if members is None:
        return
    live = [cc.calls[cid] for cid in sorted(members) if not cc.calls[cid].ended]
    for call in list(live):
        # A leg left with nobody of its own (the agent's leg to a colleague who hung
        # up: only agents who are on another call of the conference) carries nobody.
        elsewhere = {a for other in live if other is not call for a in other.agents}
        if not (call.has_remote and call.remote_up) and set(call.agents) <= elsewhere:
            live.remove(call)
            members.discard(call.id)
            call.conference_id = None
            cc.end_call(call, EndCause.COMPLETED)
    if parties(cc, conf_id) >= 2 and len(live) >= 2:
        return
    if len(live) == 1 and parties(cc, conf_id) >= 2:
        del cc.conferences[conf_id]
        call = live[0]
        call.conference_id = None
        call.state = CallState.CONNECTED
        cc.call_changed(call)
        return
    del cc.conferences[conf_id]
    for call in live:
        call.conference_id = None
        cc.end_call(call, EndCause.COMPLETED)
