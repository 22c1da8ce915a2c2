"""How an interaction of the history looks in the API, with the names a person reads.

A record keeps numbers and ids as the call had them: the caller's number and the
display name its phone sent, the callee as dialled (a number, an extension, or, for
a consultation towards a colleague or a queue, that colleague's login or the queue's
id). The names beside them come from the configuration when the entry is read, as
for voicemails (`mailboxes.py`): a CRM contact's name, a colleague's, a queue's, a
directory contact's, looked up by the core's `Directory` as the popup and the call
show them. Like `mailboxes.py`, these functions read the configuration and nothing
else.
"""

from __future__ import annotations

from typing import Any

from switchboard.core.directory import Directory
from switchboard.core.records import InteractionRecord


def party_name(directory: Directory, party: str) -> str | None:
    """The configured name of a caller or callee: a colleague (by extension or login),
    a queue (by id: a consultation towards a queue), or a directory contact (by
    number)."""
    colleague = directory.colleague(party)
    if colleague is not None:
        return colleague.name
    queue = next((q for q in directory.tenant.queues if q.id == party), None)
    if queue is not None:
        return queue.name
    contact = directory.contact_for(party)
    return contact.name if contact is not None else None


def crm_contact_name(directory: Directory, contact_id: str | None) -> str | None:
    contact = directory.crm.get(contact_id) if contact_id is not None else None
    return contact.name if contact is not None else None


def record_json(directory: Directory, record: InteractionRecord) -> dict[str, Any]:
    """One interaction as the history shows it. `caller_name` is the display name the
    caller's phone sent (else a colleague's name, for an internal call);
    `crm_contact_name` the CRM contact's; `callee_name` the colleague, queue or
    directory contact the call was made to, when it was one."""
    return {
        "id": record.id,
        "direction": record.direction.value,
        "type": record.call_type.value,
        "caller": record.caller,
        "caller_name": record.caller_name or party_name(directory, record.caller),
        "callee": record.callee,
        "callee_name": party_name(directory, record.callee),
        "crm_contact_id": record.crm_contact_id,
        "crm_contact_name": crm_contact_name(directory, record.crm_contact_id),
        "queue_id": record.queue_id,
        "created_at": record.created_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "end_cause": record.end_cause.value if record.end_cause else None,
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "hold_seconds": record.hold_seconds,
        "post_interaction_seconds": record.post_interaction_seconds,
        "agents": [
            {
                "agent_id": p.agent_id,
                "connected_at": p.connected_at,
                "left_at": p.left_at,
                "talk_seconds": p.talk_seconds,
                "qualification": p.qualification,
                "tags": list(p.tags),
            }
            for p in record.participations
        ],
        "recordings": [r.id for r in record.recordings],
        "variables": record.variables,
    }
