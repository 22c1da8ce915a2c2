"""What one agent's screen shows, as JSON-ready sections, computed from the core.

The WebSocket stream sends these sections whole in its snapshot, then only the
sections that changed. Times are absolute (epoch seconds: `deadline_at`,
`waiting_since_at`, `connected_at`): the Banner ticks its countdowns and timers
itself, so a view does not change every second and the stream stays quiet between
real changes.

Visibility (DESIGN §4): an agent sees its own offer, its own calls, its own
wrap-up, and the calls waiting in queues it supervises; nothing of other queues.
Caller-supplied strings (numbers, display names) are passed as data; the JSON
encoder escapes them and the Banner inserts them as text, never as markup.
"""

from __future__ import annotations

from typing import Any

from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter
from switchboard.core.records import Direction
from switchboard.core.views import calls_in_pool, colour, popup
from switchboard.core.wrapup import extension_left

Section = dict[str, Any] | list[Any] | None


def agent_view(cc: ContactCenter, agent_id: str) -> dict[str, Section]:
    agent = cc.agents[agent_id]
    config = agent.config
    return {
        "agent": {
            "id": agent_id,
            "name": config.name,
            "extension": config.extension,
            "device": agent.device.value,
            "state": agent.state.value,
            "pause_reason": agent.pause_reason,
            "pending_pause": agent.pending_pause,
            "state_since_at": agent.state_since,
            "joined_queues": sorted(agent.joined),
            "member_of": agent.membership_queues(),
            "supervises": list(config.supervises),
            "profile": {
                "id": agent.profile.id,
                "auto_answer": agent.profile.auto_answer,
                "can_record": agent.profile.can_record,
                "can_smart_outbound": agent.profile.can_smart_outbound,
            },
        },
        "popup": _popup(cc, agent_id),
        "calls": [_call(cc, cc.calls[c], agent_id) for c in agent.call_ids if c in cc.calls],
        "pool": _pool(cc, agent_id),
        "post_interaction": _post(cc, agent_id),
    }


def _popup(cc: ContactCenter, agent_id: str) -> Section:
    offer_id = cc.agents[agent_id].offer_id
    if offer_id is None:
        return None
    view = popup(cc, offer_id, cc.now)
    if view is None:
        return None
    offer = cc.offers[offer_id]
    call = cc.calls[offer.call_id]
    return {
        "offer_id": view.offer_id,
        "call_id": view.call_id,
        "caller": view.caller,
        "contact_name": view.contact_name,
        "queue_id": view.queue_id,
        "queue_name": view.queue_name,
        "colour": view.colour.value,
        "transfer_from": view.transfer_from,
        "transfer_mode": view.transfer_mode,
        "auto_answer": view.auto_answer,
        "offered_at": offer.created_at,
        "deadline_at": offer.deadline,
        "waiting_since_at": call.wait_since,
        "callback": call.callback_number,
    }


def _who(cc: ContactCenter, call: Call) -> dict[str, Any]:
    """Who a call is with, as the Banner names it: the fields a call of the `calls`
    section and a call of the wrap-up's header share."""
    queue = cc.queues[call.queue_id].config if call.queue_id else None
    return {
        "call_id": call.id,
        "direction": call.direction.value,
        "type": call.call_type.value,
        "colour": colour(call).value,
        "caller": call.caller,
        "callee": call.callee,
        "caller_name": call.caller_name,
        "crm_contact_id": call.crm_contact_id,
        "queue_id": call.queue_id,
        "queue_name": queue.name if queue else None,
    }


def _call(cc: ContactCenter, call: Call, agent_id: str) -> dict[str, Any]:
    leg = call.agents.get(agent_id)
    recording = call.active_recording
    transfer = cc.transfers.get(call.transfer_id) if call.transfer_id else None
    queue = cc.queues[call.queue_id].config if call.queue_id else None
    return {
        **_who(cc, call),
        "state": call.state.value,
        "callback": call.callback_number,
        "answered_at": call.answered_at,
        "connected_at": leg.connected_at if leg else None,
        "held": call.state is CallState.HELD,
        "muted": leg.muted if leg else False,
        "recording": None
        if recording is None
        else {"id": recording.id, "automatic": recording.automatic, "since": recording.started_at},
        "recording_mode": queue.recording.value if queue else "manual",
        "conference_id": call.conference_id,
        "agents": sorted(call.agents),
        "parties": _parties(cc, call),
        "variables": dict(call.variables),
        "flow_path": [
            {"at": e.at, **{k: v for k, v in e.detail.items()}}
            for e in call.timeline
            if e.kind == "flow_step"
        ],
        "transfer": None
        if transfer is None
        else {
            "id": transfer.id,
            "mode": transfer.mode.value,
            "kind": transfer.kind.value,
            "destination": transfer.destination,
            "status": transfer.status.value,
            "failure_reason": transfer.failure_reason.value if transfer.failure_reason else None,
            "consult_call_id": transfer.consult_call_id,
        },
    }


