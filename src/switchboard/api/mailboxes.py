"""Who may read which mailbox, and how a voicemail looks in the API.

A mailbox id is whatever the call was sent to: a mailbox of the configuration, a
queue's (its `mailbox` field, or the queue id itself), an agent's (a direct call
nobody answered), or a flow's. An agent may read a mailbox when

- it is listed in the mailbox's `readers`;
- the mailbox is its own (the mailbox id is the agent id);
- the mailbox belongs to a queue the agent is a member of or supervises: the
  queue's id, or the mailbox the queue's `mailbox` field names.

Nothing else opens a mailbox: a flow's mailbox is read through its `readers`.
Every rule is written in the configuration, so the mailboxes an agent may read are
a finite set computed from it (`readable_mailboxes`), which both the single checks
and the listings use; these functions read the tenant and nothing else.
"""

from __future__ import annotations

from typing import Any

from switchboard.config.model import Tenant
from switchboard.core.directory import Directory
from switchboard.core.records import VoicemailRecord


def readable_mailboxes(tenant: Tenant, agent_id: str) -> frozenset[str]:
    """Every mailbox `agent_id` may list, play and mark heard; empty for an unknown agent."""
    agent = next((a for a in tenant.agents if a.id == agent_id), None)
    if agent is None:
        return frozenset()
    readable = {agent.id}
    readable.update(box.id for box in tenant.mailboxes if agent.id in box.readers)
    own_queues = {m.queue for m in agent.queues} | set(agent.supervises)
    for queue in tenant.queues:
        if queue.id in own_queues:
            readable.add(queue.id)
            if queue.mailbox is not None:
                readable.add(queue.mailbox)
    return frozenset(readable)


def may_read_mailbox(tenant: Tenant, agent_id: str, mailbox_id: str) -> bool:
    """Whether `agent_id` may read the messages of `mailbox_id` (see the module's rules)."""
    return mailbox_id in readable_mailboxes(tenant, agent_id)


def readers(tenant: Tenant, mailbox_id: str) -> list[str]:
    """Every agent who may read `mailbox_id`: those its news goes to."""
    return [a.id for a in tenant.agents if may_read_mailbox(tenant, a.id, mailbox_id)]


def mailbox_name(tenant: Tenant, mailbox_id: str) -> str:
    """What a person calls the mailbox: its configured name, else the name of the
    queue or agent it belongs to, else its id."""
    configured = next((b for b in tenant.mailboxes if b.id == mailbox_id), None)
    if configured is not None and configured.name:
        return configured.name
    for queue in tenant.queues:
        if mailbox_id in (queue.id, queue.mailbox):
            return queue.name
    for agent in tenant.agents:
        if agent.id == mailbox_id:
            return agent.name
    return mailbox_id


def caller_name(directory: Directory, record: VoicemailRecord) -> str | None:
    """Who left the message, when the configuration knows: the CRM contact of the
    call, or the colleague whose extension called."""
    contact = directory.crm.get(record.crm_contact_id) if record.crm_contact_id else None
    if contact is not None:
        return contact.name
    colleague = directory.colleague(record.caller)
    return colleague.name if colleague is not None else None


def voicemail_json(directory: Directory, record: VoicemailRecord) -> dict[str, Any]:
    """One voicemail as the API shows it; `audio_url` is the WAV's path on this server."""
    return {
        "id": record.id,
        "mailbox": record.mailbox,
        "mailbox_name": mailbox_name(directory.tenant, record.mailbox),
        "call_id": record.call_id,
        "caller": record.caller,
        "caller_name": caller_name(directory, record),
        "crm_contact_id": record.crm_contact_id,
        "created_at": record.created_at,
        "duration_seconds": record.duration_seconds,
        "transcription": record.transcription,
        "transcription_status": record.transcription_status,
        "heard_at": record.heard_at,
        "heard_by": record.heard_by,
        "audio_url": f"/api/v1/voicemails/{record.id}/audio",
    }


def voicemail_news(
    tenant: Tenant, record: VoicemailRecord, change: str, unheard: int
) -> dict[str, Any]:
    """The stream's `voicemail` message: the message as the API shows it, what
    happened to it (`saved`, `transcribed`, `heard`), and its mailbox with how many
    messages nobody heard yet (the Banner's badge). News is rare: its look-ups are
    built for it from `tenant`."""
    return {
        "change": change,
        "voicemail": voicemail_json(Directory(tenant), record),
        "mailbox": {
            "id": record.mailbox,
            "name": mailbox_name(tenant, record.mailbox),
            "unheard": unheard,
        },
    }
