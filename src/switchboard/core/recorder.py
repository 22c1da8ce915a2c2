"""Build the persisted `InteractionRecord` of a call from its live state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from switchboard.core.call import Call
from switchboard.core.records import InteractionRecord

if TYPE_CHECKING:
    from switchboard.core.center import ContactCenter


def build_record(cc: ContactCenter, call: Call) -> InteractionRecord:
    legs = [*call.past_agents, *call.agents.values()]
    participations = tuple(leg.participation() for leg in legs)
    post = sum(
        (leg.post_ended_at - leg.post_started_at)
        for leg in legs
        if leg.post_started_at is not None and leg.post_ended_at is not None
    )
    talk = 0.0
    if call.answered_at is not None:
        end = call.ended_at if call.ended_at is not None else cc.now
        talk = max(0.0, end - call.answered_at)
    hold = sum(leg.hold_seconds for leg in legs)
    return InteractionRecord(
        id=call.id,
        direction=call.direction,
        call_type=call.call_type,
        caller=call.caller,
        callee=call.callee,
        crm_contact_id=call.crm_contact_id,
        queue_id=call.queue_id,
        created_at=call.created_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        end_cause=call.end_cause,
        wait_seconds=call.wait_seconds,
        talk_seconds=talk,
        hold_seconds=hold,
        post_interaction_seconds=post,
        participations=participations,
        transfers=tuple(cc.transfers[t].record() for t in call.transfer_ids),
        recordings=tuple(r.ref() for r in call.recordings),
        timeline=tuple(call.timeline),
        variables=dict(call.variables),
        caller_name=call.caller_name,
    )