def _parties(cc: ContactCenter, call: Call) -> list[dict[str, Any]]:
    """Who is on the line: the call's far end and agents, or, for a merged call, those
    of every call of its conference (the customer, each agent, the numbers dialled).

    A far end is the `customer` of an inbound call or the `external` number an agent
    dialled; it is listed while it is up (or being dialled, `connected` false). The
    agent who asks is listed too: the Banner leaves itself out.
    """
    members = cc.conferences.get(call.conference_id) if call.conference_id else None
    legs = [cc.calls[c] for c in members or () if c in cc.calls]
    calls = sorted(legs, key=lambda c: c.seq) or [call]
    parties: list[dict[str, Any]] = []
    listed: set[str] = set()
    for leg in calls:
        if leg.ended:
            continue
        if leg.has_remote and (leg.remote_up or leg.state is CallState.DIALING):
            inbound = leg.direction is Direction.INBOUND
            number = leg.caller if inbound else leg.callee
            parties.append(
                {
                    "kind": "customer" if inbound else "external",
                    "call_id": leg.id,
                    "name": _remote_name(cc, leg, number),
                    "number": number,
                    "connected": leg.remote_up,
                }
            )
        for agent_id in leg.agents:
            if agent_id in listed:
                continue
            listed.add(agent_id)
            config = cc.agents[agent_id].config
            parties.append(
                {
                    "kind": "agent",
                    "call_id": leg.id,
                    "agent_id": agent_id,
                    "name": config.name,
                    "number": config.extension,
                    "connected": True,
                }
            )
    return parties


def _remote_name(cc: ContactCenter, call: Call, number: str) -> str | None:
    """The far end's name: a directory contact dialled, else the call's CRM contact
    (a consultation carries the customer's, which does not name its far end), else
    the caller's display name."""
    contact = cc.directory.contact_for(number)
    if contact is not None:
        return contact.name
    crm = cc.directory.crm.get(call.crm_contact_id) if call.crm_contact_id else None
    if crm is not None and call.consult_of is None:
        return crm.name
    return call.caller_name


def _pool(cc: ContactCenter, agent_id: str) -> list[dict[str, Any]]:
    entries = []
    for entry in calls_in_pool(cc, agent_id, cc.now):
        call = cc.calls[entry.call_id]
        entries.append(
            {
                "call_id": entry.call_id,
                "category": entry.category.value,
                "state": entry.state,
                "caller": entry.caller,
                "contact_name": entry.contact_name,
                "queue_id": entry.queue_id,
                "colour": entry.colour.value,
                "can_take": entry.can_take,
                "waiting_since_at": call.wait_since,
                "callback": call.callback_number,
            }
        )
    return entries


def _post(cc: ContactCenter, agent_id: str) -> Section:
    """The wrap-up, with what its header names (the calls it is for, which have left
    the `calls` section) and how much Extend may still add, so that the Banner never
    asks for more than the profile allows."""
    agent = cc.agents[agent_id]
    post = agent.post_interaction
    if post is None:
        return None
    return {
        "call_ids": list(post.call_ids),
        # Who each call was with (they have left the `calls` section).
        "calls": [_who(cc, cc.calls[c]) for c in post.call_ids if c in cc.calls],
        "started_at": post.started_at,
        "deadline_at": post.deadline,
        "total_seconds": post.total,
        "extended_by": post.extended_by,
        "max_extension_seconds": agent.profile.max_post_interaction_extension,
        "extension_left_seconds": extension_left(agent, post),
        "form_id": post.form_id,
        "qualification": dict(post.qualification),
        "tags": list(post.tags),
        "crm_links": [{"contact_id": c, "case_id": k} for c, k in post.crm_links],
    }
