"""What an agent sees: the incoming call popup and the Calls in pool list.

These are read-only projections of the state, computed at `now`, for the API to
serialise. Visibility follows DESIGN §4: an agent sees its own calls and offers,
and the calls waiting in queues it supervises; it never sees calls of queues it
neither belongs to nor supervises.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter
from switchboard.core.records import CallType
from switchboard.core.waiting import is_pending_callback


class PopupColour(StrEnum):
    """Spec §2.2."""

    RASPBERRY_RED = "raspberry_red"
    OCEAN_BLUE = "ocean_blue"
    SKY_BLUE = "sky_blue"
    LILAC = "lilac"


COLOUR = {
    CallType.SMART_ROUTING: PopupColour.RASPBERRY_RED,
    CallType.DIRECT_EXTERNAL: PopupColour.OCEAN_BLUE,
    CallType.DIRECT_INTERNAL: PopupColour.SKY_BLUE,
    CallType.PREVIEW: PopupColour.LILAC,
}


def colour(call: Call) -> PopupColour:
    """The call's colour on the popup and in Calls in pool.

    A queued callback not yet dialled is a preview call (lilac): the agent reviews
    whom it is about to call, and accepting launches the call (spec §2.2), as
    Genesys and Amazon Connect present callbacks. Once the customer is on the line it
    shows as the queue call it is."""
    if is_pending_callback(call) and not call.ended:  # (an ended call's line is down)
        return PopupColour.LILAC
    return COLOUR[call.call_type]


@dataclass(frozen=True, slots=True)
class Popup:
    """The incoming call popup (spec §2.1)."""

    offer_id: str
    call_id: str
    caller: str
    contact_name: str | None
    queue_id: str | None
    queue_name: str | None
    wait_seconds: float
    transfer_from: str | None
    transfer_mode: str | None
    colour: PopupColour
    remaining_seconds: float
    auto_answer: bool


class PoolCategory(StrEnum):
    PRESENTED = "presented"
    HANDLED = "handled"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class PoolEntry:
    call_id: str
    category: PoolCategory
    state: str
    caller: str
    contact_name: str | None
    queue_id: str | None
    wait_seconds: float
    colour: PopupColour
    can_take: bool


def _contact_name(cc: ContactCenter, call: Call) -> str | None:
    if call.crm_contact_id and call.crm_contact_id in cc.directory.crm:
        return cc.directory.crm[call.crm_contact_id].name
    return call.caller_name


def waited(call: Call, now: float) -> float:
    """The wait the popup shows: time in the queue so far while the call waits or
    rings (a call transferred to a queue waits anew), else the wait it had."""
    waiting = call.state in (CallState.QUEUED, CallState.OFFERED)
    if call.wait_since is None or (call.answered_at is not None and not waiting):
        return call.wait_seconds
    return max(0.0, now - call.wait_since)


def popup(cc: ContactCenter, offer_id: str, now: float) -> Popup | None:
    offer = cc.offers.get(offer_id)
    if offer is None:
        return None
    call = cc.calls[offer.call_id]
    queue = cc.queues[call.queue_id].config if call.queue_id else None
    info = call.transfer_info
    return Popup(
        offer_id=offer.id,
        call_id=call.id,
        caller=call.caller,
        contact_name=_contact_name(cc, call),
        queue_id=queue.id if queue and call.call_type is CallType.SMART_ROUTING else None,
        queue_name=queue.name if queue and call.call_type is CallType.SMART_ROUTING else None,
        wait_seconds=waited(call, now),
        transfer_from=info.from_agent if info else None,
        transfer_mode=info.mode if info else None,
        colour=colour(call),
        remaining_seconds=max(0.0, offer.deadline - now),
        auto_answer=offer.auto_answer,
    )


def can_see(cc: ContactCenter, agent_id: str, call: Call) -> bool:
    if agent_id in call.agents or any(leg.agent_id == agent_id for leg in call.past_agents):
        return True
    if any(cc.offers[o].agent_id == agent_id for o in call.offer_ids):
        return True
    if call.queue_id is None:
        return False
    agent = cc.agents[agent_id]
    return call.queue_id in agent.membership_queues() or agent_id in cc.supervisors[call.queue_id]


def calls_in_pool(cc: ContactCenter, agent_id: str, now: float) -> list[PoolEntry]:
    """The Voice module's list: presented to me, handled by me, waiting where I supervise."""
    agent = cc.agents[agent_id]
    entries: list[PoolEntry] = []
    seen: set[str] = set()

    def add(call: Call, category: PoolCategory, can_take: bool) -> None:
        if call.id in seen:
            return
        seen.add(call.id)
        entries.append(
            PoolEntry(
                call_id=call.id,
                category=category,
                state=call.state.value,
                caller=call.caller,
                contact_name=_contact_name(cc, call),
                queue_id=call.queue_id,
                wait_seconds=waited(call, now),
                colour=colour(call),
                can_take=can_take,
            )
        )

    if agent.offer_id is not None:
        add(cc.calls[cc.offers[agent.offer_id].call_id], PoolCategory.PRESENTED, True)
    for call_id in agent.call_ids:
        add(cc.calls[call_id], PoolCategory.HANDLED, False)
    free = agent.state.value in ("available", "paused")
    for queue_id, supervisors in cc.supervisors.items():
        if agent_id not in supervisors:
            continue
        queue = cc.queues[queue_id]
        for call_id in queue.waiting_ids():
            add(cc.calls[call_id], PoolCategory.WAITING, free)
        for call in cc.calls.values():
            if call.queue_id == queue_id and call.state is CallState.OFFERED:
                add(call, PoolCategory.WAITING, free)
    return entries
